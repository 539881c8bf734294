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

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Coalesce, Round, TruncMonth

from crm.models import Invoice, InvoiceLine, Payment, Service, ServiceDelivery
from crm.money import round_money

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)
AGING_BUCKETS = [(0, 30), (31, 60), (61, 90), (91, None)]


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
        invoice__number__isnull=False, invoice__issued_on__gte=period.start, invoice__issued_on__lte=period.end
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
    """What is owed on issued, uncancelled invoices, by days past due."""
    open_invoices = Invoice.objects.filter(
        kind=Invoice.Kind.INVOICE, number__isnull=False, credit_note__isnull=True, due_on__lt=today + timedelta(days=1)
    )
    totals = {
        row["pk"]: row
        for row in open_invoices.values("pk", "due_on").annotate(total=Coalesce(Sum(_line_gross_via_invoice()), ZERO))
    }
    paid = dict(
        Payment.objects.filter(invoice__in=open_invoices).values("invoice").annotate(paid=Sum("amount")).values_list(
            "invoice", "paid"
        )
    )
    buckets = [{"low": low, "high": high, "amount": Decimal("0.00"), "count": 0} for low, high in AGING_BUCKETS]
    for pk, row in totals.items():
        owed = round_money(Decimal(str(row["total"]))) - round_money(Decimal(str(paid.get(pk, 0))))
        if owed <= 0:
            continue
        days = (today - row["due_on"]).days
        bucket = next(b for b in buckets if days >= b["low"] and (b["high"] is None or days <= b["high"]))
        bucket["amount"] += owed
        bucket["count"] += 1
    return buckets


def _line_gross_via_invoice():
    net = Round(ExpressionWrapper(F("lines__quantity") * F("lines__unit_price"), output_field=MONEY), 2)
    vat = Round(ExpressionWrapper(net * F("lines__vat_rate") / Value(Decimal(100)), output_field=MONEY), 2)
    return ExpressionWrapper(net + vat, output_field=MONEY)


def deliveries_free_and_paid(period: Period) -> list[dict]:
    return list(
        ServiceDelivery.objects.filter(start_date__gte=period.start, start_date__lte=period.end)
        .values(paid=F("service__is_paid"))
        .annotate(deliveries=Count("id"), participants=Coalesce(Sum("participants"), 0))
        .order_by("-paid")
    )


def year_totals(year: int) -> dict[str, Decimal]:
    period = Period(date(year, 1, 1), date(year, 12, 31))
    invoiced = _issued_lines(period).aggregate(amount=Coalesce(Sum(_line_gross()), ZERO))["amount"]
    received = Payment.objects.filter(paid_on__year=year).aggregate(amount=Coalesce(Sum("amount"), ZERO))["amount"]
    return {
        "year": year,
        "invoiced": round_money(Decimal(str(invoiced))),
        "received": round_money(Decimal(str(received))),
    }



def _as_money(rows) -> list[dict]:
    """Amounts as Decimal with two places: SQLite sums decimals as floats, PostgreSQL exactly."""
    return [{**row, "amount": round_money(Decimal(str(row["amount"] or 0)))} for row in rows]


def with_bars(rows: list[dict], key: str = "amount") -> list[dict]:
    """Each row with `bar`, its share of the largest value in percent, for the bar charts."""
    largest = max((abs(row[key]) for row in rows), default=0) or 1
    return [{**row, "bar": round(abs(row[key]) * 100 / largest)} for row in rows]


def dashboard(*, period: Period, today: date) -> dict:
    return {
        "invoiced_by_month": with_bars(invoiced_by_month(period)),
        "received_by_month": with_bars(received_by_month(period)),
        "by_category": with_bars(invoiced_by_category(period)),
        "by_client": with_bars(invoiced_by_client(period)),
        "by_municipality": with_bars(invoiced_by_municipality(period)),
        "aging": with_bars(receivables_aging(today)),
        "deliveries": deliveries_free_and_paid(period),
        "this_year": year_totals(today.year),
        "last_year": year_totals(today.year - 1),
    }
