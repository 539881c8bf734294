"""The revenue dashboard laid out: each figure of crm/revenue.py as a titled table with a chart.

One layout serves the page, the charts and the CSV/XLSX exports, so what a manager downloads
is exactly the table on screen. Row labels (months, quarters, municipalities) are written out
in the reader's language here; amounts stay Decimal and counts int.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from crm import revenue


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"  # text, money or count

    @property
    def is_number(self) -> bool:
        return self.kind != "text"


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple]
    chart: str = "bar"  # bar, hbar (long labels) or doughnut (shares of a whole)

    @property
    def header(self) -> list[str]:
        return [column.label for column in self.columns]

    @property
    def cells(self) -> list[list[tuple[object, Column]]]:
        """Each row's values paired with their columns, for the page to format them."""
        return [list(zip(row, self.columns, strict=True)) for row in self.rows]

    def chart_data(self) -> dict:
        """What static/js/revenue-charts.js draws: the numeric columns as series over the labels."""
        plotted = [index for index, column in enumerate(self.columns) if column.kind == "money"] or [
            index for index, column in enumerate(self.columns) if column.kind == "count"
        ]
        return {
            "type": self.chart,
            "labels": [str(row[0]) for row in self.rows],
            "series": [
                {"label": self.columns[index].label, "data": [str(row[index]) for row in self.rows]}
                for index in plotted
            ],
        }


def _month(day: date) -> str:
    return formats.date_format(day, "YEAR_MONTH_FORMAT")


def _quarter(day: date) -> str:
    # Georgian names quarters with Roman numerals and the year first ("2026 წლის I კვარტალი").
    names = [_("Q1"), _("Q2"), _("Q3"), _("Q4")]
    return _("%(quarter)s %(year)s") % {"quarter": names[(day.month - 1) // 3], "year": day.year}


def _year_on_year(period: revenue.Period, today: date) -> Table:
    years = revenue.year_totals([today.year - 1, today.year])
    return Table(
        _("This year against last year"),
        (Column(_("year")), Column(_("invoiced"), "money"), Column(_("received"), "money")),
        [(str(year["year"]), year["invoiced"], year["received"]) for year in years],
    )


def _invoiced_by_month(period: revenue.Period, today: date) -> Table:
    return Table(
        _("Invoiced by month"),
        (Column(_("month")), Column(_("invoiced"), "money")),
        [(_month(row["month"]), row["amount"]) for row in revenue.invoiced_by_month(period)],
    )


def _received_by_month(period: revenue.Period, today: date) -> Table:
    return Table(
        _("Received by month"),
        (Column(_("month")), Column(_("received"), "money")),
        [(_month(row["month"]), row["amount"]) for row in revenue.received_by_month(period)],
    )


def _by_quarter(period: revenue.Period, today: date) -> Table:
    return Table(
        _("By quarter"),
        (Column(_("quarter")), Column(_("invoiced"), "money"), Column(_("received"), "money")),
        [(_quarter(row["quarter"]), row["invoiced"], row["received"]) for row in revenue.by_quarter(period)],
    )


def _by_category(period: revenue.Period, today: date) -> Table:
    return Table(
        _("By service category"),
        (Column(_("category")), Column(_("invoiced"), "money")),
        [(row["category"] or "—", row["amount"]) for row in revenue.invoiced_by_category(period)],
        chart="doughnut",
    )


def _by_client(period: revenue.Period, today: date) -> Table:
    return Table(
        _("By client"),
        (Column(_("client")), Column(_("invoiced"), "money")),
        [(row["client"] or "—", row["amount"]) for row in revenue.invoiced_by_client(period)],
        chart="hbar",
    )


def _by_municipality(period: revenue.Period, today: date) -> Table:
    name = "municipality_en" if get_language() == "en" else "municipality_ka"
    return Table(
        _("By municipality"),
        (Column(_("municipality")), Column(_("invoiced"), "money")),
        [(row[name] or "—", row["amount"]) for row in revenue.invoiced_by_municipality(period)],
        chart="hbar",
    )


def _aging(period: revenue.Period, today: date) -> Table:
    def days(bucket):
        if bucket["low"] is None:
            return _("not yet due")
        return f"{bucket['low']}–{bucket['high']}" if bucket["high"] else f"{bucket['low']}+"

    return Table(
        _("Receivables by days overdue"),
        (Column(_("days")), Column(_("invoices"), "count"), Column(_("owed"), "money")),
        [(days(bucket), bucket["count"], bucket["amount"]) for bucket in revenue.receivables_aging(today)],
    )


def _free_and_paid(period: revenue.Period, today: date) -> Table:
    return Table(
        _("Free and paid deliveries"),
        (Column(""), Column(_("deliveries"), "count"), Column(_("participants"), "count")),
        [
            (_("paid service") if row["paid"] else _("free"), row["deliveries"], row["participants"])
            for row in revenue.deliveries_free_and_paid(period)
        ],
    )


# In the order the dashboard shows them; the keys are the tables' addresses for export.
TABLES: dict[str, Callable[[revenue.Period, date], Table]] = {
    "year-on-year": _year_on_year,
    "invoiced-by-month": _invoiced_by_month,
    "received-by-month": _received_by_month,
    "by-quarter": _by_quarter,
    "by-category": _by_category,
    "by-client": _by_client,
    "by-municipality": _by_municipality,
    "aging": _aging,
    "free-and-paid": _free_and_paid,
}


def dashboard_tables(*, period: revenue.Period, today: date) -> list[tuple[str, Table]]:
    """(address, table) pairs in the dashboard's order."""
    return [(slug, build(period, today)) for slug, build in TABLES.items()]


def dashboard_table(slug: str, *, period: revenue.Period, today: date) -> Table:
    """One table, for its export; KeyError for an address that is not one."""
    return TABLES[slug](period, today)
