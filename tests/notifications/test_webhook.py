"""/webhooks/mail/: signed bounce and complaint reports, acted on once, followed up by a person."""

import json
import threading
from datetime import date
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone, translation

from crm.models import FollowUp
from notifications import services, webhooks
from notifications.models import Delivery, MailEvent, Subscription, Suppression
from tests.crm.factories import AffiliationFactory, ContactFactory, InteractionFactory
from tests.factories import UserFactory
from tests.notifications.factories import CampaignFactory, SubscriptionFactory

URL = "/webhooks/mail/"
SECRET = "a-long-shared-secret-for-tests"
MESSAGE_ID = "<5f2c.c1@kavshiri.example>"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def secret(settings):
    settings.NEWSLETTER_WEBHOOK_SECRET = SECRET
    return SECRET


def post(client, payload=None, *, raw=None, signature=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    signature = webhooks.sign(body, SECRET) if signature is None else signature
    return client.post(URL, body, content_type="application/json", headers={"X-Mail-Signature": signature})


def event(kind="hard_bounce", *, id="evt-1", recipient="nino@example.ge", **extra):
    return {"id": id, "type": kind, "recipient": recipient, "provider": "relay", **extra}


@pytest.fixture
def sent():
    """Nino, subscribed to a list, got a campaign; she works in an organisation that Levan met
    last (and Ana before him); Tamar created the campaign."""
    people = SimpleNamespace(ana=UserFactory(), levan=UserFactory(), tamar=UserFactory())
    subscription = SubscriptionFactory(contact=ContactFactory(first_name="ნინო", email="Nino@Example.ge"))
    nino = subscription.contact
    organisation = AffiliationFactory(contact=nino, is_primary=True).organisation
    InteractionFactory(organisation=organisation, staff=people.levan, occurred_on=date(2026, 10, 2))
    InteractionFactory(organisation=organisation, staff=people.ana, occurred_on=date(2026, 9, 1))
    campaign = CampaignFactory(lists=[subscription.mailing_list], status="sent", created_by=people.tamar)
    delivery = Delivery.objects.create(
        campaign=campaign,
        contact=nino,
        email=nino.email,
        language="ka",
        message_id=MESSAGE_ID,
        status="sent",
        sent_at=timezone.now(),
    )
    return SimpleNamespace(
        **vars(people),
        nino=nino,
        organisation=organisation,
        subscription=subscription,
        campaign=campaign,
        delivery=delivery,
    )


# The door ---------------------------------------------------------------------------------------


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405


def test_without_a_secret_nothing_is_accepted(client, settings, sent):
    settings.NEWSLETTER_WEBHOOK_SECRET = ""

    response = post(client, event())

    assert response.status_code == 503
    assert "error" in response.json()
    assert not MailEvent.objects.exists() and not Suppression.objects.exists()


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=0000", "sha256=" + "ab" * 32, "signed-by-me", "sha256=ნინო"],
)
def test_a_missing_or_wrong_signature_is_refused(client, sent, signature):
    response = post(client, event(), signature=signature)

    assert response.status_code == 403
    assert "error" in response.json()
    assert not MailEvent.objects.exists() and not Suppression.objects.exists()


def test_a_signature_made_with_another_secret_is_refused(client, sent):
    body = json.dumps(event()).encode()

    response = post(client, raw=body, signature=webhooks.sign(body, "another-secret"))

    assert response.status_code == 403


def test_a_body_changed_after_signing_is_refused(client, sent):
    signature = webhooks.sign(json.dumps(event(recipient="other@example.ge")).encode(), SECRET)

    assert post(client, event(), signature=signature).status_code == 403


def test_no_csrf_token_is_asked_for(sent):
    assert post(Client(enforce_csrf_checks=True), event()).status_code == 200


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"\xff\xfe\x00garbage",
        b"[]",
        b"5",
        b'"hard_bounce"',
        b"null",
        b"[1]",
        b"[" * 100_000 + b"]" * 100_000,
        json.dumps([event(id=f"e{n}") for n in range(101)]).encode(),
        json.dumps({"type": "hard_bounce", "recipient": "nino@example.ge"}).encode(),
        json.dumps(event(id="   ")).encode(),
        json.dumps(event(id=True)).encode(),
        json.dumps(event(id=1.5)).encode(),
        json.dumps(event(id="x" * 256)).encode(),
        json.dumps(event(kind="bounced")).encode(),
        json.dumps(event(kind=None)).encode(),
        json.dumps(event(recipient="not an address")).encode(),
        json.dumps(event(recipient=["nino@example.ge"])).encode(),
        json.dumps(event(message_id={"id": 1})).encode(),
        json.dumps(event(provider="p" * 51)).encode(),
        json.dumps([event(), "second"]).encode(),
    ],
)
def test_a_malformed_body_gets_400_with_a_message(client, sent, raw):
    response = post(client, raw=raw)

    assert response.status_code == 400
    assert response.json()["error"]
    assert not MailEvent.objects.exists() and not Suppression.objects.exists()


def test_a_body_over_the_upload_limit_gets_400(client, settings, sent):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = post(client, event(detail="x" * 500))

    assert response.status_code == 400
    assert response.json()["error"]


# What a report does -----------------------------------------------------------------------------


def test_a_hard_bounce_suppresses_the_address_and_marks_what_was_sent(client, sent):
    other_list = SubscriptionFactory(contact=sent.nino)

    response = post(client, event(recipient="NINO@example.ge", message_id=MESSAGE_ID, detail="550 5.1.1"))

    assert response.status_code == 200
    assert response.json() == {"received": 1, "new": 1}
    suppression = Suppression.objects.get()
    assert (suppression.email, suppression.reason, suppression.delivery) == (
        "nino@example.ge",
        "bounced",
        sent.delivery,
    )
    sent.delivery.refresh_from_db()
    assert (sent.delivery.status, sent.delivery.reported) == ("sent", "bounced")
    assert sent.delivery.reported_at is not None
    statuses = Subscription.objects.filter(pk__in=[sent.subscription.pk, other_list.pk])
    assert set(statuses.values_list("status", flat=True)) == {"bounced"}
    recorded = MailEvent.objects.get()
    assert (recorded.provider, recorded.event_id, recorded.kind, recorded.delivery) == (
        "relay",
        "evt-1",
        "hard_bounce",
        sent.delivery,
    )


def test_a_complaint_suppresses_the_address_as_complained(client, sent):
    post(client, event("hard_bounce", id="b1", message_id=MESSAGE_ID))

    assert post(client, event("complaint", id="c1", message_id=MESSAGE_ID)).status_code == 200

    assert Suppression.objects.get().reason == "complained"
    sent.delivery.refresh_from_db()
    assert sent.delivery.reported == "complained"


def test_a_bounce_after_a_complaint_leaves_the_complaint(client, sent):
    post(client, event("complaint", id="c1", message_id=MESSAGE_ID))
    post(client, event("hard_bounce", id="b1", message_id=MESSAGE_ID))

    sent.delivery.refresh_from_db()
    assert sent.delivery.reported == "complained"
    assert Suppression.objects.get().reason == "complained"


def test_a_soft_bounce_is_only_recorded(client, sent):
    response = post(client, event("soft_bounce", message_id=MESSAGE_ID, detail="452 mailbox full"))

    assert response.status_code == 200
    assert MailEvent.objects.get().delivery == sent.delivery
    assert not Suppression.objects.exists()
    assert not FollowUp.objects.exists()
    sent.delivery.refresh_from_db()
    sent.subscription.refresh_from_db()
    assert (sent.delivery.reported, sent.subscription.status) == ("", "subscribed")


def test_a_retried_event_changes_nothing_and_answers_200(client, sent):
    first = post(client, event(message_id=MESSAGE_ID))
    # Were the retry acted on, it would suppress the address again and open a new follow-up.
    FollowUp.objects.update(status=FollowUp.Status.DONE)
    Suppression.objects.all().delete()

    again = post(client, event(message_id=MESSAGE_ID))

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == {"received": 1, "new": 0}
    assert MailEvent.objects.count() == 1 and FollowUp.objects.count() == 1
    assert not Suppression.objects.exists()


def test_the_same_event_id_from_another_provider_is_another_event(client, sent):
    post(client, event("soft_bounce", provider="relay"))
    post(client, event("soft_bounce", provider="other-relay"))

    assert MailEvent.objects.count() == 2


def test_a_batch_is_recorded_event_by_event(client, sent):
    batch = [
        event("soft_bounce", id="s1"),
        event("hard_bounce", id="b1", message_id=MESSAGE_ID),
        event("hard_bounce", id="b1", message_id=MESSAGE_ID),
        event("complaint", id=77, recipient="someone@example.ge"),
    ]

    response = post(client, batch)

    assert response.json() == {"received": 4, "new": 3}
    assert set(MailEvent.objects.values_list("event_id", flat=True)) == {"s1", "b1", "77"}
    assert set(Suppression.objects.values_list("email", "reason")) == {
        ("nino@example.ge", "bounced"),
        ("someone@example.ge", "complained"),
    }


def test_a_message_id_without_brackets_finds_the_delivery(client, sent):
    post(client, event(message_id=MESSAGE_ID.strip("<>")))

    assert MailEvent.objects.get().message_id == MESSAGE_ID
    sent.delivery.refresh_from_db()
    assert sent.delivery.reported == "bounced"


def test_a_message_id_sent_to_another_address_marks_no_delivery(client, sent):
    post(client, event(recipient="forwarded-to@example.ge", message_id=MESSAGE_ID))

    sent.delivery.refresh_from_db()
    assert sent.delivery.reported == ""
    assert MailEvent.objects.get().delivery is None
    assert Suppression.objects.get().email == "forwarded-to@example.ge"


# The follow-up ----------------------------------------------------------------------------------


def test_the_staff_member_who_last_met_the_organisation_follows_up_today(client, sent):
    post(client, event(message_id=MESSAGE_ID))

    follow_up = FollowUp.objects.get()
    assert (follow_up.organisation, follow_up.assignee, follow_up.status) == (
        sent.organisation,
        sent.levan,
        "open",
    )
    assert follow_up.due_on == timezone.localdate()
    assert "nino@example.ge" in follow_up.title and "ნინო" in follow_up.title
    assert MailEvent.objects.get().follow_up == follow_up


def test_a_complaint_says_so(client, sent):
    post(client, event("hard_bounce", id="b1"))
    post(client, event("complaint", id="c1"))

    bounce, complaint = FollowUp.objects.order_by("pk")
    assert bounce.title != complaint.title
    assert "spam" in complaint.title or "სპამ" in complaint.title


def test_the_follow_up_is_written_in_the_centres_language(client, sent, monkeypatch):
    written_in = []
    monkeypatch.setattr(services, "_", lambda text: written_in.append(translation.get_language()) or text)

    with translation.override("en"):
        post(client, event())

    assert written_in == [django_settings.LANGUAGE_CODE] == ["ka"]


def test_without_interactions_the_campaign_creator_follows_up(client, sent):
    sent.organisation.interactions.all().delete()

    post(client, event(message_id=MESSAGE_ID))

    assert FollowUp.objects.get().assignee == sent.tamar


def test_a_report_without_message_id_falls_back_to_the_last_campaign_sent_to_the_address(client, sent):
    sent.organisation.interactions.all().delete()

    post(client, event())

    assert FollowUp.objects.get().assignee == sent.tamar
    assert MailEvent.objects.get().delivery is None


def test_staff_who_left_are_passed_over(client, sent):
    sent.levan.is_active = False
    sent.levan.save(update_fields=["is_active"])

    post(client, event())

    assert FollowUp.objects.get().assignee == sent.ana


def test_a_current_affiliation_serves_when_none_is_primary(client, sent):
    sent.nino.affiliations.update(is_primary=False, end_date=date(2025, 12, 31))
    current = AffiliationFactory(contact=sent.nino, is_primary=False)
    InteractionFactory(organisation=current.organisation, staff=sent.ana)

    post(client, event())

    follow_up = FollowUp.objects.get()
    assert (follow_up.organisation, follow_up.assignee) == (current.organisation, sent.ana)


def test_the_primary_affiliation_comes_first(client, sent):
    other = AffiliationFactory(contact=sent.nino, is_primary=False, start_date=timezone.localdate())
    InteractionFactory(organisation=other.organisation, staff=sent.ana, occurred_on=timezone.localdate())

    post(client, event())

    assert FollowUp.objects.get().organisation == sent.organisation


def test_a_person_of_no_organisation_is_suppressed_without_a_follow_up(client, sent):
    sent.nino.affiliations.all().delete()

    assert post(client, event(message_id=MESSAGE_ID)).status_code == 200

    assert Suppression.objects.get().reason == "bounced"
    assert not FollowUp.objects.exists()
    assert MailEvent.objects.get().follow_up is None


def test_an_unknown_address_is_suppressed_without_a_follow_up(client, sent):
    post(client, event(recipient="stranger@example.ge"))

    assert Suppression.objects.filter(email="stranger@example.ge").exists()
    assert not FollowUp.objects.exists()


def test_no_second_open_follow_up_for_the_same_address_and_reason(client, sent):
    post(client, event("hard_bounce", id="b1", message_id=MESSAGE_ID))
    post(client, event("hard_bounce", id="b2"))
    assert FollowUp.objects.count() == 1

    post(client, event("complaint", id="c1"))
    assert FollowUp.objects.count() == 2  # another reason: another thing to do

    FollowUp.objects.update(status=FollowUp.Status.DONE)
    post(client, event("hard_bounce", id="b3"))
    assert FollowUp.objects.filter(status="open").count() == 1  # the last one was dealt with


@pytest.fixture
def geography(transactional_db):
    """Tests that commit flush the tables after each, the geography loaded by migration too."""
    from network.geography import load_geography
    from network.models import Municipality, Region

    load_geography(Region, Municipality)


@pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="needs PostgreSQL: concurrent writers from threads need a server database, not SQLite's one writer",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("same_event", "stopped_before"),
    [(True, False), (False, False), (False, True)],
    ids=["a retry", "two reports", "two reports of an address that asked for no mail"],
)
def test_reports_arriving_together_act_once(geography, sent, same_event, stopped_before):
    if stopped_before:  # nothing left for the reports to wait on but the follow-up's lock
        services.address_suppress(email=sent.nino.email, reason=Suppression.Reason.STOPPED)
    barrier, answers = threading.Barrier(4), []

    def provider(number):
        barrier.wait()
        try:
            answers.append(post(Client(), event(id="e" if same_event else f"e{number}")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=provider, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200] * 4
    assert MailEvent.objects.count() == (1 if same_event else 4)
    assert Suppression.objects.count() == 1
    assert FollowUp.objects.count() == 1


def test_a_nul_character_is_refused_before_anything_is_written(client):
    from notifications.models import MailEvent

    response = post(client, [event(id="evt-ok"), event(id="evt-\u0000")])
    assert response.status_code == 400
    assert not MailEvent.objects.exists()
