"""Failures are recorded per message and retried by class: temporary ones later, with growing
delays; permanent ones fail and stop all mail to the address. Many in a row pause the campaign."""

import smtplib
from datetime import timedelta

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import Campaign, Delivery, Subscription, Suppression
from tests.notifications.factories import CampaignFactory, MailingListFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def _refused(address, code):
    return smtplib.SMTPRecipientsRefused(
        {address: (code, b"see you later" if code < 500 else b"no such user")}
    )


@pytest.fixture
def campaign():
    news = MailingListFactory()
    for name in ("a", "b", "c", "d", "e"):
        SubscriptionFactory(mailing_list=news, contact__email=f"{name}@cso.ge")
    return CampaignFactory(lists=[news])


def _row(email):
    return Delivery.objects.get(email=email)


def _make_due(email):
    Delivery.objects.filter(email=email).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_temporary_refusal_is_retried_later_with_the_same_message_id(
    campaign, scripted_smtp, send_campaign
):
    scripted_smtp.script["b@cso.ge"] = [_refused("b@cso.ge", 451)]

    send_campaign(campaign)

    row = _row("b@cso.ge")
    assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
    assert timedelta(seconds=55) < row.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert sorted(m.to[0] for m in scripted_smtp.accepted) == ["a@cso.ge", "c@cso.ge", "d@cso.ge", "e@cso.ge"]
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENDING

    # Not due yet: the periodic task hands out nothing.
    assert services.newsletter_tick().dispatched == 0
    _make_due("b@cso.ge")
    assert services.newsletter_tick().dispatched == 1

    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    assert scripted_smtp.accepted[-1].extra_headers["Message-ID"] == row.message_id
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPDataError(421, b"busy"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    ],
    ids=["4xx-data", "refused", "timeout", "disconnected"],
)
def test_connection_troubles_are_temporary(campaign, scripted_smtp, send_campaign, error):
    scripted_smtp.script["a@cso.ge"] = [error]

    send_campaign(campaign)

    assert _row("a@cso.ge").status == "pending"
    assert not Suppression.objects.exists()
    assert len(scripted_smtp.accepted) == 4


def test_delays_grow_and_the_last_attempt_fails_for_good(campaign, scripted_smtp, send_campaign, settings):
    settings.NEWSLETTER_RETRY_DELAYS = [60, 600]
    scripted_smtp.script["a@cso.ge"] = [_refused("a@cso.ge", 450) for _ in range(3)]
    send_campaign(campaign)
    first = _row("a@cso.ge").next_attempt_at - timezone.now()

    _make_due("a@cso.ge")
    services.newsletter_tick()
    second = _row("a@cso.ge").next_attempt_at - timezone.now()
    assert second > first * 5

    _make_due("a@cso.ge")
    services.newsletter_tick()
    row = _row("a@cso.ge")
    assert (row.status, row.attempts) == ("failed", 3)
    assert not Suppression.objects.exists()  # a mailbox full for days is not a dead address


@pytest.mark.parametrize(
    "error",
    [lambda: _refused("c@cso.ge", 550), lambda: smtplib.SMTPDataError(554, b"rejected")],
    ids=["rcpt-550", "data-554"],
)
def test_a_permanent_refusal_fails_and_bounces_the_address(campaign, scripted_smtp, send_campaign, error):
    scripted_smtp.script["c@cso.ge"] = [error()]

    send_campaign(campaign)

    row = _row("c@cso.ge")
    assert (row.status, row.attempts) == ("failed", 1)
    assert Suppression.objects.get().reason == Suppression.Reason.BOUNCED
    assert Subscription.objects.get(contact__email="c@cso.ge").status == Subscription.Status.BOUNCED
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT


def test_the_circuit_breaker_pauses_and_resuming_goes_on_from_the_ledger(
    campaign, scripted_smtp, send_campaign, settings, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_BREAKER_THRESHOLD = 3
    for name in "abcde":
        scripted_smtp.script[f"{name}@cso.ge"] = [ConnectionRefusedError(111, "refused")]

    send_campaign(campaign)

    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    assert "3" in campaign.paused_reason and "refused" in campaign.paused_reason
    attempts = dict(Delivery.objects.values_list("email", "attempts"))
    assert attempts == {"a@cso.ge": 1, "b@cso.ge": 1, "c@cso.ge": 1, "d@cso.ge": 0, "e@cso.ge": 0}
    # Paused: the periodic task hands out nothing.
    assert services.newsletter_tick().dispatched == 0

    scripted_smtp.script.clear()  # the server is back
    Delivery.objects.update(next_attempt_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.campaign_resume(campaign=campaign)

    assert Delivery.objects.filter(status="sent").count() == 5
    assert sorted(m.to[0] for m in scripted_smtp.accepted) == [f"{n}@cso.ge" for n in "abcde"]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENT and campaign.consecutive_failures == 0


def test_one_connection_serves_a_batch(campaign, scripted_smtp, send_campaign):
    send_campaign(campaign)

    assert len(scripted_smtp.accepted) == 5
    assert scripted_smtp.opened == 1
