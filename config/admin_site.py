"""The admin site: logging in happens on Kavshiri's own login page, which asks for the second
factor; anyone who has set one up must have given it in this session to use the admin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import user_has_device


class KavshiriAdminSite(admin.AdminSite):
    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        verified = getattr(request.user, "is_verified", None)  # set by django_otp's middleware
        return bool(verified and verified()) or not user_has_device(request.user)

    def login(self, request, extra_context=None):
        # The admin's own login form would skip the code step; send everyone to the one that asks.
        wanted = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            wanted = reverse("admin:index", current_app=self.name)
        return redirect_to_login(wanted, settings.LOGIN_URL)
