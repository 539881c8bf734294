"""Benchmark: a newsletter's throughput through the whole pipeline, against plain smtplib.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kavshiri_bench_newsletter \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python -m bench.newsletter --recipients 10000

The candidate is the real pipeline: `services.campaign_start` freezes the audience and fans it
out to Celery; real `celery -A config worker` processes (2 × concurrency 1 by default) claim
blocks of rows (checking consent), render and send each message over SMTP, and mark the sent
ones. It is timed from the call to campaign_start until the ledger's last `sent_at`: messages
per second. The baseline is plain smtplib sending the same messages, built beforehand, one
after another over one connection. Both send to the same SMTP sink, an aiosmtpd server in a process of its own that
records each message's recipient, Message-ID, size and connection. After every run each recipient must
have received exactly one message, with the Message-ID frozen for them.

Target: the pipeline at least 0.5× smtplib's rate. A missed target is reported, never an
error; a run that cannot start, stalls, or delivers a message twice or not at all exits 1.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import multiprocessing
import os
import platform
import re
import shutil
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    BenchError,
    database_label,
    database_settings,
    django_setup,
    git_revision,
    results_write,
)

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.5  # pipeline messages per second / smtplib's, at least
DEFAULT_RECIPIENTS = 10_000
QUICK_RECIPIENTS = 1_000
DEFAULT_RUNS = 5  # the team's rule: at least 5 timed repeats
DEFAULT_WORKERS = 2
DEFAULT_CONCURRENCY = 1
# High enough never to cap the figure; the token bucket is still taken once per message.
BENCH_RATE_PER_SECOND = 1_000_000
BENCH_RATE_PER_DAY = 1_000_000_000
DEFAULT_PROFILE_MESSAGES = 1_000
STALL_SECONDS = 60  # no message marked sent for this long: the run has stalled
WARMUP_TIMEOUT = 120
# While the pipeline runs, its campaign's status is read this often (a lookup by key) and its
# sent rows counted (for the stall check) every PROGRESS_SECONDS: polling costs the machine
# the pipeline runs on, and smtplib's runs pay nothing of the kind. Neither moves the figure,
# which is read from the ledger afterwards.
POLL_SECONDS = 0.25
PROGRESS_SECONDS = 2
# Mean sizes may differ by the digits of campaign and delivery ids (Message-ID, unsubscribe link).
SIZE_TOLERANCE = 0.01
CELERY_DEFAULT_QUEUE = "celery"


# -- the SMTP sink, in a process of its own --------------------------------------------------
# Its own process keeps its work off the GIL of whoever is sending: smtplib in this process,
# the workers in theirs. Per message it keeps (recipient, Message-ID, size, connection number).

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def _message_id(content: bytes) -> str:
    head = _HEAD_END.split(content, 1)[0]
    found = _MESSAGE_ID.search(head)
    if not found:
        return ""
    return re.sub(rb"\s+", b" ", found.group(1)).strip().decode("ascii", "replace")


class _SinkHandler:
    def __init__(self):
        self.lock = threading.Lock()
        self.records: list[tuple[str, str, int, int]] = []
        self.sessions = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        message_id = _message_id(content)
        # aiosmtpd makes one session object per connection: number it on its first message.
        if not hasattr(session, "bench_connection"):
            session.bench_connection = next(self.sessions)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.records.append((rcpt, message_id, len(content), session.bench_connection))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd checks it is up by connecting, so port 0 won't do
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _sink_serve(conn) -> None:
    """The sink process: serve SMTP in a thread, answer the parent's questions on `conn`."""
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it, after Ctrl-C too
    handler = _SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port(), ready_timeout=15)
    controller.start()
    conn.send(controller.port)
    try:
        while True:
            command = conn.recv()
            if command == "stop":
                break
            with handler.lock:
                if command == "count":
                    conn.send(len(handler.records))
                elif command == "take":
                    conn.send(handler.records)
                    handler.records = []
    except EOFError:
        pass
    finally:
        controller.stop()


class Sink:
    def __init__(self):
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_sink_serve, args=(child,), name="bench-smtp-sink", daemon=True)
        self.process.start()
        child.close()
        if not self.conn.poll(30):
            self.stop()
            raise BenchError("The SMTP sink (aiosmtpd) did not start within 30 s.")
        self.port = self.conn.recv()

    def count(self) -> int:
        self.conn.send("count")
        return self.conn.recv()

    def take(self) -> list[tuple[str, str, int, int]]:
        """Every message received since the last take, and forget them."""
        self.conn.send("take")
        return self.conn.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send("stop")
            except (BrokenPipeError, OSError):
                pass
            self.process.join(10)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


# -- Celery workers --------------------------------------------------------------------------
class Worker:
    """`celery -A config worker` in its own process group, so that stopping it reaches its pool."""

    def __init__(self, *, index: int, concurrency: int, env: dict, log_dir: Path):
        self.name = f"bench-newsletter-{index}"
        self.concurrency = concurrency
        self.env = env
        self.log_path = log_dir / f"{self.name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency",
                   str(self.concurrency), "-n", f"{self.name}@%h", "-Q", CELERY_DEFAULT_QUEUE,
                   "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown: the pool finishes its task
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def workers_env(*, smtp_port: int) -> dict:
    """What the bench process runs with, plus the sink and the raised rate limits: the
    workers read the same config.settings, database and broker."""
    env = dict(os.environ)
    env.update(bench_env(smtp_port=smtp_port))
    return env


def bench_env(*, smtp_port: int) -> dict:
    return {
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "NEWSLETTER_RATE_PER_SECOND": os.environ.get(
            "NEWSLETTER_RATE_PER_SECOND", str(BENCH_RATE_PER_SECOND)
        ),
        "NEWSLETTER_RATE_PER_DAY": os.environ.get("NEWSLETTER_RATE_PER_DAY", str(BENCH_RATE_PER_DAY)),
    }


class BrokerState:
    """The Redis database of the broker: refuse a busy one, and delete afterwards the keys the
    run created (queues, bindings, the rate limiter's bucket and day count)."""

    def __init__(self, url: str):
        import redis

        self.url = url
        self.client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)
        try:
            self.client.ping()
        except redis.RedisError as error:
            raise BenchError(f"Redis at {url} does not answer: {error}") from error
        waiting = self.client.llen(CELERY_DEFAULT_QUEUE)
        if waiting:
            raise BenchError(
                f"The queue '{CELERY_DEFAULT_QUEUE}' on {url} holds {waiting} messages: give the benchmark "
                "a Redis database of its own (e.g. CELERY_BROKER_URL=redis://127.0.0.1:6379/13)."
            )
        self.before = set(self.client.scan_iter(count=1000))

    def cleanup(self) -> int:
        created = set(self.client.scan_iter(count=1000)) - self.before
        if created:
            self.client.delete(*created)
        return len(created)


def other_workers_check() -> None:
    """Another worker on this broker would take part of the campaign and send it elsewhere."""
    from config.celery import app

    replies = app.control.ping(timeout=1.0)
    if replies:
        names = ", ".join(sorted(name for reply in replies for name in reply))
        raise BenchError(
            f"Workers already consume from this broker ({names}): stop them, or use another Redis db."
        )


# -- measurements ----------------------------------------------------------------------------
@dataclass
class SendRun:
    """One timed send, by the pipeline or by smtplib."""

    kind: str
    messages: int
    seconds: float
    connections: int
    mean_size: float
    # The pipeline's phases, from the call to campaign_start (seconds).
    freeze_seconds: float | None = None
    first_sent_seconds: float | None = None
    finished_seconds: float | None = None
    # CPU during the run: the machine's busy share, and ms per message by process group.
    cpu: dict | None = None

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else float("inf")


def _p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return max(samples)
    return statistics.quantiles(samples, n=100, method="inclusive")[94]


@dataclass
class Throughput:
    """The table's row: the pipeline's rate against smtplib's, the medians of the runs."""

    name: str
    messages: int
    seconds: list[float]
    baseline_seconds: list[float]
    target_ratio: float = TARGET_RATIO
    runs: list[dict] = field(default_factory=list)
    baseline_runs: list[dict] = field(default_factory=list)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def baseline_median_seconds(self) -> float:
        return statistics.median(self.baseline_seconds)

    @property
    def rate(self) -> float:
        return self.messages / self.median_seconds

    @property
    def baseline_rate(self) -> float:
        return self.messages / self.baseline_median_seconds

    @property
    def ratio(self) -> float:
        return self.rate / self.baseline_rate

    @property
    def met(self) -> bool:
        return self.ratio >= self.target_ratio

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "messages": self.messages,
            "median_s": round(self.median_seconds, 3),
            "p95_s": round(_p95(self.seconds), 3),
            "messages_per_second": round(self.rate, 1),
            "baseline_median_s": round(self.baseline_median_seconds, 3),
            "baseline_p95_s": round(_p95(self.baseline_seconds), 3),
            "baseline_messages_per_second": round(self.baseline_rate, 1),
            "ratio": round(self.ratio, 3),
            "target_ratio_at_least": self.target_ratio,
            "met": self.met,
            "samples_s": [round(s, 3) for s in self.seconds],
            "baseline_samples_s": [round(s, 3) for s in self.baseline_seconds],
            "runs": self.runs,
            "baseline_runs": self.baseline_runs,
        }


def format_throughput(row: Throughput) -> str:
    headers = ["figure", "runs", "median s", "p95 s", "msg/s", "smtplib median s", "smtplib msg/s",
               "ratio", "target", "met"]  # fmt: skip
    cells = [
        row.name,
        str(len(row.seconds)),
        f"{row.median_seconds:.2f}",
        f"{_p95(row.seconds):.2f}",
        f"{row.rate:,.0f}",
        f"{row.baseline_median_seconds:.2f}",
        f"{row.baseline_rate:,.0f}",
        f"{row.ratio:.2f}×",
        f"≥ {row.target_ratio:g}×",
        "met" if row.met else "NOT MET",
    ]
    widths = [max(len(h), len(c)) for h, c in zip(headers, cells, strict=True)]

    def line(values: list[str]) -> str:
        return "  ".join(
            v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))
        )

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), line(cells)])


def format_runs(pipeline: list[SendRun], baseline: list[SendRun]) -> str:
    lines = ["run  pipeline s  freeze s  first msg s  last sent s  campaign closed s  msg/s  connections"
             "  |  smtplib s  msg/s"]  # fmt: skip
    for number, (mine, theirs) in enumerate(zip(pipeline, baseline, strict=True), start=1):
        lines.append(
            f"{number:>3}  {mine.seconds:>10.2f}  {mine.freeze_seconds:>8.2f}  {mine.first_sent_seconds:>11.2f}"
            f"  {mine.seconds:>11.2f}  {mine.finished_seconds:>17.2f}  {mine.rate:>5,.0f}  {mine.connections:>11}"
            f"  |  {theirs.seconds:>9.2f}  {theirs.rate:>5,.0f}"
        )
    return "\n".join(lines)


# -- checks ----------------------------------------------------------------------------------
def received_check(records: list[tuple[str, str, int, int]], expected: dict[str, str], *, what: str) -> None:
    """Each expected address got exactly one message, with its Message-ID; nobody else got any."""
    counts = Counter(rcpt for rcpt, *_ in records)
    missing = [email for email in expected if email not in counts]
    repeated = {email: n for email, n in counts.items() if n > 1}
    strangers = [email for email in counts if email not in expected]
    wrong_id = [rcpt for rcpt, message_id, *_ in records if rcpt in expected and message_id != expected[rcpt]]
    if missing or repeated or strangers or wrong_id:
        raise BenchError(
            f"{what}: {len(records)} messages received for {len(expected)} recipients; "
            f"{len(missing)} got nothing (e.g. {missing[:3]}), {len(repeated)} more than one "
            f"(e.g. {dict(list(repeated.items())[:3])}), {len(strangers)} not in the audience, "
            f"{len(wrong_id)} with another Message-ID than the ledger's (e.g. {wrong_id[:3]})."
        )


def _sink_drain(sink: Sink, expected: int, *, timeout: float = 10) -> list[tuple[str, str, int, int]]:
    deadline = time.monotonic() + timeout
    while sink.count() < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return sink.take()


# -- CPU accounting (Linux /proc) ------------------------------------------------------------
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_parents() -> dict[int, int]:
    parents = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _pids_running(marker: bytes) -> list[int]:
    """Processes whose command line (or title, as PostgreSQL backends set it) holds `marker`."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if marker in Path(entry.path, "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime + stime


class CpuMeter:
    """CPU seconds spent between two snapshots: by the whole machine (other work on it
    included), and by named groups of processes with their descendants."""

    def __init__(self, groups: dict[str, tuple[Any, bool]]):
        self.groups = groups  # name -> (callable returning pids, whether their descendants count)
        self.available = Path("/proc/stat").exists()

    def snapshot(self) -> dict[str, float]:
        if not self.available:
            return {}
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
        busy = user + nice + system + irq + softirq + steal
        found = {"machine_busy": busy / _CLOCK_TICKS, "machine_total": (busy + idle + iowait) / _CLOCK_TICKS}
        parents = _proc_parents()
        children = defaultdict(list)
        for pid, parent in parents.items():
            children[parent].append(pid)
        for name, (roots, descendants) in self.groups.items():
            pids, stack = set(), list(roots())
            while stack:
                pid = stack.pop()
                if pid not in pids:
                    pids.add(pid)
                    if descendants:
                        stack.extend(children.get(pid, []))
            found[name] = sum(_cpu_seconds(pid) for pid in pids)
        return found

    @staticmethod
    def spent(before: dict, after: dict, *, messages: int) -> dict[str, float] | None:
        """Machine busy share and each group's CPU ms per message."""
        if not before or not after:
            return None
        total = after["machine_total"] - before["machine_total"]
        busy = after["machine_busy"] - before["machine_busy"]
        spent = {"machine_busy_percent": 100 * busy / total if total else 0.0}
        ours = 0.0
        for name in before:
            if not name.startswith("machine_"):
                seconds = max(0.0, after[name] - before[name])
                ours += seconds
                spent[f"{name}_ms_per_message"] = 1000 * seconds / messages
        spent["rest_of_machine_ms_per_message"] = 1000 * max(0.0, busy - ours) / messages
        return spent


# -- the pipeline ----------------------------------------------------------------------------
def pipeline_run(
    *,
    sink: Sink,
    workers: list[Worker],
    mailing_list_id: int,
    recipients: int,
    label: str,
    stall: float,
    meter: CpuMeter,
) -> SendRun:
    """Start a new campaign and wait until its ledger says every message was sent."""
    from django.db.models import Count, Max, Min

    from bench.newsletter_seed import campaign_make, campaigns_delete, ledger_vacuum
    from notifications import services
    from notifications.models import Campaign, Delivery

    ledger_vacuum()
    sink.take()
    campaign = campaign_make(mailing_list_id=mailing_list_id, label=label)
    cpu_before = meter.snapshot()
    started_wall = time.time()
    started = time.perf_counter()
    count = services.campaign_start(campaign_id=campaign.pk)
    freeze_seconds = time.perf_counter() - started
    if count != recipients:
        raise BenchError(f"campaign_start froze {count} recipients, {recipients} expected.")
    deliveries = Delivery.objects.filter(campaign_id=campaign.pk)
    last_sent, last_progress, last_count = -1, time.monotonic(), 0.0
    while True:
        state = Campaign.objects.values("status", "paused_reason").get(pk=campaign.pk)
        if state["status"] == Campaign.Status.SENT:
            break
        if state["status"] != Campaign.Status.SENDING:
            raise BenchError(f"{label}: the campaign went {state['status']} ({state['paused_reason']}).")
        if time.monotonic() - last_count >= PROGRESS_SECONDS:
            last_count = time.monotonic()
            sent = deliveries.filter(status=Delivery.Status.SENT).count()
            if sent != last_sent:
                last_sent, last_progress = sent, last_count
        dead = [worker.name for worker in workers if not worker.alive()]
        if dead or time.monotonic() - last_progress > stall:
            progress = dict(deliveries.values_list("status").annotate(n=Count("id")).order_by())
            logs = "\n".join(f"--- {w.name}\n{w.log_tail()}" for w in workers)
            why = f"workers {dead} exited" if dead else f"nothing sent for {stall:.0f} s"
            raise BenchError(f"{label}: {why}; ledger {progress}.\n{logs}")
        time.sleep(POLL_SECONDS)
    cpu_after = meter.snapshot()
    figures = deliveries.aggregate(first=Min("sent_at"), last=Max("sent_at"), n=Count("id"))
    finished_at = Campaign.objects.values_list("finished_at", flat=True).get(pk=campaign.pk)
    not_sent = deliveries.exclude(status=Delivery.Status.SENT).count()
    if not_sent:
        raise BenchError(f"{label}: the campaign closed with {not_sent} deliveries not sent.")
    expected = dict(deliveries.values_list("email", "message_id"))
    records = _sink_drain(sink, len(expected))
    received_check(records, expected, what=f"{label} (pipeline)")
    campaigns_delete(campaign_id=campaign.pk)
    return SendRun(
        kind="pipeline",
        messages=figures["n"],
        seconds=figures["last"].timestamp() - started_wall,
        connections=len({number for *_, number in records}),
        mean_size=statistics.fmean(size for _, _, size, _ in records),
        freeze_seconds=freeze_seconds,
        first_sent_seconds=figures["first"].timestamp() - started_wall,
        finished_seconds=finished_at.timestamp() - started_wall,
        cpu=CpuMeter.spent(cpu_before, cpu_after, messages=figures["n"]),
    )


# -- the baseline ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Prepared:
    sender: str
    to: str
    message_id: str
    data: bytes


def baseline_messages(*, mailing_list_id: int) -> tuple[list[Prepared], int]:
    """The campaign's messages as the pipeline builds them, built now: a draft campaign to the
    same list, its audience frozen (never started, so no worker sees it), each row's message
    made by a mail.CampaignLetter per language as the batch makes it, and its bytes and
    envelope taken as mail.Outbox hands them to SMTP. Returns the messages and the draft's id."""
    from bench.newsletter_seed import campaign_make
    from crm.models import Contact
    from notifications import mail, services
    from notifications.models import Delivery

    campaign = campaign_make(mailing_list_id=mailing_list_id, label="smtplib baseline (draft, never started)")
    services.freeze_audience(campaign)
    rows = list(Delivery.objects.filter(campaign=campaign).order_by("pk"))
    lists = list(campaign.mailing_lists.all())
    letters = {
        language: mail.CampaignLetter(
            campaign=campaign, lists=lists, rendered=mail.render_campaign(campaign, language)
        )
        for language in campaign.languages
    }
    people = Contact.objects.filter(pk__in=[row.contact_id for row in rows]).prefetch_related(
        "affiliations__organisation"
    )
    fields = {person.pk: mail.merge_fields_for(person) for person in people}
    prepared = []
    for row in rows:
        message = letters[row.language].message(
            fields=fields.get(row.contact_id, mail.MergeFields()),
            to=row.email,
            message_id=row.message_id,
            token=mail.unsubscribe_token(row.pk),
        )
        sender, recipients = message.envelope()
        prepared.append(Prepared(sender, recipients[0], row.message_id, message.as_bytes()))
    return prepared, campaign.pk


def baseline_run(*, sink: Sink, messages: list[Prepared], label: str, meter: CpuMeter) -> SendRun:
    """Plain smtplib: one connection, one message after another, as fast as the sink answers."""
    sink.take()
    cpu_before = meter.snapshot()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port, timeout=30) as smtp:
        for message in messages:
            smtp.sendmail(message.sender, [message.to], message.data)
    seconds = time.perf_counter() - started
    cpu_after = meter.snapshot()
    records = _sink_drain(sink, len(messages))
    received_check(records, {m.to: m.message_id for m in messages}, what=f"{label} (smtplib)")
    return SendRun(
        kind="smtplib",
        messages=len(messages),
        seconds=seconds,
        connections=len({number for *_, number in records}),
        mean_size=statistics.fmean(size for _, _, size, _ in records),
        cpu=CpuMeter.spent(cpu_before, cpu_after, messages=len(messages)),
    )


# -- where the time goes ---------------------------------------------------------------------
class _Clock:
    def __init__(self):
        self.calls = 0
        self.seconds = 0.0


@contextmanager
def _timed(owner: Any, name: str, clock: _Clock):
    """Time every call of owner.name (a function or method) while inside; skip if missing."""
    original = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
    if original is None or not callable(original):
        yield
        return

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            clock.calls += 1
            clock.seconds += time.perf_counter() - started

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


_SET_COLUMNS = re.compile(r"SET (.*?) WHERE", re.DOTALL)
_FROM = re.compile(r'\b(?:FROM|UPDATE|INTO)\s+"?(\w+)"?')


def _query_shape(sql: str) -> str:
    verb = sql.split(None, 1)[0].upper()
    table = (_FROM.search(sql) or [None, "?"])[1]
    if verb == "UPDATE":
        assigned = _SET_COLUMNS.search(sql)
        columns = re.findall(r'"(\w+)" =', assigned.group(1)) if assigned else []
        return f"UPDATE {table} SET {', '.join(columns)}"
    if verb == "SELECT":
        return f"SELECT … FROM {table}" + (" … EXISTS" if "EXISTS" in sql else "")
    return f"{verb} {table}"


class _QueryLog:
    def __init__(self):
        self.shapes: dict[str, list] = defaultdict(lambda: [0, 0.0])

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = self.shapes[_query_shape(sql)]
            entry[0] += 1
            entry[1] += time.perf_counter() - started


@dataclass
class Profile:
    messages: int
    seconds: float
    parts: dict[str, float]  # ms per message
    queries_per_message: float
    query_shapes: list[dict]
    floors: dict[str, float]  # ms

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else float("inf")


def round_trip_floors(campaign_id: int) -> dict[str, float]:
    """What one round trip costs here, for reading the profile: PostgreSQL `SELECT 1`, a
    one-row UPDATE committed on its own (autocommit, as the pipeline's claims and marks are,
    once per block), and one token from the rate limiter (taken per message)."""
    from django.db import connection

    from notifications.ratelimit import RateLimiter

    def mean_ms(fn, times: int) -> float:
        started = time.perf_counter()
        for _ in range(times):
            fn()
        return (time.perf_counter() - started) * 1000 / times

    with connection.cursor() as cursor:
        select = mean_ms(lambda: cursor.execute("SELECT 1"), 500)
        update = mean_ms(
            lambda: cursor.execute(
                "UPDATE notifications_campaign SET updated_at = updated_at WHERE id = %s", [campaign_id]
            ),
            300,
        )
    limiter = RateLimiter()
    token = mean_ms(lambda: limiter.acquire(deadline=time.monotonic() + 5), 500)
    return {"select_1_ms": select, "update_commit_ms": update, "rate_limiter_token_ms": token}


def profile_run(*, sink: Sink, mailing_list_id: int, messages: int, floors_campaign_id: int) -> Profile:
    """Send `messages` of a new campaign in this process, batch by batch through
    services.campaign_send_batch (no Celery), timing each part of the per-message work."""
    from django.db import connection
    from django.utils import timezone

    from bench.newsletter_seed import campaign_make, campaigns_delete
    from notifications import conf, mail, services
    from notifications.models import Campaign, Delivery
    from notifications.ratelimit import RateLimiter

    campaign = campaign_make(mailing_list_id=mailing_list_id, label="profile (sent in-process)")
    services.freeze_audience(campaign)
    # Sending, without campaign_start's hand-out to the workers: only this process sends it.
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING, started_at=timezone.now())
    ids = list(
        Delivery.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True)[:messages]
    )
    size = conf.batch_size()
    pages = [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]
    sink.take()
    clocks = {name: _Clock() for name in ("limiter", "render", "serialise", "outbox", "smtp")}
    queries = _QueryLog()
    with ExitStack() as stack:
        stack.enter_context(_timed(RateLimiter, "acquire", clocks["limiter"]))
        stack.enter_context(_timed(mail.CampaignLetter, "message", clocks["render"]))
        stack.enter_context(_timed(mail.NewsletterMessage, "as_bytes", clocks["serialise"]))
        stack.enter_context(_timed(mail.Outbox, "send", clocks["outbox"]))
        stack.enter_context(_timed(smtplib.SMTP, "sendmail", clocks["smtp"]))
        stack.enter_context(connection.execute_wrapper(queries))
        started = time.perf_counter()
        for first_id, last_id in pages:
            services.campaign_send_batch(campaign_id=campaign.pk, first_id=first_id, last_id=last_id)
        seconds = time.perf_counter() - started
    sent = Delivery.objects.filter(campaign=campaign, status=Delivery.Status.SENT).count()
    records = _sink_drain(sink, len(ids))
    floors = round_trip_floors(floors_campaign_id)
    campaigns_delete(campaign_id=campaign.pk)
    if sent != len(ids) or len(records) != len(ids):
        raise BenchError(f"The in-process profile sent {sent} of {len(ids)}; the sink got {len(records)}.")
    database = sum(seconds for _, seconds in queries.shapes.values())
    per_message = 1000 / len(ids)
    parts = {
        "database (all queries)": database * per_message,
        "rate limiter (Redis token)": clocks["limiter"].seconds * per_message,
        "render (merge fields, link, headers)": clocks["render"].seconds * per_message,
        "serialise (NewsletterMessage.as_bytes)": clocks["serialise"].seconds * per_message,
        "SMTP conversation (smtplib.sendmail)": clocks["smtp"].seconds * per_message,
        "connect + envelope (Outbox.send, the rest)": (
            clocks["outbox"].seconds - clocks["smtp"].seconds - clocks["serialise"].seconds
        )
        * per_message,
    }
    parts["other Python (ORM, loop)"] = seconds * per_message - sum(parts.values())
    shapes = sorted(
        (
            {"query": shape, "per_message": count / len(ids), "ms_per_message": total * per_message}
            for shape, (count, total) in queries.shapes.items()
        ),
        key=lambda row: -row["ms_per_message"],
    )
    return Profile(
        messages=len(ids),
        seconds=seconds,
        parts=parts,
        queries_per_message=sum(count for count, _ in queries.shapes.values()) / len(ids),
        query_shapes=shapes,
        floors=floors,
    )


def format_profile(profile: Profile, *, pipeline_rate: float, workers: int) -> str:
    total = sum(profile.parts.values())
    lines = [
        f"Where the time goes: {profile.messages:,} messages sent in this process through "
        f"services.campaign_send_batch (no Celery, one process): {profile.rate:,.0f} msg/s, "
        f"{total:.2f} ms per message, {profile.queries_per_message:.1f} SQL queries per message.",
    ]
    width = max(len(name) for name in profile.parts)
    for name, ms in profile.parts.items():
        lines.append(f"  {name.ljust(width)}  {ms:6.3f} ms  {100 * ms / total:5.1f} %")
    lines.append("  Queries, by shape (per message):")
    for row in profile.query_shapes[:8]:
        lines.append(f"    {row['per_message']:6.2f} × {row['ms_per_message']:6.3f} ms  {row['query']}")
    floors = profile.floors
    lines.append(
        f"  Floors here: SELECT 1 {floors['select_1_ms']:.3f} ms, one-row UPDATE with its own commit "
        f"{floors['update_commit_ms']:.3f} ms, one rate-limiter token {floors['rate_limiter_token_ms']:.3f} ms."
    )
    lines.append(
        f"  With {workers} workers the pipeline made {pipeline_rate:,.0f} msg/s, "
        f"{pipeline_rate / profile.rate:.2f}× this one process."
    )
    return "\n".join(lines)


# -- running it ------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.newsletter", description=__doc__.split("\n\n")[0])
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument(
        "--recipients", type=int, default=DEFAULT_RECIPIENTS, help="People on the list (default 10,000)."
    )
    scale.add_argument(
        "--quick", action="store_true", help=f"A smoke run with {QUICK_RECIPIENTS:,} recipients."
    )
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="Timed runs of each side (default 5).")
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="Celery worker processes (default 2)."
    )
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="Pool size of each worker (default 1)."
    )
    parser.add_argument(
        "--profile-messages",
        type=int,
        default=DEFAULT_PROFILE_MESSAGES,
        help="Messages sent in-process to show where the time goes (0: skip).",
    )
    parser.add_argument(
        "--any-database", action="store_true", help="Run even when the database's name lacks 'bench'."
    )
    return parser



def _versions() -> dict:
    import celery
    import django

    return {"python": platform.python_version(), "django": django.get_version(), "celery": celery.__version__}


def _extra_settings() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('synchronous_commit'), current_setting('fsync')")
        synchronous_commit, fsync = cursor.fetchone()
    return {"synchronous_commit": synchronous_commit, "fsync": fsync}


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.recipients = QUICK_RECIPIENTS if args.quick else args.recipients
        self.sink: Sink | None = None
        self.workers: list[Worker] = []
        self.broker: BrokerState | None = None
        self.log_dir = Path(tempfile.mkdtemp(prefix="bench-newsletter-"))
        self.succeeded = False

    def run(self) -> tuple[Throughput, Profile | None, dict]:
        args = self.args
        if self.recipients < 1 or args.runs < 1 or args.workers < 1 or args.concurrency < 1:
            raise BenchError("--recipients, --runs, --workers and --concurrency must be at least 1.")
        load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
        self.sink = Sink()
        # Before Django reads its settings: this process and the workers mail the sink, with
        # the rate limits raised out of the way.
        os.environ.update(bench_env(smtp_port=self.sink.port))
        database = django_setup(any_database=args.any_database)
        if database["ENGINE"] != "django.db.backends.postgresql":
            raise BenchError(
                "The workers and this process must share a database: set DATABASE_URL=postgres://…"
            )
        import logging

        from django.conf import settings

        from bench.newsletter_seed import WARMUP_RECIPIENTS, audience_ensure, campaigns_delete
        from notifications import conf

        logging.getLogger("notifications").setLevel(logging.WARNING)  # "Campaign … started"
        broker_url = settings.CELERY_BROKER_URL
        if not broker_url.startswith(("redis://", "rediss://")) or settings.CELERY_TASK_ALWAYS_EAGER:
            raise BenchError(
                "The pipeline runs on real workers: set CELERY_BROKER_URL=redis://127.0.0.1:6379/13."
            )
        self.broker = BrokerState(broker_url)
        other_workers_check()
        server = {**database_settings(), **_extra_settings()}
        rate, per_day = conf.rate_per_second(), conf.rate_per_day()
        print(
            f"Database: {database_label(database)} ({', '.join(f'{k}={v}' for k, v in server.items())})",
            flush=True,
        )
        print(
            f"Broker: {broker_url}. SMTP sink: aiosmtpd on 127.0.0.1:{self.sink.port}, a process of its own."
        )
        print(
            f"Rate limit raised for the run so that it does not cap the figure: NEWSLETTER_RATE_PER_SECOND="
            f"{rate:g}, NEWSLETTER_RATE_PER_DAY={per_day:,} (the Redis token bucket is still taken once per "
            f"message). Batch size {conf.batch_size()}. {os.cpu_count()} CPUs, load average "
            f"{' '.join(f'{v:.2f}' for v in load_before) if load_before else 'unknown'}.",
            flush=True,
        )
        campaigns_delete()
        audience = audience_ensure(recipients=self.recipients)
        print(
            f"Audience: {audience.recipients:,} consenting people subscribed ({audience.georgian:,} in Georgian), "
            f"{audience.people_created:,} people added, list {'rebuilt' if audience.list_rebuilt else 'reused'}, "
            f"{audience.seconds:.1f}s.",
            flush=True,
        )
        started = time.perf_counter()
        messages, draft_id = baseline_messages(mailing_list_id=audience.mailing_list_id)
        render_seconds = time.perf_counter() - started
        print(
            f"Baseline messages built and serialised in {render_seconds:.1f}s, "
            f"{1000 * render_seconds / len(messages):.2f} ms each (mean "
            f"{statistics.fmean(len(m.data) for m in messages):,.0f} bytes); not part of smtplib's time.",
            flush=True,
        )

        env = workers_env(smtp_port=self.sink.port)
        for index in range(args.workers):
            worker = Worker(index=index + 1, concurrency=args.concurrency, env=env, log_dir=self.log_dir)
            worker.start()
            self.workers.append(worker)
        database_marker = f" {database['NAME']} ".encode()
        meter = CpuMeter(
            {
                "workers": (lambda: [w.process.pid for w in self.workers if w.process], True),
                "sink": (lambda: [self.sink.process.pid], True),
                "this_process": (lambda: [os.getpid()], False),
                "postgres_backends": (lambda: _pids_running(database_marker), False),
                "redis": (lambda: _pids_running(b"redis-server"), False),
            }
        )
        print(
            f"Started {args.workers} × `celery -A config worker --concurrency {args.concurrency}` "
            f"(logs in {self.log_dir}). Warming up…",
            flush=True,
        )
        warm = pipeline_run(
            sink=self.sink,
            workers=self.workers,
            mailing_list_id=audience.warmup_list_id,
            recipients=min(self.recipients, WARMUP_RECIPIENTS),
            label="warm-up campaign",
            stall=WARMUP_TIMEOUT,
            meter=meter,
        )
        baseline_run(sink=self.sink, messages=messages[: warm.messages], label="warm-up", meter=meter)
        print(f"Warm-up: {warm.messages} messages through the workers in {warm.seconds:.1f}s.", flush=True)

        pipeline_runs, smtplib_runs = [], []
        for number in range(1, args.runs + 1):
            sides = ["pipeline", "smtplib"] if number % 2 else ["smtplib", "pipeline"]
            for side in sides:
                if side == "pipeline":
                    run = pipeline_run(
                        sink=self.sink,
                        workers=self.workers,
                        mailing_list_id=audience.mailing_list_id,
                        recipients=self.recipients,
                        label=f"run {number}",
                        stall=STALL_SECONDS,
                        meter=meter,
                    )
                    pipeline_runs.append(run)
                else:
                    run = baseline_run(sink=self.sink, messages=messages, label=f"run {number}", meter=meter)
                    smtplib_runs.append(run)
                busy = f", machine {run.cpu['machine_busy_percent']:.0f}% busy" if run.cpu else ""
                print(
                    f"  run {number} {side:8}: {run.messages:,} messages in {run.seconds:6.2f}s = "
                    f"{run.rate:7,.0f} msg/s over {run.connections} connection(s){busy}",
                    flush=True,
                )
        self.workers_stop()
        sizes = (
            statistics.fmean(r.mean_size for r in pipeline_runs),
            statistics.fmean(r.mean_size for r in smtplib_runs),
        )
        if abs(sizes[0] - sizes[1]) > SIZE_TOLERANCE * sizes[0]:
            raise BenchError(
                f"The pipeline's messages average {sizes[0]:,.0f} bytes, the baseline's {sizes[1]:,.0f}: the baseline "
                "no longer builds what the batch sends (bench/newsletter.py, baseline_messages)."
            )

        profile = None
        if args.profile_messages > 0:
            print("Profiling the send in this process…", flush=True)
            profile = profile_run(
                sink=self.sink,
                mailing_list_id=audience.mailing_list_id,
                messages=min(args.profile_messages, self.recipients),
                floors_campaign_id=draft_id,
            )
        campaigns_delete()

        label = f"{self.recipients:,} recipients, {args.workers} worker(s) × {args.concurrency}"
        row = Throughput(
            name=label,
            messages=self.recipients,
            seconds=[run.seconds for run in pipeline_runs],
            baseline_seconds=[run.seconds for run in smtplib_runs],
            runs=[asdict(run) for run in pipeline_runs],
            baseline_runs=[asdict(run) for run in smtplib_runs],
        )
        meta = {
            "database": database_label(database),
            "server": server,
            "broker": broker_url,
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "recipients": self.recipients,
            "georgian": audience.georgian,
            "runs": args.runs,
            "workers": args.workers,
            "concurrency": args.concurrency,
            "pool": "prefork",
            "batch_size": conf.batch_size(),
            "rate_per_second": rate,
            "rate_per_day": per_day,
            "mean_message_bytes": {"pipeline": sizes[0], "smtplib": sizes[1]},
            "baseline_render_ms_per_message": 1000 * render_seconds / len(messages),
            "smtplib_with_rendering_messages_per_second": self.recipients
            / (render_seconds + row.baseline_median_seconds),
            "warmup": asdict(warm),
            "sink": "aiosmtpd Controller in its own process, 127.0.0.1",
            "profile": asdict(profile) if profile else None,
            "target": f"pipeline messages/s at least {TARGET_RATIO:g}× smtplib's",
            **_versions(),
            "git_revision": git_revision(),
        }
        return row, profile, {**meta, "_runs": (pipeline_runs, smtplib_runs)}

    def workers_stop(self) -> None:
        for worker in self.workers:
            worker.stop()

    def close(self) -> None:
        self.workers_stop()
        if self.broker is not None:
            try:
                removed = self.broker.cleanup()
                print(f"Broker: {removed} keys the run created deleted.", flush=True)
            except Exception as error:  # cleanup must not hide the run's own error
                print(f"Broker cleanup failed: {error}", file=sys.stderr)
        if self.sink is not None:
            self.sink.stop()
        if self.succeeded:  # the workers' logs are kept only when something went wrong
            shutil.rmtree(self.log_dir, ignore_errors=True)
        else:
            print(f"Workers' logs kept in {self.log_dir}.", file=sys.stderr)


def format_cpu(pipeline: list[SendRun], baseline: list[SendRun], cpus: int | None) -> str | None:
    """CPU ms per message by process group, the mean over the runs."""
    if not all(run.cpu for run in pipeline + baseline):
        return None

    def mean(runs: list[SendRun], key: str) -> float:
        return statistics.fmean(run.cpu.get(key, 0.0) for run in runs)

    groups = [
        ("workers", "Celery workers"),
        ("this_process", "this process (smtplib / polling)"),
        ("sink", "SMTP sink"),
        ("postgres_backends", "PostgreSQL backends of this database"),
        ("redis", "redis-server (shared)"),
        ("rest_of_machine", "rest of the machine (other work too)"),
    ]
    lines = [f"CPU ms per message (mean of runs; {cpus} CPUs)        pipeline   smtplib"]
    for key, name in groups:
        lines.append(
            f"  {name:<48}{mean(pipeline, f'{key}_ms_per_message'):9.2f} {mean(baseline, f'{key}_ms_per_message'):9.2f}"
        )
    lines.append(
        f"  {'machine busy during the runs':<48}{mean(pipeline, 'machine_busy_percent'):8.0f}% "
        f"{mean(baseline, 'machine_busy_percent'):8.0f}%"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()
    bench = Bench(args)
    try:
        row, profile, meta = bench.run()
        bench.succeeded = True
    except BenchError as error:
        print(f"bench.newsletter: {error}", file=sys.stderr)
        return 1
    finally:
        bench.close()
    pipeline_runs, smtplib_runs = meta.pop("_runs")
    meta["total_seconds"] = round(time.monotonic() - started, 1)
    path = results_write("newsletter", [row], meta=meta)
    sizes = meta["mean_message_bytes"]
    print()
    print(format_throughput(row))
    print()
    print(format_runs(pipeline_runs, smtplib_runs))
    print(
        f"(Seconds from the call to campaign_start; freeze: campaign_start returned, the audience frozen. "
        f"Mean message {sizes['pipeline']:,.0f} bytes through the pipeline, {sizes['smtplib']:,.0f} through "
        f"smtplib. For reference, smtplib building each message in the loop as well would make "
        f"{meta['smtplib_with_rendering_messages_per_second']:,.0f} msg/s.)"
    )
    cpu = format_cpu(pipeline_runs, smtplib_runs, meta["cpus"])
    if cpu:
        print()
        print(cpu)
    if profile:
        print()
        print(format_profile(profile, pipeline_rate=row.rate, workers=args.workers))
    print()
    verdict = "met" if row.met else "NOT MET"
    print(
        f"Pipeline {row.rate:,.0f} msg/s against smtplib {row.baseline_rate:,.0f} msg/s: {row.ratio:.2f}×, "
        f"target at least {TARGET_RATIO:g}×: {verdict}. The rate limit was raised to "
        f"{meta['rate_per_second']:g}/s and {meta['rate_per_day']:,}/day so that it did not cap the figure. "
        f"Total {meta['total_seconds']}s. Written to {path}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
