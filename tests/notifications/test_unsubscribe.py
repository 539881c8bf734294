"""/unsubscribe/<token>/: GET shows a button and changes nothing; POST unsubscribes, needs no
login, cookie or CSRF token, is idempotent and answers 200; a bad token gets a clear page."""

import pytest
from django.test import Client

from crm.models import Contact
from notifications import mail, services
from notifications.models import Delivery, Subscription, Suppression
from tests.notifications.factories import (
    CampaignFactory,
    MailingListFactory,
    SegmentFactory,
    SubscriptionFactory,
    consenting_contact,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client():
    """A mail client: no cookies, and CSRF checked as in production."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def delivery(django_capture_on_commit_callbacks):
    news, other = MailingListFactory(name_ka="ქუთაისის ამბები"), MailingListFactory()
    subscription = SubscriptionFactory(mailing_list=news, contact__email="nino@cso.ge")
    SubscriptionFactory(mailing_list=other, contact=subscription.contact)
    campaign = CampaignFactory(lists=[news])
    with django_capture_on_commit_callbacks(execute=False):
        services.campaign_start(campaign_id=campaign.pk)
    return Delivery.objects.get()


def _url(delivery):
    return f"/unsubscribe/{mail.unsubscribe_token(delivery.pk)}/"


def _statuses(contact_id):
    return sorted(Subscription.objects.filter(contact_id=contact_id).values_list("status", flat=True))


def test_get_shows_a_button_and_changes_nothing(strict_client, delivery):
    response = strict_client.get(_url(delivery))

    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()
    assert "ქუთაისის ამბები" in response.content.decode()
    assert _statuses(delivery.contact_id) == ["subscribed", "subscribed"]


def test_one_click_post_unsubscribes_from_the_campaigns_lists_only(strict_client, delivery):
    response = strict_client.post(
        _url(delivery), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert _statuses(delivery.contact_id) == ["subscribed", "unsubscribed"]
    assert not Suppression.objects.exists()


def test_posting_twice_is_fine(strict_client, delivery):
    for _ in range(2):
        assert strict_client.post(_url(delivery), {"scope": "list"}).status_code == 200
    assert _statuses(delivery.contact_id) == ["subscribed", "unsubscribed"]


def test_stop_all_mail(strict_client, delivery):
    for _ in range(2):
        assert strict_client.post(_url(delivery), {"scope": "all"}).status_code == 200

    assert _statuses(delivery.contact_id) == ["unsubscribed", "unsubscribed"]
    assert Suppression.objects.get().reason == Suppression.Reason.STOPPED
    assert not Contact.objects.get(pk=delivery.contact_id).newsletter_consent


def test_someone_reached_through_a_segment_withdraws_consent(
    strict_client, django_capture_on_commit_callbacks
):
    person = consenting_contact()
    campaign = CampaignFactory(segment_list=[SegmentFactory()])
    with django_capture_on_commit_callbacks(execute=False):
        services.campaign_start(campaign_id=campaign.pk)

    assert strict_client.post(_url(Delivery.objects.get()), {"scope": "list"}).status_code == 200
    person.refresh_from_db()
    assert not person.newsletter_consent


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "d1:forged", lambda: mail.unsubscribe_token(10**9), lambda: mail.confirmation_token(1)],
)
def test_a_broken_or_forged_token_gets_a_georgian_page(strict_client, delivery, token):
    token = token() if callable(token) else token
    for response in (
        strict_client.get(f"/unsubscribe/{token}/"),
        strict_client.post(f"/unsubscribe/{token}/"),
    ):
        assert response.status_code == 400
        assert '<html lang="ka">' in response.content.decode()
    assert _statuses(delivery.contact_id) == ["subscribed", "subscribed"]


def test_a_test_message_link_changes_nothing(strict_client, delivery):
    url = f"/unsubscribe/{mail.test_unsubscribe_token()}/"
    assert strict_client.get(url).status_code == 200
    assert strict_client.post(url).status_code == 200
    assert _statuses(delivery.contact_id) == ["subscribed", "subscribed"]


def test_the_page_speaks_the_recipients_language(strict_client, delivery):
    Delivery.objects.filter(pk=delivery.pk).update(language="en")

    assert 'lang="en"' in strict_client.get(_url(delivery)).content.decode()
