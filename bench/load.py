"""Load test: 50 people at once, staff and partners, against gunicorn, for 2 minutes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kavshiri_bench_load \\
        .venv/bin/python -m bench.load [--users 50] [--seconds 120] [--quick]

Steps:
1. Django is set up on a benchmark database (bench.common rules); when it holds no
   organisations, seed_demo's bulk path fills it (LOAD_ORGANISATIONS) and the demo users
   are made.
2. The demo staff member and partner are logged in here, once, through the test client;
   their session cookies are handed to every simulated person (bench/locustfile.py), so that
   the login's lockout and rate limit are not what is measured.
3. Static files are collected, and gunicorn serves Kavshiri on 127.0.0.1 as in production:
   DEBUG off, WORKERS sync workers. Cookies are not marked Secure (plain http on loopback)
   and the API's throttles are raised, since fifty people share one address here.
4. Locust runs headless: three staff members to one partner, each clicking every 1–3 s;
   staff search, open organisations, read follow-ups and the API and log interactions;
   partners search the directory, read entries, coverage, partnerships and the API.
5. Reported per request type and in all: requests, failures, median, p95 and the slowest.
   Any failed request, or a traceback in gunicorn's log, makes the run exit 1: under load
   nothing may break. Times are informative; there is no target but "no errors".
The database keeps the interactions logged during the run.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.common import BenchError, database_label, django_setup, git_revision, results_write

ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = ROOT / "var" / "load"
DEFAULT_USERS = 50
DEFAULT_SECONDS = 120
QUICK_USERS = 10
QUICK_SECONDS = 20
LOAD_ORGANISATIONS = 3_000
WORKERS = 4
SPAWN_RATE = 10  # people starting per second
SEARCHES = ["akhalgazrduli", "kutaisi", "tsentri", "qalta", "ganvitarebis"]
SAMPLE_IDS = 200
# Plain http on loopback: no Secure cookies, no redirect to https; many people share one address.
SERVER_ENVIRONMENT = {
    "DJANGO_DEBUG": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_COOKIES": "false",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_SECURE_HSTS_SECONDS": "0",
    "API_THROTTLE_ANON": "1000000/minute",
    "API_THROTTLE_USER": "1000000/minute",
}


# -- the data and the sessions -------------------------------------------------------------------
def data_ensure() -> dict[str, str]:
    """Seed when empty; the ids and sessions the journeys use, as LOAD_* variables."""
    from django.test import Client

    from crm.demo import demo_seed, demo_users_ensure
    from crm.models import Organisation
    from network.directory import Viewer, organisations_for

    if not Organisation.objects.exists():
        print(f"Seeding {LOAD_ORGANISATIONS:,} organisations…", flush=True)
        demo_seed(organisations=LOAD_ORGANISATIONS)
    users = demo_users_ensure()
    sessions = {}
    for role in ("staff", "partner"):
        client = Client()
        client.force_login(users[role], backend="django.contrib.auth.backends.ModelBackend")
        sessions[role] = client.cookies["sessionid"].value
    organisation_ids = list(Organisation.objects.order_by("?").values_list("pk", flat=True)[:SAMPLE_IDS])
    shared = organisations_for(Viewer.of(users["partner"]))
    directory_ids = list(shared.order_by("?").values_list("pk", flat=True)[:SAMPLE_IDS])
    if not organisation_ids or not directory_ids:
        raise BenchError("The database has no organisations a partner may see; reseed it.")
    return {
        "LOAD_STAFF_SESSION": sessions["staff"],
        "LOAD_PARTNER_SESSION": sessions["partner"],
        "LOAD_ORGANISATION_IDS": ",".join(map(str, organisation_ids)),
        "LOAD_DIRECTORY_IDS": ",".join(map(str, directory_ids)),
        "LOAD_SEARCHES": ",".join(SEARCHES),
    }


# -- the server ----------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment() -> dict[str, str]:
    # The secret must be the one the sessions were signed with, here.
    return {**os.environ, **SERVER_ENVIRONMENT, "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"]}


def static_collect(env: dict) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
    )


class Gunicorn:
    def __init__(self, *, env: dict, log: Path):
        self.port = _free_port()
        self.log = log
        self._log_file = log.open("w")
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--timeout",
                "60",
                # gunicorn 27's control socket has one fixed path per user: a second gunicorn
                # (another run, the fault tests) would take it over.
                "--no-control-socket",
            ],
            env=env,
            cwd=ROOT,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn stopped at start; see {self.log}.")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise BenchError(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {self.log}.")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log_file.close()

    def tracebacks(self) -> int:
        return self.log.read_text(errors="replace").count("Traceback (most recent call last)")


# -- locust --------------------------------------------------------------------------------------
def locust_run(*, host: str, users: int, seconds: int, env: dict) -> Path:
    prefix = WORK_DIR / "locust"
    command = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(SPAWN_RATE),
        "--run-time",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    # Locust exits 1 when a request failed; the failures are read from its CSV instead.
    subprocess.run(command, env=env, cwd=ROOT, check=False)
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise BenchError("Locust wrote no statistics; see its output above.")
    return stats


def stats_read(path: Path) -> list[dict]:
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "name": row["Name"] if row["Type"] in ("", "None") else f"{row['Type']} {row['Name']}",
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "median_ms": _number(row["50%"]),
                    "p95_ms": _number(row["95%"]),
                    "max_ms": _number(row["Max Response Time"]),
                    "requests_per_second": round(float(row["Requests/s"]), 1),
                }
            )
    return rows


def _number(text: str) -> float | None:
    return None if text in ("", "N/A") else round(float(text), 1)


def format_stats(rows: list[dict]) -> str:
    headers = ["request", "requests", "failures", "median ms", "p95 ms", "max ms", "req/s"]
    cells = [
        [
            row["name"],
            f"{row['requests']:,}",
            str(row["failures"]),
            *("" if row[key] is None else f"{row[key]:,.0f}" for key in ("median_ms", "p95_ms", "max_ms")),
            f"{row['requests_per_second']:.1f}",
        ]
        for row in rows
    ]
    widths = [max(len(line[i]) for line in [headers, *cells]) for i in range(len(headers))]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True)))

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(c) for c in cells)])


# -- running it ----------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help="People at once (default 50).")
    parser.add_argument("--seconds", type=int, default=DEFAULT_SECONDS, help="How long (default 120).")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_USERS} people for {QUICK_SECONDS} s.")
    parser.add_argument("--any-database", action="store_true", help="Run even when the name lacks 'bench'.")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    users, seconds = (QUICK_USERS, QUICK_SECONDS) if args.quick else (args.users, args.seconds)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    server = None
    try:
        database = django_setup(any_database=args.any_database)
        print(f"Database: {database_label(database)}", flush=True)
        journeys = data_ensure()
        env = server_environment()
        static_collect(env)
        server = Gunicorn(env=env, log=WORK_DIR / "gunicorn.log")
        server.wait_ready()
        print(f"gunicorn ({WORKERS} workers) at {server.url}; {users} people for {seconds} s…", flush=True)
        stats = stats_read(locust_run(host=server.url, users=users, seconds=seconds, env={**os.environ, **journeys}))
    except BenchError as error:
        print(f"bench.load: {error}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
    tracebacks = server.tracebacks()
    total = next((row for row in stats if row["name"] == "Aggregated"), None)
    meta = {
        "database": database_label(database),
        "users": users,
        "seconds": seconds,
        "workers": WORKERS,
        "tracebacks": tracebacks,
        "git_revision": git_revision(),
    }
    path = results_write("load", [], meta=meta, rows=stats)
    print()
    print(format_stats(stats))
    failures = total["failures"] if total else 0
    print(
        f"\n{users} people, {seconds} s: {total['requests'] if total else 0:,} requests, {failures} failed, "
        f"p95 {total['p95_ms'] if total else '—'} ms; {tracebacks} tracebacks in gunicorn's log. Written to {path}."
    )
    if failures or tracebacks or not total:
        print(f"Errors under load: see {WORK_DIR}/locust_failures.csv and {server.log}.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
