"""An erased person's address, kept only as a hash, is never mailed again, even when it comes
back on another record (an import, the public form, a colleague's duplicate)."""

import pytest
from django.test import Client

from config.celery import app as celery_app
from crm import privacy
from notifications import feedback, mail, selectors, services
from notifications.models import Delivery, Suppression
from tests.crm.factories import ContactFactory
from tests.notifications.factories import CampaignFactory, MailingListFactory, SubscriptionFactory
from tests.privacy.conftest import EMAIL

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail_in_memory(settings, mailoutbox):
    settings.NEWSLETTER_RATE_PER_SECOND = 0
    settings.NEWSLETTER_RATE_PER_DAY = 0
    settings.NEWSLETTER_RATE_LIMIT_REDIS_URL = None
    settings.CELERY_BROKER_URL = "memory://"


@pytest.fixture(autouse=True)
def _never_bounced(ketevan):
    # Her address was on the list in plain text (it bounced); without that entry, what keeps
    # it from being mailed below is the hash the erasure leaves, and nothing else.
    Suppression.objects.all().delete()


@pytest.fixture
def eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def _comes_back(mailing_list):
    """The address on a new record, in capitals, subscribed again (say, by an import)."""
    return SubscriptionFactory(mailing_list=mailing_list, contact=ContactFactory(email=EMAIL.upper())).contact


def _recipients(outbox):
    return sorted(address for message in outbox for address in message.to)


def test_an_address_that_comes_back_is_left_out_of_the_audience(ketevan, manager):
    privacy.contact_erase(contact=ketevan.person, by=manager, reason="request")
    news = MailingListFactory()
    _comes_back(news)
    other = SubscriptionFactory(mailing_list=news).contact

    audience = selectors.campaign_audience(CampaignFactory(lists=[news]))

    assert [recipient.contact_id for recipient in audience] == [other.pk]


def test_the_check_before_each_message_refuses_it(ketevan, manager):
    news = MailingListFactory()
    back = _comes_back(news)
    campaign = CampaignFactory(lists=[news], status="sending")
    delivery = Delivery.objects.create(
        campaign=campaign, contact=back, email=back.email, language="ka", message_id="<back@kavshiri.example>"
    )
    assert selectors.delivery_still_wanted(delivery, list_ids=[news.pk])

    privacy.contact_erase(contact=ketevan.person, by=manager, reason="request")

    assert not selectors.delivery_still_wanted(delivery, list_ids=[news.pk])


def test_a_campaign_sent_after_the_erasure_never_reaches_the_address(
    ketevan, manager, eager_celery, django_capture_on_commit_callbacks, mailoutbox
):
    news = MailingListFactory()
    back = _comes_back(news)
    other = SubscriptionFactory(mailing_list=news).contact
    campaign = CampaignFactory(lists=[news])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.campaign_start(campaign_id=campaign.pk)
    # Frozen while the address was still allowed; erased before the workers got to it.
    privacy.contact_erase(contact=ketevan.person, by=manager, reason="request")
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()

    assert _recipients(mailoutbox) == [other.email]
    assert Delivery.objects.get(contact=back).status == Delivery.Status.SUPPRESSED


def test_feedback_requests_skip_the_address(ketevan, manager):
    privacy.contact_erase(contact=ketevan.person, by=manager, reason="request")

    assert feedback._suppressed({EMAIL.upper(), "someone@example.ge"}) == {EMAIL}


def test_an_old_newsletters_unsubscribe_link_still_answers(ketevan, manager):
    privacy.contact_erase(contact=ketevan.person, by=manager, reason="request")
    url = f"/unsubscribe/{mail.unsubscribe_token(ketevan.delivery.pk)}/"

    shown = Client().get(url)
    stopped = Client(enforce_csrf_checks=True).post(url, {"scope": "all"})

    assert (shown.status_code, stopped.status_code) == (200, 200)
    assert EMAIL not in stopped.content.decode()
    [entry] = Suppression.objects.all()  # no entry for an empty address was added
    assert entry.email == ""
