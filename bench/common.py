"""What every benchmark shares: Django against PostgreSQL, timing, the table and the JSON.

Timing rules, the same for every benchmark:
- the candidate and its baseline run in the same process against the same data;
- both are warmed up first, untimed (connections, plans, caches);
- then at least MIN_REPEATS rounds, each running both, alternating which goes first so
  neither always meets the warmer cache;
- reported: median and p95 of each, and the ratio of the medians (candidate / baseline).

A missed target is information, not an error: benchmarks exit non-zero only when they fail.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
MIN_REPEATS = 5
DEFAULT_REPEATS = 7
DEFAULT_WARMUP = 2
# Calls whose queries are compared by their median before one is EXPLAINed.
EXPLAIN_CALLS = 5
BENCH_SECRET_KEY = "bench-only-not-a-secret"
# PostgreSQL settings that move query timings; recorded with every run.
POSTGRES_SETTINGS = (
    "jit",
    "max_parallel_workers_per_gather",
    "work_mem",
    "shared_buffers",
    "random_page_cost",
)
SQLITE_ENGINE = "django.db.backends.sqlite3"
POSTGRES_ENGINE = "django.db.backends.postgresql"


class BenchError(Exception):
    """A benchmark cannot run, or its candidate and baseline disagree."""


# -- Django and the database ---------------------------------------------------------------------
def django_setup(*, allow_sqlite: bool = False, any_database: bool = False) -> dict:
    """Set Django up for a benchmark, create the database if missing and migrate it.

    Steps: default the settings module and a bench-only secret; refuse SQLite unless asked
    (the figures that matter are PostgreSQL's); refuse a database whose name lacks "bench"
    unless asked, before touching it, since benchmarks migrate it and replace its data;
    create the PostgreSQL database when it does not exist; django.setup(); migrate.
    Returns the default database's settings.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", BENCH_SECRET_KEY)
    from django.conf import settings

    database = settings.DATABASES["default"]
    engine = database["ENGINE"]
    if engine == SQLITE_ENGINE and not allow_sqlite:
        raise BenchError(
            "This benchmark targets PostgreSQL: set DATABASE_URL=postgres://… "
            "(or pass --allow-sqlite to time SQLite anyway)."
        )
    if engine not in (SQLITE_ENGINE, POSTGRES_ENGINE):
        raise BenchError(f"Unsupported database engine {engine}.")
    name = Path(str(database["NAME"])).name
    if "bench" not in name.lower() and not any_database:
        raise BenchError(
            f"Benchmarks migrate their database and replace its data; {name!r} is not named for "
            "benchmarks. Use a database whose name contains 'bench' (or pass --any-database)."
        )
    if engine == POSTGRES_ENGINE:
        postgres_database_ensure(database)

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    return database


def postgres_database_ensure(database: dict) -> bool:
    """Create the PostgreSQL database named in settings if it is missing; True if created."""
    import psycopg
    from psycopg import sql

    params = {
        "dbname": "postgres",
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
    }
    name = database["NAME"]
    with psycopg.connect(**{k: v for k, v in params.items() if v is not None}, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def database_label(database: dict) -> str:
    """Engine and name, without credentials, for the report."""
    vendor = "postgresql" if database["ENGINE"] == POSTGRES_ENGINE else "sqlite"
    host = f"{database.get('HOST')}:{database.get('PORT')}/" if database.get("HOST") else ""
    return f"{vendor} {host}{database['NAME']}"


def database_settings() -> dict:
    """The server's version and the settings that move timings, for the record."""
    from django.db import connection

    if connection.vendor != "postgresql":
        import sqlite3

        return {"sqlite_version": sqlite3.sqlite_version}
    found = {}
    with connection.cursor() as cursor:
        for name in ("server_version", *POSTGRES_SETTINGS):
            cursor.execute("SELECT current_setting(%s)", [name])
            found[name] = cursor.fetchone()[0]
    return found


def git_revision() -> str | None:
    """The checkout's revision, "-dirty" when it has uncommitted changes."""
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def count_queries(fn: Callable[[], Any]) -> int:
    """How many SQL queries one call of `fn` sends on the default connection."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def client_settings_apply() -> None:
    """What Django's test client needs from production settings, as tests/conftest.py sets it:
    the host it calls itself, plain HTTP (production redirects it to HTTPS), and static files
    named without collectstatic's manifest."""
    from django.conf import settings
    from django.test.utils import override_settings

    override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"],
        SECURE_SSL_REDIRECT=False,
        STATIC_ROOT=None,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()

def slowest_query_explained(fn: Callable[[], Any]) -> str:
    """EXPLAIN ANALYZE of the query `fn` spends longest on. A request sends the same queries
    in the same order each time; they are compared by their median over EXPLAIN_CALLS calls,
    because one call's slowest query is often only the one the machine paused in."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    calls = []
    for _ in range(EXPLAIN_CALLS):
        with CaptureQueriesContext(connection) as captured:
            fn()
        calls.append(captured.captured_queries)
    same_query = zip(*calls, strict=False)
    slowest = max(same_query, key=lambda runs: statistics.median(float(run["time"]) for run in runs))
    sql = slowest[0]["sql"]
    # A ModelChoiceField iterates its queryset through a server-side cursor: explain its SELECT.
    if sql.startswith("DECLARE "):
        sql = sql[sql.index(" FOR ") + len(" FOR ") :]
    with connection.cursor() as cursor:
        # Without parameters the SQL goes to the server as captured: its % need no escaping.
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return f"{sql}\n{plan}"


# -- timing --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timing:
    samples_ms: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95_ms(self) -> float:
        # Interpolated between the closest samples; with 5–10 repeats it lies near the slowest.
        return statistics.quantiles(self.samples_ms, n=100, method="inclusive")[94]


def _elapsed_ms(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def time_against_baseline(
    candidate: Callable[[], Any],
    baseline: Callable[[], Any],
    *,
    repeats: int = DEFAULT_REPEATS,
    warmup: int = DEFAULT_WARMUP,
) -> tuple[Timing, Timing]:
    """Time both, interleaved round by round; see the module docstring for the rules."""
    if repeats < MIN_REPEATS:
        raise BenchError(f"At least {MIN_REPEATS} repeats are needed for a median and a p95.")
    for _ in range(warmup):
        candidate()
        baseline()
    candidate_ms, baseline_ms = [], []
    for round_number in range(repeats):
        if round_number % 2:
            baseline_ms.append(_elapsed_ms(baseline))
            candidate_ms.append(_elapsed_ms(candidate))
        else:
            candidate_ms.append(_elapsed_ms(candidate))
            baseline_ms.append(_elapsed_ms(baseline))
    return Timing(candidate_ms), Timing(baseline_ms)


# -- results -------------------------------------------------------------------------------------
@dataclass
class Result:
    """One row of a benchmark's table: a candidate timed against its baseline."""

    name: str
    median_ms: float
    p95_ms: float
    baseline_median_ms: float
    baseline_p95_ms: float
    target_ratio: float
    queries: int | None = None
    samples_ms: list[float] = field(default_factory=list)
    baseline_samples_ms: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.median_ms / self.baseline_median_ms if self.baseline_median_ms else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio <= self.target_ratio

    def as_dict(self) -> dict:
        # Microseconds are plenty: timings of one query vary by more than that.
        fields = {key: _rounded(value) for key, value in asdict(self).items()}
        return {**fields, "ratio": round(self.ratio, 3), "met": self.met}


def _rounded(value):
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def result_from(
    name: str, candidate: Timing, baseline: Timing, *, target_ratio: float, queries=None
) -> Result:
    return Result(
        name=name,
        median_ms=candidate.median_ms,
        p95_ms=candidate.p95_ms,
        baseline_median_ms=baseline.median_ms,
        baseline_p95_ms=baseline.p95_ms,
        target_ratio=target_ratio,
        queries=queries,
        samples_ms=candidate.samples_ms,
        baseline_samples_ms=baseline.samples_ms,
    )


def format_table(
    results: list[Result], *, name_header: str = "figure", baseline_header: str = "baseline"
) -> str:
    """A plain-text table, one row per result, columns aligned."""
    headers = [
        name_header,
        "queries",
        "median ms",
        "p95 ms",
        f"{baseline_header} median ms",
        "ratio",
        "target",
        "met",
    ]
    rows = [
        [
            result.name,
            "" if result.queries is None else str(result.queries),
            f"{result.median_ms:.2f}",
            f"{result.p95_ms:.2f}",
            f"{result.baseline_median_ms:.2f}",
            f"{result.ratio:.2f}×",
            f"≤ {result.target_ratio:g}×",
            "met" if result.met else "NOT MET",
        ]
        for result in results
    ]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        # The name column reads left to right; numbers line up on the right.
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def results_write(
    benchmark: str,
    results: list[Result],
    *,
    meta: dict,
    rows: list[dict] = (),
    directory: Path = RESULTS_DIR,
) -> Path:
    """Write the run to <directory>/<benchmark>-<UTC timestamp>.json and return the path.

    `rows` are results already turned into dicts, for benchmarks that are not a timing
    against a baseline (rates, throughputs); they follow `results` in the file."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{benchmark}-{stamp}.json"
    document = {
        "benchmark": benchmark,
        "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "meta": meta,
        "results": [*(result.as_dict() for result in results), *rows],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path
