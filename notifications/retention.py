"""How long the newsletter ledger keeps who was written to, and what happens after.

A delivery keeps the address it was sent to, and the mail server's last error (which often
repeats the address), for NEWSLETTER_DELIVERY_RETENTION_MONTHS (24 by default) after its
campaign started; a bounce or complaint report keeps its address and the server's words as long.
After that `delivery_personal_data_purge` blanks them. The rows stay, with their status, so a
campaign's counts (sent, failed, bounced) stay true for good; the delivery keeps its link to
the person's record, which is what makes an old newsletter's unsubscribe link still work.

Suppressions are not purged: an address that bounced, complained or asked for no mail must
stay blocked as long as the centre sends mail.

The task runs nightly from Celery beat (the schedule is in config/settings.py). It is
idempotent: a row already blanked is not selected again.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crm.models import Contact
from notifications import services
from notifications.models import Delivery, MailEvent, Subscription, Suppression

logger = logging.getLogger(__name__)

DEFAULT_MONTHS = 24
CHUNK = 1000
# Rows a worker may still be sending, or will send, are never touched.
_FINISHED = [Delivery.Status.SENT, Delivery.Status.FAILED, Delivery.Status.SUPPRESSED]


def retention_months() -> int:
    months = getattr(settings, "NEWSLETTER_DELIVERY_RETENTION_MONTHS", DEFAULT_MONTHS)
    if not isinstance(months, int) or months < 1:
        raise ImproperlyConfigured(
            "NEWSLETTER_DELIVERY_RETENTION_MONTHS must be a whole number of months, 1 or more."
        )
    return months


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when it is
    shorter: 31 March minus one month is 28 or 29 February)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class PurgeResult:
    deliveries: int
    mail_events: int


def delivery_personal_data_purge(*, now: datetime | None = None) -> PurgeResult:
    """Blank the address and error of deliveries of campaigns started before the cutoff, and the
    address and detail of bounce reports received before it. In chunks, each its own short
    transaction, so that a large first run does not hold locks on the ledger while a campaign
    is sending."""
    cutoff = months_before(now or timezone.now(), retention_months())
    deliveries = Delivery.objects.filter(campaign__started_at__lt=cutoff, status__in=_FINISHED).filter(
        ~Q(email="") | ~Q(last_error="")
    )
    events = MailEvent.objects.filter(received_at__lt=cutoff).filter(~Q(email="") | ~Q(detail=""))
    result = PurgeResult(
        deliveries=_in_chunks(deliveries, email="", last_error=""),
        mail_events=_in_chunks(events, email="", detail=""),
    )
    logger.info(
        "Retention (before %s): %s deliveries and %s mail reports blanked",
        cutoff.date(),
        result.deliveries,
        result.mail_events,
    )
    return result


def _in_chunks(rows, **blank) -> int:
    done = 0
    while ids := list(rows.order_by("pk").values_list("pk", flat=True)[:CHUNK]):
        with transaction.atomic():
            done += rows.model.objects.filter(pk__in=ids).update(**blank)
    return done


@shared_task
def purge_old_delivery_personal_data() -> dict:
    """Nightly, from the beat schedule in settings."""
    result = delivery_personal_data_purge()
    return {"deliveries": result.deliveries, "mail_events": result.mail_events}


@transaction.atomic
def unsubscribe_without_address(*, delivery: Delivery, everything: bool) -> None:
    """The unsubscribe link of a newsletter whose delivery no longer keeps its address (past
    retention, or its person erased). `services.unsubscribe` would suppress the delivery's
    address, which is gone; here the person's current address is suppressed instead, if
    they still have one. An erased person has none, and nothing left to unsubscribe from."""
    services.unsubscribe(delivery_id=delivery.pk, everything=False)
    if not everything:
        return
    contact = Contact.objects.select_for_update().get(pk=delivery.contact_id)
    Subscription.objects.filter(
        contact=contact, status__in=[Subscription.Status.SUBSCRIBED, Subscription.Status.PENDING]
    ).update(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    if contact.newsletter_consent:
        contact.newsletter_consent = False
        contact.save(update_fields=["newsletter_consent"])
    if contact.email:
        services.address_suppress(email=contact.email, reason=Suppression.Reason.STOPPED, delivery=delivery)
