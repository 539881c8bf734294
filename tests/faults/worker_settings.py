"""Settings of the Celery worker the fault tests start: those of the integration tests, with
the production schedule of retries and circuit breaker scaled from minutes to seconds, so that
a real one-minute SMTP outage fits in a test. Its proportions stay: the messages' retries
(150 s in all here, 5 hours in production) outlast the outage, and the breaker's
cool-down is shorter than the outage, so that it pauses and resumes more than once.

The in-flight timeout is long (no worker is killed here): a row held `sending` longer than a
block's send would be a fault of its own, and is not to be papered over by a re-send."""

from tests.notifications.worker_settings import *  # noqa: F403

NEWSLETTER_RETRY_DELAYS = [2, 4, 6, 8, 10] + [12] * 10
NEWSLETTER_BREAKER_THRESHOLD = 5
NEWSLETTER_BREAKER_COOLDOWN = 8
NEWSLETTER_INFLIGHT_TIMEOUT = 60
