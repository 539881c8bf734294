"""The export shows everything held about a person, and only about them."""

import json

import pytest
from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from crm import privacy
from crm.models import Contact
from tests.crm.factories import ContactFactory, InteractionFactory
from tests.factories import UserFactory
from tests.privacy.conftest import EMAIL, LATIN, NAME

pytestmark = pytest.mark.django_db


def _label(model, field_name):
    return f"{model._meta.label}.{field_name}"


def test_every_relation_to_a_person_is_covered_by_the_export():
    """A model that gains a foreign key or many-to-many to Contact fails here until crm/privacy.py
    says which export section shows it (and the erasure handles it)."""
    relations = {_label(rel.related_model, rel.field.name) for rel in Contact._meta.related_objects}
    assert relations == set(privacy.RELATIONS)


def test_every_email_field_is_covered_or_said_not_to_be_a_persons():
    emails = {
        _label(model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.EmailField)
    }
    assert emails == set(privacy.EMAIL_FIELDS)


def test_every_declared_section_is_filled_for_a_person_found_everywhere(ketevan):
    UserFactory(role="partner", email=EMAIL)

    export = privacy.personal_data_export(ketevan.person)

    sections = {*privacy.RELATIONS.values(), *filter(None, privacy.EMAIL_FIELDS.values())}
    assert {section for section in sections if not export[section]} == set()
    for section in ("consents", "follow_ups", "import_rows"):
        assert export[section], section


def test_the_profile_and_consents_say_what_was_given_when_and_how(ketevan):
    export = privacy.personal_data_export(ketevan.person)

    assert export["person"]["email"] == EMAIL
    assert export["person"]["name_latin"] == LATIN
    assert export["person"]["phone"] == "+995599111222"
    newsletter = export["consents"]["newsletter"]
    assert newsletter["given"] is True
    assert newsletter["given_at"] == ketevan.person.consent_given_at
    assert newsletter["note"] == "asked at the Kutaisi forum"
    assert export["consents"]["directory"] == {"given": True}
    [subscription] = export["newsletter_subscriptions"]
    assert subscription["consent_note"] == "ticked the box"


def test_interactions_show_date_organisation_and_subject_but_withhold_internal_notes(ketevan):
    export = privacy.personal_data_export(ketevan.person)

    [interaction] = export["interactions"]
    assert interaction["date"] == ketevan.interaction.occurred_on
    assert interaction["organisation"] == ketevan.organisation.name
    assert interaction["subject"] == "შეხვედრა სტრატეგიულ გეგმაზე"
    assert interaction["took_part"] is True
    assert "notes" not in interaction and "outcome_notes" not in interaction
    assert export["interaction_notes_withheld"] == 1
    assert "is leaving in spring" not in json.dumps(export, cls=DjangoJSONEncoder, ensure_ascii=False)


def test_an_interaction_that_only_names_them_is_listed_as_naming_them(ketevan, staff):
    InteractionFactory(organisation=ketevan.organisation, staff=staff, subject=f"ზარი: {NAME}", notes="")

    export = privacy.personal_data_export(ketevan.person)

    assert [row["took_part"] for row in export["interactions"]].count(False) == 1


def test_newsletters_bounces_and_the_history_of_the_record_are_there(ketevan):
    export = privacy.personal_data_export(ketevan.person)

    sent = next(row for row in export["newsletter_deliveries"] if row["sent_at"])
    assert sent["campaign"] == ketevan.campaign.subject_ka
    assert sent["address"] == EMAIL
    assert export["suppressions"][0]["address"] == EMAIL
    assert export["mail_events"][0]["detail"].startswith("550 5.1.1")
    assert [row["values"]["consent_note"] for row in export["history"]] == ["", "asked at the Kutaisi forum"]
    assert export["import_rows"][0]["data"]["email"] == EMAIL


def test_other_peoples_data_is_not_in_it(ketevan):
    colleague = ContactFactory(first_name="გიორგი", last_name="მაისურაძე", email="giorgi@example.ge")

    text = json.dumps(privacy.personal_data_export(ketevan.person), cls=DjangoJSONEncoder, ensure_ascii=False)

    assert "მაისურაძე" not in text
    assert colleague.email not in text  # the imported file's other row is not hers
