"""The revenue dashboard's figures, each table one aggregated query.

Amounts follow the invoice rules: a line's net is round(quantity × unit price) and its VAT is
round(net × rate / 100); rounding happens in SQL the same way (ROUND on the database, half away
from zero on both PostgreSQL and SQLite for positive amounts), so the figures here equal the
sums of the invoice pages. Cancelled invoices and their credit notes cancel out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, Round, TruncMonth, TruncQuarter

from crm.models import Invoice, InvoiceLine, Payment, Service, ServiceDelivery
from crm.money import round_money

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)
# Days past the due date, low to high; (None, 0) holds what is owed but not yet overdue
# (due today or later), as the invoice status counts it.
AGING_BUCKETS = [(None, 0), (1, 30), (31, 60), (61, 90), (91, None)]
HALF_TETRI = Decimal("0.005")


@dataclass(frozen=True)
class Period:
    start: date
    end: date


def _line_gross():
    net = Round(ExpressionWrapper(F("quantity") * F("unit_price"), output_field=MONEY), 2)
    vat = Round(ExpressionWrapper(net * F("vat_rate") / Value(Decimal(100)), output_field=MONEY), 2)
    return ExpressionWrapper(net + vat, output_field=MONEY)


def _issued_lines(period: Period):
    return InvoiceLine.objects.filter(
        invoice__number__isnull=False,
        invoice__issued_on__gte=period.start,
        invoice__issued_on__lte=period.end,
    )


def invoiced_by_month(period: Period) -> list[dict]:
    return _as_money(
        _issued_lines(period)
        .annotate(month=TruncMonth("invoice__issued_on"))
        .values("month")
        .annotate(amount=Coalesce(Sum(_line_gross()), ZERO))
        .order_by("month")
    )


def received_by_month(period: Period) -> list[dict]:
    return _as_money(
        Payment.objects.filter(paid_on__gte=period.start, paid_on__lte=period.end)
        .annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(amount=Sum("amount"))
        .order_by("month")
    )


def by_quarter(period: Period) -> list[dict]:
    """Invoiced and received per calendar quarter: two grouped queries, joined by quarter."""
    invoiced = (
        _issued_lines(period)
        .annotate(quarter=TruncQuarter("invoice__issued_on"))
        .values("quarter")
        .annotate(amount=Sum(_line_gross()))
        .values_list("quarter", "amount")
    )
    received = (
        Payment.objects.filter(paid_on__gte=period.start, paid_on__lte=period.end)
        .annotate(quarter=TruncQuarter("paid_on"))
        .values("quarter")
        .annotate(amount=Sum("amount"))
        .values_list("quarter", "amount")
    )
    invoiced, received = dict(invoiced.order_by()), dict(received.order_by())
    return [
        {
            "quarter": quarter,
            "invoiced": _money(invoiced.get(quarter)),
            "received": _money(received.get(quarter)),
        }
        for quarter in sorted(invoiced.keys() | received.keys())
    ]


def invoiced_by_category(period: Period) -> list[dict]:
    rows = _as_money(
        _issued_lines(period)
        .values(category=F("delivery__service__category"))
        .annotate(amount=Coalesce(Sum(_line_gross()), ZERO))
        .order_by("-amount")
    )
    labels = dict(Service.Category.choices)
    return [{**row, "category": labels.get(row["category"], "")} for row in rows]


def invoiced_by_client(period: Period, limit: int = 10) -> list[dict]:
    return _as_money(
        _issued_lines(period)
        .values(client=F("invoice__client_name"))
        .annotate(amount=Coalesce(Sum(_line_gross()), ZERO))
        .order_by("-amount")[:limit]
    )


def invoiced_by_municipality(period: Period) -> list[dict]:
    return _as_money(
        _issued_lines(period)
        .values(municipality_ka=F("delivery__place__name_ka"), municipality_en=F("delivery__place__name_en"))
        .annotate(amount=Coalesce(Sum(_line_gross()), ZERO))
        .order_by("-amount")
    )


def receivables_aging(today: date) -> list[dict]:
    """What is owed on issued, uncancelled invoices, by days past due, in one grouped query.

    A bucket takes the invoices due on or after `today - high` days, the first that matches."""
    owed = _invoices_owed()
    bucket_of_due_date = Case(
        *[
            When(due_on__gte=today - timedelta(days=high), then=Value(index))
            for index, (_low, high) in enumerate(AGING_BUCKETS)
            if high is not None
        ],
        default=Value(len(AGING_BUCKETS) - 1),
    )
    sums = {
        row["bucket"]: row
        for row in owed.annotate(bucket=bucket_of_due_date)
        .values("bucket")
        .annotate(amount=Sum("owed"), count=Count("pk"))
        .order_by()
    }
    return [
        {
            "low": low,
            "high": high,
            "count": sums.get(index, {}).get("count", 0),
            "amount": _money(sums.get(index, {}).get("amount")),
        }
        for index, (low, high) in enumerate(AGING_BUCKETS)
    ]


def _invoices_owed():
    """Issued, uncancelled invoices, each with `owed`, its total less its payments."""
    total = Subquery(
        InvoiceLine.objects.filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(sum=Sum(_line_gross()))
        .values("sum"),
        output_field=MONEY,
    )
    paid = Subquery(
        Payment.objects.filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(sum=Sum("amount"))
        .values("sum"),
        output_field=MONEY,
    )
    return (
        Invoice.objects.filter(kind=Invoice.Kind.INVOICE, number__isnull=False)
        # Only an issued credit note cancels; a draft one leaves the invoice owed.
        .filter(Q(credit_note__isnull=True) | Q(credit_note__number__isnull=True))
        .annotate(owed=ExpressionWrapper(Coalesce(total, ZERO) - Coalesce(paid, ZERO), output_field=MONEY))
        # Half a tetri, not zero: SQLite adds money as floats, so a paid invoice may owe 1e-14.
        .filter(owed__gte=HALF_TETRI)
    )


def deliveries_free_and_paid(period: Period) -> list[dict]:
    return list(
        ServiceDelivery.objects.filter(start_date__gte=period.start, start_date__lte=period.end)
        .values(paid=F("service__is_paid"))
        .annotate(deliveries=Count("id"), participants=Coalesce(Sum("participants"), 0))
        .order_by("-paid")
    )


def year_totals(years: list[int]) -> list[dict]:
    """Invoiced and received in each of `years`: one grouped query for each figure."""
    period = Period(date(min(years), 1, 1), date(max(years), 12, 31))
    invoiced = dict(
        _issued_lines(period)
        .values(year=ExtractYear("invoice__issued_on"))
        .annotate(amount=Sum(_line_gross()))
        .order_by()
        .values_list("year", "amount")
    )
    received = dict(
        Payment.objects.filter(paid_on__gte=period.start, paid_on__lte=period.end)
        .values(year=ExtractYear("paid_on"))
        .annotate(amount=Sum("amount"))
        .order_by()
        .values_list("year", "amount")
    )
    return [
        {"year": year, "invoiced": _money(invoiced.get(year)), "received": _money(received.get(year))}
        for year in years
    ]


def _money(value) -> Decimal:
    """An amount as Decimal with two places: SQLite sums decimals as floats, PostgreSQL exactly."""
    return round_money(Decimal(str(value or 0)))


def _as_money(rows) -> list[dict]:
    return [{**row, "amount": _money(row["amount"])} for row in rows]


def dashboard(*, period: Period, today: date) -> dict:
    """Every figure of the dashboard; crm/revenue_tables.py lays them out as tables and charts."""
    return {
        "years": year_totals([today.year - 1, today.year]),
        "invoiced_by_month": invoiced_by_month(period),
        "received_by_month": received_by_month(period),
        "by_quarter": by_quarter(period),
        "by_category": invoiced_by_category(period),
        "by_client": invoiced_by_client(period),
        "by_municipality": invoiced_by_municipality(period),
        "aging": receivables_aging(today),
        "deliveries": deliveries_free_and_paid(period),
    }
