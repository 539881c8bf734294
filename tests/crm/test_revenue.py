from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.utils import timezone

from crm import revenue, revenue_tables
from crm.models import Invoice
from crm.services import invoice_cancel, invoice_issue, payment_record
from tests.crm.factories import InvoiceLineFactory, ServiceDeliveryFactory, ServiceFactory

pytestmark = pytest.mark.django_db

YEAR = revenue.Period(date(2026, 1, 1), date(2026, 12, 31))


def _issued(unit_price, vat_rate, issued_on, category="training"):
    delivery = ServiceDeliveryFactory(service=ServiceFactory(category=category))
    line = InvoiceLineFactory(delivery=delivery, unit_price=Decimal(unit_price), vat_rate=Decimal(vat_rate))
    return invoice_issue(invoice=line.invoice, issued_on=issued_on, due_on=issued_on + timedelta(days=14))


def test_figures_equal_the_sums_of_the_invoices():
    first = _issued("100.25", "18.00", date(2026, 3, 5))
    second = _issued("0.25", "18.00", date(2026, 3, 20), category="research")
    third = _issued("1000.00", "0.00", date(2026, 4, 1))
    by_month = {
        row["month"].month if hasattr(row["month"], "month") else row["month"]: row["amount"]
        for row in revenue.invoiced_by_month(YEAR)
    }
    assert by_month == {3: first.total + second.total, 4: third.total}
    assert by_month[3] == Decimal("118.30") + Decimal("0.30")
    categories = {row["category"]: row["amount"] for row in revenue.invoiced_by_category(YEAR)}
    assert sum(categories.values()) == first.total + second.total + third.total


def test_a_cancelled_invoice_and_its_credit_note_cancel_out():
    invoice = _issued("500.00", "18.00", date(2026, 5, 1))
    invoice_cancel(invoice=invoice, cancelled_by=None, issued_on=date(2026, 5, 2))
    assert sum(row["amount"] for row in revenue.invoiced_by_month(YEAR)) == Decimal("0.00")


def test_receivables_fall_into_aging_buckets():
    today = date(2026, 11, 25)
    fresh = _issued("100.00", "0.00", today - timedelta(days=20))  # due 6 days ago
    old = _issued("200.00", "0.00", today - timedelta(days=120))  # due 106 days ago
    payment_record(invoice=old, amount=Decimal("50.00"), paid_on=today)
    buckets = {
        bucket["low"]: (bucket["count"], bucket["amount"]) for bucket in revenue.receivables_aging(today)
    }
    assert buckets[1] == (1, fresh.total)
    assert buckets[91] == (1, Decimal("150.00"))
    assert buckets[31] == (0, Decimal("0.00"))
    assert buckets[None] == (0, Decimal("0.00"))


@pytest.mark.parametrize(
    ("days_overdue", "bucket"), [(-1, None), (0, None), (1, 1), (30, 1), (31, 31), (60, 31), (61, 61), (90, 61), (91, 91)]
)
def test_aging_bucket_edges(days_overdue, bucket):
    today = date(2026, 11, 25)
    _issued("10.00", "0.00", today - timedelta(days=days_overdue + 14))  # due 14 days after issue
    counts = {row["low"]: row["count"] for row in revenue.receivables_aging(today)}
    assert counts == {low: int(low == bucket) for low, _high in revenue.AGING_BUCKETS}


def test_the_dashboard_page_shows_the_figures_to_managers_only(client, user_in_role):
    today = timezone.localdate()
    invoice = _issued("100.00", "18.00", today)
    payment_record(invoice=invoice, amount=Decimal("18.00"), paid_on=today)
    client.force_login(user_in_role("manager"))
    page = client.get("/revenue/").content.decode()
    assert "118,00" in page and "18,00" in page
    assert client.get("/revenue/", {"start": "2026-12-01", "end": "2026-01-01"}).status_code == 200
    client.force_login(user_in_role("staff"))
    assert client.get("/revenue/").status_code == 403
    assert Invoice.objects.count() == 1


def test_dashboard_queries_do_not_grow_with_invoices(client, user_in_role, django_assert_max_num_queries):
    for index in range(30):
        _issued("10.00", "18.00", timezone.localdate() - timedelta(days=index))
    client.force_login(user_in_role("manager"))
    with django_assert_max_num_queries(20):
        assert client.get("/revenue/").status_code == 200


def test_quarters_add_invoiced_and_received():
    spring = _issued("100.00", "0.00", date(2026, 2, 10))
    autumn = _issued("300.00", "18.00", date(2026, 10, 1))
    payment_record(invoice=spring, amount=Decimal("40.00"), paid_on=date(2026, 4, 2))
    quarters = {row["quarter"].month: (row["invoiced"], row["received"]) for row in revenue.by_quarter(YEAR)}
    assert quarters == {
        1: (Decimal("100.00"), Decimal("0.00")),
        4: (Decimal("0.00"), Decimal("40.00")),
        10: (autumn.total, Decimal("0.00")),
    }


def test_aging_leaves_out_paid_invoices_and_keeps_not_yet_due_apart():
    today = date(2026, 11, 25)
    paid = _issued("0.10", "18.00", today - timedelta(days=40))
    payment_record(invoice=paid, amount=paid.total, paid_on=today)
    _issued("100.00", "0.00", today)  # due in 14 days
    assert [bucket["count"] for bucket in revenue.receivables_aging(today)] == [1, 0, 0, 0, 0]


def _export_rows(client, table, **params):
    response = client.get(f"/revenue/export/{table}/", {"start": "2026-01-01", "end": "2026-12-31", **params})
    assert response.status_code == 200
    return response


def test_every_table_exports_as_csv_and_xlsx_with_the_figures_on_screen(client, user_in_role):
    invoice = _issued("250.00", "18.00", date(2026, 3, 5))
    payment_record(invoice=invoice, amount=Decimal("95.50"), paid_on=date(2026, 3, 20))
    client.force_login(user_in_role("manager"))
    csv_text = b"".join(_export_rows(client, "by-quarter").streaming_content).decode("utf-8-sig")
    assert csv_text.splitlines() == ["კვარტალი,ინვოისით,მიღებული", "2026 წლის I კვარტალი,295.00,95.50"]
    response = _export_rows(client, "received-by-month", format="xlsx")
    assert 'filename="received-by-month-2026-01-01-2026-12-31.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(BytesIO(response.content)).active
    assert [cell.value for cell in sheet[2]] == ["მარტი, 2026", 95.5]
    for table in revenue_tables.TABLES:
        assert _export_rows(client, table, format="xlsx")["Content-Type"].startswith(
            "application/vnd.openxml"
        )


def test_an_unknown_table_is_not_found(client, user_in_role):
    client.force_login(user_in_role("manager"))
    assert client.get("/revenue/export/salaries/").status_code == 404


def test_each_chart_carries_the_figures_of_its_table(client, user_in_role):
    today = timezone.localdate()
    _issued("100.00", "18.00", today, category="consulting")
    client.force_login(user_in_role("manager"))
    page = client.get("/revenue/").content.decode()
    assert "vendor/chart.js/chart.umd.min.js" in page and "js/revenue-charts.js" in page
    assert '"type": "doughnut"' in page and '"data": ["118.00"]' in page
    assert "onclick" not in page and "style=" not in page  # no inline script or style for the CSP


def test_a_draft_credit_note_leaves_its_invoice_owed():
    today = date(2026, 11, 25)
    invoice = _issued("100.00", "0.00", today - timedelta(days=20))
    Invoice.objects.create(kind=Invoice.Kind.CREDIT_NOTE, cancels=invoice, due_on=today)
    assert revenue.receivables_aging(today)[1]["amount"] == Decimal("100.00")
