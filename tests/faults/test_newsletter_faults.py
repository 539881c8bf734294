"""Faults during a newsletter send: the system says so, loses nothing, and catches up by itself.

A real Celery worker whose broker is a redis-server of the test's own, a real SMTP server
(aiosmtpd) in this process, PostgreSQL that both see. The test process plays Celery beat: it
sends newsletter_tick every second and, as beat does, logs a publish that fails and goes on.

- Redis stopped mid-send (SHUTDOWN NOSAVE) for several seconds and started again, empty: the
  queued tasks are gone. Meanwhile /healthz answers 503 (broker down); the worker rides it out
  and reconnects; newsletter_tick hands out again the rows whose tasks were lost.
- The SMTP server answering 421 to everything for a minute: each message refused waits for its
  own retry, the circuit breaker pauses the campaign with the reason on its page, and resumes
  it by itself after its cool-down; when the server accepts again, everything goes.

Both end with every subscriber receiving the campaign exactly once (no worker dies here, so
the README's one allowed repeat, a killed worker's block, cannot happen) and nobody else
receiving anything.
"""

from __future__ import annotations

import email
import logging
import re
import time
import uuid
from collections import Counter, defaultdict

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from config.celery import app as celery_app
from crm.models import Contact
from notifications import tasks
from notifications.models import Campaign, Delivery, MailingList, Subscription, Suppression
from notifications.services import campaign_start
from tests.faults.postgres import free_port
from tests.faults.redis_server import redis_server  # noqa: F401  (a fixture)
from tests.notifications.factories import CampaignFactory
from tests.notifications.test_worker_integration import Sink, Worker

logger = logging.getLogger(__name__)

pytestmark = [
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
        reason="fault tests run in CI's PostgreSQL + Redis step: a worker process must see the test "
        "database, which SQLite's in-memory test database is not (DATABASE_URL=postgres://…)",
    ),
    pytest.mark.django_db(transaction=True),
]

PEOPLE = 300
OUTAGE = 8  # seconds Redis stays down
REFUSAL = "421 4.3.2 Service not available"


class RefusingSink(Sink):
    """The SMTP sink, which answers 421 to MAIL, RCPT and DATA while `refusing`; it keeps the
    time of each refusal."""

    def __init__(self):
        super().__init__()
        self.refusing = False
        self.refusals: list[float] = []

    def _refused(self) -> str:
        with self.lock:
            self.refusals.append(time.monotonic())
        return REFUSAL

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refusing:
            return self._refused()
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return self._refused()
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content)
        # The check and the keeping at once: the test turns `refusing` on and off under this lock
        # and counts what was accepted meanwhile, which must be exact.
        with self.lock:
            if self.refusing:
                self.refusals.append(time.monotonic())
                return REFUSAL
            for rcpt in envelope.rcpt_tos:
                self.messages.append({"to": rcpt, **{name: parsed[name] for name in parsed.keys()}})
        return "250 OK"


@pytest.fixture
def sink():
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line
    handler = RefusingSink()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port
    yield handler
    controller.stop()


@pytest.fixture
def broker(redis_server, settings, monkeypatch):  # noqa: F811
    """This process's Celery app (what it publishes, what /healthz checks) and the worker's
    broker: the private Redis. Celery reads CELERY_BROKER_URL from the environment first."""
    monkeypatch.setenv("CELERY_BROKER_URL", redis_server.url)
    monkeypatch.setitem(celery_app.conf, "broker_url", redis_server.url)
    settings.CELERY_BROKER_URL = redis_server.url
    _forget_connections()
    yield redis_server
    _forget_connections()


def _forget_connections():
    """Celery keeps a pool of connections to the broker it first connected to."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def queue(settings):
    name = f"kavshiri-fault-{uuid.uuid4().hex[:10]}"
    settings.NEWSLETTER_CELERY_QUEUE = name
    return name


@pytest.fixture
def worker(broker, queue, sink, tmp_path):
    """Start one worker (three pool processes) on the private broker; stopped at teardown."""
    started = []

    def start(*, rate: float) -> Worker:
        process = Worker(queue=queue, smtp_port=sink.port, rate=rate, log_path=tmp_path / "worker.log")
        process.env["CELERY_BROKER_URL"] = broker.url
        process.env["DJANGO_SETTINGS_MODULE"] = "tests.faults.worker_settings"
        started.append(process)
        process.start()
        return process

    yield start
    for process in started:
        process.stop()


class Beat:
    """newsletter_tick every second (every minute in production). A publish that fails, with
    the broker down, is logged and the next one tried, as Celery beat does."""

    def __init__(self, queue: str):
        self.queue = queue
        self.failed = 0

    def tick(self) -> None:
        try:
            tasks.newsletter_tick.apply_async(queue=self.queue)
        except Exception as error:  # kombu's OperationalError, whatever the transport says
            self.failed += 1
            logger.warning("newsletter_tick not sent: %s", error)

    def until(self, condition, *, timeout: float, what: str, log_path) -> float:
        """Tick until condition() holds; returns the seconds it took."""
        started = next_tick = time.monotonic()
        while not condition():
            now = time.monotonic()
            if now - started > timeout:
                progress = dict(Counter(Delivery.objects.values_list("status", flat=True)))
                pytest.fail(f"{what}: not within {timeout}s; {progress}\n{log_path.read_text()[-4000:]}")
            if now >= next_tick:
                self.tick()
                next_tick = now + 1
            time.sleep(0.1)
        return time.monotonic() - started


def _audience() -> Campaign:
    """PEOPLE subscribers, plus five people who must get nothing: unsubscribed, bounced,
    complained, not confirmed, suppressed."""
    news = MailingList.objects.create(name_ka="სიახლეები", name_en="News", slug="news")
    people = Contact.objects.bulk_create(
        [Contact(first_name=f"პირი {n}", email=f"person{n}@cso.example.ge") for n in range(PEOPLE + 5)]
    )
    statuses = ["unsubscribed", "bounced", "complained", "pending", "subscribed"]
    consented = lambda n: n < PEOPLE or n == PEOPLE + 4  # noqa: E731
    Subscription.objects.bulk_create(
        [
            Subscription(
                contact=person,
                mailing_list=news,
                status="subscribed" if n < PEOPLE else statuses[n - PEOPLE],
                consent_source="import" if consented(n) else "",
                consent_given_at=timezone.now() if consented(n) else None,
                language="ka" if n % 2 else "en",
            )
            for n, person in enumerate(people)
        ]
    )
    Suppression.objects.create(email=f"person{PEOPLE + 4}@cso.example.ge", reason="stopped")
    return CampaignFactory(lists=[news])


def _assert_everyone_once(sink, campaign):
    """Each subscriber got exactly one message, with the Message-ID of their row; nobody else
    got anything; the ledger says all sent and the campaign closed."""
    received = defaultdict(list)
    for message in sink.messages:
        received[message["to"]].append(message["Message-ID"])
    ledger = dict(Delivery.objects.values_list("email", "message_id"))
    assert set(received) == {f"person{n}@cso.example.ge" for n in range(PEOPLE)}
    assert {address: ids for address, ids in received.items() if ids != [ledger[address]]} == {}
    assert Counter(Delivery.objects.values_list("status", flat=True)) == {"sent": PEOPLE}
    campaign.refresh_from_db()
    assert (campaign.status, campaign.paused_reason) == (Campaign.Status.SENT, "")


def test_redis_stopped_mid_send_and_started_empty_loses_nothing(
    broker, sink, worker, queue, client, tmp_path
):
    campaign = _audience()
    beat = Beat(queue)
    # Slow enough that the stop lands mid-send; the rate's token bucket lives in this Redis too.
    process = worker(rate=60)
    campaign_start(campaign_id=campaign.pk)
    beat.until(
        lambda: sink.count() >= PEOPLE // 5, timeout=60, what="first messages", log_path=process.log_path
    )

    broker.stop()
    down_from = time.monotonic()
    stopped_at = sink.count()
    health = []
    while time.monotonic() - down_from < OUTAGE:
        beat.tick()
        health.append(client.get("/healthz"))
        time.sleep(0.5)
    sent_while_down = sink.count() - stopped_at
    assert process.process.poll() is None, "the worker gave up when the broker went away"
    # The tasks Redis' loss stopped gave their rows back; the others' rows wait in tasks queued
    # in Redis, which its restart loses.
    assert not Delivery.objects.filter(status="sending").exists()
    released = Delivery.objects.filter(status="pending", dispatched_at=None).count()
    lost = Delivery.objects.filter(status="pending", dispatched_at__isnull=False).count()
    broker.start()  # empty: the queued batch tasks are lost
    down_for = time.monotonic() - down_from
    took = beat.until(
        lambda: Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT,
        timeout=60,
        what="the campaign finishing after Redis came back",
        log_path=process.log_path,
    )

    assert stopped_at < PEOPLE and lost > 0
    assert {response.status_code for response in health} == {503}
    assert health[-1].json() == {"status": "down", "checks": {"database": "ok", "broker": "down"}}
    assert beat.failed >= len(health)
    assert client.get("/healthz").status_code == 200
    _assert_everyone_once(sink, campaign)
    assert process.process.poll() is None  # the same worker, reconnected by itself
    assert "Connection to broker lost" in process.log_path.read_text()
    logger.warning(
        "Redis fault: %s sent before the stop, %s while down (%.1fs, %s health checks, %s ticks lost); "
        "%s rows' tasks lost, %s rows given back; the rest %.1fs after the restart",
        stopped_at, sent_while_down, down_for, len(health), beat.failed, lost, released, took,
    )  # fmt: skip


def test_smtp_refusing_for_a_minute_delays_the_campaign_and_loses_nothing(
    broker, sink, worker, queue, client, user_in_role, tmp_path
):
    campaign = _audience()
    beat = Beat(queue)
    process = worker(rate=30)
    client.force_login(user_in_role("manager"))
    campaign_start(campaign_id=campaign.pk)
    beat.until(
        lambda: sink.count() >= PEOPLE // 5, timeout=60, what="first messages", log_path=process.log_path
    )

    with sink.lock:
        sink.refusing = True
        accepted_before = len(sink.messages)
    refused_from = time.monotonic()
    seen = Counter()  # the campaign's status, each second
    page, paused_at, reason, most_waiting = "", None, "", 0
    while time.monotonic() - refused_from < 60:
        beat.tick()
        state = Campaign.objects.values("status", "paused_reason").get(pk=campaign.pk)
        seen[state["status"]] += 1
        if state["status"] == Campaign.Status.PAUSED and not page:
            page = client.get(reverse("campaign_detail", args=[campaign.pk])).content.decode()
            paused_at, reason = time.monotonic(), state["paused_reason"]
        waiting = Delivery.objects.filter(status="pending", last_error__contains="421").count()
        most_waiting = max(most_waiting, waiting)
        assert not Delivery.objects.filter(status="failed").exists()
        time.sleep(1)
    with sink.lock:
        sink.refusing = False
        accepted_while_refusing = len(sink.messages) - accepted_before
    took = beat.until(
        lambda: Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT,
        timeout=40,
        what="the campaign finishing after SMTP came back",
        log_path=process.log_path,
    )

    assert accepted_before < PEOPLE and accepted_while_refusing == 0
    # Operators see it: the campaign paused, the reason on its page, each message's error on its row.
    assert paused_at is not None, f"never paused; states seen: {dict(seen)}"
    assert "4.3.2 Service not available" in reason and re.search(r"\b\d\d:\d\d\b", reason)  # resumes at
    assert escape(reason) in page
    assert most_waiting > 0
    # The breaker resumed it by itself while the server still refused, and paused it again, to
    # the end of the minute, trying a few messages per cool-down, not each message in turn.
    # (Late in the minute, with room for a cool-down of 8 s and retries up to 12 s apart.)
    assert any(at > refused_from + 40 for at in sink.refusals)
    assert len(sink.refusals) < PEOPLE // 2
    _assert_everyone_once(sink, campaign)
    log = process.log_path.read_text()
    logger.warning(
        "SMTP fault: %s sent before, %s refusals in 60s, %s breaker pauses, %s resumptions, at most %s "
        "rows waiting with the error; the rest %.1fs after the server came back; status each second: %s",
        accepted_before, len(sink.refusals), log.count("paused by the circuit breaker"),
        log.count("resumed after the circuit breaker"), most_waiting, took, dict(seen),
    )  # fmt: skip
