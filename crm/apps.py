from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self):
        from config.roles import sync_roles_after_migrate

        # Models added by later migrations get their permissions after every migrate.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="kavshiri-sync-roles")
