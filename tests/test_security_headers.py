"""Secure by default: with DEBUG off, `check --deploy` finds nothing, pages carry the security
headers, HTTP goes to HTTPS, and cookies are Secure, HttpOnly and SameSite."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "kavshiri.example.ge",
    "DJANGO_DEBUG": "false",
    "EMAIL_URL": "smtp+tls://kavshiri:secret@smtp.example.ge:587",
}


def _environment(**overrides):
    """This process's environment without Kavshiri's own settings, plus `overrides`."""
    ours = ("DJANGO_", "CACHE_URL", "EMAIL_URL", "SESSION_", "LOGIN_", "RATE_LIMIT_")
    return {k: v for k, v in os.environ.items() if not k.startswith(ours)} | overrides


def _settings_in(env, expression):
    result = subprocess.run(
        [sys.executable, "-c", f"import config.settings as s; print(*({expression},))"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_check_deploy_finds_nothing_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_environment(**PRODUCTION),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_defaults_are_the_secure_ones():
    values = _settings_in(
        _environment(**PRODUCTION),
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE",
    )
    assert values == "True 31536000 True True True True"


def test_development_needs_no_https():
    values = _settings_in(
        _environment(DJANGO_DEBUG="true"),
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE",
    )
    assert values == "False 0 False"


def test_each_can_be_set_by_its_variable():
    env = _environment(
        **PRODUCTION,
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="3600",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
        DJANGO_SECURE_COOKIES="false",
    )
    values = _settings_in(
        env, "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE"
    )
    assert values == "False 3600 False False"  # no preload without subdomains


def test_a_page_over_https_carries_the_security_headers(client, settings):
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_plain_http_is_sent_to_https_but_health_checks_are_not(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    assert client.get("/healthz").status_code in (200, 503)


def test_cookies_are_secure_httponly_and_same_site(client, user_in_role, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = True
    user_in_role("staff", username="nino")
    client.get("/accounts/login/", secure=True)
    client.post("/accounts/login/", {"username": "nino", "password": "correct-horse-battery"}, secure=True)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)
    for name in ("sessionid", "csrftoken", "django_language"):
        cookie = client.cookies[name]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax", name
