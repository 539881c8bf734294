"""The benchmarks' main data, and seed_demo's own rate.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kavshiri_bench_s100000 \\
        .venv/bin/python -m bench.seed --organisations 100000

`main_data_ensure(organisations=N)` makes the database hold, at scale N:
- N organisations, about 3N people and 10N interactions with their follow-ups, written by
  crm.demo.demo_seed, the bulk path behind `manage.py seed_demo --orgs N
  --interactions-per-org 10` (history rows included, as the demo writes them);
- N invoices with lines and payments, written by bench.revenue_seed over those
  organisations (it replaces the demo's few invoices, so bench.revenue reuses them).

The scale is recorded in a table of this module's own, `bench_seeded`. A later run asking
for the same scale reuses the data when the recorded counts still hold, and starts at once;
otherwise everything demo_seed wrote is emptied and seeded again. Other benchmarks
(bench.crm_pages, bench.importing, bench.revenue) call this first and leave the data as they
found it.

`seed_rate()` times demo_seed itself: RATE_ORGANISATIONS organisations with their people,
interactions and invoices, inside a transaction that is rolled back, so the data stays as it
was. Rows per second count every row inserted in that transaction, as PostgreSQL's
statistics see them (pg_stat_xact_user_tables), history and link tables included.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass

from bench.common import (
    DEFAULT_WARMUP,
    MIN_REPEATS,
    BenchError,
    database_label,
    database_settings,
    django_setup,
    git_revision,
    results_write,
)

DEFAULT_ORGANISATIONS = 100_000
QUICK_ORGANISATIONS = 2_000
PEOPLE_PER_ORGANISATION = 3
INTERACTIONS_PER_ORGANISATION = 10
SEED = 2026
RATE_ORGANISATIONS = 2_000
QUICK_RATE_ORGANISATIONS = 300
MARKER_TABLE = "bench_seeded"
# What demo_seed and the revenue seed write; migrations' own rows (regions, municipalities,
# themes, target groups) stay. CASCADE takes the link and history tables that point here.
SEEDED_TABLES = [
    "crm_organisation",
    "crm_contact",
    "crm_interaction",
    "crm_historicalorganisation",
    "crm_historicalcontact",
    "crm_historicalinvoice",
    "crm_historicalpayment",
    "crm_invoicesequence",
]


@dataclass
class SeedOutcome:
    reused: bool
    seconds: float
    organisations: int
    contacts: int
    interactions: int
    invoices: int
    rows: int  # every row written by the seed, history and links included (0 when reused)

    @property
    def rows_per_second(self) -> float | None:
        return self.rows / self.seconds if self.rows and self.seconds else None


# -- the main data -------------------------------------------------------------------------------
def main_data_ensure(*, organisations: int) -> SeedOutcome:
    """The database holds the main data at this scale; seeded now unless it already did."""
    if organisations < 100:
        raise BenchError("Seed at least 100 organisations.")
    _marker_table_ensure()
    recorded = _marker_read()
    if recorded and recorded["organisations_requested"] == organisations and _counts() == recorded["counts"]:
        return SeedOutcome(reused=True, seconds=recorded["seconds"], rows=0, **recorded["counts"])
    started = time.monotonic()
    rows = _seed(organisations)
    seconds = time.monotonic() - started
    counts = _counts()
    _marker_write(organisations_requested=organisations, counts=counts, seconds=seconds, rows=rows)
    return SeedOutcome(reused=False, seconds=seconds, rows=rows, **counts)


def _seed(organisations: int) -> int:
    from django.db import connection, transaction

    from bench.revenue_seed import revenue_data_ensure
    from crm.demo import demo_seed

    with transaction.atomic():
        _seeded_tables_empty()
        demo_seed(
            organisations=organisations,
            people_per_organisation=PEOPLE_PER_ORGANISATION,
            interactions_per_organisation=INTERACTIONS_PER_ORGANISATION,
            seed=SEED,
        )
        rows = _rows_inserted_in_transaction()
    revenue_data_ensure(invoices=organisations, seed=SEED)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return rows


def _seeded_tables_empty() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(SEEDED_TABLES)} RESTART IDENTITY CASCADE")


def _counts() -> dict[str, int]:
    from crm.models import Contact, Interaction, Invoice, Organisation

    return {
        "organisations": Organisation.objects.count(),
        "contacts": Contact.objects.count(),
        "interactions": Interaction.objects.count(),
        "invoices": Invoice.objects.count(),
    }


def _marker_table_ensure() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (id int PRIMARY KEY, record jsonb NOT NULL)")


def _marker_read() -> dict | None:
    from django.db import connection

    with connection.cursor() as cursor:
        # ::text, then json.loads: Django's psycopg setup hands jsonb back as a string.
        cursor.execute(f"SELECT record::text FROM {MARKER_TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return json.loads(row[0]) if row else None


def _marker_write(**record) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} (id, record) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
            [json.dumps(record)],
        )


def _rows_inserted_in_transaction() -> int:
    """Rows inserted so far by the current transaction, in every table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(n_tup_ins), 0) FROM pg_stat_xact_user_tables")
        return int(cursor.fetchone()[0])


# -- seed_demo's rate ----------------------------------------------------------------------------
@dataclass
class SeedRate:
    organisations: int
    rows: int
    samples_s: list[float]

    @property
    def median_s(self) -> float:
        return statistics.median(self.samples_s)

    @property
    def p95_s(self) -> float:
        return statistics.quantiles(self.samples_s, n=100, method="inclusive")[94]

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.median_s

    def as_dict(self) -> dict:
        return {
            "name": f"seed_demo, {self.organisations:,} organisations with people, interactions, invoices",
            "organisations": self.organisations,
            "rows": self.rows,
            "median_s": round(self.median_s, 3),
            "p95_s": round(self.p95_s, 3),
            "rows_per_second": round(self.rows_per_second),
            "samples_s": [round(s, 3) for s in self.samples_s],
        }


class _RolledBack(Exception):
    """Raised inside the timed transaction so that nothing it wrote stays."""


def seed_rate(*, organisations: int, repeats: int, warmup: int) -> SeedRate:
    if repeats < MIN_REPEATS:
        raise BenchError(f"At least {MIN_REPEATS} repeats are needed for a median and a p95.")
    rows, samples = 0, []
    for round_number in range(warmup + repeats):
        seconds, rows = _seed_once_rolled_back(organisations)
        if round_number >= warmup:
            samples.append(seconds)
    return SeedRate(organisations=organisations, rows=rows, samples_s=samples)


def _seed_once_rolled_back(organisations: int) -> tuple[float, int]:
    from django.db import transaction

    from crm.demo import demo_seed

    outcome = {}
    try:
        with transaction.atomic():
            before = _rows_inserted_in_transaction()
            started = time.perf_counter()
            demo_seed(
                organisations=organisations,
                people_per_organisation=PEOPLE_PER_ORGANISATION,
                interactions_per_organisation=INTERACTIONS_PER_ORGANISATION,
                seed=SEED + 1,  # other codes and names than the main data's
            )
            outcome["seconds"] = time.perf_counter() - started
            outcome["rows"] = _rows_inserted_in_transaction() - before
            raise _RolledBack
    except _RolledBack:
        pass
    return outcome["seconds"], outcome["rows"]


# -- running it ----------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.seed", description=__doc__.split("\n\n")[0])
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument(
        "--organisations", type=int, default=DEFAULT_ORGANISATIONS, help="Scale (default 100,000)."
    )
    scale.add_argument("--quick", action="store_true", help=f"{QUICK_ORGANISATIONS:,} organisations.")
    parser.add_argument("--repeats", type=int, default=MIN_REPEATS, help="Timed seeds of the rate (at least 5).")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP - 1, help="Untimed seeds first.")
    parser.add_argument("--any-database", action="store_true", help="Run even when the name lacks 'bench'.")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    organisations = QUICK_ORGANISATIONS if args.quick else args.organisations
    small = args.quick or organisations <= QUICK_ORGANISATIONS
    rate_organisations = QUICK_RATE_ORGANISATIONS if small else RATE_ORGANISATIONS
    started = time.monotonic()
    try:
        database = django_setup(any_database=args.any_database)
        if database["ENGINE"] != "django.db.backends.postgresql":
            raise BenchError("bench.seed counts rows through PostgreSQL's statistics: use PostgreSQL.")
        print(f"Database: {database_label(database)}; organisations wanted: {organisations:,}", flush=True)
        seeded = main_data_ensure(organisations=organisations)
        print(_describe(seeded), flush=True)
        print(f"Timing seed_demo: {rate_organisations:,} organisations, rolled back, "
              f"{args.warmup} warm-up + {args.repeats} rounds…", flush=True)  # fmt: skip
        rate = seed_rate(organisations=rate_organisations, repeats=args.repeats, warmup=args.warmup)
    except BenchError as error:
        print(f"bench.seed: {error}", file=sys.stderr)
        return 1
    import django

    meta = {
        "database": database_label(database),
        "server": database_settings(),
        "organisations_requested": organisations,
        "seed": {**asdict(seeded), "rows_per_second": seeded.rows_per_second},
        "repeats": args.repeats,
        "warmup": args.warmup,
        "django": django.get_version(),
        "git_revision": git_revision(),
        "total_seconds": round(time.monotonic() - started, 1),
    }
    path = results_write("seed", [], meta=meta, rows=[rate.as_dict()])
    row = rate.as_dict()
    print(
        f"\n{row['name']}: {row['rows']:,} rows in {row['median_s']:.2f} s median "
        f"(p95 {row['p95_s']:.2f} s) = {row['rows_per_second']:,} rows/s.\nWritten to {path}."
    )
    return 0


def _describe(seeded: SeedOutcome) -> str:
    held = (
        f"{seeded.organisations:,} organisations, {seeded.contacts:,} people, "
        f"{seeded.interactions:,} interactions, {seeded.invoices:,} invoices"
    )
    if seeded.reused:
        return f"Reused: {held} (seeded earlier in {seeded.seconds:.0f} s)."
    return f"Seeded in {seeded.seconds:.0f} s: {held}; {seeded.rows:,} rows by demo_seed ({seeded.rows_per_second:,.0f}/s)."


if __name__ == "__main__":
    sys.exit(main())
