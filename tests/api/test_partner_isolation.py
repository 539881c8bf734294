"""A partner's token reads what the partner may see in the browser, and nothing else: not another
organisation's private sections, not interactions, follow-ups, invoices, payments or people who
did not consent, through any endpoint, nested object, filter, search or ordering."""

from datetime import date
from decimal import Decimal

import pytest

from crm.models import Organisation, TargetGroup, Theme, Visibility
from crm.services import invoice_issue, payment_record
from tests.crm.factories import (
    AffiliationFactory,
    ContactFactory,
    FollowUpFactory,
    InteractionFactory,
    InvoiceLineFactory,
    OrganisationFactory,
    ServiceDeliveryFactory,
)
from tests.network.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

PUBLIC, PARTNERS, STAFF = Visibility.PUBLIC, Visibility.PARTNERS, Visibility.STAFF

# Strings that only the centre may read; none may appear in any answer to the partner.
SECRETS = {
    "private_email": "closed-doors@example.ge",
    "private_address": "Secret Street 7",
    "private_phone": "431299999",
    "hidden_name": "Hidden Tskaltubo Circle",
    "no_consent_name": "Unconsenting",
    "no_consent_email": "not-to-be-shown@example.ge",
    "interaction_notes": "the director is leaving",
    "interaction_subject": "Budget quarrel",
    "follow_up": "Chase the overdue grant report",
    "invoice_line": "Strategy retreat facilitation",
    "payment_reference": "PAY-REF-SECRET",
}


@pytest.fixture
def world(user_in_role, token_client):
    partner = user_in_role("partner")
    own = partner.partner_account.organisation
    theme = Theme.objects.order_by("pk").first()
    target_group = TargetGroup.objects.order_by("pk").first()

    # Its profile reaches partners; contact details, themes and people stay with staff.
    private = OrganisationFactory(
        name="დახურული კარის ასოციაცია",
        name_latin="Closed Door Association",
        share_profile=PARTNERS,
        share_contact_details=STAFF,
        share_themes=STAFF,
        share_people=STAFF,
        email=SECRETS["private_email"],
        address=SECRETS["private_address"],
        phone="+995" + SECRETS["private_phone"],
    )
    private.themes.add(theme)
    private.target_groups.add(target_group)
    AffiliationFactory(
        organisation=private, contact__directory_consent=True, contact__first_name="Consenting"
    )

    # Shares everything with partners, but one of its people did not consent.
    shared = OrganisationFactory(
        name="ღია კარის ასოციაცია",
        name_latin="Open Door Association",
        share_profile=PARTNERS,
        share_contact_details=PARTNERS,
        share_themes=PARTNERS,
        share_people=PARTNERS,
    )
    shared.themes.add(theme)
    consenting = AffiliationFactory(
        organisation=shared, contact__directory_consent=True, contact__first_name="Shown"
    )
    no_consent = ContactFactory(
        first_name=SECRETS["no_consent_name"],
        name_latin=SECRETS["no_consent_name"],
        email=SECRETS["no_consent_email"],
        directory_consent=False,
    )
    AffiliationFactory(organisation=shared, contact=no_consent)
    # The partner's own organisation keeps everything to staff, yet the partner sees it all.
    own.share_contact_details = own.share_themes = own.share_people = STAFF
    own.save()
    own.themes.add(theme)
    AffiliationFactory(organisation=own, contact=no_consent)

    hidden = OrganisationFactory(
        name=SECRETS["hidden_name"], name_latin=SECRETS["hidden_name"], share_profile=STAFF
    )

    InteractionFactory(
        organisation=own, notes=SECRETS["interaction_notes"], subject=SECRETS["interaction_subject"]
    )
    FollowUpFactory(organisation=own, title=SECRETS["follow_up"])
    delivery = ServiceDeliveryFactory(client_organisation=own)
    line = InvoiceLineFactory(
        invoice__client_organisation=own, delivery=delivery, description=SECRETS["invoice_line"]
    )
    invoice = invoice_issue(invoice=line.invoice)
    payment_record(
        invoice=invoice,
        amount=Decimal("1.00"),
        paid_on=date(2026, 11, 3),
        reference=SECRETS["payment_reference"],
    )
    partnership = PartnershipFactory(organisations=[own, shared], people=[no_consent, consenting.contact])
    return {
        "partner": partner,
        "client": token_client(partner),
        "own": own,
        "private": private,
        "shared": shared,
        "hidden": hidden,
        "theme": theme,
        "partnership": partnership,
        "shown_person": consenting.contact,
    }


def _entry(client, pk):
    response = client.get(f"/api/v1/directory/{pk}/")
    assert response.status_code == 200
    return response.json()


def _directory_ids(client, **params):
    response = client.get("/api/v1/directory/", params)
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


def test_another_organisations_private_sections_are_null(world):
    entry = _entry(world["client"], world["private"].pk)
    assert entry["name"] == "დახურული კარის ასოციაცია"
    assert entry["contact_details"] is None
    assert entry["themes"] is None and entry["target_groups"] is None
    assert entry["people"] is None
    # How it chose to share is its own business.
    assert entry["sharing"] is None
    assert entry["sections"] == ["profile"]


def test_people_who_did_not_consent_never_appear_in_an_entry(world):
    people = _entry(world["client"], world["shared"].pk)["people"]
    assert [person["name"] for person in people] == [world["shown_person"].full_name]


def test_a_partner_sees_every_section_of_their_own_organisation(world):
    entry = _entry(world["client"], world["own"].pk)
    assert entry["contact_details"]["email"] == world["own"].email
    assert [theme["id"] for theme in entry["themes"]] == [world["theme"].pk]
    assert entry["sharing"] == {
        "profile": PARTNERS,
        "contact_details": STAFF,
        "themes": STAFF,
        "people": STAFF,
    }
    # Own or not, a person who did not consent stays out of the directory.
    assert entry["people"] == []


def test_an_organisation_whose_profile_is_staff_only_does_not_exist_for_a_partner(world):
    assert world["client"].get(f"/api/v1/directory/{world['hidden'].pk}/").status_code == 404
    assert world["hidden"].pk not in _directory_ids(world["client"], page_size=100)


def test_filtering_by_theme_matches_only_themes_shared_with_the_partner(world):
    found = _directory_ids(world["client"], theme=world["theme"].pk)
    # `private` has the theme too, but shares its themes with staff only.
    assert found == {world["shared"].pk, world["own"].pk}


def test_search_matches_names_only(world):
    client = world["client"]
    assert _directory_ids(client, q="closed door") == {world["private"].pk}
    assert _directory_ids(client, q="დახურული") == {world["private"].pk}
    for hidden_text in ["closed-doors", "Secret Street", SECRETS["no_consent_name"], SECRETS["hidden_name"]]:
        assert _directory_ids(client, q=hidden_text) == set(), hidden_text


def test_ordering_by_a_hidden_field_is_ignored(world):
    client = world["client"]
    default = [row["id"] for row in client.get("/api/v1/directory/").json()["results"]]
    for field in ["email", "share_contact_details", "address", "-email"]:
        ordered = [
            row["id"] for row in client.get("/api/v1/directory/", {"ordering": field}).json()["results"]
        ]
        assert ordered == default, field


def test_partnership_people_are_only_those_who_consented(world, user_in_role, token_client):
    response = world["client"].get(f"/api/v1/partnerships/{world['partnership'].pk}/")
    assert [person["id"] for person in response.json()["people"]] == [world["shown_person"].pk]
    staff_view = token_client(user_in_role("staff")).get(f"/api/v1/partnerships/{world['partnership'].pk}/")
    assert len(staff_view.json()["people"]) == 2


def _every_answer(client, world) -> dict[str, str]:
    """Every list (each filter of the staff lists included) and every object of every resource."""
    own = world["own"].pk
    urls = ["/api/v1/", "/api/schema/?format=json"]
    for resource in [
        "organisations",
        "contacts",
        "interactions",
        "follow-ups",
        "services",
        "deliveries",
        "invoices",
        "payments",
        "partnerships",
        "directory",
        "regions",
        "municipalities",
    ]:
        urls.append(f"/api/v1/{resource}/?page_size=100")
        listed = client.get(f"/api/v1/{resource}/?page_size=100").json()
        ids = {row["id"] for row in listed.get("results", [])} | {own}
        urls += [f"/api/v1/{resource}/{pk}/" for pk in sorted(ids)]
    urls += [f"/api/v1/directory/{organisation.pk}/" for organisation in Organisation.objects.all()]
    urls += [
        f"/api/v1/contacts/?organisation={own}",
        f"/api/v1/interactions/?organisation={own}",
        f"/api/v1/follow-ups/?organisation={own}",
        f"/api/v1/invoices/?client_organisation={own}",
        f"/api/v1/deliveries/?client_organisation={own}",
        f"/api/v1/partnerships/?organisation={world['shared'].pk}",
        f"/api/v1/directory/?theme={world['theme'].pk}&page_size=100",
    ]
    return {url: client.get(url).content.decode() for url in urls}


def test_no_endpoint_tells_a_partner_anything_private(world):
    for url, text in _every_answer(world["client"], world).items():
        leaked = [name for name, secret in SECRETS.items() if secret in text]
        assert not leaked, f"{url} shows {leaked}"


def test_the_same_sweep_shows_a_manager_every_secret(world, user_in_role, token_client):
    """The sweep above would see a leak: a manager, who may see everything, finds every string."""
    answers = "".join(_every_answer(token_client(user_in_role("manager")), world).values())
    assert [name for name, secret in SECRETS.items() if secret not in answers] == []


def test_staff_only_resources_refuse_a_partner_even_about_their_own_organisation(world):
    client = world["client"]
    own = world["own"].pk
    for url in [
        f"/api/v1/organisations/{own}/",
        f"/api/v1/contacts/?organisation={own}",
        f"/api/v1/interactions/?organisation={own}",
        f"/api/v1/follow-ups/?organisation={own}",
        f"/api/v1/invoices/?client_organisation={own}",
        "/api/v1/payments/",
        f"/api/v1/deliveries/?client_organisation={own}",
    ]:
        assert client.get(url).status_code == 403, url


def test_the_public_sees_only_public_sections(world, api):
    public = OrganisationFactory(share_profile=PUBLIC, share_contact_details=PARTNERS, share_themes=PUBLIC)
    public.themes.add(world["theme"])
    entry = api.get(f"/api/v1/directory/{public.pk}/").json()
    assert entry["contact_details"] is None and entry["people"] is None
    assert [theme["id"] for theme in entry["themes"]] == [world["theme"].pk]
    assert _directory_ids(api, page_size=100) == {public.pk}
