"""/healthz: is the database reachable, is the broker reachable? JSON, 503 when one is down."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from config.database_unavailable import in_one_line

logger = logging.getLogger(__name__)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:
        # One line, not a traceback: a load balancer polls this every few seconds of an outage.
        logger.warning("health check: database unreachable: %s: %s", type(error).__name__, in_one_line(error))
        return "down"
    return "ok"


def broker_connection():
    """A new connection to the broker Celery publishes to."""
    return celery_app.connection_for_write()


def broker_status() -> str:
    try:
        with broker_connection() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    except Exception as error:
        logger.warning("health check: broker unreachable: %s: %s", type(error).__name__, in_one_line(error))
        return "down"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503
    )
