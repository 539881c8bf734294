"""The circuit breaker pauses a campaign whose messages keep failing and, once it has cooled
down, resumes it by itself: a mail server that was down for a while delays the campaign, it
does not stop it for good. A person's pause is never ended by the breaker.
(tests/faults/test_newsletter_faults.py shows it against a real SMTP server refusing a minute.)"""

import re
import smtplib
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import conf, mail, services
from notifications.models import Campaign, Delivery
from tests.notifications.factories import CampaignFactory, MailingListFactory, SubscriptionFactory
from tests.notifications.stubs import ScriptedBackend

pytestmark = pytest.mark.django_db

PEOPLE = [f"{name}@cso.ge" for name in "abcde"]


@pytest.fixture
def campaign(settings):
    settings.NEWSLETTER_BREAKER_THRESHOLD = 3
    news = MailingListFactory()
    for address in PEOPLE:
        SubscriptionFactory(mailing_list=news, contact__email=address)
    return CampaignFactory(lists=[news])


def _server_down(scripted_smtp, times=1):
    for address in PEOPLE:
        scripted_smtp.script[address] = [ConnectionRefusedError(111, "refused") for _ in range(times)]


def _cooled_down():
    """As if the cool-down had passed since the last claim, and the retries were due."""
    long_ago = timezone.now() - timedelta(seconds=conf.breaker_cooldown() + 1)
    Campaign.objects.exclude(breaker_paused_at=None).update(breaker_paused_at=long_ago)
    Delivery.objects.filter(status="pending").update(next_attempt_at=None)


def _attempts() -> int:
    return sum(Delivery.objects.values_list("attempts", flat=True))


def test_the_pause_says_why_and_when_sending_goes_on(campaign, scripted_smtp, send_campaign):
    _server_down(scripted_smtp)

    send_campaign(campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED and campaign.consecutive_failures == 3
    # When it goes on by itself (HH:MM) and the last error, whatever the language.
    assert re.search(r"\b\d\d:\d\d\b", campaign.paused_reason) and "refused" in campaign.paused_reason
    # Not cooled down yet: the periodic task leaves it paused.
    assert services.newsletter_tick().resumed == []


def test_after_the_cool_down_it_resumes_by_itself_and_sends_everything(
    campaign, scripted_smtp, send_campaign
):
    _server_down(scripted_smtp)
    send_campaign(campaign)
    scripted_smtp.script.clear()  # the server is back
    _cooled_down()

    assert services.newsletter_tick().resumed == [campaign.pk]

    campaign.refresh_from_db()
    assert (campaign.status, campaign.paused_reason, campaign.consecutive_failures) == ("sent", "", 0)
    assert sorted(message.to[0] for message in scripted_smtp.accepted) == PEOPLE


def test_a_server_still_down_gets_one_try_per_cool_down(campaign, scripted_smtp, send_campaign):
    _server_down(scripted_smtp, times=5)
    send_campaign(campaign)
    tried = _attempts()
    _cooled_down()

    services.newsletter_tick()

    # Half-open: the failure count was kept, so the first new failure paused it again.
    assert _attempts() == tried + 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED and campaign.consecutive_failures == 4
    assert not Delivery.objects.filter(status__in=["sending", "failed"]).exists()


def test_a_persons_pause_is_never_ended_by_the_breaker(campaign, scripted_smtp, send_campaign, monkeypatch):
    def paused_by_a_person_then_refused(self, messages):
        services.campaign_pause(campaign=campaign)  # while the block is in flight
        raise ConnectionRefusedError(111, "refused")

    monkeypatch.setattr(ScriptedBackend, "send_messages", paused_by_a_person_then_refused)

    send_campaign(campaign)
    _cooled_down()
    services.newsletter_tick()

    campaign.refresh_from_db()
    # The failures of the block in flight were not counted: the pause stays the person's.
    assert (campaign.status, campaign.consecutive_failures) == (Campaign.Status.PAUSED, 0)


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPDataError(421, b"4.3.2 Service not available"),
        smtplib.SMTPRecipientsRefused({"a@cso.ge": (421, b"4.3.2 Service not available")}),
        smtplib.SMTPConnectError(421, b"4.3.2 Service not available"),
    ],
    ids=["data", "rcpt", "greeting"],
)
def test_a_421_is_temporary_and_the_next_message_opens_a_new_connection(error):
    """421 closes the channel (RFC 5321), and smtplib has closed its end: reusing the
    connection would fail the next message for nothing."""
    classified = mail.classify(error)
    assert (classified.kind, classified.broken_connection) == (mail.TEMPORARY, True)


def test_other_4xx_keep_the_connection():
    classified = mail.classify(smtplib.SMTPRecipientsRefused({"a@cso.ge": (452, b"mailbox full")}))
    assert (classified.kind, classified.broken_connection) == (mail.TEMPORARY, False)


def test_a_manager_may_keep_the_breakers_pause(campaign, scripted_smtp, send_campaign, client, user_in_role):
    _server_down(scripted_smtp)
    send_campaign(campaign)
    client.force_login(user_in_role("manager"))
    client.cookies["django_language"] = "en"
    assert "Keep paused" in client.get(f"/newsletters/{campaign.pk}/").content.decode()

    assert client.post(f"/newsletters/{campaign.pk}/pause/").status_code == 302
    _cooled_down()
    services.newsletter_tick()

    campaign.refresh_from_db()
    assert (campaign.status, campaign.consecutive_failures) == (Campaign.Status.PAUSED, 0)
    assert "Keep paused" not in client.get(f"/newsletters/{campaign.pk}/").content.decode()


def test_the_cool_down_counts_from_the_pause_not_from_the_last_claim(campaign, scripted_smtp, send_campaign):
    # A server that times out can take longer than the cool-down to fail a block: the pause
    # must still last the whole cool-down.
    _server_down(scripted_smtp)
    send_campaign(campaign)
    Delivery.objects.update(claimed_at=timezone.now() - timedelta(seconds=conf.breaker_cooldown() + 60))

    assert services.newsletter_tick().resumed == []


def test_a_pause_from_before_the_breaker_resumed_by_itself_stays_with_a_person():
    # Paused by hand before upgrading, with failures counted then: no breaker_paused_at.
    campaign = CampaignFactory(status=Campaign.Status.PAUSED, consecutive_failures=7)

    assert services.newsletter_tick().resumed == []
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
