"""The global rate: messages per second and per day, shared by every worker."""

import time
import uuid
from datetime import datetime, timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.utils import timezone

from notifications import services
from notifications.models import Delivery
from notifications.ratelimit import LocalBucket, RateLimiter, RedisBucket
from tests.notifications.factories import CampaignFactory, MailingListFactory, SubscriptionFactory

REDIS_URL = "redis://127.0.0.1:6379/14"


def _redis_up() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


needs_redis = pytest.mark.skipif(
    not django_settings.CELERY_BROKER_URL.startswith("redis://") or not _redis_up(),
    reason="needs Redis (CELERY_BROKER_URL=redis://…): the shared bucket lives there",
)


@pytest.fixture
def redis_buckets():
    """Two buckets on one key: two workers sharing the limit."""
    key = f"kavshiri:test:rate:{uuid.uuid4().hex}"
    buckets = [RedisBucket(REDIS_URL, key), RedisBucket(REDIS_URL, key)]
    yield buckets
    client = buckets[0].client
    client.delete(*client.keys(f"{key}*") or [key])


def _burst(buckets, count, **rate):
    return [buckets[i % len(buckets)].take(**rate) for i in range(count)]


@pytest.mark.django_db
def test_local_bucket_allows_a_second_of_burst_then_asks_to_wait():
    decisions = _burst([LocalBucket()], 6, rate=5, per_day=0)

    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert 0 < decisions[-1].wait <= 0.2  # less when the machine is slow: tokens refill meanwhile


@pytest.mark.django_db
def test_local_bucket_counts_the_day():
    decisions = _burst([LocalBucket()], 4, rate=0, per_day=3)

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].day_exhausted


@needs_redis
def test_redis_bucket_is_shared_between_workers(redis_buckets):
    decisions = _burst(redis_buckets, 11, rate=10, per_day=0)

    assert sum(d.allowed for d in decisions) == 10
    assert not decisions[-1].allowed and 0 < decisions[-1].wait <= 0.1


@needs_redis
def test_redis_bucket_counts_the_day_across_workers(redis_buckets):
    decisions = _burst(redis_buckets, 5, rate=0, per_day=4)

    assert [d.allowed for d in decisions] == [True] * 4 + [False]
    assert decisions[-1].day_exhausted


@pytest.mark.django_db
@pytest.mark.parametrize("shared", [False, pytest.param(True, marks=needs_redis)], ids=["local", "redis"])
def test_the_limiter_paces_sending(settings, shared):
    settings.NEWSLETTER_RATE_PER_SECOND = 20
    settings.NEWSLETTER_RATE_PER_DAY = 0
    store = RedisBucket(REDIS_URL, f"kavshiri:test:rate:{uuid.uuid4().hex}") if shared else LocalBucket()
    limiter = RateLimiter(store)
    started = time.monotonic()

    for _ in range(30):  # 20 at once, then 10 more at 20 a second
        assert limiter.acquire(deadline=time.monotonic() + 5).allowed

    assert 0.4 < time.monotonic() - started < 5  # generous above: a loaded CI machine is slow


@pytest.mark.django_db
def test_a_used_up_day_defers_the_rest_to_tomorrow(settings, django_capture_on_commit_callbacks, outbox):
    settings.NEWSLETTER_RATE_PER_DAY = 2
    news = MailingListFactory()
    for _ in range(5):
        SubscriptionFactory(mailing_list=news)
    campaign = CampaignFactory(lists=[news])
    with django_capture_on_commit_callbacks(execute=False):
        services.campaign_start(campaign_id=campaign.pk)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))

    batch = services._Batch(campaign, ids[0], ids[-1])
    batch.limiter = RateLimiter(LocalBucket())  # a fresh day's count, whatever ran before
    outcome = batch.run()

    assert (outcome.sent, outcome.deferred) == (2, 3)
    waiting = Delivery.objects.filter(status="pending")
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert waiting.count() == 3
    assert {timezone.localtime(row.next_attempt_at).replace(tzinfo=None) for row in waiting} == {
        datetime.combine(tomorrow, datetime.min.time())
    }
    assert len(outbox) == 2
