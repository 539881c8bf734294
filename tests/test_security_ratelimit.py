"""Rate limits per address on the public forms: login, subscribe, unsubscribe, invitations.

Each test sends the default limit's worth of POSTs, which pass, then one more, which is refused
with 429 and a page; the window's clock is held still so that no window ends mid-test.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from config import ratelimit
from notifications.models import Subscription
from tests.notifications.factories import MailingListFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _still_clock(monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_000_030.0)  # 30 s into a one-minute window


def _assert_refused(response):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.templates[0].name == "429.html"
    assert 'role="alert"' in response.content.decode()


def test_login_allows_ten_posts_a_minute_per_address(client, user_in_role):
    for attempt in range(10):
        # a different username each time, so that the lockout (per username) is not what answers
        response = client.post("/accounts/login/", {"username": f"nobody{attempt}", "password": "wrong"})
        assert response.status_code == 200
    _assert_refused(client.post("/accounts/login/", {"username": "nobody", "password": "wrong"}))


def test_a_refused_login_is_not_attempted_even_with_the_right_password(client, user_in_role):
    user_in_role("staff", username="nino")
    for attempt in range(10):
        client.post("/accounts/login/", {"username": f"nobody{attempt}", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "nino", "password": "correct-horse-battery"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_code_step_shares_the_login_count(client):
    for attempt in range(10):
        client.post("/accounts/login/", {"username": f"nobody{attempt}", "password": "wrong"})
    _assert_refused(client.post("/accounts/login/code/", {"code": "123456"}))


def test_reading_the_login_page_is_not_limited(client):
    for _ in range(30):
        assert client.get("/accounts/login/").status_code == 200


def test_another_address_has_its_own_count(client):
    for attempt in range(11):
        client.post("/accounts/login/", {"username": f"nobody{attempt}", "password": "wrong"})
    other = client.post("/accounts/login/", {"username": "x", "password": "y"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_a_forwarded_for_header_counts_only_behind_a_trusted_proxy(client, settings):
    def post(forwarded_for):
        return client.post(
            "/accounts/login/", {"username": "x", "password": "y"}, HTTP_X_FORWARDED_FOR=forwarded_for
        )

    for attempt in range(10):
        post(f"198.51.100.{attempt}")
    # Without a proxy the header is the client's own claim: changing it changes nothing.
    assert post("198.51.100.99").status_code == 429
    settings.NUM_PROXIES = 1
    assert post("198.51.100.99").status_code == 200


def test_subscribe_allows_five_posts_a_minute_per_address(client):
    news = MailingListFactory(slug="imereti-news")
    for number in range(5):
        data = {"email": f"person{number}@cso.ge", "first_name": "ნინო", "language": "ka"}
        assert client.post(f"/subscribe/{news.slug}/", data).status_code == 200
    data = {"email": "sixth@cso.ge", "first_name": "ნინო", "language": "ka"}
    _assert_refused(client.post(f"/subscribe/{news.slug}/", data))
    assert Subscription.objects.count() == 5  # the refused one never reached the view


def test_unsubscribe_allows_thirty_posts_a_minute_per_address(client):
    for _ in range(30):
        assert client.post("/unsubscribe/not-a-token/").status_code == 400  # the link page, counted
    _assert_refused(client.post("/unsubscribe/not-a-token/"))


def test_invitation_acceptance_allows_ten_posts_a_minute_per_address(client):
    for _ in range(10):
        assert client.post("/partners/accept/not-a-signed-token/", {"username": "x"}).status_code == 404
    _assert_refused(client.post("/partners/accept/not-a-signed-token/", {"username": "x"}))
    assert client.get("/partners/accept/not-a-signed-token/").status_code == 404  # reading is not limited


def test_the_limits_come_from_settings(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "unsubscribe": "2/hour"}
    for _ in range(2):
        assert client.post("/unsubscribe/not-a-token/").status_code == 400
    response = client.post("/unsubscribe/not-a-token/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 60  # the rest of the hour


def test_the_next_window_starts_a_new_count(client, monkeypatch):
    for _ in range(31):
        client.post("/unsubscribe/not-a-token/")
    assert client.post("/unsubscribe/not-a-token/").status_code == 429
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_000_090.0)
    assert client.post("/unsubscribe/not-a-token/").status_code == 400


def test_the_refusal_page_is_in_english_on_switch(client):
    client.cookies["django_language"] = "en"
    for _ in range(31):
        response = client.post("/unsubscribe/not-a-token/")
    page = response.content.decode()
    assert response.status_code == 429
    assert "Too many requests" in page and "try again" in page


class _UnreachableCache:
    def add(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def test_a_cache_that_cannot_be_reached_lets_requests_through(client, monkeypatch):
    monkeypatch.setattr(ratelimit, "cache", _UnreachableCache())
    for attempt in range(12):
        response = client.post("/accounts/login/", {"username": f"nobody{attempt}", "password": "y"})
        assert response.status_code == 200


@pytest.mark.skipif(
    not os.environ.get("CACHE_URL", "").startswith("redis"), reason="needs CACHE_URL=redis://…"
)
def test_the_count_is_shared_through_redis(settings):
    import environ

    settings.CACHES = {
        "default": {**environ.Env.cache_url_config(os.environ["CACHE_URL"]), "KEY_PREFIX": uuid.uuid4().hex}
    }
    rate = ratelimit.Rate.parse("3/minute")
    waits = [ratelimit.hit("login", "192.0.2.1", rate) for _ in range(4)]
    assert waits[:3] == [0, 0, 0] and waits[3] > 0


def test_the_rates_are_read_from_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("RATE_LIMIT_")}
    code = "import config.settings as s; print(s.RATE_LIMITS['login'], s.RATE_LIMITS['subscribe'])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env | {"DJANGO_DEBUG": "true", "RATE_LIMIT_LOGIN": "3/hour"},
    )
    assert result.stdout.split() == ["3/hour", "5/minute"]
    typo = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env | {"DJANGO_DEBUG": "true", "RATE_LIMIT_LOGIN": "10 per minute"},
    )
    assert typo.returncode != 0 and "RATE_LIMIT_LOGIN" in typo.stderr
