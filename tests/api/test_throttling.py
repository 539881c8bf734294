"""The API throttles each user, and the anonymous by address, at the rates in settings."""

import pytest
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(monkeypatch):
    # DRF reads the rates into the throttle classes when they are imported; lower them there.
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "5/minute"})
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"anon": "3/minute", "user": "5/minute"})


def test_the_anonymous_are_throttled_with_a_message(api, low_rates):
    for _ in range(3):
        assert api.get("/api/v1/regions/").status_code == 200
    response = api.get("/api/v1/directory/")
    assert response.status_code == 429
    assert response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_each_user_has_their_own_allowance(user_in_role, token_client, low_rates):
    first, second = token_client(user_in_role("staff")), token_client(user_in_role("staff"))
    for _ in range(5):
        assert first.get("/api/v1/organisations/").status_code == 200
    assert first.get("/api/v1/organisations/").status_code == 429
    assert second.get("/api/v1/organisations/").status_code == 200


def test_the_schema_and_docs_are_throttled_too(api, low_rates):
    for _ in range(3):
        api.get("/api/schema/")
    assert api.get("/api/docs/").status_code == 429


def test_the_rates_come_from_settings(settings):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_THROTTLE_RATES == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(api_settings.DEFAULT_THROTTLE_RATES) == {"anon", "user"}
