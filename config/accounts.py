"""Logging in (with a second step for those who set up two-factor), the two-factor page, and the
page a locked-out login gets.

Logging in with two-factor:
1. /accounts/login/ checks the username and password as always (django-axes counts failures).
2. A user with a confirmed TOTP device is not logged in yet: the session remembers who passed the
   password, for PENDING_SECONDS, and the browser goes to /accounts/login/code/.
3. A right code logs the user in and marks the session verified (django_otp); a wrong one counts
   as a failed login for django-axes, so guessing codes locks out like guessing passwords.
"""

from __future__ import annotations

import math
import time
from base64 import b32encode

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_credentials
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core.validators import MaxLengthValidator
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.access import pages_for
from config.permissions import can_use_two_factor

PENDING = "kavshiri_login_pending"
PENDING_SECONDS = 5 * 60
WRONG_CODE = _("This code is not right or has expired. Enter the code your app shows now.")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


class LoginForm(auth_views.AuthenticationForm):
    """Django's, with the username's length checked: Django sets the field's max_length but
    never validates it, and django-axes would then store an overlong name in its varchar(255)
    (a 500 on PostgreSQL) instead of the form saying it is wrong."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginView(auth_views.LoginView):
    """Django's login; a user with two-factor is sent on to the code step instead of logged in."""

    authentication_form = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if confirmed_device(user) is None:
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
        }
        return redirect("login_code")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request):
    pending = request.session.get(PENDING)
    user = _pending_user(pending)
    device = confirmed_device(user) if user else None
    if device is None:
        request.session.pop(PENDING, None)
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = get_credentials(user.get_username())
        if not AxesProxyHandler.is_allowed(request, credentials):
            return lockout_response(request, None, credentials)
        if verify_token(user, device.persistent_id, form.cleaned_data["code"]):
            del request.session[PENDING]
            auth_login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return redirect(pending["next"])
        # Counted by django-axes like a wrong password; at the limit its middleware answers.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        form.add_error("code", WRONG_CODE)
    return render(request, "registration/login_code.html", {"form": form})


def _pending_user(pending):
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=pending["user"], is_active=True).first()


@pages_for(can_use_two_factor)
@sensitive_post_parameters("code")
@never_cache
def two_factor(request):
    """On: a current code turns it off. Off: a QR code and its secret, confirmed by a code."""
    user = request.user
    form = CodeForm(request.POST or None)
    device = confirmed_device(user)
    if device is not None:
        if request.method == "POST" and form.is_valid():
            if verify_token(user, device.persistent_id, form.cleaned_data["code"]):
                TOTPDevice.objects.filter(user=user).delete()
                messages.success(request, _("Two-factor login is off. You log in with your password alone."))
                return redirect("two_factor")
            form.add_error("code", WRONG_CODE)
        return render(request, "registration/two_factor.html", {"device": device, "form": form})

    setup = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if setup is None:
        setup = TOTPDevice.objects.create(user=user, name="Kavshiri", confirmed=False)
    if request.method == "POST" and form.is_valid():
        if verify_token(user, setup.persistent_id, form.cleaned_data["code"]):
            TOTPDevice.objects.filter(pk=setup.pk).update(confirmed=True)
            setup.refresh_from_db()
            otp_login(request, setup)
            messages.success(
                request,
                _("Two-factor login is on. From now on Kavshiri asks for a code after your password."),
            )
            return redirect("two_factor")
        form.add_error("code", WRONG_CODE)
    context = {"form": form, "qr_code": _qr_svg(setup), "secret": _secret_for_typing(setup)}
    return render(request, "registration/two_factor.html", context)


def _qr_svg(device: TOTPDevice) -> str:
    # Inline SVG: no image request, no inline style (segno draws with attributes only).
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5,
        dark="#000",
        light="#fff",
        title=str(_("QR code for the authenticator app")),
        svgclass="qr-code",
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the URL inside is escaped by it


def _secret_for_typing(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' AXES_LOCKOUT_CALLABLE: the lockout page, 429, with when to try again."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    context = {"minutes": max(1, math.ceil(seconds / 60))}
    response = render(request, "registration/lockout.html", context, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
