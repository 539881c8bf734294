"""A partner's first day, in a real browser, in Georgian: staff invite a person of a CSO by
email, the mail goes out through Celery, the person accepts the link in a browser of their own,
finds an Imereti CSO by typing its Georgian-only name in Latin script, keeps their own
organisation's profile and sharing choices current, and takes the directory away as vCards.
Along the way, what a partner must not see stays out of sight."""

import re
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from config.celery import app as celery_app
from crm.models import Organisation
from network.models import PartnerInvitation
from tests.crm.factories import OrganisationFactory
from tests.factories import UserFactory
from tests.network.factories import municipality

pytestmark = pytest.mark.django_db(transaction=True)

PARTNER_ORGANISATION = "ოზურგეთის ახალგაზრდული ქსელი"  # Guria, another region than the centre's
ZESTAPONI_CSO = "ზესტაფონის ქალთა ასოციაცია"  # no Latin name: found by transliteration
STAFF_ONLY_CSO = "ზესტაფონის ფერმერთა კავშირი"  # its profile stays with the centre's staff
INVITED_EMAIL = "nino@ozurgeti-youth.example.ge"
USERNAME = "nino.ozurgeti"
PASSWORD = "ქუთაისი-imereti-2026"
NEW_DESCRIPTION = "ახალგაზრდული ინიციატივები ოზურგეთსა და გურიის სოფლებში."
NEW_EMAIL = "hello@ozurgeti-youth.example.ge"
LINK = re.compile(r"https?://\S+/partners/accept/[^/\s]+/")

# The Georgian the pages must show (locale/ka/LC_MESSAGES/django.po, already translated).
WORDS = {
    "log_in": "შესვლა",
    "invite_a_partner": "პარტნიორის მოწვევა",
    "send_the_invitation": "მოწვევის გაგზავნა",
    "on_its_way": "მისამართზე იგზავნება",
    "accept_the_invitation": "მოწვევის მიღება",
    "create_my_account": "ანგარიშის შექმნა",
    "welcome": "მოგესალმებით!",
    "directory": "ცნობარი",
    "my_organisation": "ჩემი ორგანიზაცია",
    "saved": "შენახულია.",
}


@pytest.fixture
def eager_celery():
    """Tasks run where they are sent, as a worker would run them: here, in the live server's
    thread, once the invitation's transaction has committed."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def mail_and_links(settings, live_server):
    """Mail stays in django.core.mail.outbox (the live server is a thread of this process), and
    links in mails point at the live server."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.SITE_URL = live_server.url
    mail.outbox = []
    return mail.outbox


def unfolded(vcard: str) -> str:
    """A vCard with its folded lines joined again (RFC 6350, 3.2): a Georgian name is long
    in octets and is folded."""
    return vcard.replace("\r\n ", "")


def download_text(page, link) -> tuple[str, str]:
    with page.expect_download() as started:
        link.click()
    download = started.value
    return download.suggested_filename, Path(download.path()).read_bytes().decode("utf-8")


def wait_for_mail(outbox, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    return outbox


def test_staff_invite_a_partner_who_uses_the_directory_and_keeps_their_profile(
    browser, live_server, screenshot_dir, eager_celery, mail_and_links
):
    staff = UserFactory(role="staff", username="tamar", first_name="თამარ", last_name="გელაშვილი")
    partner_organisation = OrganisationFactory(
        name=PARTNER_ORGANISATION,
        name_latin="",
        municipality=municipality("Ozurgeti"),
        description="",
    )
    zestaponi = OrganisationFactory(
        name=ZESTAPONI_CSO,
        name_latin="",
        municipality=municipality("Zestaponi"),
        share_profile="partners",
        email="info@zestaponi-women.example.ge",
    )
    OrganisationFactory(
        name=STAFF_ONLY_CSO, name_latin="", municipality=municipality("Zestaponi"), share_profile="staff"
    )
    assert not partner_organisation.is_partner

    # 1. Staff invite the person through the form, choosing the organisation in the picker.
    staff_context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = staff_context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/partners/invite/")
    assert page.locator("html").get_attribute("lang") == "ka"
    page.fill("#id_username", "tamar")
    page.fill("#id_password", "correct-horse-battery")
    page.get_by_role("button", name=WORDS["log_in"]).click()
    page.wait_for_url("**/partners/invite/")
    expect(page.locator("h1")).to_have_text(WORDS["invite_a_partner"])

    picker = page.locator("#id_organisation")
    expect(picker.locator("label.check")).to_have_count(3)
    page.fill("#id_organisation_filter", "ozurgetis")  # Latin letters for ოზურგეთის
    expect(picker.locator("label.check:visible")).to_have_count(1)
    expect(picker.locator("label.check:visible")).to_contain_text(PARTNER_ORGANISATION)
    picker.locator(f"input[name=organisation][value='{partner_organisation.pk}']").check()
    page.fill("#id_email", INVITED_EMAIL)
    page.fill("#id_name", "ნინო ბერიძე")
    page.screenshot(path=screenshot_dir / "1-invite.png", full_page=True)
    page.get_by_role("button", name=WORDS["send_the_invitation"]).click()
    page.wait_for_url("**/partners/")
    expect(page.locator(".messages")).to_contain_text(INVITED_EMAIL)
    expect(page.locator(".messages")).to_contain_text(WORDS["on_its_way"])
    page.screenshot(path=screenshot_dir / "2-invitation-sent.png", full_page=True)
    staff_context.close()

    invitation = PartnerInvitation.objects.get()
    assert (invitation.organisation_id, invitation.email, invitation.invited_by_id) == (
        partner_organisation.pk,
        INVITED_EMAIL,
        staff.pk,
    )
    partner_organisation.refresh_from_db()
    assert partner_organisation.is_partner

    # 2. The mail, sent by the Celery task after the commit, carries an absolute link.
    outbox = wait_for_mail(mail_and_links)
    assert len(outbox) == 1, "the invitation mail was not sent"
    message = outbox[0]
    assert message.to == [INVITED_EMAIL]
    assert PARTNER_ORGANISATION in message.body
    link = LINK.search(message.body).group(0)
    assert link.startswith(f"{live_server.url}/partners/accept/")
    invitation.refresh_from_db()
    assert invitation.sent_at is not None

    # 3. The invited person opens it in a browser of their own, logged out.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "ka"
    expect(page.locator("h1")).to_have_text(WORDS["accept_the_invitation"])
    expect(page.locator("p.lead")).to_contain_text(PARTNER_ORGANISATION)
    expect(page.locator("#id_username")).to_have_value(INVITED_EMAIL)  # offered, not imposed
    page.fill("#id_username", USERNAME)
    expect(page.locator("#id_first_name")).to_have_value("ნინო")
    expect(page.locator("#id_last_name")).to_have_value("ბერიძე")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.screenshot(path=screenshot_dir / "3-accept.png", full_page=True)
    page.get_by_role("button", name=WORDS["create_my_account"]).click()
    page.wait_for_url(f"{live_server.url}/directory/")
    expect(page.locator(".messages")).to_contain_text(WORDS["welcome"])
    expect(page.locator(".messages")).to_contain_text(PARTNER_ORGANISATION)
    expect(page.locator("h1")).to_have_text(WORDS["directory"])
    page.screenshot(path=screenshot_dir / "4-directory.png", full_page=True)
    partner = get_user_model().objects.get(username=USERNAME)
    assert partner.email == INVITED_EMAIL
    assert partner.partner_account.organisation_id == partner_organisation.pk

    # 4. What a partner must not see: the CRM's organisation list, staff's partner pages.
    for path in ("/organisations/", f"/organisations/{zestaponi.pk}/", "/partners/invite/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 403, f"{path} answered {response.status} to a partner"
    page.screenshot(path=screenshot_dir / "5-forbidden.png", full_page=True)

    # 5. The directory, searched in Latin letters: the CSO shared with partners is found, the
    # one whose profile is staff-only is not, though its name matches too.
    page.goto(f"{live_server.url}/directory/")
    page.fill("#id_q", "zestaponis")  # Latin letters for ზესტაფონის
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url(re.compile(r"/directory/\?.*q=zestaponis"))
    results = page.locator("#directory-results tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(ZESTAPONI_CSO)
    expect(page.locator("#directory-results")).not_to_contain_text(STAFF_ONLY_CSO)
    page.screenshot(path=screenshot_dir / "6-search.png", full_page=True)

    # The search's vCard holds what the partner sees: no staff-only organisation, no contact
    # details the Zestaponi CSO keeps for staff.
    filename, cards = download_text(page, page.locator("p.summary a[href$='format=vcf']"))
    assert filename.endswith(".vcf")
    assert cards.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert ZESTAPONI_CSO in unfolded(cards)
    assert STAFF_ONLY_CSO not in unfolded(cards)
    assert "zestaponi-women" not in cards

    page.get_by_role("link", name=ZESTAPONI_CSO).click()
    page.wait_for_url(f"{live_server.url}/directory/{zestaponi.pk}/")
    expect(page.locator("h1")).to_have_text(ZESTAPONI_CSO)
    expect(page.locator("#profile")).to_be_visible()
    expect(page.locator("#contact-details")).to_have_count(0)  # staff only, by default
    assert "info@zestaponi-women.example.ge" not in page.content()
    page.screenshot(path=screenshot_dir / "7-entry.png", full_page=True)

    # An organisation whose profile is staff-only has no entry page for a partner either.
    staff_only = Organisation.objects.get(name=STAFF_ONLY_CSO)
    response = page.goto(f"{live_server.url}/directory/{staff_only.pk}/")
    assert response.status == 404

    # 6. My organisation: the profile and the sharing choices.
    page.goto(f"{live_server.url}/directory/")
    expect(page.get_by_role("navigation").locator("a[href='/directory/mine/']")).to_have_count(1)
    page.get_by_role("main").get_by_role("link", name=WORDS["my_organisation"]).click()
    page.wait_for_url(f"{live_server.url}/directory/mine/")
    expect(page.locator("h1")).to_have_text(PARTNER_ORGANISATION)
    expect(page.locator("#id_name")).to_have_count(0)  # the name stays with the centre
    form = page.locator("#own-organisation-form")
    form.locator("#id_description").fill(NEW_DESCRIPTION)
    form.locator("#id_email").fill(NEW_EMAIL)
    expect(form.locator("#id_share_contact_details")).to_have_value("staff")
    form.locator("#id_share_contact_details").select_option("partners")
    page.screenshot(path=screenshot_dir / "8-my-organisation.png", full_page=True)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/directory/mine/")
    expect(page.locator(".messages")).to_contain_text(WORDS["saved"])
    expect(page.locator("#id_description")).to_have_value(NEW_DESCRIPTION)
    expect(page.locator("#id_share_contact_details")).to_have_value("partners")
    page.screenshot(path=screenshot_dir / "9-saved.png", full_page=True)

    partner_organisation.refresh_from_db()
    assert (
        partner_organisation.description,
        partner_organisation.email,
        partner_organisation.share_contact_details,
    ) == (NEW_DESCRIPTION, NEW_EMAIL, "partners")
    edit = partner_organisation.history.order_by("-history_date", "-history_id").first()
    assert edit.history_type == "~"
    assert edit.history_user_id == partner.pk, "the edit is not recorded as the partner's"
    assert (edit.description, edit.email, edit.share_contact_details) == (
        NEW_DESCRIPTION,
        NEW_EMAIL,
        "partners",
    )
    before = edit.prev_record
    assert before is not None and before.share_contact_details == "staff"
    assert {change.field for change in edit.diff_against(before).changes} == {
        "description",
        "email",
        "share_contact_details",
    }

    # 7. Its entry in the directory, and its vCard with the new address.
    page.locator(f"a[href='/directory/{partner_organisation.pk}/']").click()
    page.wait_for_url(f"{live_server.url}/directory/{partner_organisation.pk}/")
    expect(page.locator("#profile")).to_contain_text(NEW_DESCRIPTION)
    expect(page.locator("#contact-details")).to_contain_text(NEW_EMAIL)
    page.screenshot(path=screenshot_dir / "10-own-entry.png", full_page=True)
    filename, card = download_text(page, page.locator("#entry-vcard"))
    assert filename == f"organisation-{partner_organisation.pk}.vcf"
    assert card.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert card.rstrip("\r\n").endswith("END:VCARD")
    card = unfolded(card)
    assert f"FN:{PARTNER_ORGANISATION}\r\n" in card
    assert f"ORG:{PARTNER_ORGANISATION}\r\n" in card
    assert f"EMAIL;TYPE=work:{NEW_EMAIL}\r\n" in card
    context.close()
