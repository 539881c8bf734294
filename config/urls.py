from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config import accounts
from config.health import healthz

admin.site.site_header = _("Kavshiri administration")
admin.site.site_title = _("Kavshiri")
admin.site.index_title = _("Administration")

# 503 with a clear page when the database is out of reach, the site's 500 page otherwise.
handler500 = "config.database_unavailable.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/login/code/", accounts.login_code, name="login_code"),
    path("accounts/two-factor/", accounts.two_factor, name="two_factor"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("network.urls")),
    path("", include("notifications.urls")),
    path("", include("crm.urls")),
]
