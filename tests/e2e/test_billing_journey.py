"""A manager's billing day, in a real browser, in Georgian: record a paid delivery, invoice it,
issue the invoice, take two partial payments, and watch the revenue dashboard follow each step
(received by month grows by each payment, receivables shrink by it)."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from playwright.sync_api import expect

from crm.models import Invoice, Payment, ServiceDelivery
from tests.crm.factories import OrganisationFactory, ServiceFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT = "ზესტაფონის ქალთა ასოციაცია"
SERVICE = "ფასიანი ტრენინგი პროექტების წერაზე"
PRICE = Decimal("250.00")  # net; the service carries VAT at 18%
TOTAL = Decimal("295.00")
FIRST_PAYMENT = Decimal("100.00")
SECOND_PAYMENT = TOTAL - FIRST_PAYMENT

# The Georgian the pages must show (locale/ka/LC_MESSAGES/django.po).
WORDS = {
    "log_in": "შესვლა",
    "deliveries": "მიწოდებული სერვისები",
    "record_delivery": "მიწოდებული სერვისის ჩაწერა",
    "service": "სერვისი",
    "client_organisation": "კლიენტი ორგანიზაცია",
    "start_date": "დაწყების თარიღი",
    "participants": "მონაწილეთა რაოდენობა",
    "price_agreed": "შეთანხმებული ფასი (ლარი)",
    "save": "შენახვა",
    "saved": "შენახულია.",
    "invoice_it": "ინვოისის გამოწერა",
    "issue": "გამოწერა",
    "issued_message": "გამოიწერა.",
    "draft": "მონახაზი",
    "issued": "გამოწერილი",
    "partly_paid": "ნაწილობრივ გადახდილი",
    "paid": "გადახდილი",
    "amount": "თანხა (ლარი)",
    "paid_on": "გადახდის თარიღი",
    "method": "გადახდის მეთოდი",
    "reference": "საცნობარო ნომერი",
    "record_payment": "გადახდის ჩაწერა",
    "payment_recorded": "გადახდა ჩაიწერა.",
    "cash": "ნაღდი ფული",
    "bank_transfer": "საბანკო გადარიცხვა",
    "revenue": "შემოსავალი",
    "received_by_month": "მიღებული თანხა თვეების მიხედვით",
    "aging": "დავალიანება ვადაგადაცილების დღეების მიხედვით",
    "not_yet_due": "ვადა ჯერ არ გასულა",
}

AMOUNT = re.compile(r"-?\d[\d\s\xa0\u202f.,]*")
MONEY_CELL = re.compile(r"-?\d[\d\s\xa0\u202f.,]*[.,]\d{2}(\s*₾)?")


def money(text: str) -> Decimal:
    """An amount as a page shows it, "1 295,00 ₾" (Georgian) or "1,295.00" (English)."""
    match = AMOUNT.search(text.replace("₾", ""))
    assert match, f"no amount in {text!r}"
    digits = re.sub(r"[\s\xa0\u202f]", "", match.group()).rstrip(".,")
    if "," in digits and "." in digits:  # grouped: the separator that comes last is the decimal one
        decimal_mark = "," if digits.rfind(",") > digits.rfind(".") else "."
        digits = digits.replace("." if decimal_mark == "," else ",", "").replace(decimal_mark, ".")
    else:
        digits = digits.replace(",", ".")
    return Decimal(digits)


def amount_in_row(section, row_text) -> Decimal:
    """The lari amount on the row of `section` that mentions `row_text`: the one cell holding a
    number with two decimals (counts have none). Zero when there is no such row: the tables
    leave out empty months and say "nothing in this period" when they have no rows at all."""
    rows = section.locator("tr", has_text=row_text)
    if rows.count() == 0:
        return Decimal("0.00")
    assert rows.count() == 1, f"more than one row for {row_text!r}"
    amounts = [cell for cell in rows.locator("td").all_inner_texts() if MONEY_CELL.fullmatch(cell.strip())]
    assert len(amounts) == 1, f"expected one amount on the row, found {amounts!r}"
    return money(amounts[0])


def dashboard_figures(page, live_server, month_label) -> dict:
    page.goto(f"{live_server.url}/revenue/")
    expect(page.locator("h1")).to_have_text(WORDS["revenue"])
    received = page.locator("#received-by-month")
    aging = page.locator("#aging")
    invoiced = page.locator("#invoiced-by-month")
    expect(received.locator("h2")).to_have_text(WORDS["received_by_month"])
    expect(aging.locator("h2")).to_have_text(WORDS["aging"])
    return {
        "invoiced": amount_in_row(invoiced, month_label),
        "received": amount_in_row(received, month_label),
        # Issued today with a 14-day term: owed, but not yet due.
        "owed": amount_in_row(aging, re.compile(r"^\s*" + WORDS["not_yet_due"])),
    }


def status_of(page):
    return page.locator("#invoice-status")


def record_payment(page, amount: Decimal, paid_on, method: str, reference: str):
    form = page.locator("#payment-form")
    form.get_by_label(WORDS["amount"], exact=True).fill(str(amount))
    form.get_by_label(WORDS["paid_on"], exact=True).fill(paid_on.isoformat())
    form.get_by_label(WORDS["method"], exact=True).select_option(label=method)
    form.get_by_label(WORDS["reference"], exact=True).fill(reference)
    form.get_by_role("button", name=WORDS["record_payment"]).click()
    expect(page.locator(".messages")).to_contain_text(WORDS["payment_recorded"])


def test_manager_invoices_a_delivery_and_takes_two_payments(browser, live_server, screenshot_dir):
    UserFactory(role="manager", username="tamar", first_name="თამარ", last_name="გელაშვილი")
    organisation = OrganisationFactory(name=CLIENT, name_latin="Zestaponi Women's Association")
    ServiceFactory(
        name_ka=SERVICE,
        name_en="Paid proposal-writing training",
        is_paid=True,
        default_price=Decimal("200.00"),
        vat_applies=True,
    )
    today = timezone.localdate()
    with translation.override("ka"):
        month_label = date_filter(today.replace(day=1), "YEAR_MONTH_FORMAT")  # e.g. "ნოემბერი, 2026"
        today_shown = date_filter(today, "SHORT_DATE_FORMAT")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()

    page.goto(f"{live_server.url}/accounts/login/?next=/organisations/")
    assert page.locator("html").get_attribute("lang") == "ka"
    page.fill("#id_username", "tamar")
    page.fill("#id_password", "correct-horse-battery")
    page.get_by_role("button", name=WORDS["log_in"]).click()
    page.wait_for_url("**/organisations/")

    # The delivery form takes the client as "its number from its page address".
    page.get_by_role("link", name=CLIENT).click()
    page.wait_for_url(re.compile(r"/organisations/\d+/$"))
    client_number = re.search(r"/organisations/(\d+)/$", page.url).group(1)
    assert client_number == str(organisation.pk)

    # 1. The delivery, through the form.
    page.goto(f"{live_server.url}/deliveries/")
    expect(page.locator("h1")).to_have_text(WORDS["deliveries"])
    page.get_by_role("link", name=WORDS["record_delivery"]).click()
    page.wait_for_url("**/deliveries/new/")
    form = page.locator("form.stacked")
    form.get_by_label(WORDS["service"], exact=True).select_option(label=SERVICE)
    form.get_by_label(WORDS["client_organisation"], exact=True).fill(client_number)
    form.get_by_label(WORDS["start_date"], exact=True).fill(today.isoformat())
    form.get_by_label(WORDS["participants"], exact=True).fill("14")
    form.get_by_label(WORDS["price_agreed"], exact=True).fill(str(PRICE))
    page.screenshot(path=screenshot_dir / "1-delivery-form.png", full_page=True)
    form.get_by_role("button", name=WORDS["save"]).click()
    page.wait_for_url("**/deliveries/")
    expect(page.locator(".messages")).to_contain_text(WORDS["saved"])
    row = page.locator("#deliveries tbody tr", has_text=CLIENT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(SERVICE)
    expect(row).to_contain_text("250,00")  # the agreed price, with the Georgian decimal comma
    page.screenshot(path=screenshot_dir / "2-deliveries.png", full_page=True)
    delivery = ServiceDelivery.objects.get()
    assert (delivery.client_organisation_id, delivery.price_agreed, delivery.participants) == (
        organisation.pk,
        PRICE,
        14,
    )

    # 2. The invoice from the delivery: a draft, then issued with the next number of the year.
    row.get_by_role("button", name=WORDS["invoice_it"]).click()
    page.wait_for_url(re.compile(r"/invoices/\d+/$"))
    expect(status_of(page)).to_have_text(WORDS["draft"])
    assert money(page.locator("#invoice-total").inner_text()) == TOTAL
    page.screenshot(path=screenshot_dir / "3-draft-invoice.png", full_page=True)
    page.get_by_role("button", name=WORDS["issue"], exact=True).click()
    expect(page.locator(".messages")).to_contain_text(WORDS["issued_message"])
    number = f"{settings.INVOICE_NUMBER_PREFIX}-{today.year}-0001"
    expect(page.locator("#invoice")).to_contain_text(number)
    expect(status_of(page)).to_have_text(WORDS["issued"])
    assert money(page.locator("#invoice-outstanding").inner_text()) == TOTAL
    invoice_url = page.url
    invoice = Invoice.objects.get()
    assert invoice.number == number and invoice.client_name == CLIENT
    page.screenshot(path=screenshot_dir / "4-issued-invoice.png", full_page=True)

    assert invoice.due_on > today

    before = dashboard_figures(page, live_server, month_label)
    page.screenshot(path=screenshot_dir / "5-revenue-before.png", full_page=True)
    assert before["invoiced"] == TOTAL
    assert before["received"] == Decimal("0.00")
    assert before["owed"] == TOTAL

    # 3. The first payment: partly paid; the dashboard has received it and is owed the rest.
    page.goto(invoice_url)
    record_payment(page, FIRST_PAYMENT, today, WORDS["cash"], "სალარო-17")
    expect(status_of(page)).to_have_text(WORDS["partly_paid"])
    assert money(page.locator("#invoice-outstanding").inner_text()) == SECOND_PAYMENT
    payments = page.locator("#payments li")
    expect(payments).to_have_count(1)
    expect(payments.first).to_contain_text(today_shown)
    expect(payments.first).to_contain_text(WORDS["cash"])
    expect(payments.first).to_contain_text("სალარო-17")
    page.screenshot(path=screenshot_dir / "6-partly-paid.png", full_page=True)

    after_first = dashboard_figures(page, live_server, month_label)
    page.screenshot(path=screenshot_dir / "7-revenue-after-first-payment.png", full_page=True)
    assert after_first["received"] == before["received"] + FIRST_PAYMENT
    assert after_first["owed"] == before["owed"] - FIRST_PAYMENT
    assert after_first["invoiced"] == before["invoiced"]

    # 4. The second payment settles it: paid, nothing owed, no payment form any more.
    page.goto(invoice_url)
    record_payment(page, SECOND_PAYMENT, today, WORDS["bank_transfer"], "GE29TB0000000000000001")
    expect(status_of(page)).to_have_text(WORDS["paid"])
    assert money(page.locator("#invoice-outstanding").inner_text()) == Decimal("0.00")
    expect(page.locator("#payments li")).to_have_count(2)
    expect(page.locator("#payments li").nth(1)).to_contain_text(WORDS["bank_transfer"])
    expect(page.locator("#payment-form")).to_have_count(0)
    page.screenshot(path=screenshot_dir / "8-paid.png", full_page=True)

    after_second = dashboard_figures(page, live_server, month_label)
    page.screenshot(path=screenshot_dir / "9-revenue-after-second-payment.png", full_page=True)
    assert after_second["received"] == after_first["received"] + SECOND_PAYMENT == TOTAL
    assert after_second["owed"] == after_first["owed"] - SECOND_PAYMENT == Decimal("0.00")

    assert list(Payment.objects.order_by("id").values_list("amount", "method", "reference")) == [
        (FIRST_PAYMENT, Payment.Method.CASH, "სალარო-17"),
        (SECOND_PAYMENT, Payment.Method.BANK_TRANSFER, "GE29TB0000000000000001"),
    ]
    context.close()
