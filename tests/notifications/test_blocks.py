"""A batch claims its rows a block at a time, checking consent in the claim, and marks the
block's sent rows together: a constant number of queries per block, whatever the batch's size.
A worker lost mid-block leaves the block to the periodic task, which sends it again with the
same Message-IDs."""

import smtplib
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import Contact
from notifications import mail, services
from notifications.models import Delivery, Subscription, Suppression, address_digest
from tests.crm.factories import AffiliationFactory
from tests.notifications.factories import (
    CampaignFactory,
    MailingListFactory,
    SegmentFactory,
    SubscriptionFactory,
    consenting_contact,
)

pytestmark = pytest.mark.django_db


def _started(django_capture_on_commit_callbacks, *, people, segment=False):
    news = MailingListFactory()
    for n in range(people):
        subscription = SubscriptionFactory(
            mailing_list=news, contact__email=f"p{n:02d}@cso.ge", language="en" if n % 3 == 2 else "ka"
        )
        if n % 2:
            AffiliationFactory(contact=subscription.contact)
    campaign = CampaignFactory(lists=[news], segment_list=[SegmentFactory()] if segment else None)
    with django_capture_on_commit_callbacks(execute=False):
        services.campaign_start(campaign_id=campaign.pk)
    ids = list(Delivery.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True))
    return campaign, ids


def _delivery_updates(queries, status):
    statement = f'UPDATE "notifications_delivery" SET "status" = \'{status}\''
    return [query for query in queries if query["sql"].startswith(statement)]


def _send_counting_queries(campaign, ids):
    with CaptureQueriesContext(connection) as queries:
        result = services.campaign_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[-1])
    return result, queries.captured_queries


def test_a_batch_sends_n_messages_in_the_same_number_of_queries(django_capture_on_commit_callbacks, outbox):
    few, few_ids = _started(django_capture_on_commit_callbacks, people=3)
    many, many_ids = _started(django_capture_on_commit_callbacks, people=30)

    few_result, few_queries = _send_counting_queries(few, few_ids)
    many_result, many_queries = _send_counting_queries(many, many_ids)

    assert (few_result.sent, many_result.sent, len(outbox)) == (3, 30, 33)
    assert len(many_queries) == len(few_queries) <= 20, [q["sql"][:80] for q in many_queries]
    assert len(_delivery_updates(many_queries, "sent")) == 1


def test_sent_rows_are_marked_once_per_block(django_capture_on_commit_callbacks, outbox, monkeypatch):
    monkeypatch.setattr(services, "BLOCK", 4)
    campaign, ids = _started(django_capture_on_commit_callbacks, people=10)

    result, queries = _send_counting_queries(campaign, ids)

    assert result.sent == 10
    assert len(_delivery_updates(queries, "sending")) == len(_delivery_updates(queries, "sent")) == 3
    assert Delivery.objects.filter(status="sent", attempts=1).count() == 10


def test_the_claim_skips_people_who_lost_consent_after_the_freeze(django_capture_on_commit_callbacks, outbox):
    segment_person = consenting_contact(email="segment@cso.ge")
    campaign, ids = _started(django_capture_on_commit_callbacks, people=5, segment=True)
    # Between the freeze and the send: one unsubscribes, one is made inactive, one address
    # bounces elsewhere, one person erased on request leaves only their address's hash, and
    # the person reached through the segment withdraws their consent.
    Subscription.objects.filter(contact__email="p00@cso.ge").update(status=Subscription.Status.UNSUBSCRIBED)
    Contact.objects.filter(email="p01@cso.ge").update(is_active=False)
    services.address_suppress(email="P02@CSO.ge", reason=Suppression.Reason.BOUNCED)
    Suppression.objects.create(email="", email_sha256=address_digest("p03@cso.ge"), reason="stopped")
    Contact.objects.filter(pk=segment_person.pk).update(newsletter_consent=False)

    result = services.campaign_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[-1])

    assert [message.to[0] for message in outbox] == ["p04@cso.ge"]
    assert (result.sent, result.suppressed) == (1, 5)
    skipped = Delivery.objects.filter(campaign=campaign, status="suppressed")
    assert sorted(skipped.values_list("email", flat=True)) == [
        "p00@cso.ge", "p01@cso.ge", "p02@cso.ge", "p03@cso.ge", "segment@cso.ge"
    ]  # fmt: skip
    # Never claimed: no attempt counted, no claim time.
    assert set(skipped.values_list("attempts", "claimed_at", "last_error")) == {
        (0, None, "no consent at send time")
    }


def test_consent_is_checked_when_the_block_is_claimed(
    monkeypatch, django_capture_on_commit_callbacks, outbox
):
    monkeypatch.setattr(services, "BLOCK", 2)
    campaign, ids = _started(django_capture_on_commit_callbacks, people=4)
    send = mail.Outbox.send

    def withdraw_during_the_first_send(self, message):
        send(self, message)
        Subscription.objects.filter(contact__email__in=["p01@cso.ge", "p02@cso.ge"]).update(
            status=Subscription.Status.UNSUBSCRIBED
        )

    monkeypatch.setattr(mail.Outbox, "send", withdraw_during_the_first_send)

    services.campaign_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[-1])

    # p01 was claimed in the first block, with p00, before withdrawing: their message went.
    # p02 withdrew before the second block was claimed.
    assert [message.to[0] for message in outbox] == ["p00@cso.ge", "p01@cso.ge", "p03@cso.ge"]
    assert Delivery.objects.get(email="p02@cso.ge").status == "suppressed"


def test_a_batch_short_of_time_gives_back_the_rows_it_did_not_try(django_capture_on_commit_callbacks, outbox):
    campaign, ids = _started(django_capture_on_commit_callbacks, people=5)
    batch = services._Batch(campaign, ids[0], ids[-1])
    send = batch.outbox.send

    def send_then_run_out_of_time(message):
        send(message)
        if len(outbox) == 2:
            batch.deadline = 0

    batch.outbox.send = send_then_run_out_of_time

    result = batch.run()

    assert (result.sent, result.continued) == (2, True)
    states = list(Delivery.objects.order_by("pk").values_list("status", "attempts", "dispatched_at"))
    assert [state[:2] for state in states] == [("sent", 1)] * 2 + [("pending", 0)] * 3
    assert all(dispatched is None for *_, dispatched in states[2:])


def test_an_address_erased_after_the_claim_stays_a_hash_when_it_bounces(
    monkeypatch, django_capture_on_commit_callbacks, scripted_smtp
):
    campaign, ids = _started(django_capture_on_commit_callbacks, people=2)
    scripted_smtp.script["p01@cso.ge"] = [
        smtplib.SMTPRecipientsRefused({"p01@cso.ge": (550, b"no such user")})
    ]
    send = mail.Outbox.send

    def erase_p01_during_the_first_send(self, message):
        send(self, message)
        if message.to == ["p00@cso.ge"]:  # as crm.privacy's erasure leaves the ledger
            Delivery.objects.filter(email="p01@cso.ge").update(email="")
            Suppression.objects.create(email="", email_sha256=address_digest("p01@cso.ge"), reason="stopped")

    monkeypatch.setattr(mail.Outbox, "send", erase_p01_during_the_first_send)

    result = services.campaign_send_batch(campaign_id=campaign.pk, first_id=ids[0], last_id=ids[-1])

    assert (result.sent, result.failed) == (1, 1)
    assert not Suppression.objects.filter(email__iexact="p01@cso.ge").exists()
    assert Suppression.objects.filter(email_sha256=address_digest("p01@cso.ge")).count() == 1


class _Killed(BaseException):
    """SIGKILL as the batch sees it: nothing after it runs."""


def test_a_block_left_sending_by_a_lost_worker_is_sent_again_with_its_message_ids(
    settings, eager_celery, django_capture_on_commit_callbacks, scripted_smtp
):
    settings.NEWSLETTER_INFLIGHT_TIMEOUT = 60
    campaign, ids = _started(django_capture_on_commit_callbacks, people=5)
    batch = services._Batch(campaign, ids[0], ids[-1])
    batch._mark_sent = batch._release = lambda *args: None  # a killed process writes nothing more
    scripted_smtp.script["p02@cso.ge"] = [_Killed()]  # killed while the third message is on the wire

    with pytest.raises(_Killed):
        batch.run()

    assert set(Delivery.objects.values_list("status", flat=True)) == {"sending"}
    assert [message.to[0] for message in scripted_smtp.accepted] == ["p00@cso.ge", "p01@cso.ge"]

    Delivery.objects.update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert services.newsletter_tick().requeued == 5

    # Everyone got it; the two sent before the kill got it twice, with the same Message-ID.
    ledger = dict(Delivery.objects.values_list("email", "message_id"))
    received = [(message.to[0], message.extra_headers["Message-ID"]) for message in scripted_smtp.accepted]
    assert Counter(address for address, _ in received) == {
        "p00@cso.ge": 2, "p01@cso.ge": 2, "p02@cso.ge": 1, "p03@cso.ge": 1, "p04@cso.ge": 1
    }  # fmt: skip
    assert all(message_id == ledger[address] for address, message_id in received)
    assert set(Delivery.objects.values_list("status", "resent_after_stall")) == {("sent", 1)}
