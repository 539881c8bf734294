import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from crm.models import FollowUp, Interaction, Organisation
from tests.crm.factories import (
    AffiliationFactory,
    ContactFactory,
    FollowUpFactory,
    InteractionFactory,
    OrganisationFactory,
    ServiceDeliveryFactory,
)
from tests.network.factories import municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, user_in_role):
    client.user = user_in_role("staff", username="giorgi")
    client.force_login(client.user)
    return client


def test_list_finds_an_organisation_typed_in_latin(staff_client):
    OrganisationFactory(name="ტყიბულის თემის ფონდი", name_latin="")
    OrganisationFactory(name="ვანის ქალთა კავშირი", name_latin="")
    page = staff_client.get("/organisations/", {"q": "tqibulis"}).content.decode()
    assert "ტყიბულის თემის ფონდი" in page
    assert "ვანის ქალთა კავშირი" not in page


def test_list_filters_live_in_the_url(staff_client):
    vani = municipality("Vani")
    OrganisationFactory(name="ვანის ცენტრი", municipality=vani, is_partner=True)
    OrganisationFactory(name="ხონის ცენტრი", municipality=municipality("Khoni"))
    page = staff_client.get("/organisations/", {"municipality": vani.pk, "is_partner": "true"}).content.decode()
    assert "ვანის ცენტრი" in page and "ხონის ცენტრი" not in page
    region_page = staff_client.get("/organisations/", {"region": vani.region_id}).content.decode()
    assert "ვანის ცენტრი" in region_page and "ხონის ცენტრი" in region_page


def test_list_sorts_and_paginates(staff_client):
    for letter in "ბაგ":
        OrganisationFactory(name=f"{letter} ორგანიზაცია")
    page = staff_client.get("/organisations/", {"sort": "-name"}).content.decode()
    assert page.index("გ ორგანიზაცია") < page.index("ბ ორგანიზაცია") < page.index("ა ორგანიზაცია")


def test_list_runs_the_same_queries_whatever_the_page_size(staff_client, django_assert_max_num_queries):
    for _ in range(60):
        organisation = OrganisationFactory()
        organisation.themes.set([1, 2])
    with django_assert_max_num_queries(12):
        response = staff_client.get("/organisations/")
    assert response.status_code == 200
    assert response.content.decode().count('href="/organisations/') >= 50


def test_export_gives_exactly_the_filtered_rows_as_csv_and_xlsx(staff_client):
    OrganisationFactory(name="ტყიბულის თემის ფონდი", name_latin="Tkibuli Community Fund")
    OrganisationFactory(name="ვანის ქალთა კავშირი", name_latin="")
    response = staff_client.get("/organisations/", {"q": "tkibuli", "export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == "ტყიბულის თემის ფონდი"
    response = staff_client.get("/organisations/", {"q": "tkibuli", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(values_only=True)][1:] == ["ტყიბულის თემის ფონდი"]


def test_organisation_page_shows_people_and_one_timeline_newest_first(staff_client, django_assert_max_num_queries):
    organisation = OrganisationFactory()
    AffiliationFactory(organisation=organisation, contact=ContactFactory(first_name="ქეთევან", last_name="ჭელიძე"))
    today = timezone.localdate()
    InteractionFactory(organisation=organisation, subject="ძველი შეხვედრა", occurred_on=today - timedelta(days=30))
    InteractionFactory(organisation=organisation, subject="ახალი შეხვედრა", occurred_on=today - timedelta(days=1))
    FollowUpFactory(organisation=organisation, title="გაუგზავნე ოქმი", due_on=today + timedelta(days=5))
    ServiceDeliveryFactory(client_organisation=organisation, start_date=today - timedelta(days=10))
    for index in range(10):
        InteractionFactory(organisation=organisation, subject=f"ზარი {index}", occurred_on=today - timedelta(days=100 + index))
    with django_assert_max_num_queries(25):
        page = staff_client.get(f"/organisations/{organisation.pk}/").content.decode()
    assert "ქეთევან ჭელიძე" in page
    assert page.index("გაუგზავნე ოქმი") < page.index("ახალი შეხვედრა") < page.index("ძველი შეხვედრა")


def test_timeline_records_who_changed_what(staff_client):
    organisation = OrganisationFactory()
    response = staff_client.post(
        f"/organisations/{organisation.pk}/edit/",
        _organisation_data(organisation, address="ქუთაისი, წერეთლის 5"),
    )
    assert response.status_code == 302
    staff_client.cookies["django_language"] = "en"
    page = staff_client.get(f"/organisations/{organisation.pk}/").content.decode()
    timeline = page.split('id="timeline"')[1]
    assert "Record changed" in timeline
    assert "address" in timeline and "ნინო ბერიძე" in timeline


def _organisation_data(organisation, **overrides):
    data = {
        "name": organisation.name,
        "name_latin": organisation.name_latin,
        "legal_form": organisation.legal_form,
        "identification_code": organisation.identification_code,
        "municipality": organisation.municipality_id,
        "phone": str(organisation.phone),
        "email": organisation.email,
        "is_active": "on",
        "version": organisation.updated_at.isoformat(),
    }
    data.update(overrides)
    return data


def test_a_stale_edit_is_refused_not_silently_saved(staff_client):
    organisation = OrganisationFactory(address="old")
    opened = _organisation_data(organisation, address="mine")
    Organisation.objects.get(pk=organisation.pk).save()  # someone else saves meanwhile
    response = staff_client.post(f"/organisations/{organisation.pk}/edit/", opened)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert Organisation.objects.get(pk=organisation.pk).address == "old"


def test_bad_input_is_explained_in_georgian_and_nothing_is_saved(staff_client):
    response = staff_client.post(
        "/organisations/new/", {"name": "ახალი", "legal_form": "nnle", "identification_code": "12", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "ციფრ" in response.content.decode()
    assert not Organisation.objects.filter(name="ახალი").exists()


def test_log_an_interaction_with_a_follow_up_that_reaches_the_dashboard(staff_client):
    organisation = OrganisationFactory()
    person = AffiliationFactory(organisation=organisation).contact
    today = timezone.localdate()
    response = staff_client.post(
        f"/organisations/{organisation.pk}/interactions/",
        {
            "kind": "meeting",
            "occurred_on": today.isoformat(),
            "subject": "შეხვედრა ბიუჯეტზე",
            "contacts": [person.pk],
            "themes": [1],
            "notes": "",
            "outcome": "positive",
            "follow_up_title": "გაუგზავნე ბიუჯეტის ანალიზი",
            "follow_up_assignee": staff_client.user.pk,
            "follow_up_due_on": today.isoformat(),
        },
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert list(interaction.contacts.all()) == [person] and interaction.staff == staff_client.user
    assert "გაუგზავნე ბიუჯეტის ანალიზი" in staff_client.get("/").content.decode()


def test_a_follow_up_without_a_date_is_refused_and_nothing_is_written(staff_client):
    organisation = OrganisationFactory()
    response = staff_client.post(
        f"/organisations/{organisation.pk}/interactions/",
        {"kind": "call", "occurred_on": "2026-11-20", "subject": "ზარი", "follow_up_title": "დაურეკე ისევ"},
    )
    assert response.status_code == 400
    assert not Interaction.objects.exists() and not FollowUp.objects.exists()


def test_mark_done_postpone_and_reassign(staff_client, user_in_role):
    colleague = user_in_role("staff", first_name="ლევან")
    follow_up = FollowUpFactory(assignee=staff_client.user)
    new_date = timezone.localdate() + timedelta(days=10)
    staff_client.post(f"/follow-ups/{follow_up.pk}/postpone/", {"due_on": new_date.isoformat()})
    staff_client.post(f"/follow-ups/{follow_up.pk}/reassign/", {"assignee": colleague.pk})
    follow_up.refresh_from_db()
    assert follow_up.due_on == new_date and follow_up.assignee == colleague
    staff_client.post(f"/follow-ups/{follow_up.pk}/done/")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE and follow_up.completed_at
    staff_client.post(f"/follow-ups/{follow_up.pk}/postpone/", {"due_on": new_date.isoformat()})
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.DONE  # a closed follow-up stays closed


def test_postponing_into_the_past_is_refused(staff_client):
    follow_up = FollowUpFactory(assignee=staff_client.user)
    response = staff_client.post(f"/follow-ups/{follow_up.pk}/postpone/", {"due_on": "2001-01-01"}, follow=True)
    assert response.status_code == 200
    follow_up.refresh_from_db()
    assert follow_up.due_on != timezone.datetime(2001, 1, 1).date()


def test_follow_up_list_shows_mine_by_default(staff_client, user_in_role):
    FollowUpFactory(assignee=staff_client.user, title="ჩემი საქმე")
    FollowUpFactory(assignee=user_in_role("staff"), title="სხვისი საქმე")
    page = staff_client.get("/follow-ups/").content.decode()
    assert "ჩემი საქმე" in page and "სხვისი საქმე" not in page
    page = staff_client.get("/follow-ups/", {"mine": "false"}).content.decode()
    assert "სხვისი საქმე" in page


def test_people_are_found_and_affiliated_to_several_organisations(staff_client):
    person = ContactFactory(first_name="ქეთევან", last_name="ჭელიძე", name_latin="")
    first, second = OrganisationFactory(), OrganisationFactory()
    assert "ქეთევან" in staff_client.get("/people/", {"q": "ketevan"}).content.decode()
    for organisation, role in [(first, "დირექტორი"), (second, "მოხალისე")]:
        response = staff_client.post(
            f"/people/{person.pk}/affiliations/",
            {"organisation": organisation.pk, "role": role, "start_date": "2024-01-01", "end_date": ""},
        )
        assert response.status_code == 302
    assert set(person.organisations.all()) == {first, second}
    response = staff_client.post(
        f"/people/{person.pk}/affiliations/",
        {"organisation": first.pk, "role": "x", "start_date": "2024-01-01", "end_date": "2023-01-01"},
    )
    assert response.status_code == 200  # an end before the start is explained, not saved


def test_unknown_organisation_is_a_404_page(staff_client):
    response = staff_client.get("/organisations/999999/")
    assert response.status_code == 404


def test_an_edit_without_the_version_it_started_from_is_refused(staff_client):
    person = ContactFactory(first_name="ნინო")
    response = staff_client.post(
        f"/people/{person.pk}/edit/", {"first_name": "ნანა", "preferred_language": "ka"}
    )
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    person.refresh_from_db()
    assert person.first_name == "ნინო"
    response = staff_client.post(
        f"/people/{person.pk}/edit/",
        {"first_name": "ნანა", "preferred_language": "ka", "version": person.updated_at.isoformat()},
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.first_name == "ნანა"


def test_impossible_version_is_refused_not_a_500(staff_client):
    organisation = OrganisationFactory()
    data = _organisation_data(organisation, version="2024-13-01T00:00")
    response = staff_client.post(f"/organisations/{organisation.pk}/edit/", data)
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_merge_with_a_nonsense_id_is_a_message(client, user_in_role):
    client.force_login(user_in_role("manager"))
    organisation = OrganisationFactory()
    response = client.post(f"/organisations/{organisation.pk}/merge/", {"duplicate": "abc"})
    assert response.status_code == 200


def test_a_plan_started_far_in_the_future_is_refused(staff_client):
    from crm.models import EngagementPlan, EngagementStep

    plan = EngagementPlan.objects.create(name="p")
    EngagementStep.objects.create(plan=plan, offset_working_days=1, assignee=staff_client.user, text="x")
    organisation = OrganisationFactory()
    response = staff_client.post(f"/organisations/{organisation.pk}/plans/", {"plan": plan.pk, "start": "9999-12-29"})
    assert response.status_code == 302
    assert not organisation.follow_ups.exists()


def test_navigation_follows_the_role_not_the_admin_flag(client, user_in_role):
    staff_without_admin = user_in_role("staff", is_staff=False)
    client.force_login(staff_without_admin)
    assert 'href="/organisations/"' in client.get("/").content.decode()
    client.force_login(user_in_role("partner", is_staff=True))
    assert 'href="/organisations/"' not in client.get("/").content.decode()
