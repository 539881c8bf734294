"""Feedback requests: some days after a service was delivered, its client is asked how it went.

A send, step by step:
1. Select the deliveries to an organisation that ended (end date, else start date) at least
   NEWSLETTER_FEEDBACK_AFTER_DAYS and at most NEWSLETTER_FEEDBACK_WINDOW_DAYS ago and were never
   asked, with each organisation's current main contacts fetched once.
2. Decide who is asked: the organisation's current main contact with an email, else the
   organisation's own address; no one, no mail. An address on the suppression list (asked for no
   mail, bounced, complained) gets nothing, and the organisation's address does not stand in for
   a main contact who asked for no mail.
3. Render the mail in the contact's preferred language; Georgian, the centre's language, for the
   organisation's address.
4. For each delivery, claim it (UPDATE … SET feedback_requested_at WHERE it IS NULL, committed
   at once), which only one of two overlapping runs can win, then send over the one connection.
   A failed send gives the claim back, so that a later run tries again. A worker killed between
   claim and send leaves the claim in place and the request is never sent: the price of never
   sending it twice.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from crm.models import Affiliation, ServiceDelivery
from notifications import conf
from notifications.models import Suppression, address_digest
from notifications.services import normalise_email

logger = logging.getLogger(__name__)

TEMPLATE = "notifications/email/feedback"


@dataclass(frozen=True)
class FeedbackRecipient:
    email: str
    language: str
    name: str = ""  # empty for the organisation's own address


def feedback_due(*, today: date) -> QuerySet[ServiceDelivery]:
    """Deliveries whose client is to be asked for feedback on `today`, oldest first."""
    ended = Coalesce("end_date", "start_date")
    main_contacts = (
        Affiliation.objects.filter(is_primary=True, contact__is_active=True)
        .exclude(contact__email="")
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=today))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("contact")
        .order_by(F("start_date").desc(nulls_last=True), "pk")
    )
    return (
        ServiceDelivery.objects.filter(feedback_requested_at__isnull=True, client_organisation__isnull=False)
        .annotate(ended_on=ended)
        .filter(
            ended_on__lte=today - timedelta(days=conf.feedback_after_days()),
            ended_on__gte=today - timedelta(days=conf.feedback_window_days()),
        )
        .select_related("service", "client_organisation")
        .prefetch_related(
            Prefetch("client_organisation__affiliations", queryset=main_contacts, to_attr="main_contacts")
        )
        .order_by("ended_on", "pk")
    )


def feedback_recipient(delivery: ServiceDelivery) -> FeedbackRecipient | None:
    """Who speaks for the participants: the client's main contact, else the client's address."""
    organisation = delivery.client_organisation
    for affiliation in organisation.main_contacts:
        contact = affiliation.contact
        return FeedbackRecipient(contact.email, _language(contact.preferred_language), contact.first_name)
    if organisation.email:
        return FeedbackRecipient(organisation.email, settings.LANGUAGE_CODE)
    return None


def _language(code: str) -> str:
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def feedback_requests_send(*, today: date | None = None) -> int:
    """Ask each client due today for feedback, once per delivery; returns the mails sent."""
    today = today or timezone.localdate()
    requests = [(d, r) for d in feedback_due(today=today) if (r := feedback_recipient(d)) is not None]
    suppressed = _suppressed({recipient.email for _delivery, recipient in requests})
    requests = [(d, r) for d, r in requests if normalise_email(r.email) not in suppressed]
    if not requests:
        return 0
    sent = 0
    with mailers.default as connection:
        for delivery, recipient in requests:
            message = feedback_message(delivery, recipient)
            claimed_at = _claim(delivery)
            if claimed_at is not None:
                sent += _send_claimed(connection, delivery, message, claimed_at)
    return sent


def _suppressed(emails: set[str]) -> set[str]:
    """The addresses among `emails` that must not be mailed: on the list, or erased on request
    (kept only as a hash)."""
    normalised = {normalise_email(email) for email in emails}
    by_digest = {address_digest(email): email for email in normalised}
    rows = Suppression.objects.filter(Q(email__in=normalised) | Q(email_sha256__in=by_digest))
    return {email or by_digest[digest] for email, digest in rows.values_list("email", "email_sha256")}


def _claim(delivery: ServiceDelivery) -> datetime | None:
    """Only one run wins: the second finds the column set, on PostgreSQL even while waiting
    for the first one's row lock."""
    now = timezone.now()
    won = ServiceDelivery.objects.filter(pk=delivery.pk, feedback_requested_at__isnull=True).update(
        feedback_requested_at=now
    )
    return now if won else None


def _send_claimed(connection, delivery: ServiceDelivery, message, claimed_at: datetime) -> int:
    """Send a claimed request; if it does not go out, for whatever reason, give the claim back."""
    delivered = 0
    try:
        delivered = connection.send_messages([message])
    except (smtplib.SMTPException, OSError):
        logger.exception("Feedback request for delivery %s not sent to %s", delivery.pk, message.to[0])
    finally:
        if not delivered:
            ServiceDelivery.objects.filter(pk=delivery.pk, feedback_requested_at=claimed_at).update(
                feedback_requested_at=None
            )
    return 1 if delivered else 0


def feedback_message(delivery: ServiceDelivery, recipient: FeedbackRecipient) -> EmailMultiAlternatives:
    with translation.override(recipient.language):
        subject, text, html = _render(delivery, recipient)
    reply_to = [settings.CENTRE_EMAIL] if settings.CENTRE_EMAIL else None
    message = EmailMultiAlternatives(subject, text, to=[recipient.email], reply_to=reply_to)
    message.attach_alternative(html, "text/html")
    return message


def _render(delivery: ServiceDelivery, recipient: FeedbackRecipient) -> tuple[str, str, str]:
    dates = [delivery.start_date]
    if delivery.end_date and delivery.end_date != delivery.start_date:
        dates.append(delivery.end_date)
    context = {
        "name": recipient.name,
        "service": delivery.service.name,
        "organisation": delivery.client_organisation.name,
        "dates": " – ".join(formats.date_format(day, "SHORT_DATE_FORMAT") for day in dates),
        "centre_name": settings.CENTRE_NAME_KA if recipient.language == "ka" else settings.CENTRE_NAME,
    }
    subject = _("Your feedback on %(service)s") % {"service": context["service"]}
    text = render_to_string(f"{TEMPLATE}.txt", context)
    html = render_to_string(f"{TEMPLATE}.html", context)
    return subject, text, html
