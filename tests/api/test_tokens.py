"""API tokens: created on /api/tokens/ with the secret shown once, stored as a hash, revoked by
their owner only; a revoked token or an inactive user is refused with 401."""

import hashlib
import re

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import token_create

pytestmark = pytest.mark.django_db

SECRET = re.compile(r'value="(kav_[A-Za-z0-9_-]+)"')


@pytest.fixture
def partner(client, user_in_role):
    user = user_in_role("partner")
    client.force_login(user)
    return user


def _create(client, name="our website") -> str:
    response = client.post("/api/tokens/", {"name": name})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def _with_token(secret, keyword="Token") -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return api


def test_creating_shows_the_secret_once_and_stores_only_its_hash(client, partner):
    page = _create(client)
    secret = SECRET.search(page).group(1)
    token = ApiToken.objects.get(user=partner)
    assert token.name == "our website"
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret.startswith(token.prefix) and secret not in str(ApiToken.objects.values().get())
    again = client.get("/api/tokens/").content.decode()
    assert secret not in again and token.prefix in again


def test_the_new_token_reads_as_its_user(client, partner):
    secret = SECRET.search(_create(client)).group(1)
    assert _with_token(secret).get("/api/v1/partnerships/").status_code == 200
    assert _with_token(secret, "Bearer").get("/api/v1/partnerships/").status_code == 200
    assert _with_token(secret).get("/api/v1/interactions/").status_code == 403
    assert ApiToken.objects.get(user=partner).last_used_at is not None


def test_a_token_needs_a_name(client, partner):
    page = client.post("/api/tokens/", {"name": ""}).content.decode()
    assert not SECRET.search(page)
    assert not ApiToken.objects.exists()


def test_revoking_refuses_the_token_from_then_on(client, partner):
    token, secret = token_create(user=partner, name="old")
    assert _with_token(secret).get("/api/v1/regions/").status_code == 200
    response = client.post(f"/api/tokens/{token.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == "/api/tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Refused everywhere, public geography included: a revoked token is no anonymous caller.
    for url in ["/api/v1/regions/", "/api/v1/partnerships/", "/api/v1/directory/"]:
        response = _with_token(secret).get(url)
        assert response.status_code == 401, url
        assert response.json()["detail"]


def test_another_users_token_cannot_be_revoked(client, partner, user_in_role):
    other, secret = token_create(user=user_in_role("staff"), name="theirs")
    assert client.post(f"/api/tokens/{other.pk}/revoke/").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    assert _with_token(secret).get("/api/v1/organisations/").status_code == 200


def test_another_users_tokens_are_not_listed(client, partner, user_in_role):
    token_create(user=user_in_role("staff"), name="staff script")
    token_create(user=partner, name="partner website")
    page = client.get("/api/tokens/").content.decode()
    assert "partner website" in page and "staff script" not in page


def test_revoking_twice_changes_nothing(client, partner):
    token, _secret = token_create(user=partner, name="old")
    client.post(f"/api/tokens/{token.pk}/revoke/")
    revoked_at = ApiToken.objects.get().revoked_at
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    assert ApiToken.objects.get().revoked_at == revoked_at


def test_an_inactive_users_token_is_refused(user_in_role):
    user = user_in_role("staff")
    _token, secret = token_create(user=user, name="script")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _with_token(secret).get("/api/v1/regions/").status_code == 401


@pytest.mark.parametrize(
    "header", ["Token", "Token a b", "Token kav_not-a-real-token", "Bearer ", "token kav_x"]
)
def test_a_wrong_token_header_is_refused(header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    assert api.get("/api/v1/regions/").status_code == 401


def test_the_tokens_page_needs_a_login(client):
    response = client.get("/api/tokens/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_creating_needs_the_csrf_token(partner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(partner)
    assert strict.post("/api/tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_page_speaks_georgian(client, partner):
    from config.georgian_text import contains_mtavruli

    page = client.get("/api/tokens/").content.decode()
    assert '<html lang="ka">' in page
    assert not contains_mtavruli(page)
