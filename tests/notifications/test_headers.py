"""Every message: its stored Message-ID, a List-Id, a plain-text and an HTML part, and one-click
unsubscribe headers (RFC 2369, RFC 8058)."""

import email.policy
import re
from datetime import timedelta
from email import message_from_bytes

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import Delivery
from tests.notifications.factories import CampaignFactory, MailingListFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(settings, send_campaign, outbox):
    settings.SITE_URL = "https://kavshiri.example.ge"
    settings.NEWSLETTER_UNSUBSCRIBE_MAILTO = "unsubscribe@kavshiri.example.ge"
    news = MailingListFactory(slug="imereti-cso-news", name_en="Imereti CSO news")
    SubscriptionFactory(mailing_list=news, contact__email="nino@cso.ge")
    send_campaign(CampaignFactory(lists=[news]))
    return outbox[0]


def test_one_click_unsubscribe_headers(sent, client):
    # As the SMTP backend writes it, and as a mail client reads it back: never RFC 2047 encoded.
    headers = message_from_bytes(sent.message(policy=email.policy.SMTP).as_bytes())
    match = re.fullmatch(
        r"<https://kavshiri\.example\.ge(/unsubscribe/[^/>]+/)>, <mailto:unsubscribe@kavshiri\.example\.ge\?subject=[^>]+>",
        headers["List-Unsubscribe"],
    )
    assert match, headers["List-Unsubscribe"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The one-click target works as a mail client posts it.
    response = client.post(
        match.group(1), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200


def test_message_id_list_id_and_both_parts(sent):
    message = sent.message()
    delivery = Delivery.objects.get()
    assert message["Message-ID"] == delivery.message_id
    assert message["List-Id"] == "Imereti CSO news <imereti-cso-news.kavshiri.example.ge>"
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    assert "**" not in sent.body and "ახალი ტრენინგი" in sent.body
    assert "/unsubscribe/" in sent.body and "/unsubscribe/" in sent.alternatives[0].content


def test_html_is_sanitised(send_campaign, outbox):
    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news)
    body = (
        'Hi <script>alert(1)</script> [x](javascript:alert(1)) <a href="https://ok.ge" onclick="x()">ok</a>'
    )
    send_campaign(CampaignFactory(lists=[news], body_ka=body))

    html = outbox[0].alternatives[0].content
    assert "<script" not in html and "javascript:" not in html and "onclick" not in html
    assert 'href="https://ok.ge"' in html


def test_a_message_left_in_flight_is_resent_with_the_same_message_id(
    settings, eager_celery, django_capture_on_commit_callbacks, outbox
):
    settings.NEWSLETTER_INFLIGHT_TIMEOUT = 60
    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news)
    campaign = CampaignFactory(lists=[news])
    with django_capture_on_commit_callbacks(execute=False):
        services.campaign_start(campaign_id=campaign.pk)
    # A worker claimed it, and died before marking it sent (it may or may not have gone out).
    Delivery.objects.update(status="sending", attempts=1, claimed_at=timezone.now() - timedelta(seconds=30))
    assert services.newsletter_tick().requeued == 0  # not yet past the timeout: maybe still alive

    Delivery.objects.update(claimed_at=timezone.now() - timedelta(seconds=61))
    result = services.newsletter_tick()

    delivery = Delivery.objects.get()
    assert (result.requeued, delivery.status, delivery.resent_after_stall) == (1, "sent", 1)
    assert outbox[0].message()["Message-ID"] == delivery.message_id


def test_with_the_hold_policy_a_person_decides(
    settings, eager_celery, django_capture_on_commit_callbacks, outbox
):
    settings.NEWSLETTER_INFLIGHT_POLICY = "hold"
    settings.NEWSLETTER_INFLIGHT_TIMEOUT = 60
    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news)
    campaign = CampaignFactory(lists=[news])
    with django_capture_on_commit_callbacks(execute=False):
        services.campaign_start(campaign_id=campaign.pk)
    Delivery.objects.update(status="sending", claimed_at=timezone.now() - timedelta(seconds=61))

    assert services.newsletter_tick().held == 1
    assert Delivery.objects.get().status == "sending" and outbox == []

    assert services.campaign_resolve_held(campaign=campaign, resend=False) == 1
    services.newsletter_tick()
    assert Delivery.objects.get().status == "sent" and outbox == []
    campaign.refresh_from_db()
    assert campaign.status == "sent"
