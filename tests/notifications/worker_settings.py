"""Settings of the Celery worker that the integration tests start: the project's settings, with
the test's own queue (so that no other test's tasks reach it, nor its tasks another worker)
and timeouts short enough to watch a dead worker's rows come back within a test."""

import os

from config.settings import *  # noqa: F403

NEWSLETTER_CELERY_QUEUE = os.environ["KAVSHIRI_TEST_QUEUE"]
NEWSLETTER_RATE_LIMIT_KEY = f"kavshiri:test:rate:{NEWSLETTER_CELERY_QUEUE}"
NEWSLETTER_RATE_PER_SECOND = float(os.environ.get("KAVSHIRI_TEST_RATE", "0"))
NEWSLETTER_RATE_PER_DAY = 0
NEWSLETTER_BATCH_SIZE = 50
NEWSLETTER_INFLIGHT_TIMEOUT = 3
NEWSLETTER_REDISPATCH_AFTER = 3
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
