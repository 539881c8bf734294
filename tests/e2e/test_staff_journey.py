"""Staff's day, in a real browser, in Georgian and in English: log in, find an organisation by
typing its name in Latin script, log an interaction with a follow-up, see it on the dashboard,
mark it done."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.models import FollowUp, Organisation
from tests.crm.factories import AffiliationFactory, OrganisationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "ka": {"log_in": "შესვლა", "search": "ძიება", "log_it": "ჩაწერა", "done": "შესრულდა", "nothing_due": "შესასრულებელი არაფერია"},
    "en": {"log_in": "Log in", "search": "Search", "log_it": "Log it", "done": "Done", "nothing_due": "Nothing due"},
}


@pytest.mark.parametrize("language", ["ka", "en"])
def test_staff_logs_an_interaction_and_closes_its_follow_up(browser, live_server, screenshot_dir, language):
    UserFactory(role="staff", username="nino", first_name="ნინო", last_name="ბერიძე")
    organisation = OrganisationFactory(name="ტყიბულის თემის ფონდი", name_latin="")
    AffiliationFactory(organisation=organisation)
    words = WORDS[language]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if language == "en":
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == language
    page.screenshot(path=screenshot_dir / "1-login.png")
    page.fill("#id_username", "nino")
    page.fill("#id_password", "correct-horse-battery")
    page.get_by_role("button", name=words["log_in"]).click()

    page.fill("#quick-q", "tqibulis")  # Latin letters for ტყიბულის
    page.get_by_role("button", name=words["search"], exact=True).click()
    page.screenshot(path=screenshot_dir / "2-search.png", full_page=True)
    page.get_by_role("link", name="ტყიბულის თემის ფონდი").click()

    form = page.locator("#log-interaction form")
    form.locator("#id_kind").select_option("meeting")
    form.locator("#id_subject").fill("Budget hearing preparation")
    form.locator("#id_follow_up_title").fill("Send the budget analysis")
    form.locator("#id_follow_up_due_on").fill(timezone.localdate().isoformat())
    page.screenshot(path=screenshot_dir / "3-log-interaction.png", full_page=True)
    form.get_by_role("button", name=words["log_it"]).click()
    expect(page.locator("#timeline").get_by_text("Budget hearing preparation")).to_be_visible()

    page.goto(f"{live_server.url}/")
    due = page.locator("#my-follow-ups")
    expect(due.get_by_text("Send the budget analysis")).to_be_visible()
    page.screenshot(path=screenshot_dir / "4-dashboard.png", full_page=True)
    due.get_by_role("button", name=words["done"]).click()
    expect(page.locator("#my-follow-ups").get_by_text(words["nothing_due"])).to_be_visible()
    page.screenshot(path=screenshot_dir / "5-done.png", full_page=True)
    assert FollowUp.objects.get().status == FollowUp.Status.DONE
    context.close()


def test_the_list_fits_a_phone(browser, live_server, screenshot_dir, client):
    UserFactory(role="staff", username="nino")
    for index in range(5):
        OrganisationFactory(name=f"ქუთაისის ახალგაზრდული ცენტრი {index}")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/organisations/")
    page.fill("#id_username", "nino")
    page.fill("#id_password", "correct-horse-battery")
    page.locator("button[type=submit].primary").click()
    page.wait_for_url("**/organisations/")
    page.screenshot(path=screenshot_dir / "organisations-phone.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    context.close()


@pytest.mark.parametrize("language", ["ka", "en"])
def test_import_reports_the_duplicate_and_the_bad_row(browser, live_server, screenshot_dir, tmp_path, language):
    UserFactory(role="staff", username="nino")
    OrganisationFactory(name="ვანის ქალთა კავშირი", name_latin="", identification_code="212345678")
    upload = tmp_path / "organisations.csv"
    upload.write_text(
        "name,identification_code,municipality,email\n"
        "ხონის ახალგაზრდული ცენტრი,212345600,ხონი,info@khoni.example.ge\n"
        "ვანის ქალთა კავშირი,,Vani,\n"
        "ცუდი ხაზი,123,ქუთაისი,not-an-email\n",
        encoding="utf-8",
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if language == "en":
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/import/")
    page.fill("#id_username", "nino")
    page.fill("#id_password", "correct-horse-battery")
    page.locator("button[type=submit].primary").click()
    page.wait_for_url("**/import/")
    page.locator("#id_kind").select_option("organisations")
    page.set_input_files("#id_file", str(upload))
    page.locator("#import-form button[type=submit]").click()
    page.wait_for_url("**/import/*/")
    expect(page.locator("#import-rows tbody tr")).to_have_count(3)
    expect(page.locator("tr.row-duplicate").get_by_text("ვანის ქალთა კავშირი").first).to_be_visible()
    expect(page.locator("tr.row-error li.error")).to_have_count(2)  # the code and the email
    page.screenshot(path=screenshot_dir / "import-preview.png", full_page=True)
    assert not Organisation.objects.filter(name="ხონის ახალგაზრდული ცენტრი").exists()
    context.close()
