"""The Content Security Policy in a real browser (Debian's Chromium): the pages that
run scripts (Swagger UI, the revenue charts, the admin, the pickers) still work under it, and
Chromium reports no violation on any of them."""

import pytest
from playwright.sync_api import expect

from crm.services import invoice_issue
from tests.crm.factories import InvoiceLineFactory, OrganisationFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _watch_for_violations(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return violations


def _log_in(page, live_server, username, password="correct-horse-battery"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def test_swagger_ui_runs_under_the_policy(browser, live_server, screenshot_dir):
    page = browser.new_page()
    violations = _watch_for_violations(page)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible(timeout=15_000)  # the operations are drawn
    page.screenshot(path=screenshot_dir / "api-docs.png")
    assert page.locator("body").evaluate("b => getComputedStyle(b).marginTop") == "0px"  # our CSS file
    assert violations == []
    page.close()


def test_the_managers_pages_run_under_the_policy(browser, live_server, screenshot_dir):
    UserFactory(role="manager", username="manana")
    UserFactory(role="admin", username="admin")
    invoice_issue(invoice=InvoiceLineFactory().invoice)  # something for the revenue charts to draw
    OrganisationFactory(name="ზესტაფონის ახალგაზრდული ცენტრი")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations = _watch_for_violations(page)

    _log_in(page, live_server, "manana")
    page.goto(f"{live_server.url}/revenue/")
    expect(page.locator(".revenue-table.charted canvas").first).to_be_visible()  # Chart.js drew
    page.screenshot(path=screenshot_dir / "revenue.png")
    page.goto(f"{live_server.url}/partnerships/new/")
    expect(page.locator("[data-picker-filter]").first).to_be_visible()  # picker.js ran
    page.goto(f"{live_server.url}/accounts/two-factor/")
    expect(page.locator(".qr svg")).to_be_visible()
    page.screenshot(path=screenshot_dir / "two-factor.png", full_page=True)
    page.goto(f"{live_server.url}/api/tokens/")
    page.fill("#id_name", "website")
    page.locator("form[action='/api/tokens/'] button[type=submit]").click()
    secret = page.locator("#token-secret")
    expect(secret).to_be_visible()
    page.wait_for_load_state("load")  # the script is attached once the page has loaded
    secret.blur()  # a field focused before that would never see a focus event
    secret.focus()
    # Fails by timing out if select-on-focus.js never selects the secret.
    page.wait_for_function(
        "() => document.getSelection().toString() !== '' || document.activeElement.selectionEnd > 0"
    )
    context.clear_cookies()

    _log_in(page, live_server, "admin")
    page.goto(f"{live_server.url}/admin/crm/organisation/")
    page.locator("#action-toggle").check()  # the admin's own scripts: select every row
    expect(page.locator("input.action-select").first).to_be_checked()
    page.screenshot(path=screenshot_dir / "admin.png")
    assert violations == []
    context.close()
