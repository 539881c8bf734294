"""The global sending rate: messages per second and per day, shared by every worker.

Celery's own rate_limit counts per worker process; a provider's limit counts per account. With
Redis (the broker's, in production) the limit is one token bucket in Redis, updated by a Lua
script so that taking a token is atomic across workers. Without Redis (the embedded default,
one worker) each process keeps its own bucket and counts the day from the ledger.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from notifications import conf

# KEYS: bucket, day counter. ARGV: rate per second, burst, per-day limit, day key lifetime.
# Returns {1, 0} when a token was taken, {0, ms to wait}, or {-1, 0} when the day is used up.
# Redis' own clock is used, so that workers with drifting clocks share one bucket.
TAKE_TOKEN = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local per_day = tonumber(ARGV[3])
if per_day > 0 and tonumber(redis.call('GET', KEYS[2]) or '0') >= per_day then
  return {-1, 0}
end
if rate > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
  local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
  local tokens = tonumber(state[1]) or burst
  local at = tonumber(state[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  if tokens < 1 then
    return {0, math.ceil((1 - tokens) / rate * 1000)}
  end
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(now))
  redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
end
if per_day > 0 then
  redis.call('INCR', KEYS[2])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
end
return {1, 0}
"""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    wait: float = 0.0  # seconds until a token may be had
    day_exhausted: bool = False


class RedisBucket:
    def __init__(self, url: str, key: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=3)
        self.key = key
        self.script = self.client.register_script(TAKE_TOKEN)

    def take(self, *, rate: float, per_day: int) -> Decision:
        day_key = f"{self.key}:day:{timezone.localdate().isoformat()}"
        burst = max(1.0, rate)
        result, wait_ms = self.script(keys=[self.key, day_key], args=[rate, burst, per_day, 2 * 86400])
        if result == -1:
            return Decision(False, day_exhausted=True)
        return Decision(result == 1, wait=wait_ms / 1000)


class LocalBucket:
    """One process's bucket; the day's count starts from the ledger and goes on in memory."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tokens: float | None = None
        self.at = time.monotonic()
        self.day = None
        self.sent_today = 0

    def take(self, *, rate: float, per_day: int) -> Decision:
        with self.lock:
            if per_day > 0:
                self._roll_day()
                if self.sent_today >= per_day:
                    return Decision(False, day_exhausted=True)
            if rate > 0:
                burst = max(1.0, rate)
                now = time.monotonic()
                tokens = burst if self.tokens is None else self.tokens
                tokens = min(burst, tokens + (now - self.at) * rate)
                self.at = now
                if tokens < 1:
                    self.tokens = tokens
                    return Decision(False, wait=(1 - tokens) / rate)
                self.tokens = tokens - 1
            self.sent_today += 1
            return Decision(True)

    def _roll_day(self) -> None:
        today = timezone.localdate()
        if self.day != today:
            from notifications.models import Delivery

            start = timezone.make_aware(datetime.combine(today, datetime.min.time()))
            self.sent_today = Delivery.objects.filter(sent_at__gte=start).count()
            self.day = today


_local = LocalBucket()


def bucket():
    url = conf.rate_limit_redis_url()
    return RedisBucket(url, conf.rate_limit_key()) if url else _local


class RateLimiter:
    """Waits for a token; says so when the day's quota is used up or the wait would overrun."""

    def __init__(self, store=None):
        self.store = store or bucket()

    def acquire(self, *, deadline: float) -> Decision:
        """Block until a token is taken (allowed), the day is used up, or `deadline`
        (time.monotonic()) would pass while waiting."""
        rate, per_day = conf.rate_per_second(), conf.rate_per_day()
        while True:
            decision = self.store.take(rate=rate, per_day=per_day)
            if decision.allowed or decision.day_exhausted:
                return decision
            if time.monotonic() + decision.wait > deadline:
                return decision
            time.sleep(decision.wait)


def next_day_start() -> datetime:
    tomorrow = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(tomorrow, datetime.min.time()))
