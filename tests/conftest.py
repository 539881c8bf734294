import pytest

from tests.factories import UserFactory


@pytest.fixture
def user_in_role(db):
    """Make a user in a role: user_in_role("partner")."""

    def make(role, **kwargs):
        user = UserFactory(role=role, **kwargs)
        if role == "partner":
            # A partner acts for one organisation; without an account they are only the public.
            from tests.network.factories import PartnerAccountFactory

            PartnerAccountFactory(user=user)
        return user

    return make


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    # Production serves hashed names from collectstatic's manifest; tests render templates
    # without running collectstatic first.
    settings.STATIC_ROOT = None  # nothing collected: whitenoise serves from the app folders
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 is slow on purpose; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _reference_data_in_committing_tests(request):
    """Tests that commit (transaction=True, live_server) run last and flush the database after
    each one, which also removes what the migrations loaded; put the geography and vocabulary
    back before each such test (roles come back by themselves on post_migrate)."""
    marker = request.node.get_closest_marker("django_db")
    commits = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if not commits:
        return
    request.getfixturevalue("transactional_db")
    from crm.models import TargetGroup, Theme
    from crm.vocabulary import load_vocabulary
    from network.geography import load_geography
    from network.models import Municipality, Region

    load_geography(Region, Municipality)
    load_vocabulary(Theme, TargetGroup)


@pytest.fixture(scope="session", autouse=True)
def _plain_http():
    """The test client and live_server speak plain HTTP, which production settings redirect to
    HTTPS. For the whole session: live_server builds its middleware once, before any test runs."""
    from django.test import override_settings

    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache(settings, request):
    """Each test counts rate limits and throttles from zero, in a cache of its own: the suite sends
    many requests from one address, and with CACHE_URL on Redis parallel workers would share counts."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{request.node.nodeid}",
        }
    }
