"""A real Celery worker against Redis, a real SMTP server (aiosmtpd) in this process, and
PostgreSQL that both see: a campaign to 2,000 people arrives exactly once each, and a worker
killed with SIGKILL mid-campaign and started again still reaches everyone, the only repeats
(at most a block per killed process) carrying the Message-ID of the first copy.

The test process plays Celery beat: it sends the periodic task every second.
"""

from __future__ import annotations

import email
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from crm.models import Contact
from notifications import services, tasks
from notifications.models import Campaign, Delivery, MailingList, Subscription, Suppression
from tests.notifications.factories import CampaignFactory

ROOT = Path(__file__).resolve().parents[2]
# The broker the test process sends to (settings may be overridden per test; the app is not).
BROKER_URL = celery_app.conf.broker_url or ""
PEOPLE = 2000


def _redis_ok() -> bool:
    url = BROKER_URL
    if not url.startswith("redis://"):
        return False
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"] or not _redis_ok(),
        reason="needs PostgreSQL and a Redis broker (DATABASE_URL, CELERY_BROKER_URL=redis://…): a worker "
        "process must see the test database, which SQLite's in-memory test database is not",
    ),
    pytest.mark.django_db(transaction=True),
]


class Sink:
    """An SMTP server that keeps, per message, its recipient and headers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[dict] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append({"to": rcpt, **{name: parsed[name] for name in parsed.keys()}})
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


@pytest.fixture
def sink():
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line
    handler = Sink()
    with socket.socket() as probe:  # a free port; aiosmtpd checks it is up by connecting to it
        probe.bind(("127.0.0.1", 0))
        handler.port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


def _test_database_url() -> str:
    """The test database this process uses (e.g. test_kavshiri_dev_gw0 under xdist)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery -A config worker` in its own process group, so that SIGKILL reaches the pool too."""

    def __init__(self, *, queue: str, smtp_port: int, rate: float, log_path: Path):
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "DJANGO_SECRET_KEY": "integration-test",
            "DATABASE_URL": _test_database_url(),
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "KAVSHIRI_TEST_QUEUE": queue,
            "KAVSHIRI_TEST_RATE": str(rate),
        }
        self.queue = queue
        self.process = None
        self.log_path = log_path
        self.log = log_path.open("ab")

    def start(self):
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", self.queue, "-c", "3",
                   "-n", f"{self.queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
                   "-l", "WARNING"]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log,
                                        start_new_session=True)  # fmt: skip

    def kill(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


@pytest.fixture
def queue(settings):
    name = f"kavshiri-test-{uuid.uuid4().hex[:10]}"
    settings.NEWSLETTER_CELERY_QUEUE = name
    yield name
    client = redis.Redis.from_url(BROKER_URL)
    client.delete(
        name, f"kavshiri:test:rate:{name}", f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}"
    )
    _forget_unacked(client, name)


def _forget_unacked(client, queue_name: str) -> None:
    """Drop the messages a killed worker left unacknowledged, which kombu would otherwise put
    back on the test's queue an hour later, where no one will ever read them."""
    for tag, payload in client.hscan_iter("unacked"):
        if queue_name.encode() in payload:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.fixture
def worker_factory(queue, sink, tmp_path):
    started = []

    def make(rate: float = 0) -> Worker:
        log_path = tmp_path / f"worker-{len(started)}.log"
        worker = Worker(queue=queue, smtp_port=sink.port, rate=rate, log_path=log_path)
        started.append(worker)
        worker.start()
        return worker

    yield make
    for worker in started:
        worker.stop()


def _audience():
    """2,000 subscribers, plus people who must get nothing: unsubscribed, bounced, complained,
    suppressed, not confirmed."""
    news = MailingList.objects.create(name_ka="სიახლეები", name_en="News", slug="news")
    people = Contact.objects.bulk_create(
        [Contact(first_name=f"პირი {n}", email=f"person{n}@cso.example.ge") for n in range(PEOPLE + 5)]
    )
    now = timezone.now()
    statuses = ["unsubscribed", "bounced", "complained", "pending", "subscribed"]
    Subscription.objects.bulk_create(
        [
            Subscription(
                contact=person,
                mailing_list=news,
                status="subscribed" if n < PEOPLE else statuses[n - PEOPLE],
                consent_source="import" if n < PEOPLE or n == PEOPLE + 4 else "",
                consent_given_at=now if n < PEOPLE or n == PEOPLE + 4 else None,
                language="ka" if n % 2 else "en",
            )
            for n, person in enumerate(people)
        ]
    )
    Suppression.objects.create(email=f"person{PEOPLE + 4}@cso.example.ge", reason="stopped")
    return CampaignFactory(lists=[news])


def _wait_until_sent(campaign, queue, log_dir: Path, *, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks.newsletter_tick.apply_async(queue=queue)
        time.sleep(1)
        if Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT:
            return
    progress = Counter(Delivery.objects.values_list("status", flat=True))
    logs = "\n".join(
        path.read_text(errors="replace")[-3000:] for path in sorted(log_dir.glob("worker-*.log"))
    )
    pytest.fail(f"campaign not sent in {timeout}s: {dict(progress)}\nworker logs:\n{logs}")


def _check_every_message(sink):
    """Each of the 2,000 received the message; nobody else received anything; headers valid;
    returns {recipient: [Message-IDs received]}."""
    expected = {f"person{n}@cso.example.ge" for n in range(PEOPLE)}
    ledger = dict(Delivery.objects.values_list("email", "message_id"))
    received = defaultdict(list)
    for message in sink.messages:
        received[message["to"]].append(message["Message-ID"])
        assert re.fullmatch(
            r"<https?://[^>]+/unsubscribe/[^/>]+/>, <mailto:[^>]+>", message["List-Unsubscribe"]
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Id"] == f"News <news.{services.conf.mail_domain()}>"
    assert set(received) == expected
    for address, ids in received.items():
        assert set(ids) == {ledger[address]}, address
    return received


def test_a_campaign_to_2000_people_arrives_exactly_once_each(sink, queue, worker_factory, tmp_path):
    campaign = _audience()
    worker_factory()

    assert services.campaign_start(campaign_id=campaign.pk) == PEOPLE
    _wait_until_sent(campaign, queue, tmp_path)

    received = _check_every_message(sink)
    assert all(len(ids) == 1 for ids in received.values())
    assert Delivery.objects.filter(status="sent").count() == PEOPLE


def test_a_worker_killed_mid_campaign_and_restarted_reaches_everyone(sink, queue, worker_factory, tmp_path):
    campaign = _audience()
    # Slow enough that the kill lands in the middle of the send.
    first = worker_factory(rate=400)
    services.campaign_start(campaign_id=campaign.pk)

    deadline = time.monotonic() + 60
    while sink.count() < PEOPLE // 4:
        assert time.monotonic() < deadline, "the worker sent nothing"
        time.sleep(0.05)
    first.kill()
    killed_at = sink.count()
    assert killed_at < PEOPLE
    worker_factory(rate=0)
    _wait_until_sent(campaign, queue, tmp_path)

    received = _check_every_message(sink)
    repeats = {address: ids for address, ids in received.items() if len(ids) > 1}
    # Only the rows a killed process held `sending` come again: its block's messages sent but
    # not yet marked, and the one on the wire. At most one block per process (3 in the pool),
    # each re-sent once, with its own Message-ID (checked above).
    assert len(repeats) <= 3 * services.BLOCK, repeats
    assert all(len(ids) == 2 for ids in repeats.values())
    assert Delivery.objects.filter(status="sent").count() == PEOPLE
