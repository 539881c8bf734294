from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        # The retention task lives beside its service, not in tasks.py; importing it here
        # registers it with Celery in every process, the worker and beat included.
        from notifications import retention  # noqa: F401
