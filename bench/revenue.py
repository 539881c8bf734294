"""Benchmark: the revenue dashboard's figures (crm/revenue.py) against hand-written raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kavshiri_bench \\
        .venv/bin/python -m bench.revenue --invoices 100000

For each table of the dashboard, and for the whole dashboard, the ORM function is timed
against one raw SQL query computing the same figures, in the same run on the same data;
both answers are compared first, so the baseline is honest. Target: the ORM within 2× of
raw SQL. A missed target is reported, never an error; a mismatch or a failure exits 1.

The raw SQL follows the rules in crm/revenue.py's docstring: a line's gross is
round(quantity × unit price) + round(that net × VAT rate / 100), summed over issued
invoices (those with a number), credit notes included so cancellations cancel out.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bench.common import (
    DEFAULT_REPEATS,
    DEFAULT_WARMUP,
    BenchError,
    Result,
    count_queries,
    database_label,
    database_settings,
    django_setup,
    format_table,
    git_revision,
    result_from,
    results_write,
    time_against_baseline,
)

if TYPE_CHECKING:
    from crm.revenue import Period

TARGET_RATIO = 2.0
DEFAULT_INVOICES = 100_000
QUICK_INVOICES = 2_000
CLIENT_LIMIT = 10

# -- the raw SQL ---------------------------------------------------------------------------------
# Django's cursor takes %s placeholders on both backends, so a literal % is written %%.
NET = "ROUND(l.quantity * l.unit_price, 2)"
GROSS = f"({NET} + ROUND({NET} * l.vat_rate / 100.0, 2))"
ISSUED_LINES = "crm_invoiceline l JOIN crm_invoice i ON i.id = l.invoice_id"
ISSUED_IN_PERIOD = "i.number IS NOT NULL AND i.issued_on >= %s AND i.issued_on <= %s"


def _postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def _month(column: str) -> str:
    return f"DATE_TRUNC('month', {column})::date" if _postgres() else f"strftime('%%Y-%%m-01', {column})"


def _quarter(column: str) -> str:
    if _postgres():
        return f"DATE_TRUNC('quarter', {column})::date"
    first_month = f"(CAST(strftime('%%m', {column}) AS INTEGER) - 1) / 3 * 3 + 1"
    return f"strftime('%%Y', {column}) || printf('-%%02d-01', {first_month})"


def _year(column: str) -> str:
    return (
        f"EXTRACT(YEAR FROM {column})::integer"
        if _postgres()
        else f"CAST(strftime('%%Y', {column}) AS INTEGER)"
    )


def _days_before(column: str) -> str:
    """Days from `column` to the date given as the next parameter."""
    return (
        f"(%s::date - {column})" if _postgres() else f"CAST(julianday(%s) - julianday({column}) AS INTEGER)"
    )


def _fetch(sql: str, params: list) -> list[tuple]:
    from django.db import connection

    params = [connection.ops.adapt_datefield_value(p) if isinstance(p, date) else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _money(value) -> Decimal:
    # SQLite sums decimals as floats; through str they round as crm/revenue.py rounds them.
    from crm.money import round_money

    return round_money(Decimal(str(value or 0)))


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def raw_invoiced_by_month(period: Period) -> list[dict]:
    rows = _fetch(
        f"""SELECT {_month("i.issued_on")} AS month, COALESCE(SUM({GROSS}), 0)
            FROM {ISSUED_LINES} WHERE {ISSUED_IN_PERIOD} GROUP BY 1 ORDER BY 1""",
        [period.start, period.end],
    )
    return [{"month": _day(month), "amount": _money(amount)} for month, amount in rows]


def raw_received_by_month(period: Period) -> list[dict]:
    rows = _fetch(
        f"""SELECT {_month("p.paid_on")} AS month, SUM(p.amount) FROM crm_payment p
            WHERE p.paid_on >= %s AND p.paid_on <= %s GROUP BY 1 ORDER BY 1""",
        [period.start, period.end],
    )
    return [{"month": _day(month), "amount": _money(amount)} for month, amount in rows]


def raw_by_quarter(period: Period) -> list[dict]:
    rows = _fetch(
        f"""SELECT COALESCE(invoiced.quarter, received.quarter) AS quarter, invoiced.amount, received.amount
            FROM (
                SELECT {_quarter("i.issued_on")} AS quarter, SUM({GROSS}) AS amount
                FROM {ISSUED_LINES} WHERE {ISSUED_IN_PERIOD} GROUP BY 1
            ) AS invoiced
            FULL JOIN (
                SELECT {_quarter("p.paid_on")} AS quarter, SUM(p.amount) AS amount
                FROM crm_payment p WHERE p.paid_on >= %s AND p.paid_on <= %s GROUP BY 1
            ) AS received ON received.quarter = invoiced.quarter
            ORDER BY 1""",
        [period.start, period.end, period.start, period.end],
    )
    return [
        {"quarter": _day(quarter), "invoiced": _money(invoiced), "received": _money(received)}
        for quarter, invoiced, received in rows
    ]


def raw_invoiced_by_category(period: Period) -> list[dict]:
    from crm.models import Service

    rows = _fetch(
        f"""SELECT s.category, COALESCE(SUM({GROSS}), 0) AS amount
            FROM {ISSUED_LINES}
            LEFT JOIN crm_servicedelivery d ON d.id = l.delivery_id
            LEFT JOIN crm_service s ON s.id = d.service_id
            WHERE {ISSUED_IN_PERIOD} GROUP BY s.category ORDER BY amount DESC""",
        [period.start, period.end],
    )
    labels = dict(Service.Category.choices)
    return [{"category": labels.get(category, ""), "amount": _money(amount)} for category, amount in rows]


def raw_invoiced_by_client(period: Period, limit: int = CLIENT_LIMIT) -> list[dict]:
    rows = _fetch(
        f"""SELECT i.client_name, COALESCE(SUM({GROSS}), 0) AS amount
            FROM {ISSUED_LINES} WHERE {ISSUED_IN_PERIOD}
            GROUP BY i.client_name ORDER BY amount DESC LIMIT %s""",
        [period.start, period.end, limit],
    )
    return [{"client": client, "amount": _money(amount)} for client, amount in rows]


def raw_invoiced_by_municipality(period: Period) -> list[dict]:
    rows = _fetch(
        f"""SELECT m.name_ka, m.name_en, COALESCE(SUM({GROSS}), 0) AS amount
            FROM {ISSUED_LINES}
            LEFT JOIN crm_servicedelivery d ON d.id = l.delivery_id
            LEFT JOIN network_municipality m ON m.id = d.place_id
            WHERE {ISSUED_IN_PERIOD} GROUP BY m.name_ka, m.name_en ORDER BY amount DESC""",
        [period.start, period.end],
    )
    return [
        {"municipality_ka": name_ka, "municipality_en": name_en, "amount": _money(amount)}
        for name_ka, name_en, amount in rows
    ]


def raw_receivables_aging(today: date) -> list[dict]:
    """Owed on issued invoices that no credit note refers to, by days past due.

    Mirrors crm/revenue.py: an issued credit note takes its invoice out; an
    invoice counts when its total exceeds its payments by half a tetri or more; it falls in
    the first bucket whose `high` it does not pass (days past due, negative when not yet
    due), else in the last. The boundaries come from AGING_BUCKETS, so they cannot drift.
    """
    from crm.revenue import AGING_BUCKETS

    bounded = [(index, high) for index, (_low, high) in enumerate(AGING_BUCKETS) if high is not None]
    bucket = " ".join(f"WHEN days <= {int(high)} THEN {index}" for index, high in bounded)
    rows = _fetch(
        f"""SELECT CASE {bucket} ELSE {len(AGING_BUCKETS) - 1} END AS bucket, SUM(owed), COUNT(*)
            FROM (
                SELECT {_days_before("o.due_on")} AS days,
                       COALESCE(SUM({GROSS}), 0) - COALESCE(MAX(p.paid), 0) AS owed
                FROM crm_invoice o
                LEFT JOIN crm_invoiceline l ON l.invoice_id = o.id
                LEFT JOIN (SELECT invoice_id, SUM(amount) AS paid FROM crm_payment GROUP BY invoice_id) p
                       ON p.invoice_id = o.id
                WHERE o.kind = 'invoice' AND o.number IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM crm_invoice c WHERE c.cancels_id = o.id AND c.number IS NOT NULL)
                GROUP BY o.id, o.due_on
            ) AS open_invoice
            WHERE owed >= 0.005 GROUP BY 1""",
        [today],
    )
    found = {index: (amount, count) for index, amount, count in rows}
    return [
        {
            "low": low,
            "high": high,
            "count": found.get(index, (0, 0))[1],
            "amount": _money(found.get(index, (0, 0))[0]),
        }
        for index, (low, high) in enumerate(AGING_BUCKETS)
    ]


def raw_deliveries_free_and_paid(period: Period) -> list[dict]:
    rows = _fetch(
        """SELECT s.is_paid, COUNT(d.id), COALESCE(SUM(d.participants), 0)
           FROM crm_servicedelivery d JOIN crm_service s ON s.id = d.service_id
           WHERE d.start_date >= %s AND d.start_date <= %s
           GROUP BY s.is_paid ORDER BY s.is_paid DESC""",
        [period.start, period.end],
    )
    return [{"paid": bool(paid), "deliveries": count, "participants": people} for paid, count, people in rows]


def raw_year_totals(years: list[int]) -> list[dict]:
    """Invoiced and received in each of `years` (consecutive), in one query."""
    first, last = date(min(years), 1, 1), date(max(years), 12, 31)
    rows = _fetch(
        f"""SELECT 'invoiced', {_year("i.issued_on")}, SUM({GROSS})
            FROM {ISSUED_LINES} WHERE {ISSUED_IN_PERIOD} GROUP BY 2
            UNION ALL
            SELECT 'received', {_year("p.paid_on")}, SUM(p.amount)
            FROM crm_payment p WHERE p.paid_on >= %s AND p.paid_on <= %s GROUP BY 2""",
        [first, last, first, last],
    )
    found = {(figure, int(year)): amount for figure, year, amount in rows}
    return [
        {
            "year": year,
            "invoiced": _money(found.get(("invoiced", year))),
            "received": _money(found.get(("received", year))),
        }
        for year in years
    ]


def raw_dashboard(*, period: Period, today: date) -> dict:
    """The whole dashboard, keyed as crm.revenue.dashboard() keys it, from the queries above."""
    return {
        "years": raw_year_totals([today.year - 1, today.year]),
        "invoiced_by_month": raw_invoiced_by_month(period),
        "received_by_month": raw_received_by_month(period),
        "by_quarter": raw_by_quarter(period),
        "by_category": raw_invoiced_by_category(period),
        "by_client": raw_invoiced_by_client(period),
        "by_municipality": raw_invoiced_by_municipality(period),
        "aging": raw_receivables_aging(today),
        "deliveries": raw_deliveries_free_and_paid(period),
    }


# -- the figures, and how their answers compare -------------------------------------------------
@dataclass(frozen=True)
class Figure:
    name: str
    orm: Callable[[], Any]
    raw: Callable[[], Any]
    ranked: bool = False  # rows ordered by amount: rows of equal amount may come in any order
    limited: bool = False  # ranked and cut at a limit: the last tie may hold different rows


# Tables of the dashboard ordered by amount, keyed as dashboard() keys them.
RANKED = {"by_category": False, "by_client": True, "by_municipality": False}


def figures(*, period: Period, today: date) -> list[Figure]:
    from crm import revenue

    years = [today.year, today.year - 1]
    return [
        Figure(
            "invoiced by month",
            lambda: revenue.invoiced_by_month(period),
            lambda: raw_invoiced_by_month(period),
        ),
        Figure(
            "received by month",
            lambda: revenue.received_by_month(period),
            lambda: raw_received_by_month(period),
        ),
        Figure("by quarter", lambda: revenue.by_quarter(period), lambda: raw_by_quarter(period)),
        Figure(
            "by category",
            lambda: revenue.invoiced_by_category(period),
            lambda: raw_invoiced_by_category(period),
            ranked=True,
        ),
        Figure(
            "by client (top 10)",
            lambda: revenue.invoiced_by_client(period, limit=CLIENT_LIMIT),
            lambda: raw_invoiced_by_client(period, limit=CLIENT_LIMIT),
            ranked=True,
            limited=True,
        ),
        Figure(
            "by municipality",
            lambda: revenue.invoiced_by_municipality(period),
            lambda: raw_invoiced_by_municipality(period),
            ranked=True,
        ),
        Figure(
            "receivables aging",
            lambda: revenue.receivables_aging(today),
            lambda: raw_receivables_aging(today),
        ),
        Figure(
            "free vs paid deliveries",
            lambda: revenue.deliveries_free_and_paid(period),
            lambda: raw_deliveries_free_and_paid(period),
        ),
        Figure(
            "year totals (this, last)",
            lambda: revenue.year_totals(years),
            lambda: raw_year_totals(years),
        ),
        Figure(
            "whole dashboard",
            lambda: revenue.dashboard(period=period, today=today),
            lambda: raw_dashboard(period=period, today=today),
        ),
    ]


def _plain(value):
    """Lazy translations as str, recursively, so answers compare as data."""
    from django.utils.functional import Promise

    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value) if isinstance(value, Promise) else value


def _same_ranking(orm: list[dict], raw: list[dict], *, limited: bool) -> bool:
    """Same amounts in the same order, and the same rows for each amount; when the list is
    cut at a limit, rows tied at the cut may differ (either query may keep either)."""
    if [row["amount"] for row in orm] != [row["amount"] for row in raw]:
        return False
    amounts = list(dict.fromkeys(row["amount"] for row in orm))
    if limited and amounts:
        amounts.pop()
    for amount in amounts:
        mine = sorted((row for row in orm if row["amount"] == amount), key=repr)
        theirs = sorted((row for row in raw if row["amount"] == amount), key=repr)
        if mine != theirs:
            return False
    return True


def _same(figure: Figure, orm: Any, raw: Any) -> bool:
    orm, raw = _plain(orm), _plain(raw)
    if figure.name == "whole dashboard":
        if orm.keys() != raw.keys():
            raise BenchError(
                f"dashboard() has tables {sorted(orm.keys())}, the raw twin {sorted(raw.keys())}: "
                "update bench/revenue.py."
            )
        return all(
            _same_ranking(orm[key], raw[key], limited=RANKED[key]) if key in RANKED else orm[key] == raw[key]
            for key in orm
        )
    if figure.ranked:
        return _same_ranking(orm, raw, limited=figure.limited)
    return orm == raw


def rules_check(period: Period) -> None:
    """The raw SQL rounds as crm/money.py does: what it invoiced in the period equals the sum
    of InvoiceLine.gross_amount, computed in Python line by line."""
    from crm.models import InvoiceLine

    lines = InvoiceLine.objects.filter(
        invoice__number__isnull=False,
        invoice__issued_on__gte=period.start,
        invoice__issued_on__lte=period.end,
    ).values_list("quantity", "unit_price", "vat_rate")
    expected = sum(
        (InvoiceLine(quantity=q, unit_price=p, vat_rate=r).gross_amount for q, p, r in lines.iterator()),
        Decimal("0.00"),
    )
    found = sum((row["amount"] for row in raw_invoiced_by_month(period)), Decimal("0.00"))
    if found != expected:
        raise BenchError(
            f"Raw SQL invoiced {found} in the period; the lines' gross amounts add up to {expected}."
        )


def figures_check(items: list[Figure]) -> None:
    """Raise unless every ORM figure equals its raw SQL twin."""
    for figure in items:
        orm, raw = figure.orm(), figure.raw()
        if not _same(figure, orm, raw):
            raise BenchError(
                f"'{figure.name}' differs between the ORM and raw SQL:\n  ORM: {_plain(orm)!r}\n  SQL: {_plain(raw)!r}"
            )


def figures_time(items: list[Figure], *, repeats: int, warmup: int) -> list[Result]:
    results = []
    for figure in items:
        queries = count_queries(figure.orm)
        orm, raw = time_against_baseline(figure.orm, figure.raw, repeats=repeats, warmup=warmup)
        results.append(result_from(figure.name, orm, raw, target_ratio=TARGET_RATIO, queries=queries))
    return results


# -- running it ----------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.revenue", description=__doc__.split("\n\n")[0])
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument(
        "--invoices", type=int, default=DEFAULT_INVOICES, help="Invoices to seed (default 100,000)."
    )
    scale.add_argument("--quick", action="store_true", help=f"A smoke run with {QUICK_INVOICES:,} invoices.")
    parser.add_argument(
        "--period", choices=["all", "ytd"], default="all", help="All seeded months, or this year to date."
    )
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help="Timed rounds (at least 5).")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="Untimed rounds first.")
    parser.add_argument(
        "--allow-sqlite", action="store_true", help="Run on SQLite although the target is PostgreSQL."
    )
    parser.add_argument(
        "--any-database",
        action="store_true",
        help="Run even when the database's name lacks 'bench' (its billing data is replaced).",
    )
    return parser



def run(args: argparse.Namespace) -> tuple[list[Result], dict]:
    invoices = QUICK_INVOICES if args.quick else args.invoices
    database = django_setup(allow_sqlite=args.allow_sqlite, any_database=args.any_database)
    # Models can be imported only once Django is set up.
    import django

    from bench.revenue_seed import FIRST_DAY, TODAY, revenue_data_ensure
    from crm.revenue import Period

    server = database_settings()
    print(
        f"Database: {database_label(database)} ({', '.join(f'{k}={v}' for k, v in server.items())})",
        flush=True,
    )
    print(f"Invoices wanted: {invoices:,}", flush=True)
    seeded = revenue_data_ensure(invoices=invoices)
    verb = "Reused" if seeded.reused else f"Seeded in {seeded.seconds:.1f}s"
    print(
        f"{verb}: {seeded.invoices:,} invoices ({seeded.drafts:,} drafts), {seeded.credit_notes:,} credit notes, "
        f"{seeded.lines:,} lines, {seeded.payments:,} payments, {seeded.deliveries:,} deliveries, "
        f"{seeded.organisations:,} organisations.",
        flush=True,
    )
    period = Period(FIRST_DAY if args.period == "all" else date(TODAY.year, 1, 1), TODAY)
    items = figures(period=period, today=TODAY)
    rules_check(period)
    figures_check(items)
    print(
        f"Figures agree. Timing {len(items)} figures, {args.warmup} warm-up + {args.repeats} rounds each…",
        flush=True,
    )
    results = figures_time(items, repeats=args.repeats, warmup=args.warmup)
    meta = {
        "database": database_label(database),
        "server": server,
        "cpus": os.cpu_count(),
        "invoices_requested": invoices,
        "seed": asdict(seeded),
        "period": {"start": period.start, "end": period.end},
        "today": TODAY,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "target_ratio": TARGET_RATIO,
        "python": platform.python_version(),
        "django": django.get_version(),
        "git_revision": git_revision(),
    }
    return results, meta


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()
    try:
        results, meta = run(args)
    except BenchError as error:
        print(f"bench.revenue: {error}", file=sys.stderr)
        return 1
    meta["total_seconds"] = round(time.monotonic() - started, 1)
    path = results_write("revenue", results, meta=meta)
    print()
    print(format_table(results, baseline_header="raw SQL"))
    print()
    met = sum(result.met for result in results)
    print(
        f"{met}/{len(results)} within {TARGET_RATIO:g}× of raw SQL. Total {meta['total_seconds']}s. Written to {path}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
