from collections import defaultdict

import pytest
from django.core.management import call_command

from crm.models import Contact, FollowUp, Interaction, Invoice, Organisation, Payment
from crm.search import search_key
from network.models import Municipality, PartnerAccount

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", orgs=60, stdout=open("/dev/null", "w"))


def test_seed_makes_people_interactions_and_money(seeded):
    assert Organisation.objects.count() == 61  # the centre itself and 60 more
    assert Contact.objects.count() >= 60
    assert Interaction.objects.exists() and FollowUp.objects.exists()
    assert Invoice.objects.exists() and Payment.objects.exists()


def test_every_imereti_municipality_has_organisations_and_partners_live_elsewhere(seeded):
    covered = set(Organisation.objects.values_list("municipality__name_en", flat=True))
    assert set(Municipality.objects.filter(region__code="GE-IM").values_list("name_en", flat=True)) <= covered
    assert Organisation.objects.filter(is_partner=True).exclude(municipality__region__code="GE-IM").exists()


def test_names_come_in_both_scripts_with_keys(seeded):
    for organisation in Organisation.objects.all():
        assert organisation.name_latin and organisation.name != organisation.name_latin
        assert organisation.search_key == search_key(organisation.name, organisation.name_latin)
    for contact in Contact.objects.all()[:50]:
        assert contact.search_key == search_key(contact.first_name, contact.last_name, contact.name_latin)


def test_seeded_records_are_valid(seeded):
    for organisation in Organisation.objects.all():
        organisation.full_clean()
    for contact in Contact.objects.all()[:100]:
        contact.full_clean()


def test_invoice_numbers_are_gapless_per_year_and_payments_never_exceed_totals(seeded):
    sequences = defaultdict(list)
    for year, sequence in Invoice.objects.values_list("year", "sequence"):
        sequences[year].append(sequence)
    for numbers in sequences.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    for invoice in Invoice.objects.prefetch_related("lines", "payments"):
        assert invoice.amount_paid <= invoice.total


def test_seeded_consent_is_recorded(seeded):
    for contact in Contact.objects.filter(newsletter_consent=True):
        assert contact.consent_given_at and contact.consent_source


def test_demo_partner_acts_for_a_partner_organisation(seeded):
    account = PartnerAccount.objects.get(user__username="partner")
    assert account.organisation.is_partner


def test_if_empty_leaves_existing_data_alone(seeded):
    before = Organisation.objects.count()
    call_command("seed_demo", orgs=10, if_empty=True, stdout=open("/dev/null", "w"))
    assert Organisation.objects.count() == before


def test_seeding_twice_adds_without_colliding(seeded):
    call_command("seed_demo", orgs=20, seed=7, stdout=open("/dev/null", "w"))
    assert Organisation.objects.count() == 81
    assert Organisation.objects.values("identification_code").distinct().count() == 81


def test_seeded_history_exists(seeded):
    assert Organisation.history.count() >= 60
