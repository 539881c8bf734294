"""PostgreSQL restarted in the middle of a burst of requests: Kavshiri says so, loses nothing,
and comes back by itself.

Steps:
1. A private PostgreSQL cluster (tests/faults/postgres.py), never the shared server; Kavshiri's
   migrations, a member of staff and a few organisations (the suite's factories) in it.
2. gunicorn serves Kavshiri from it as in production: DEBUG off, persistent connections with
   health checks (CONN_MAX_AGE, CONN_HEALTH_CHECKS), bench/load.py's environment for plain http
   on loopback, WORKERS sync workers.
3. SESSIONS members of staff log in through the login form, each in a thread that keeps opening
   the organisation list, an organisation and the home page, and logging an interaction with a
   next step (two rows in one transaction) that carries a marker of its own. Another thread
   polls /healthz.
4. After WARM_SECONDS PostgreSQL is stopped (fast: open transactions rolled back, clients cut
   off), kept down OUTAGE_SECONDS while the requests go on, and started again; the burst goes on
   for AFTER_SECONDS more.

What must hold:
- no answer is a 500, no request goes unanswered;
- while the database is down every page is the clear 503 page, with Retry-After, and /healthz
  is 503 with the database down;
- from RECOVERY_SECONDS after the start on, every request succeeds with the same session
  cookies (sessions live in the database and survive), with no action by anyone;
- an interaction reported saved (the redirect) is in the database exactly once, with its next
  step; one answered 503 is either wholly absent or, when its COMMIT reached the database just as
  the connection dropped, wholly there: never one row of the two. The second case cannot be told
  apart by the web server, which is why the 503 page asks to check before sending again.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings

from bench.load import SERVER_ENVIRONMENT
from config.database_unavailable import RETRY_AFTER_SECONDS
from tests.faults.postgres import PrivatePostgres, free_port

pytestmark = pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="fault test: runs once, in CI's PostgreSQL step (on a private cluster of its own)",
)

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "kavshiri_fault"
ORGANISATIONS = 5
WORKERS = 3
SESSIONS = 4
WARM_SECONDS = 2.0
OUTAGE_SECONDS = 4.0
AFTER_SECONDS = 6.0
RECOVERY_SECONDS = 3.0
HEALTH_EVERY_SECONDS = 0.2
REQUEST_TIMEOUT = 15
STAFF = ("staff", "correct-horse-battery")  # tests/factories.py's password
# In Georgian, the default: 429.html's sentence, already translated, on the 503 page too.
CLEAR_PAGE = f"გთხოვთ, დაელოდოთ {RETRY_AFTER_SECONDS} წამს და სცადოთ ხელახლა."

SETUP = f"""
from django.core.management import call_command
from tests.crm.factories import AffiliationFactory, InteractionFactory, OrganisationFactory
from tests.factories import UserFactory
call_command("migrate", verbosity=0)
staff = UserFactory(role="staff", username="{STAFF[0]}")
for organisation in OrganisationFactory.create_batch({ORGANISATIONS}):
    AffiliationFactory(organisation=organisation)
    InteractionFactory(organisation=organisation, staff=staff)
"""
# The suite's shortcut (tests/conftest.py): static files from the app folders, so that the
# server needs no collectstatic (40 s here); everything else is config.settings as deployed.
SERVER_SETTINGS = """
from config.settings import *  # noqa: F403

STATIC_ROOT = None
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""


# -- the server ----------------------------------------------------------------------------------
def server_environment(database_url: str, settings_dir: Path) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if key not in ("CELERY_BROKER_URL", "CACHE_URL")
    }
    return {
        **environment,
        **SERVER_ENVIRONMENT,
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "fault-test-only",
        "DJANGO_SETTINGS_MODULE": "fault_settings",
        "PYTHONPATH": os.pathsep.join([str(settings_dir), str(ROOT)]),
        # Every session logs in from 127.0.0.1.
        "RATE_LIMIT_LOGIN": "1000/minute",
        "LOG_LEVEL": "WARNING",
    }


class Gunicorn:
    def __init__(self, *, environment: dict[str, str], log: Path):
        self.port = free_port()
        self.log = log
        with log.open("w") as output:
            # A session of its own: stopping its group stops the master and every worker.
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(WORKERS),
                    "--timeout",
                    "30",
                    # Its default control socket is one path for every gunicorn of the user: two
                    # servers at once (pytest -n 2) would take it from each other.
                    "--no-control-socket",
                ],
                env=environment,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn stopped at start:\n{self.log_text()}"
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{self.log_text()}")

    def stop(self) -> None:
        """The whole group, even if the master is gone already: its workers would be left."""
        for stop_signal in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, stop_signal)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                continue
        self.process.wait()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def cluster():
    with PrivatePostgres() as postgres:
        postgres.init().start()
        postgres.create_database(DATABASE)
        yield postgres


@pytest.fixture
def server(cluster, tmp_path):
    (tmp_path / "fault_settings.py").write_text(SERVER_SETTINGS)
    environment = server_environment(cluster.url(DATABASE), tmp_path)
    setup = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", SETUP],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    gunicorn = Gunicorn(environment=environment, log=tmp_path / "gunicorn.log")
    try:
        gunicorn.wait_ready()
        yield gunicorn
    finally:
        gunicorn.stop()


# -- the burst -----------------------------------------------------------------------------------
@dataclass
class Answer:
    method: str
    path: str
    started: float
    ended: float
    status: int | None  # None: no answer at all
    clear_page: bool = False
    retry_after: str | None = None
    location: str = ""
    marker: str = ""
    error: str = ""


def logged_in(base_url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base_url}/accounts/login/", timeout=REQUEST_TIMEOUT)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    username, password = STAFF
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=REQUEST_TIMEOUT,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/", response.text[:500]
    return session


def interaction_form(session: requests.Session, marker: str) -> dict[str, str]:
    today = date.today()
    return {
        # Logging in rotated the token: the cookie's secret is a valid form token too.
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
        "kind": "call",
        "occurred_on": (today - timedelta(days=1)).isoformat(),
        "subject": marker,
        "follow_up_title": marker,
        "follow_up_due_on": (today + timedelta(days=7)).isoformat(),
    }


class Burst:
    def __init__(self, base_url: str, organisation_ids: list[int]):
        self.base_url = base_url
        self.organisation_ids = organisation_ids
        self.answers: list[Answer] = []
        self.health: list[tuple[float, int | None, dict]] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        sessions = [logged_in(self.base_url) for _ in range(SESSIONS)]
        self.threads = [
            threading.Thread(target=self._person, args=(n, s), daemon=True) for n, s in enumerate(sessions)
        ]
        self.threads.append(threading.Thread(target=self._health, daemon=True))
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)

    def _person(self, number: int, session: requests.Session) -> None:
        step = 0
        while not self.stopping.is_set():
            organisation = self.organisation_ids[step % len(self.organisation_ids)]
            pages = ["/organisations/", f"/organisations/{organisation}/", "/"]
            for path in pages:
                self._record(session, "GET", path)
            marker = f"fault-{number}-{step}-{uuid.uuid4().hex[:8]}"
            self._record(session, "POST", f"/organisations/{organisation}/interactions/", marker)
            step += 1

    def _record(self, session: requests.Session, method: str, path: str, marker: str = "") -> None:
        started = time.monotonic()
        answer = Answer(method, path, started, started, None, marker=marker)
        try:
            data = interaction_form(session, marker) if marker else None
            response = session.request(
                method, self.base_url + path, data=data, allow_redirects=False, timeout=REQUEST_TIMEOUT
            )
        except requests.RequestException as error:
            answer.error = repr(error)
        else:
            answer.status = response.status_code
            answer.clear_page = CLEAR_PAGE in response.text
            answer.retry_after = response.headers.get("Retry-After")
            answer.location = response.headers.get("Location", "")
        answer.ended = time.monotonic()
        with self.lock:
            self.answers.append(answer)

    def _health(self) -> None:
        while not self.stopping.wait(HEALTH_EVERY_SECONDS):
            try:
                response = requests.get(f"{self.base_url}/healthz", timeout=REQUEST_TIMEOUT)
                self.health.append((time.monotonic(), response.status_code, response.json()))
            except (requests.RequestException, ValueError):
                self.health.append((time.monotonic(), None, {}))


def succeeded(answer: Answer) -> bool:
    if answer.method == "GET":
        return answer.status == 200
    # Logged: back to the organisation's page (not to the login page, had the session been lost).
    return answer.status == 302 and answer.location == answer.path.removesuffix("interactions/")


# -- the test ------------------------------------------------------------------------------------
def test_postgres_restart_mid_burst_answers_503_loses_nothing_and_recovers(cluster, server):
    with cluster.connect(DATABASE) as connection:
        organisation_ids = [
            row[0] for row in connection.execute("SELECT id FROM crm_organisation ORDER BY id")
        ]
    burst = Burst(server.url, organisation_ids)
    burst.start()
    try:
        time.sleep(WARM_SECONDS)
        cluster.stop(mode="fast")
        down_from = time.monotonic()
        time.sleep(OUTAGE_SECONDS)
        down_until = time.monotonic()
        cluster.start()
        up_at = time.monotonic()
        time.sleep(AFTER_SECONDS)
    finally:
        burst.stop()
    answers = sorted(burst.answers, key=lambda answer: answer.started)
    log = server.log_text()

    # Never a 500, never a request without an answer, nothing but success or the clear 503.
    unexpected = [a for a in answers if not (succeeded(a) or a.status == 503)]
    assert unexpected == [], f"{unexpected[:5]}\n{log[-3000:]}"

    # While the database is down: the clear page, and /healthz says so.
    during = [a for a in answers if down_from <= a.started and a.ended <= down_until]
    assert len(during) >= 10, "too few requests during the outage to tell anything"
    assert all(a.status == 503 for a in during)
    refusals = [a for a in answers if a.status == 503]
    assert all(a.clear_page and a.retry_after == str(RETRY_AFTER_SECONDS) for a in refusals)
    assert all(status in (200, 503) for _, status, _ in burst.health)
    health_during = [(status, body) for at, status, body in burst.health if down_from <= at <= down_until]
    assert health_during and all(
        status == 503 and body["checks"]["database"] == "down" for status, body in health_during
    )

    # After the start: every request succeeds again, by itself, with the sessions it had.
    recovered_by = up_at + RECOVERY_SECONDS
    after = [a for a in answers if a.started >= recovered_by]
    assert len(after) >= 10, "too few requests after the restart to tell anything"
    assert [a for a in after if not succeeded(a)] == []
    assert [status for at, status, _ in burst.health if at >= recovered_by] and all(
        status == 200 for at, status, _ in burst.health if at >= recovered_by
    )
    first_success = min(a.ended - up_at for a in answers if a.started >= up_at and succeeded(a))
    failures_after_start = [a.ended - up_at for a in answers if a.started >= up_at and not succeeded(a)]

    # Nothing lost, nothing doubled, nothing half-written.
    posts = [a for a in answers if a.method == "POST"]
    with cluster.connect(DATABASE) as connection:
        interactions = Counter(
            subject
            for (subject,) in connection.execute(
                "SELECT subject FROM crm_interaction WHERE subject LIKE 'fault-%'"
            )
        )
        next_steps = Counter(
            title
            for (title,) in connection.execute(
                "SELECT f.title FROM crm_followup f JOIN crm_interaction i ON i.id = f.interaction_id "
                "WHERE f.title LIKE 'fault-%' AND f.title = i.subject"
            )
        )
        stray_next_steps = connection.execute(
            "SELECT count(*) FROM crm_followup f LEFT JOIN crm_interaction i ON i.id = f.interaction_id "
            "WHERE f.title LIKE 'fault-%' AND (i.id IS NULL OR i.subject <> f.title)"
        ).fetchone()[0]
    saved = [a.marker for a in posts if succeeded(a)]
    refused = [a.marker for a in posts if a.status == 503]
    assert saved and refused and any(a.started >= recovered_by for a in posts if succeeded(a))
    assert [m for m in saved if (interactions[m], next_steps[m]) != (1, 1)] == []
    assert [m for m in refused if (interactions[m], next_steps[m]) not in ((0, 0), (1, 1))] == []
    assert set(interactions) <= {a.marker for a in posts} and stray_next_steps == 0
    saved_though_refused = [m for m in refused if interactions[m]]

    # The outage is in the log as one warning line per request: no traceback, no 500.
    assert "database unavailable, answered 503" in log
    assert "Traceback" not in log, log[max(0, log.index("Traceback") - 200) :][:3000]

    last_failure = f"{max(failures_after_start):.2f} s" if failures_after_start else "none"
    print(
        f"\n{len(answers)} requests, {len(during)} of them while PostgreSQL was down (all 503), "
        f"{len(refusals)} answered 503 in all; /healthz polled {len(burst.health)} times. After the "
        f"start: first success {first_success:.2f} s, last failure {last_failure}. Interactions: "
        f"{len(saved)} saved, {len(refused)} refused, {len(saved_though_refused)} of those saved as the "
        f"connection dropped."
    )
