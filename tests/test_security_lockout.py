"""Guessing passwords: five failures for one username from one address pause that pair for 30
minutes (django-axes), with a page that says so; everyone else logs in as before."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
RIGHT = "correct-horse-battery"


@pytest.fixture
def nino(user_in_role):
    return user_in_role("staff", username="nino")


def _log_in(client, password, username="nino", **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_four_failures_still_let_the_right_password_in(client, nino):
    for _ in range(4):
        assert _log_in(client, "wrong").status_code == 200
    assert _log_in(client, RIGHT).status_code == 302


def test_the_fifth_failure_locks_out_with_a_page(client, nino):
    for _ in range(4):
        _log_in(client, "wrong")
    response = _log_in(client, "wrong")
    assert response.status_code == 429
    assert "registration/lockout.html" in [template.name for template in response.templates]
    assert int(response["Retry-After"]) == 30 * 60
    assert "30" in response.content.decode()


def test_the_right_password_does_not_open_a_locked_out_pair(client, nino):
    for _ in range(5):
        _log_in(client, "wrong")
    response = _log_in(client, RIGHT)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_username_and_address(client, nino, user_in_role):
    user_in_role("staff", username="eka")
    for _ in range(5):
        _log_in(client, "wrong")
    assert _log_in(client, RIGHT, username="eka").status_code == 302  # another username, same address
    client.logout()
    assert _log_in(client, RIGHT, REMOTE_ADDR="192.0.2.10").status_code == 302  # same username, elsewhere


def test_the_lockout_ends_after_thirty_minutes(client, nino):
    for _ in range(5):
        _log_in(client, "wrong")
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=31)
    )
    assert _log_in(client, RIGHT).status_code == 302


def test_trying_again_while_locked_out_does_not_extend_it(client, nino):
    for _ in range(5):
        _log_in(client, "wrong")
    started = AccessAttempt.objects.get().attempt_time
    _log_in(client, "wrong")
    assert AccessAttempt.objects.get().attempt_time == started


def test_a_success_clears_the_count(client, nino):
    for _ in range(4):
        _log_in(client, "wrong")
    assert _log_in(client, RIGHT).status_code == 302
    client.logout()
    for _ in range(4):
        assert _log_in(client, "wrong").status_code == 200
    assert _log_in(client, RIGHT).status_code == 302


def test_the_admin_login_leads_to_the_protected_one(client):
    response = client.get("/admin/login/?next=/admin/crm/organisation/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/crm/organisation/"
    assert (
        client.get("/admin/login/?next=https://elsewhere.example/")["Location"]
        == "/accounts/login/?next=/admin/"
    )


def test_the_lockout_page_speaks_english_on_switch(client, nino):
    client.cookies["django_language"] = "en"
    for _ in range(5):
        response = _log_in(client, "wrong")
    assert "Try again in 30 minutes" in response.content.decode()


def test_passwords_need_ten_characters():
    with pytest.raises(ValidationError):
        validate_password("kutaisi-1")
    validate_password("kutaisi-imereti")


def test_sessions_last_a_working_day_and_end_with_the_browser(client, nino, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    _log_in(client, RIGHT)
    cookie = client.cookies["sessionid"]
    assert cookie["httponly"] and not cookie["max-age"] and not cookie["expires"]  # a browser-session cookie
    assert client.session.get_expiry_age() == 8 * 3600


def test_the_limits_are_read_from_the_environment():
    code = (
        "import config.settings as s; "
        "print(s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()), s.SESSION_COOKIE_AGE)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOGIN_", "SESSION_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=env
        | {
            "DJANGO_DEBUG": "true",
            "LOGIN_FAILURE_LIMIT": "3",
            "LOGIN_LOCKOUT_MINUTES": "60",
            "SESSION_HOURS": "4",
        },
    )
    assert result.stdout.split()[-3:] == ["3", "3600", "14400"]
