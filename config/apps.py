from django.contrib.admin.apps import AdminConfig


class KavshiriAdminConfig(AdminConfig):
    """Django's admin, with Kavshiri's site as admin.site (every app registers its models there)."""

    default_site = "config.admin_site.KavshiriAdminSite"
