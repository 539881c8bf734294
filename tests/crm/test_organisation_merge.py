from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from crm.merge import organisation_merge
from crm.models import Affiliation, Organisation, Tag, TargetGroup, Theme
from network.models import PartnerAccount
from tests.crm.factories import (
    AffiliationFactory,
    ContactFactory,
    FollowUpFactory,
    InteractionFactory,
    InvoiceLineFactory,
    OrganisationFactory,
    ServiceDeliveryFactory,
)
from tests.network.factories import PartnerAccountFactory, PartnershipFactory, municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def keep():
    return OrganisationFactory(name="ქუთაისის ახალგაზრდული ცენტრი")


@pytest.fixture
def duplicate():
    return OrganisationFactory(name="ქუთაისის ახალგაზრდ. ცენტრი")


@pytest.fixture
def staff(user_in_role):
    return user_in_role("staff")


def merge(keep, duplicate, merged_by):
    # History reasons are recorded in the active language; the assertions read them in English.
    with translation.override("en"):
        return organisation_merge(keep=keep, duplicate=duplicate, merged_by=merged_by)


def test_work_with_the_duplicate_moves_to_keep(keep, duplicate, staff):
    interaction = InteractionFactory(organisation=duplicate)
    follow_up = FollowUpFactory(organisation=duplicate, interaction=interaction)
    delivery = ServiceDeliveryFactory(client_organisation=duplicate)
    line = InvoiceLineFactory(invoice__client_organisation=duplicate, delivery=delivery)
    InteractionFactory(organisation=keep)

    merge(keep, duplicate, staff)

    assert keep.interactions.count() == 2
    for row in (interaction, follow_up, line.invoice):
        row.refresh_from_db()
    delivery.refresh_from_db()
    assert interaction.organisation == keep
    assert follow_up.organisation == keep
    assert delivery.client_organisation == keep
    assert line.invoice.client_organisation == keep


def test_affiliations_move_and_exact_copies_collapse_into_the_oldest(keep, duplicate, staff):
    mariam, giorgi = ContactFactory(), ContactFactory(first_name="გიორგი")
    oldest = AffiliationFactory(
        contact=mariam, organisation=keep, role="დირექტორი", start_date=date(2020, 1, 1)
    )
    AffiliationFactory(
        contact=mariam, organisation=duplicate, role="დირექტორი", start_date=date(2020, 1, 1), is_primary=True
    )
    earlier_role = AffiliationFactory(
        contact=mariam,
        organisation=duplicate,
        role="ბუღალტერი",
        start_date=date(2015, 1, 1),
        end_date=date(2019, 12, 31),
    )
    moved = AffiliationFactory(contact=giorgi, organisation=duplicate, role="")

    merge(keep, duplicate, staff)

    assert set(Affiliation.objects.filter(organisation=keep)) == {oldest, earlier_role, moved}
    oldest.refresh_from_db()
    # The copy said Mariam is the main contact; the row that stays still says so.
    assert oldest.is_primary


def test_partner_accounts_and_partnerships_move_to_keep(keep, staff):
    duplicate = OrganisationFactory(is_partner=True)
    account = PartnerAccountFactory(organisation=duplicate)
    both = PartnershipFactory()
    both.organisations.add(keep, duplicate)
    only_duplicate = PartnershipFactory()
    only_duplicate.organisations.add(duplicate, OrganisationFactory())

    keep = merge(keep, duplicate, staff)

    assert PartnerAccount.objects.get(pk=account.pk).organisation == keep
    assert keep.is_partner
    assert list(both.organisations.all()) == [keep]
    assert keep in only_duplicate.organisations.all()
    assert only_duplicate.organisations.count() == 2
    assert set(keep.partnerships.all()) == {both, only_duplicate}


def test_themes_target_groups_and_tags_are_united(keep, duplicate, staff):
    shared, own, theirs = (
        Theme.objects.create(code=c, name_ka=c, name_en=c) for c in ("m-shared", "m-own", "m-theirs")
    )
    youth = TargetGroup.objects.create(code="m-youth", name_ka="ახალგაზრდები", name_en="youth")
    keep.themes.add(shared, own)
    duplicate.themes.add(shared, theirs)
    duplicate.target_groups.add(youth)
    keep.tags.add(Tag.objects.create(name="ძველი"))
    duplicate.tags.add(Tag.objects.create(name="ახალი"))

    keep = merge(keep, duplicate, staff)

    assert set(keep.themes.all()) == {shared, own, theirs}
    assert list(keep.target_groups.all()) == [youth]
    assert {tag.name for tag in keep.tags.all()} == {"ძველი", "ახალი"}


def test_blank_details_are_filled_and_known_ones_kept(staff):
    keep = OrganisationFactory(
        name_latin="", email="", phone="", municipality=None, address="", website="https://old.example.ge"
    )
    duplicate = OrganisationFactory(
        name_latin="Kutaisi Youth Centre",
        founding_year=2004,
        municipality=municipality("Vani"),
        address="წერეთლის ქ. 5",
        email="info@centre.example.ge",
        phone="+995431245678",
        website="https://new.example.ge",
        description="ახალგაზრდული ცენტრი",
    )
    own_name, own_code = keep.name, keep.identification_code

    keep = merge(keep, duplicate, staff)

    assert keep.name_latin == "Kutaisi Youth Centre"
    assert keep.founding_year == 2004
    assert keep.municipality.name_en == "Vani"
    assert keep.address == "წერეთლის ქ. 5"
    assert keep.email == "info@centre.example.ge"
    assert str(keep.phone) == "+995431245678"
    assert keep.description == "ახალგაზრდული ცენტრი"
    assert keep.website == "https://old.example.ge"
    assert (keep.name, keep.identification_code) == (own_name, own_code)


def test_the_duplicates_identification_code_moves_when_keep_has_none(duplicate, staff):
    keep = OrganisationFactory(identification_code=None)
    code = duplicate.identification_code

    keep = merge(keep, duplicate, staff)

    assert keep.identification_code == code


def test_the_duplicate_is_gone_but_its_history_stays(keep, duplicate, staff):
    duplicate_pk = duplicate.pk

    merge(keep, duplicate, staff)

    assert not Organisation.objects.filter(pk=duplicate_pk).exists()
    history = Organisation.history.filter(id=duplicate_pk).order_by("history_date", "history_id")
    assert [record.history_type for record in history] == ["+", "-"]
    deleted = history.last()
    assert deleted.history_change_reason == f"merged into #{keep.pk} {keep.name}"
    assert deleted.history_user == staff


def test_keeps_history_records_the_merge_and_who_did_it(keep, duplicate, staff):
    reason = f"merged from #{duplicate.pk} {duplicate.name}"

    merge(keep, duplicate, staff)

    latest = Organisation.history.filter(id=keep.pk).latest("history_date", "history_id")
    assert (latest.history_type, latest.history_change_reason, latest.history_user) == ("~", reason, staff)


def test_giving_up_the_code_is_recorded_in_the_duplicates_history(duplicate, staff):
    keep = OrganisationFactory(identification_code=None)
    code = duplicate.identification_code

    merge(keep, duplicate, staff)

    records = Organisation.history.filter(id=duplicate.pk).order_by("history_date", "history_id")
    assert [(r.history_type, r.identification_code) for r in records] == [
        ("+", code),
        ("~", None),
        ("-", None),
    ]


def test_a_long_name_does_not_overflow_the_history_reason(keep, staff):
    duplicate = OrganisationFactory(name="ა" * 255)

    merge(keep, duplicate, staff)

    latest = Organisation.history.filter(id=keep.pk).latest("history_date", "history_id")
    assert latest.history_change_reason.startswith(f"merged from #{duplicate.pk} ააა")
    assert len(latest.history_change_reason) == 100


def test_merging_into_itself_is_refused_and_changes_nothing(keep, staff):
    InteractionFactory(organisation=keep)
    records = Organisation.history.filter(id=keep.pk).count()

    with pytest.raises(ValidationError):
        merge(keep, Organisation.objects.get(pk=keep.pk), staff)

    assert Organisation.objects.filter(pk=keep.pk).exists()
    assert keep.interactions.count() == 1
    assert Organisation.history.filter(id=keep.pk).count() == records


def test_merging_a_duplicate_already_merged_is_refused(keep, duplicate, staff):
    merge(keep, duplicate, staff)

    with pytest.raises(ValidationError):
        merge(OrganisationFactory(), duplicate, staff)


def test_a_failure_midway_rolls_everything_back(duplicate, staff, monkeypatch):
    keep = OrganisationFactory(identification_code=None, address="")
    interaction = InteractionFactory(organisation=duplicate)
    account = PartnerAccountFactory(organisation=duplicate)
    partnership = PartnershipFactory()
    partnership.organisations.add(duplicate)
    duplicate.tags.add(Tag.objects.create(name="ახალი"))
    duplicate.address = "წერეთლის ქ. 5"
    duplicate.save()
    contact = ContactFactory()
    AffiliationFactory(contact=contact, organisation=keep)
    AffiliationFactory(contact=contact, organisation=duplicate)
    code = duplicate.identification_code
    records = Organisation.history.count()

    def fail(self, *args, **kwargs):
        raise RuntimeError("the database went away")

    # The last step fails: everything before it (moves, code handed over, keep saved) must undo.
    monkeypatch.setattr(Organisation, "delete", fail)
    with pytest.raises(RuntimeError):
        merge(keep, duplicate, staff)

    interaction.refresh_from_db()
    account.refresh_from_db()
    duplicate.refresh_from_db()
    keep.refresh_from_db()
    assert interaction.organisation_id == duplicate.pk
    assert account.organisation_id == duplicate.pk
    assert list(partnership.organisations.all()) == [duplicate]
    assert Affiliation.objects.filter(contact=contact).count() == 2
    assert not keep.tags.exists()
    assert (keep.identification_code, keep.address) == (None, "")
    assert duplicate.identification_code == code
    assert Organisation.history.count() == records


def test_merging_from_the_organisation_page(client, user_in_role):
    client.force_login(user_in_role("manager"))
    keep = OrganisationFactory(name="ვანის ქალთა კავშირი", name_latin="")
    duplicate = OrganisationFactory(name="ვანის ქალთა კავშირი.", name_latin="")
    InteractionFactory(organisation=duplicate, subject="ზარი")
    page = client.get(f"/organisations/{keep.pk}/merge/").content.decode()
    assert f'value="{duplicate.pk}"' in page and f'value="{keep.pk}"' not in page
    response = client.post(f"/organisations/{keep.pk}/merge/", {"duplicate": duplicate.pk})
    assert response.status_code == 302
    assert keep.interactions.count() == 1 and not Organisation.objects.filter(pk=duplicate.pk).exists()
    response = client.post(f"/organisations/{keep.pk}/merge/", {"duplicate": keep.pk})
    assert response.status_code == 200  # refused with a message, nothing changed
