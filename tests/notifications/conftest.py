import pytest
from django.core import mail as django_mail

from config.celery import app as celery_app
from notifications import services
from tests.notifications.stubs import ScriptedBackend


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    # The rate limit has tests of its own; elsewhere it would only slow the suite down.
    settings.NEWSLETTER_RATE_PER_SECOND = 0
    settings.NEWSLETTER_RATE_PER_DAY = 0
    settings.NEWSLETTER_RATE_LIMIT_REDIS_URL = None
    settings.CELERY_BROKER_URL = "memory://"


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def scripted_smtp(settings):
    """Mail goes to ScriptedBackend; set ScriptedBackend.script[address] = [errors...]."""
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.stubs.ScriptedBackend"}}
    ScriptedBackend.reset()
    yield ScriptedBackend
    ScriptedBackend.reset()


@pytest.fixture
def send_campaign(eager_celery, django_capture_on_commit_callbacks):
    """Start a campaign and run its whole send in this process; returns the recipient count."""

    def send(campaign):
        with django_capture_on_commit_callbacks(execute=True):
            return services.campaign_start(campaign_id=campaign.pk)

    return send


@pytest.fixture
def outbox():
    django_mail.outbox = []
    return django_mail.outbox
