"""Erasure on request: the person anonymised everywhere, in one go, and the erasure logged."""

from unittest import mock

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from crm import privacy
from crm.models import Affiliation, Contact, Erasure, FollowUp, ImportBatch, Interaction
from network.models import PartnerInvitation
from notifications.models import Delivery, MailEvent, Subscription, Suppression, address_digest
from tests.privacy.conftest import EMAIL, NAME, TRACES, rows_holding

pytestmark = pytest.mark.django_db


def erase(footprint, by, reason="asked by email on 3 March"):
    return privacy.contact_erase(contact=footprint.person, by=by, reason=reason)


def test_the_record_stays_under_its_id_with_a_placeholder_and_nothing_else(ketevan, manager):
    erase(ketevan, manager)

    person = Contact.objects.get(pk=ketevan.person.pk)
    assert person.first_name == privacy.placeholder_name(person.pk)
    assert (person.last_name, person.name_latin, person.email, str(person.phone)) == ("", "", "", "")
    assert person.consent_note == "" and person.consent_given_at is None and person.consent_source == ""
    assert not (person.newsletter_consent or person.directory_consent or person.is_active)


def test_the_placeholder_is_in_the_centres_language_whatever_the_page_is_in():
    with translation.override(settings.LANGUAGE_CODE):
        expected = gettext("Erased person #%(number)s") % {"number": 7}
    with translation.override("en"):
        assert privacy.placeholder_name(7) == expected


def test_nothing_anywhere_keeps_the_name_address_or_phone(ketevan, manager):
    assert rows_holding(EMAIL)  # the helper does find her before

    erase(ketevan, manager)

    assert {trace: rows_holding(trace) for trace in TRACES} == dict.fromkeys(TRACES, [])


def test_interactions_keep_organisation_date_and_subject_but_lose_the_person(ketevan, manager):
    before = Interaction.objects.get(pk=ketevan.interaction.pk)

    erase(ketevan, manager)

    interaction = Interaction.objects.get(pk=before.pk)
    assert (interaction.organisation_id, interaction.occurred_on, interaction.subject) == (
        before.organisation_id,
        before.occurred_on,
        before.subject,
    )
    assert ketevan.person.pk not in set(interaction.contacts.values_list("pk", flat=True))
    assert interaction.contacts.count() == 1  # the other participant stays
    assert interaction.notes == f"{privacy.placeholder_name(ketevan.person.pk)} is leaving in spring"


def test_texts_naming_them_are_rewritten(ketevan, manager):
    erase(ketevan, manager)

    title = FollowUp.objects.get(pk=ketevan.follow_up.pk).title
    assert title.startswith(f"Mail bounced: {privacy.placeholder_name(ketevan.person.pk)}, ")
    assert EMAIL not in title


def test_affiliations_partnerships_and_subscriptions_are_gone(ketevan, manager):
    erase(ketevan, manager)

    assert not Affiliation.objects.filter(contact=ketevan.person).exists()
    assert not ketevan.partnership.people.exists()
    assert not Subscription.objects.filter(contact=ketevan.person).exists()


def test_deliveries_keep_their_status_but_not_the_address_and_waiting_ones_are_not_sent(ketevan, manager):
    erase(ketevan, manager)

    sent = Delivery.objects.get(pk=ketevan.delivery.pk)
    assert (sent.status, sent.reported, sent.email) == ("sent", "bounced", "")
    waiting = Delivery.objects.get(pk=ketevan.pending_delivery.pk)
    assert (waiting.status, waiting.email, waiting.last_error) == ("suppressed", "", "")


def test_bounce_reports_keep_what_happened_but_not_the_address(ketevan, manager):
    erase(ketevan, manager)

    event = MailEvent.objects.get(pk=ketevan.mail_event.pk)
    assert (event.kind, event.email, event.detail, event.delivery_id) == (
        "hard_bounce",
        "",
        "",
        ketevan.delivery.pk,
    )


def test_the_address_stays_on_the_suppression_list_only_as_its_hash(ketevan, manager):
    erase(ketevan, manager)

    [entry] = Suppression.objects.all()
    assert entry.pk == ketevan.suppression.pk
    assert (entry.email, entry.note, entry.delivery_id) == ("", "", None)
    assert entry.email_sha256 == address_digest(EMAIL) == address_digest(" Ketevan.Tsereteli@Example.ge ")


def test_an_address_never_suppressed_before_is_added_as_a_hash(ketevan, manager):
    Suppression.objects.all().delete()

    erase(ketevan, manager)

    entry = Suppression.objects.get()
    assert (entry.email, entry.email_sha256, entry.reason) == ("", address_digest(EMAIL), "stopped")


def test_the_history_of_the_record_keeps_no_name(ketevan, manager):
    assert ketevan.person.history.count() == 2

    erase(ketevan, manager)

    [record] = ketevan.person.history.all()
    assert record.first_name == privacy.placeholder_name(ketevan.person.pk)
    assert record.history_user == manager


def test_import_rows_lose_her_data_and_a_waiting_file_cannot_write_her_back(ketevan, manager, staff):
    waiting = ImportBatch.objects.create(
        kind=ImportBatch.Kind.PEOPLE,
        filename="again.csv",
        created_by=staff,
        rows=[{"line": 2, "action": "new", "data": {"first_name": "ქეთევან", "email": EMAIL}}],
    )

    erase(ketevan, manager)

    imported = ImportBatch.objects.get(pk=ketevan.batch.pk)
    assert imported.rows[0]["data"] == {} and imported.rows[0]["action"] == "update"
    assert imported.rows[1]["data"]["first_name"] == "გიორგი"  # someone else's row stays
    waiting.refresh_from_db()
    assert waiting.rows[0]["data"] == {} and waiting.has_errors


def test_an_open_invitation_to_the_address_is_revoked_and_loses_it(ketevan, manager):
    erase(ketevan, manager)

    invitation = PartnerInvitation.objects.get(pk=ketevan.invitation.pk)
    assert (invitation.email, invitation.name, invitation.status) == ("", "", "revoked")


def test_the_erasure_is_logged_with_who_when_why_and_counts_only(ketevan, manager):
    erasure, erased_now = erase(ketevan, manager)

    assert erased_now
    logged = Erasure.objects.get()
    assert (logged.pk, logged.contact_pk, logged.erased_by, logged.reason) == (
        erasure.pk,
        ketevan.person.pk,
        manager,
        "asked by email on 3 March",
    )
    assert logged.counts == {
        "interactions": 1,
        "interaction_texts": 1,
        "follow_ups": 1,
        "affiliations": 1,
        "partnerships": 1,
        "subscriptions": 1,
        "deliveries": 2,
        "mail_events": 1,
        "suppression": 1,
        "partner_invitations": 1,
        "import_rows": 1,
        "admin_log": 1,
        "history": 2,
    }


def test_the_preview_counts_what_the_erasure_then_does(ketevan, manager):
    preview = privacy.erasure_preview(ketevan.person)

    erasure, _ = erase(ketevan, manager)

    assert preview == erasure.counts


def test_a_second_erasure_changes_nothing(ketevan, manager, user_in_role):
    first, _ = erase(ketevan, manager)
    person = Contact.objects.get(pk=ketevan.person.pk)

    again, erased_now = privacy.contact_erase(contact=person, by=user_in_role("admin"), reason="twice")

    assert (again.pk, erased_now) == (first.pk, False)
    assert Erasure.objects.count() == 1
    assert person.history.count() == 1


def test_a_failure_midway_changes_nothing(ketevan, manager):
    with mock.patch("crm.privacy._erase_mail", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            erase(ketevan, manager)

    person = Contact.objects.get(pk=ketevan.person.pk)
    assert person.full_name == NAME and person.email == EMAIL
    assert Affiliation.objects.filter(contact=person).count() == 1
    assert ketevan.interaction.contacts.filter(pk=person.pk).exists()
    assert FollowUp.objects.get(pk=ketevan.follow_up.pk).title == ketevan.follow_up.title
    assert ImportBatch.objects.get(pk=ketevan.batch.pk).rows == ketevan.batch.rows
    assert person.history.count() == 2
    assert not Erasure.objects.exists()


def test_the_api_no_longer_returns_the_name(ketevan, manager, client):
    erase(ketevan, manager)
    client.force_login(manager)

    person = client.get(f"/api/v1/contacts/{ketevan.person.pk}/").json()
    listing = client.get("/api/v1/contacts/", {"search": "Tsereteli"}).content.decode()
    interaction = client.get(f"/api/v1/interactions/{ketevan.interaction.pk}/").json()

    assert person["first_name"] == privacy.placeholder_name(ketevan.person.pk)
    assert (person["last_name"], person["email"], person["phone"], person["affiliations"]) == ("", "", "", [])
    assert "Tsereteli" not in listing and "წერეთელი" not in listing
    assert ketevan.person.pk not in interaction["contacts"]


def test_the_shared_directory_no_longer_shows_her(ketevan, manager, client):
    ketevan.organisation.share_profile = ketevan.organisation.share_people = "public"
    ketevan.organisation.save()
    assert NAME in client.get(f"/directory/{ketevan.organisation.pk}/").content.decode()

    erase(ketevan, manager)

    page = client.get(f"/directory/{ketevan.organisation.pk}/").content.decode()
    assert NAME not in page and privacy.placeholder_name(ketevan.person.pk) not in page
