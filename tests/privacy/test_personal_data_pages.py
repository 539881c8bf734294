"""The person's page links to their data; staff read and download it; managers erase."""

import json
import re

import pytest

from crm import privacy
from crm.models import Contact, Erasure
from tests.crm.factories import ContactFactory
from tests.privacy.conftest import EMAIL, NAME

pytestmark = pytest.mark.django_db


def _pages(person):
    return {
        "detail": f"/people/{person.pk}/",
        "data": f"/people/{person.pk}/personal-data/",
        "json": f"/people/{person.pk}/personal-data/?format=json",
        "erase": f"/people/{person.pk}/erase/",
    }


def test_the_persons_page_links_to_their_data_and_managers_to_the_erasure(ketevan, client, staff, manager):
    pages = _pages(ketevan.person)
    client.force_login(staff)
    for_staff = client.get(pages["detail"]).content.decode()
    client.force_login(manager)
    for_manager = client.get(pages["detail"]).content.decode()

    assert pages["data"] in for_staff and pages["json"] in for_staff
    assert pages["erase"] not in for_staff
    assert pages["erase"] in for_manager


def test_staff_read_everything_on_one_page(ketevan, client, staff):
    client.force_login(staff)

    page = client.get(_pages(ketevan.person)["data"]).content.decode()

    for shown in [
        NAME.split()[0],
        EMAIL,
        ketevan.organisation.name,
        "შეხვედრა სტრატეგიულ გეგმაზე",
        "forum-participants.csv",
    ]:
        assert shown in page
    assert "is leaving in spring" not in page  # internal notes are withheld


def test_the_json_download_is_an_attachment_no_cache_keeps(ketevan, client, staff):
    client.force_login(staff)

    response = client.get(_pages(ketevan.person)["json"])

    assert response["Content-Type"].startswith("application/json")
    assert (
        response["Content-Disposition"] == f'attachment; filename="kavshiri-person-{ketevan.person.pk}.json"'
    )
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["person"]["email"] == EMAIL
    assert data["newsletter_deliveries"][0]["address"] == EMAIL


@pytest.mark.parametrize("role", ["anonymous", "partner"])
def test_outside_the_centre_nobody_reaches_any_of_it(ketevan, client, user_in_role, role):
    if role == "partner":
        client.force_login(user_in_role("partner"))
    pages = _pages(ketevan.person)
    expected = 302 if role == "anonymous" else 403

    statuses = [client.get(pages[name]).status_code for name in ("data", "json", "erase")]
    posted = client.post(pages["erase"], {"confirm": "on", "reason": "x"}).status_code

    assert statuses + [posted] == [expected] * 4
    assert Contact.objects.get(pk=ketevan.person.pk).full_name == NAME


def test_staff_cannot_erase(ketevan, client, staff):
    client.force_login(staff)
    pages = _pages(ketevan.person)

    assert client.get(pages["erase"]).status_code == 403
    assert client.post(pages["erase"], {"confirm": "on", "reason": "x"}).status_code == 403
    assert not Erasure.objects.exists()


def test_the_erasure_asks_for_confirmation_and_a_reason(ketevan, client, manager):
    client.force_login(manager)
    url = _pages(ketevan.person)["erase"]

    unconfirmed = client.post(url, {"reason": "asked by phone"})
    no_reason = client.post(url, {"confirm": "on", "reason": ""})

    assert (unconfirmed.status_code, no_reason.status_code) == (200, 200)
    assert unconfirmed.context["form"].errors.keys() == {"confirm"}
    assert no_reason.context["form"].errors.keys() == {"reason"}
    assert not Erasure.objects.exists()
    assert Contact.objects.get(pk=ketevan.person.pk).email == EMAIL


def test_the_confirmation_page_says_what_will_change_and_who_else_has_the_address(ketevan, client, manager):
    ContactFactory(email=EMAIL.upper())
    client.force_login(manager)

    response = client.get(_pages(ketevan.person)["erase"])

    assert response.context["others_with_address"] == 1
    assert dict(response.context["changes"])[privacy.COUNT_LABELS["deliveries"]] == 2
    assert 'method="post"' in response.content.decode()


def test_a_manager_erases_and_a_second_post_changes_nothing(ketevan, client, manager):
    client.force_login(manager)
    url = _pages(ketevan.person)["erase"]

    first = client.post(url, {"confirm": "on", "reason": "asked by email"})
    second = client.post(url, {"confirm": "on", "reason": "clicked twice"})

    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"/people/{ketevan.person.pk}/"
    assert Erasure.objects.get().reason == "asked by email"
    page = client.get(first["Location"]).content.decode()
    assert NAME not in page and EMAIL not in page
    assert url not in page  # no second erasure offered


def test_the_pages_run_no_inline_script_or_style(ketevan, client, manager):
    client.force_login(manager)
    for url in _pages(ketevan.person).values():
        if "json" in url:
            continue
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert " style=" not in html, url
