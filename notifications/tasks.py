"""Celery tasks of newsletters: each takes ids and calls a service.

Sending tasks acknowledge late (a worker killed mid-batch leaves its message to be delivered
again) and stop well under Redis' visibility timeout, so that Redis never hands a task that is
still running to a second worker. Neither matters for correctness, which rests on the ledger's
guarded claims; they keep the work moving.
"""

from __future__ import annotations

import smtplib

from celery import shared_task

from notifications import conf, services

_LIMIT = conf.task_time_limit()
SENDING_TASK = {
    "acks_late": True,
    # A pool process killed by the OS (out of memory, kill -9) gives its message back too.
    "reject_on_worker_lost": True,
    "time_limit": _LIMIT,
    "soft_time_limit": _LIMIT - 30,
}


@shared_task(**SENDING_TASK)
def fan_out_campaign(campaign_id: int) -> int:
    """After a campaign starts or resumes: hand its rows to batch tasks."""
    return services.campaign_fan_out(campaign_id=campaign_id)


@shared_task(**SENDING_TASK)
def send_campaign_batch(campaign_id: int, first_id: int, last_id: int) -> dict:
    """Send one page of a campaign's ledger. Not retried as a whole: each message that failed
    has its own next attempt on its row."""
    result = services.campaign_send_batch(campaign_id=campaign_id, first_id=first_id, last_id=last_id)
    return {
        "sent": result.sent,
        "failed": result.failed,
        "deferred": result.deferred,
        "suppressed": result.suppressed,
        "paused": result.paused,
    }


@shared_task(**SENDING_TASK)
def newsletter_tick() -> dict:
    """Every minute, from Celery beat."""
    result = services.newsletter_tick()
    return {
        "started": result.started,
        "requeued": result.requeued,
        "held": result.held,
        "dispatched": result.dispatched,
        "finished": result.finished,
        "resumed": result.resumed,
    }


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
)
def send_subscription_confirmation(subscription_id: int) -> bool:
    """Sends nothing for a subscription no longer waiting (confirmed meanwhile)."""
    return services.subscription_confirmation_send(subscription_id=subscription_id)


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=5,
)
def send_return_confirmation(request: dict) -> bool:
    """The confirmation link for an address erased on request; the request is in the link."""
    return services.return_confirmation_send(request=request)


@shared_task(time_limit=120, soft_time_limit=100)
def send_campaign_test(campaign_id: int, email: str) -> int:
    """Not retried: the person who asked is waiting for it and can ask again."""
    return services.campaign_send_test(campaign_id=campaign_id, email=email)


@shared_task
def send_follow_up_digests() -> int:
    """Every morning, from the beat schedule in settings. Not retried: a retry after some mails
    went out would send those people the same digest twice."""
    from notifications.digests import follow_up_digests_send

    return follow_up_digests_send()


@shared_task
def send_feedback_requests() -> int:
    """Daily, from the beat schedule in settings. Safe to run twice or side by side: each
    request is claimed on its delivery before it is sent."""
    from notifications.feedback import feedback_requests_send

    return feedback_requests_send()
