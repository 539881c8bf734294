"""The newsletter pipeline's settings, each with a default that suits the embedded setup.

Read at call time (not import time) so that tests and `override_settings` see changes.
config/settings.py sets them from the environment in production.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

RESEND = "resend"
HOLD = "hold"


def _get(name: str, default):
    return getattr(settings, f"NEWSLETTER_{name}", default)


def batch_size() -> int:
    """Deliveries one task sends over one SMTP connection."""
    return int(_get("BATCH_SIZE", 100))


def rate_per_second() -> float:
    """Messages per second across all workers together; 0 means no limit."""
    return float(_get("RATE_PER_SECOND", 10))


def rate_per_day() -> int:
    """Messages per calendar day (Tbilisi time) across all workers; 0 means no limit."""
    return int(_get("RATE_PER_DAY", 10_000))


def rate_limit_redis_url() -> str | None:
    """Where the shared token bucket lives: this setting, else the broker when it is Redis,
    else nowhere (each process limits itself, good enough for the one-worker embedded setup)."""
    url = _get("RATE_LIMIT_REDIS_URL", None)
    if url:
        return url
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    return broker if broker.startswith(("redis://", "rediss://")) else None


def rate_limit_key() -> str:
    return _get("RATE_LIMIT_KEY", "kavshiri:newsletter:rate")


def retry_delays() -> list[int]:
    """Seconds to wait before each new attempt after a temporary failure; after the last one
    the delivery fails for good."""
    return [int(seconds) for seconds in _get("RETRY_DELAYS", [60, 300, 900, 3600, 4 * 3600])]


def breaker_threshold() -> int:
    """Failures in a row, across workers, that pause a campaign."""
    return int(_get("BREAKER_THRESHOLD", 25))


def breaker_cooldown() -> int:
    """Seconds a campaign paused by the circuit breaker stays quiet before newsletter_tick
    resumes it by itself (a manager may resume or cancel it sooner). Each message keeps its
    own retry schedule (retry_delays) meanwhile, so an outage shorter than that schedule loses
    nothing."""
    return int(_get("BREAKER_COOLDOWN", 5 * 60))


def inflight_timeout() -> int:
    """Seconds a row may stay `sending` before its worker is taken for dead. Well above the
    SMTP timeout, so that a slow but living worker is never overtaken."""
    return int(_get("INFLIGHT_TIMEOUT", 15 * 60))


def inflight_policy() -> str:
    """What happens to a row left `sending` by a dead worker: `resend` (with the same
    Message-ID, so a repeat is the identical message) or `hold` (a person decides)."""
    policy = _get("INFLIGHT_POLICY", RESEND)
    if policy not in (RESEND, HOLD):
        raise ImproperlyConfigured(f"NEWSLETTER_INFLIGHT_POLICY={policy!r}: use {RESEND!r} or {HOLD!r}.")
    return policy


def redispatch_after() -> int:
    """Seconds a campaign must be quiet (no row claimed) before rows handed to tasks that never
    ran (lost with a dead worker) are handed out again."""
    return int(_get("REDISPATCH_AFTER", 10 * 60))


def celery_queue() -> str | None:
    """The queue newsletter tasks go to; None is Celery's default queue. A queue of their
    own keeps a big send from delaying invitations and reminders."""
    return _get("CELERY_QUEUE", None)


def task_time_limit() -> int:
    """Hard limit of a batch task: far under Redis' visibility timeout (an hour by default),
    or Redis would hand the same task to a second worker while the first still runs."""
    return int(_get("TASK_TIME_LIMIT", 5 * 60))


def confirmation_max_age() -> int:
    """Seconds a double opt-in confirmation link stays valid."""
    return int(_get("CONFIRMATION_MAX_AGE", 7 * 24 * 3600))


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def mail_domain() -> str:
    """The domain of Message-IDs and List-Ids: the site's host unless set."""
    return _get("MAIL_DOMAIN", None) or urlsplit(site_url()).hostname or "localhost"


def unsubscribe_mailto() -> str:
    """The address of the mailto: alternative in List-Unsubscribe (RFC 2369)."""
    from email.utils import parseaddr

    default = getattr(settings, "CENTRE_EMAIL", "") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return _get("UNSUBSCRIBE_MAILTO", None) or default


def feedback_after_days() -> int:
    """Days after a service delivery ended that its client is asked for feedback."""
    days = int(_get("FEEDBACK_AFTER_DAYS", 3))
    if days < 0:
        raise ImproperlyConfigured(f"NEWSLETTER_FEEDBACK_AFTER_DAYS={days}: use 0 or more days.")
    return days


def feedback_window_days() -> int:
    """Deliveries that ended longer ago than this are never asked, so that turning feedback
    requests on (or a long outage) does not mail clients about services of years ago."""
    days = int(_get("FEEDBACK_WINDOW_DAYS", 30))
    if days < feedback_after_days():
        raise ImproperlyConfigured(
            f"NEWSLETTER_FEEDBACK_WINDOW_DAYS={days}: use at least NEWSLETTER_FEEDBACK_AFTER_DAYS."
        )
    return days


def webhook_secret() -> str:
    """The secret shared with the mail provider: each bounce or complaint report carries an
    HMAC-SHA256 of its body made with it. Empty (the default): /webhooks/mail/ accepts
    nothing, since an unsigned report could suppress any address."""
    return _get("WEBHOOK_SECRET", "") or ""
