import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.services import token_create


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counts live in the cache, which outlives a test; start and leave each test clean
    # so that no test here, nor the permission matrix after it, is refused for another's requests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    """An API client without credentials."""
    return APIClient()


@pytest.fixture
def token_client():
    """token_client(user): an API client that sends a fresh token of `user`, as a partner's system would."""

    def make(user, name="their system"):
        _token, secret = token_create(user=user, name=name)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client

    return make
