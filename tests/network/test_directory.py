"""The shared directory: who sees which organisations and which parts of them, on the pages
and in every export."""

import json

import pytest

from crm.models import Theme, Visibility
from network.directory import Audience, Viewer, audience_of
from network.models import PartnerAccount
from tests.crm.factories import AffiliationFactory, ContactFactory, InteractionFactory, OrganisationFactory
from tests.network.factories import municipality

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, STAFF = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.STAFF


def organisation(name, **sharing):
    defaults = {
        "share_profile": PUBLIC,
        "share_contact_details": STAFF,
        "share_themes": STAFF,
        "share_people": STAFF,
    }
    return OrganisationFactory(name=name, **{**defaults, **sharing})


@pytest.fixture
def partner(client, user_in_role):
    user = user_in_role("partner")
    client.force_login(user)
    return user


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8-sig")
    return response.content.decode()


def page(client, url="/directory/", **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_each_audience_sees_the_profiles_shared_with_it(client, user_in_role):
    organisation("საჯარო ორგანიზაცია", share_profile=PUBLIC)
    organisation("პარტნიორების ორგანიზაცია", share_profile=PARTNERS)
    organisation("დახურული ორგანიზაცია", share_profile=STAFF)
    anonymous = page(client)
    assert (
        "საჯარო ორგანიზაცია" in anonymous
        and "პარტნიორების" not in anonymous
        and "დახურული ორგანიზაცია" not in anonymous
    )
    client.force_login(user_in_role("partner"))
    partners = page(client)
    assert (
        "საჯარო ორგანიზაცია" in partners
        and "პარტნიორების ორგანიზაცია" in partners
        and "დახურული ორგანიზაცია" not in partners
    )
    client.force_login(user_in_role("staff"))
    assert "დახურული ორგანიზაცია" in page(client)


def test_a_suspended_partner_sees_what_the_public_sees(client, partner):
    organisation("პარტნიორების ორგანიზაცია", share_profile=PARTNERS)
    PartnerAccount.objects.filter(user=partner).update(status=PartnerAccount.Status.SUSPENDED)
    assert audience_of(type(partner).objects.get(pk=partner.pk)) == Audience.PUBLIC
    assert "პარტნიორების ორგანიზაცია" not in page(client)


def test_an_entry_shows_only_the_sections_shared_with_the_viewer(client, partner):
    shared = organisation(
        "ღია ორგანიზაცია", share_contact_details=PARTNERS, share_themes=PUBLIC, address="რუსთაველის 12"
    )
    private = organisation("ჩაკეტილი ორგანიზაცია", share_profile=PARTNERS, address="წერეთლის 7")
    shared_page = page(client, f"/directory/{shared.pk}/")
    assert "რუსთაველის 12" in shared_page and 'id="contact-details"' in shared_page
    private_page = page(client, f"/directory/{private.pk}/")
    assert "წერეთლის 7" not in private_page and private.email not in private_page
    assert 'id="contact-details"' not in private_page and 'id="people"' not in private_page


def test_an_organisation_not_shared_with_the_viewer_is_not_found(client, partner):
    hidden = organisation("დახურული ორგანიზაცია", share_profile=STAFF)
    assert client.get(f"/directory/{hidden.pk}/").status_code == 404
    assert client.get(f"/directory/{hidden.pk}/?format=vcf").status_code == 404
    assert client.get("/directory/999999/").status_code == 404


def test_people_appear_only_with_their_consent_even_when_people_are_shared(client, partner):
    shared = organisation("ღია ორგანიზაცია", share_people=PARTNERS)
    AffiliationFactory(
        organisation=shared, contact=ContactFactory(first_name="თამარ", directory_consent=True)
    )
    AffiliationFactory(
        organisation=shared, contact=ContactFactory(first_name="ლევან", directory_consent=False)
    )
    text = page(client, f"/directory/{shared.pk}/")
    assert "თამარ" in text and "ლევან" not in text
    for export in ("csv", "json", "vcf"):
        assert "ლევან" not in body(client.get(f"/directory/{shared.pk}/", {"format": export}))


def test_the_partners_own_organisation_is_fully_visible_to_them_but_people_still_need_consent(
    client, partner
):
    own = partner.partner_account.organisation
    own.share_profile = own.share_contact_details = own.share_people = STAFF
    own.address = "ჩემი მისამართი"
    own.save()
    AffiliationFactory(organisation=own, contact=ContactFactory(first_name="ლევან", directory_consent=False))
    text = page(client, f"/directory/{own.pk}/")
    assert "ჩემი მისამართი" in text and "ლევან" not in text


def test_nothing_the_centre_keeps_to_itself_reaches_the_directory(client, partner):
    shared = organisation(
        "ღია ორგანიზაცია", share_contact_details=PUBLIC, share_themes=PUBLIC, share_people=PUBLIC
    )
    InteractionFactory(organisation=shared, subject="საიდუმლო შეხვედრა", notes="პირადი შენიშვნა")
    for response in [
        client.get(f"/directory/{shared.pk}/"),
        *(client.get("/directory/", {"format": export}) for export in ("csv", "json", "vcf")),
    ]:
        assert "საიდუმლო" not in body(response) and "პირადი" not in body(response)


def test_filtering_by_a_theme_never_reveals_a_theme_kept_private(client, partner):
    theme = Theme.objects.first()
    open_themes = organisation("ღია თემები", share_themes=PARTNERS)
    private_themes = organisation("დახურული თემები", share_themes=STAFF)
    for item in (open_themes, private_themes):
        item.themes.add(theme)
    text = page(client, theme=theme.pk)
    assert "ღია თემები" in text and "დახურული თემები" not in text


def test_search_in_latin_script_finds_a_georgian_name(client, partner):
    organisation("ზესტაფონის ქალთა ასოციაცია", name_latin="")
    assert "ზესტაფონის ქალთა ასოციაცია" in page(client, q="zestaponis")


def test_the_list_filters_by_municipality_and_region(client, partner):
    organisation("ქუთაისის ორგანიზაცია", municipality=municipality("Kutaisi"))
    organisation("ბათუმის ორგანიზაცია", municipality=municipality("Batumi"))
    kutaisi = municipality("Kutaisi")
    text = page(client, municipality=kutaisi.pk)
    assert "ქუთაისის ორგანიზაცია" in text and "ბათუმის" not in text
    assert "ბათუმის" not in page(client, region=kutaisi.region_id)


def test_a_page_of_fifty_costs_the_same_queries_as_a_page_of_five(
    client, partner, django_assert_max_num_queries
):
    def fill(count):
        for index in range(count):
            item = organisation(f"ორგანიზაცია {index}", share_themes=PUBLIC, share_people=PUBLIC)
            item.themes.add(*Theme.objects.all()[:2])
            AffiliationFactory(organisation=item, contact=ContactFactory(directory_consent=True))

    fill(5)
    with django_assert_max_num_queries(12) as small:
        page(client)
    fill(60)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page(client)


def test_csv_export_has_what_the_page_has(client, partner):
    organisation("ღია ორგანიზაცია", share_contact_details=PARTNERS, address="რუსთაველის 12")
    organisation("ჩაკეტილი ორგანიზაცია", address="წერეთლის 7")
    text = body(client.get("/directory/", {"format": "csv"}))
    assert "რუსთაველის 12" in text and "ჩაკეტილი ორგანიზაცია" in text and "წერეთლის 7" not in text


def test_json_export_follows_open_referral_hsds(client, partner):
    shared = organisation(
        "ღია ორგანიზაცია",
        share_contact_details=PARTNERS,
        share_people=PARTNERS,
        identification_code="204567890",
    )
    AffiliationFactory(
        organisation=shared, contact=ContactFactory(first_name="თამარ", directory_consent=True)
    )
    organisation("ჩაკეტილი ორგანიზაცია")
    body = json.loads(client.get("/directory/", {"format": "json"}).content)
    assert body["total_items"] == 2 + 1  # and the partner's own organisation
    by_name = {item["name"]: item for item in body["contents"]}
    open_one, closed = by_name["ღია ორგანიზაცია"], by_name["ჩაკეტილი ორგანიზაცია"]
    assert open_one["organization_identifiers"][0]["identifier"] == "204567890"
    assert open_one["locations"][0]["addresses"][0]["country"] == "GE"
    assert open_one["email"] == shared.email and open_one["contacts"][0]["name"].startswith("თამარ")
    assert "email" not in closed and "phones" not in closed and "contacts" not in closed
    assert closed["uri"].endswith(f"/directory/{closed['uri'].rstrip('/').split('/')[-1]}/")


def test_vcard_export_is_version_4_with_folded_utf8_lines(client, partner):
    shared = organisation(
        "იმერეთის სამოქალაქო საზოგადოების განვითარების ასოციაცია, კავშირი; ქუთაისი",
        share_contact_details=PARTNERS,
        address="რუსთაველის 12",
    )
    response = client.get(f"/directory/{shared.pk}/", {"format": "vcf"})
    assert response["Content-Type"].startswith("text/vcard")
    raw = response.content
    assert raw.startswith(b"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:org\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    unfolded = raw.decode().replace("\r\n ", "")
    assert "FN:იმერეთის სამოქალაქო საზოგადოების განვითარების ასოციაცია\\, კავშირი\\; ქუთაისი" in unfolded
    assert f"TEL;TYPE=work;VALUE=uri:tel:{shared.phone}" in unfolded
    assert "ADR;TYPE=work:;;რუსთაველის 12;ქუთაისი;იმერეთი;;საქართველო" in unfolded


def test_a_partner_edits_their_own_profile_and_sharing_and_staff_see_it_in_the_history(client, partner):
    own = partner.partner_account.organisation
    response = client.post(
        "/directory/mine/",
        {
            "name_latin": "Our new name",
            "description": "ახალი აღწერა",
            "municipality": own.municipality_id,
            "email": "new@example.ge",
            "share_profile": PUBLIC,
            "share_contact_details": PARTNERS,
            "share_themes": PUBLIC,
            "share_people": STAFF,
            "name": "გადარქმეული",  # not a field partners may change: ignored
        },
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.description == "ახალი აღწერა" and own.share_contact_details == PARTNERS
    assert own.name != "გადარქმეული"
    assert own.history.first().history_user == partner


def test_bad_input_on_the_profile_is_a_message_not_a_save(client, partner):
    own = partner.partner_account.organisation
    response = client.post("/directory/mine/", {"email": "not-an-email", "share_profile": "everyone"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    own.refresh_from_db()
    assert own.email != "not-an-email"


def test_the_profile_page_is_for_partners_only(client, user_in_role):
    assert client.get("/directory/mine/").status_code == 302
    client.force_login(user_in_role("staff"))
    assert client.get("/directory/mine/").status_code == 403


def test_coverage_counts_only_what_the_viewer_may_see_and_keeps_empty_municipalities(client, partner):
    organisation("ქუთაისის ორგანიზაცია", municipality=municipality("Kutaisi"))
    organisation("დახურული ორგანიზაცია", municipality=municipality("Kutaisi"), share_profile=STAFF)
    text = page(client, "/directory/coverage/")
    viewer = Viewer.of(partner)
    assert viewer.audience == Audience.PARTNERS
    kutaisi_row = text.split(">ქუთაისი<")[1].split("</tr>")[0]
    own_in_kutaisi = int(partner.partner_account.organisation.municipality == municipality("Kutaisi"))
    assert f'<td class="num">{1 + own_in_kutaisi}</td>' in kutaisi_row
    assert "ტყიბული" in text  # a municipality with nobody registered still shows, with 0


@pytest.mark.parametrize("region", ["abc", "²", "-1", "99999999999999999999"])
def test_a_strange_region_on_the_coverage_page_shows_the_home_region(client, region):
    assert "ქუთაისი" in page(client, "/directory/coverage/", region=region)
