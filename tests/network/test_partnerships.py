"""Partnerships: staff keep them, partners read their own, people shown outside the centre only
with their consent."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from crm.selectors import organisation_timeline
from network.forms import PartnershipForm
from network.models import PartnerAccount, Partnership, Region
from network.selectors import partnership_list
from tests.crm.factories import ContactFactory, OrganisationFactory
from tests.network.factories import PartnershipFactory, municipality

pytestmark = pytest.mark.django_db

END_BEFORE_START = "The end date cannot be before the start date."


def _georgian(msgid: str) -> str:
    with translation.override("ka"):
        return gettext(msgid)


@pytest.fixture
def staff_client(client, user_in_role):
    client.force_login(user_in_role("staff"))
    return client


@pytest.fixture
def partner(user_in_role):
    return user_in_role("partner")


@pytest.fixture
def partner_client(client, partner):
    client.force_login(partner)
    return client


def _form_data(**overrides):
    organisations = overrides.pop("organisations", None) or [OrganisationFactory(), OrganisationFactory()]
    data = {
        "name": "იმერეთი–გურიის თანამშრომლობა",
        "kind": Partnership.Kind.JOINT_PROJECT,
        "status": Partnership.Status.ACTIVE,
        "organisations": [organisation.pk for organisation in organisations],
        "regions": [Region.objects.get(code="GE-IM").pk, Region.objects.get(code="GE-GU").pk],
        "start_date": "2026-03-01",
        "end_date": "2027-02-28",
        "description": "საერთო ტრენინგები",
        "links": "https://example.ge/memorandum.pdf",
    }
    data.update(overrides)
    return data


def test_staff_create_a_partnership_with_organisations_regions_and_people(staff_client):
    organisations = [OrganisationFactory(), OrganisationFactory()]
    person = ContactFactory()

    response = staff_client.post(
        "/partnerships/new/", _form_data(organisations=organisations, people=[person.pk])
    )

    partnership = Partnership.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/partnerships/{partnership.pk}/"
    assert set(partnership.organisations.all()) == set(organisations)
    assert {region.code for region in partnership.regions.all()} == {"GE-IM", "GE-GU"}
    assert list(partnership.people.all()) == [person]
    assert partnership.start_date == date(2026, 3, 1)


def test_staff_edit_a_partnership(staff_client):
    partnership = PartnershipFactory(organisations=[OrganisationFactory()])
    organisation = OrganisationFactory()

    response = staff_client.post(
        f"/partnerships/{partnership.pk}/edit/",
        _form_data(name="ახალი სახელი", organisations=[organisation], status="ended"),
    )

    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.name == "ახალი სახელი"
    assert partnership.status == Partnership.Status.ENDED
    assert list(partnership.organisations.all()) == [organisation]


def test_an_end_before_the_start_is_a_georgian_form_error(staff_client):
    response = staff_client.post(
        "/partnerships/new/", _form_data(start_date="2026-05-01", end_date="2026-04-30")
    )

    assert response.status_code == 200
    assert _georgian(END_BEFORE_START) != END_BEFORE_START
    assert _georgian(END_BEFORE_START) in response.content.decode()
    assert response.context["form"].errors["end_date"] == [_georgian(END_BEFORE_START)]
    assert not Partnership.objects.exists()


def test_an_edit_cannot_move_the_end_before_the_start(staff_client):
    partnership = PartnershipFactory(organisations=[OrganisationFactory()], start_date=date(2026, 1, 1))

    response = staff_client.post(
        f"/partnerships/{partnership.pk}/edit/", _form_data(start_date="2026-01-01", end_date="2025-12-31")
    )

    assert response.status_code == 200
    partnership.refresh_from_db()
    assert partnership.end_date is None


@pytest.mark.parametrize(
    "overrides",
    [
        {"organisations": ["not-a-number"]},
        {"organisations": ["999999"]},
        {"organisations": []},
        {"start_date": "2026-13-45"},
        {"kind": "treaty"},
        {"regions": ["abc"]},
        {"people": ["999999"]},
        {"name": ""},
    ],
)
def test_bad_input_is_a_form_error_never_a_500(staff_client, overrides):
    data = _form_data()
    data.update(overrides)

    response = staff_client.post("/partnerships/new/", data)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Partnership.objects.exists()


def test_the_form_lists_chosen_organisations_first_with_their_latin_search_key(staff_client):
    chosen = OrganisationFactory(name="ზესტაფონის ქალთა კავშირი", name_latin="Zestaponi Women's Union")
    OrganisationFactory.create_batch(3)
    partnership = PartnershipFactory(organisations=[chosen])

    response = staff_client.get(f"/partnerships/{partnership.pk}/edit/")

    options = response.context["form"]["organisations"].field.widget.get_context(
        "organisations", [chosen.pk], {"id": "id_organisations"}
    )["widget"]["options"]
    assert options[0]["value"] == str(chosen.pk) and options[0]["checked"]
    assert not any(option["checked"] for option in options[1:])
    assert "zestaponis" in options[0]["key"] and "ზესტაფონის" in options[0]["key"]
    assert f'value="{chosen.pk}" checked' in response.content.decode()


def test_the_form_renders_hundreds_of_organisations_in_few_queries(staff_client):
    OrganisationFactory.create_batch(300)
    form = PartnershipForm()

    with CaptureQueriesContext(connection) as queries:
        html = str(form["organisations"])

    assert html.count('type="checkbox"') == 300
    assert len(queries) == 1


def test_partner_sees_only_partnerships_of_their_organisation(partner_client, partner):
    own = PartnershipFactory(
        name="ჩვენი", organisations=[partner.partner_account.organisation, OrganisationFactory()]
    )
    other = PartnershipFactory(name="სხვისი", organisations=[OrganisationFactory()])

    listing = partner_client.get("/partnerships/")

    assert [partnership.pk for partnership in listing.context["page"]] == [own.pk]
    assert partner_client.get(f"/partnerships/{other.pk}/").status_code == 404


def test_partner_sees_the_names_of_the_other_organisations_but_not_their_profiles(partner_client, partner):
    other = OrganisationFactory(name="გურიის ახალგაზრდები", municipality=municipality("Ozurgeti"))
    own = PartnershipFactory(organisations=[partner.partner_account.organisation, other])

    page = partner_client.get(f"/partnerships/{own.pk}/").content.decode()

    assert other.name in page
    assert other.municipality.name not in page
    assert f"/organisations/{other.pk}/" not in page


def test_partner_cannot_create_or_edit(partner_client, partner):
    own = PartnershipFactory(organisations=[partner.partner_account.organisation])

    assert partner_client.get("/partnerships/new/").status_code == 403
    assert partner_client.post("/partnerships/new/", _form_data()).status_code == 403
    response = partner_client.post(f"/partnerships/{own.pk}/edit/", _form_data(name="changed"))

    assert response.status_code == 403
    own.refresh_from_db()
    assert own.name != "changed"
    page = partner_client.get(f"/partnerships/{own.pk}/").content.decode()
    assert f"/partnerships/{own.pk}/edit/" not in page
    assert "/partnerships/new/" not in partner_client.get("/partnerships/").content.decode()


def test_partners_never_see_people_who_did_not_consent(partner_client, partner, client, user_in_role):
    consented = ContactFactory(first_name="ნატო", last_name="თავდგირიძე", directory_consent=True)
    private = ContactFactory(first_name="გიორგი", last_name="ლომიძე", directory_consent=False)
    partnership = PartnershipFactory(
        organisations=[partner.partner_account.organisation], people=[consented, private]
    )

    page = partner_client.get(f"/partnerships/{partnership.pk}/")

    assert page.context["people"] == [consented]
    assert consented.full_name in page.content.decode()
    assert private.full_name not in page.content.decode()
    assert "/people/" not in page.content.decode()  # names only, no links into the CRM

    client.force_login(user_in_role("staff"))
    staff_page = client.get(f"/partnerships/{partnership.pk}/")
    assert private.full_name in staff_page.content.decode()


def test_a_suspended_partner_sees_no_partnerships(partner_client, partner):
    PartnershipFactory(organisations=[partner.partner_account.organisation])
    PartnerAccount.objects.filter(user=partner).update(status=PartnerAccount.Status.SUSPENDED)

    assert partner_client.get("/partnerships/").status_code == 403


def test_anonymous_visitors_log_in_first(client):
    partnership = PartnershipFactory(organisations=[OrganisationFactory()])

    for url in ["/partnerships/", f"/partnerships/{partnership.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_filters_by_status_kind_region_and_organisation(user_in_role):
    staff = user_in_role("staff")
    imereti, guria = Region.objects.get(code="GE-IM"), Region.objects.get(code="GE-GU")
    zestaponi = OrganisationFactory(name="ზესტაფონის ქალთა კავშირი", name_latin="")
    ozurgeti = OrganisationFactory(name="ოზურგეთის ახალგაზრდები", name_latin="")
    coalition = PartnershipFactory(
        kind=Partnership.Kind.COALITION, organisations=[zestaponi, ozurgeti], regions=[imereti, guria]
    )
    ended = PartnershipFactory(status=Partnership.Status.ENDED, organisations=[ozurgeti], regions=[guria])

    def found(**filters):
        return set(partnership_list(user=staff, filters=filters).qs)

    assert found(status="ended") == {ended}
    assert found(kind="coalition") == {coalition}
    assert found(region=str(imereti.pk)) == {coalition}
    assert found(organisation="zestaponis") == {coalition}  # Latin script finds Georgian names
    assert found(organisation=str(zestaponi.pk)) == {coalition}
    # Both organisations match "o", yet the coalition is listed once.
    assert sorted(p.pk for p in partnership_list(user=staff, filters={"organisation": "o"}).qs) == sorted(
        [coalition.pk, ended.pk]
    )


@pytest.mark.parametrize(
    "query",
    ["status=nope&region=abc&kind=", "organisation=%00", "organisation=99999999999999999999999", "region=-1"],
)
def test_unknown_filter_values_are_not_a_500(staff_client, query):
    assert staff_client.get(f"/partnerships/?{query}").status_code == 200


def test_the_list_runs_the_same_queries_for_3_or_30_partnerships(staff_client):
    def queries_for_list():
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get("/partnerships/").status_code == 200
        return len(queries)

    for _ in range(3):
        PartnershipFactory(organisations=[OrganisationFactory()], regions=[Region.objects.first()])
    few = queries_for_list()
    for _ in range(27):
        PartnershipFactory(organisations=[OrganisationFactory()], regions=[Region.objects.first()])

    assert queries_for_list() == few


def test_both_organisations_timelines_show_the_partnership():
    first, second = OrganisationFactory(), OrganisationFactory()
    partnership = PartnershipFactory(organisations=[first, second], start_date=date(2026, 4, 1))

    for organisation in (first, second):
        entries = [entry for entry in organisation_timeline(organisation) if entry.kind == "partnership"]
        assert [entry.title for entry in entries] == [partnership.name]


@pytest.mark.parametrize("value", ["²", "12345678901234567890123", "ქუთაისი"])
def test_a_strange_organisation_filter_is_no_crash(staff_client, value):
    assert staff_client.get("/partnerships/", {"organisation": value}).status_code == 200
