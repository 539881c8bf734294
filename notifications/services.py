"""Writes of the newsletter side: consent, campaigns and their send.

The send, from start to finish:
1. `campaign_start` freezes the audience in one transaction: one Delivery row per recipient,
   with address, language and Message-ID fixed now. After commit, a task fans the rows out to
   batch tasks in pages of ids; tasks carry ids only.
2. `campaign_send_batch` sends a page over one connection, a block of up to BLOCK rows at a
   time: claim the block in one transaction (pending → sending, only while the campaign is
   sending; consent and suppression are checked there, and rows that lost them are marked
   suppressed instead), then per message take a token from the global rate limit and send,
   then mark the block's sent rows in one statement. Failures are recorded per message, at
   once: temporary ones wait for a later attempt, permanent ones fail and suppress the
   address, and too many in a row pause the campaign (from the next block on).
3. `newsletter_tick` (Celery beat, every minute) starts scheduled campaigns, resumes those the
   circuit breaker paused once they have cooled down, deals with rows a dead worker left
   `sending` (re-sent with the same Message-ID, or held for a person), hands out rows due for
   a retry, and, once a campaign has gone quiet, rows whose task was lost; and closes
   campaigns with nothing left to send.

A worker that dies mid-block leaves that block's rows `sending`: those it sent but had not
marked yet, the one on the wire, and those it had not tried. Step 3 handles them all alike, so
each may arrive twice (with the same Message-ID) under `resend`; at most BLOCK per worker.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.models import Affiliation, Contact, FollowUp, Interaction, Organisation
from notifications import conf, mail, selectors
from notifications.models import (
    Campaign,
    Delivery,
    MailEvent,
    MailingList,
    Subscription,
    Suppression,
)
from notifications.ratelimit import RateLimiter, next_day_start

logger = logging.getLogger(__name__)
Status = Delivery.Status


class CampaignError(Exception):
    """A campaign cannot do what was asked in the state it is in; the message says why."""


# Consent --------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


@transaction.atomic
def subscription_add_by_staff(
    *, mailing_list: MailingList, contact: Contact, language: str, reason: str, source: str = "staff", by
) -> Subscription:
    """Subscribe someone on their word given to staff (or an import), with the reason kept."""
    if not contact.email:
        raise CampaignError(_("This person has no email address."))
    if selectors.erased_entry(contact.email) is not None:
        raise CampaignError(
            _(
                "This address belonged to a person erased at their request. Only they can subscribe it "
                "again, through the public subscription form."
            )
        )
    now = timezone.now()
    subscription, _created = Subscription.objects.select_for_update().get_or_create(
        contact=contact, mailing_list=mailing_list, defaults={"language": language}
    )
    subscription.status = Subscription.Status.SUBSCRIBED
    subscription.language = language
    subscription.consent_source = source
    subscription.consent_given_at = now
    subscription.consent_note = reason
    subscription.added_by = by
    subscription.unsubscribed_at = None
    subscription.save()
    logger.info("Subscription %s added by user %s (%s)", subscription.pk, getattr(by, "pk", None), source)
    return subscription


@transaction.atomic
def subscription_request(
    *, mailing_list: MailingList, email: str, first_name: str = "", last_name: str = "", language: str = "ka"
) -> Subscription | None:
    """The public form: record a pending subscription and mail a confirmation link.

    Returns None when no subscription is recorded (already subscribed, an address that bounced
    or complained, or one erased on request); the page says the same either way, so the form
    tells no one who is subscribed. The address of a person erased on request is not written
    down for a request anyone could make: the request travels in the link mailed to it, and
    only the confirmation from there records it (subscription_return).
    """
    email = normalise_email(email)
    blocked = selectors.suppressions_of(email).filter(
        reason__in=[Suppression.Reason.BOUNCED, Suppression.Reason.COMPLAINED]
    )
    if blocked.exists():
        return None
    if selectors.erased_entry(email) is not None:
        request = {
            "list": mailing_list.pk,
            "email": email,
            "first": first_name,
            "last": last_name,
            "lang": language,
        }
        _after_commit("send_return_confirmation", request)
        return None
    subscription = _pending_subscription(mailing_list, email, first_name, last_name, language)
    if subscription.status == Subscription.Status.SUBSCRIBED:
        return None
    _after_commit("send_subscription_confirmation", subscription.pk)
    return subscription


def _pending_subscription(
    mailing_list: MailingList, email: str, first_name: str, last_name: str, language: str
) -> Subscription:
    """The person's subscription, waiting for confirmation unless it is confirmed already."""
    contact = Contact.objects.filter(email__iexact=email).order_by("pk").first()
    if contact is None:
        contact = Contact.objects.create(
            first_name=first_name or email.split("@")[0][:100],
            last_name=last_name,
            email=email,
            preferred_language=language,
        )
    subscription, _created = Subscription.objects.select_for_update().get_or_create(
        contact=contact, mailing_list=mailing_list, defaults={"language": language}
    )
    if subscription.status == Subscription.Status.SUBSCRIBED:
        return subscription
    subscription.status = Subscription.Status.PENDING
    subscription.language = language
    subscription.save(update_fields=["status", "language", "updated_at"])
    return subscription


def return_request_subscription(request: dict) -> Subscription:
    """The subscription a return link asks for, unsaved: what the confirmation page and mail show."""
    mailing_list = MailingList.objects.get(pk=request["list"], is_public=True, is_active=True)
    contact = Contact(first_name=request["first"], last_name=request["last"], email=request["email"])
    return Subscription(
        contact=contact,
        mailing_list=mailing_list,
        language=request["lang"],
        status=Subscription.Status.PENDING,
    )


def return_confirmation_send(*, request: dict) -> bool:
    """Mail the link that lets a person erased on request subscribe again from their address."""
    from django.core.mail import mailers

    subscription = return_request_subscription(request)
    mailers.default.send_messages(
        [mail.confirmation_message(subscription=subscription, token=mail.return_token(request))]
    )
    return True


@transaction.atomic
def subscription_return(*, request: dict) -> Subscription:
    """A person erased on request confirms, from their address, that they want the newsletter:
    now, and only now, the address is recorded, and the confirmation lifts the block."""
    subscription = _pending_subscription(
        MailingList.objects.get(pk=request["list"]),
        normalise_email(request["email"]),
        request["first"],
        request["last"],
        request["lang"],
    )
    return subscription_confirm(subscription_id=subscription.pk)  # idempotent: a second press


def subscription_confirmation_send(*, subscription_id: int) -> bool:
    """Mail the confirmation link of a subscription still waiting for it."""
    from django.core.mail import mailers

    subscription = (
        Subscription.objects.select_related("contact", "mailing_list")
        .filter(pk=subscription_id, status=Subscription.Status.PENDING)
        .first()
    )
    if subscription is None:
        return False
    message = mail.confirmation_message(
        subscription=subscription, token=mail.confirmation_token(subscription.pk)
    )
    mailers.default.send_messages([message])
    return True


@transaction.atomic
def subscription_confirm(*, subscription_id: int) -> Subscription:
    """Confirm a double opt-in: consent recorded as given through the form, now.

    Idempotent. Confirming is a new, explicit consent, so it lifts an earlier "no mail at all"
    for the address, the one an erasure left as a hash included (the person came back and
    asked, from the address itself); a bounce or complaint stays.
    """
    subscription = Subscription.objects.select_for_update().select_related("contact").get(pk=subscription_id)
    if subscription.status in (Subscription.Status.PENDING, Subscription.Status.UNSUBSCRIBED):
        subscription.status = Subscription.Status.SUBSCRIBED
        subscription.consent_source = "form"
        subscription.consent_given_at = timezone.now()
        subscription.consent_note = ""
        subscription.unsubscribed_at = None
        subscription.save()
        selectors.suppressions_of(subscription.contact.email).filter(
            reason=Suppression.Reason.STOPPED
        ).delete()
        logger.info("Subscription %s confirmed", subscription.pk)
    return subscription


@transaction.atomic
def unsubscribe(*, delivery_id: int, everything: bool) -> Delivery:
    """Unsubscribe the recipient of a delivery. Idempotent: a second click changes nothing.

    From this campaign's lists (and, if they were reached through a segment, from newsletters
    by consent); or, with `everything`, from all mail: every list, consent withdrawn, and the
    address suppressed so that no other record of the same address is mailed either.
    """
    delivery = Delivery.objects.select_related("campaign", "contact").get(pk=delivery_id)
    contact = delivery.contact
    subscriptions = Subscription.objects.filter(
        contact=contact, status__in=[Subscription.Status.SUBSCRIBED, Subscription.Status.PENDING]
    )
    if not everything:
        subscriptions = subscriptions.filter(mailing_list__in=delivery.campaign.mailing_lists.all())
    subscriptions.update(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now())
    if (everything or delivery.via_segment) and contact.newsletter_consent:
        contact.newsletter_consent = False
        contact.save(update_fields=["newsletter_consent"])
    if everything and delivery.email:  # one past retention or erasure has no address left to stop
        address_suppress(email=delivery.email, reason=Suppression.Reason.STOPPED, delivery=delivery)
    logger.info("Delivery %s: unsubscribed (%s)", delivery.pk, "everything" if everything else "lists")
    return delivery


_SUBSCRIPTION_STATUS_FOR = {
    Suppression.Reason.BOUNCED: Subscription.Status.BOUNCED,
    Suppression.Reason.COMPLAINED: Subscription.Status.COMPLAINED,
    Suppression.Reason.STOPPED: Subscription.Status.UNSUBSCRIBED,
}


@transaction.atomic
def address_suppress(
    *, email: str, reason: str, note: str = "", delivery: Delivery | None = None
) -> Suppression:
    """Stop all mail to an address (a bounce, a complaint, or the person's wish). Idempotent;
    a complaint outranks whatever was recorded before, since it is the one that hurts.

    The address of a person erased on request is already stopped by its hash; writing it out
    again in plain text would undo the erasure, so that entry is the one kept up to date.
    """
    email = normalise_email(email)
    if not email:
        raise ValueError("address_suppress needs an address")
    suppression = selectors.erased_entry(email)
    created = False
    if suppression is None:
        suppression, created = Suppression.objects.get_or_create(
            email=email, defaults={"reason": reason, "note": note[:500], "delivery": delivery}
        )
    if not created and reason == Suppression.Reason.COMPLAINED and suppression.reason != reason:
        suppression.reason = reason
        suppression.save(update_fields=["reason"])
    Subscription.objects.filter(
        contact__email__iexact=email, status__in=[Subscription.Status.SUBSCRIBED, Subscription.Status.PENDING]
    ).update(status=_SUBSCRIPTION_STATUS_FOR[reason], unsubscribed_at=timezone.now())
    return suppression


# Bounces and complaints -----------------------------------------------------------------------

_REASON_FOR = {
    MailEvent.Kind.HARD_BOUNCE: Suppression.Reason.BOUNCED,
    MailEvent.Kind.COMPLAINT: Suppression.Reason.COMPLAINED,
}
_REPORT_FOR = {
    Suppression.Reason.BOUNCED: Delivery.Report.BOUNCED,
    Suppression.Reason.COMPLAINED: Delivery.Report.COMPLAINED,
}


@transaction.atomic
def mail_event_record(
    *, provider: str, event_id: str, kind: str, email: str, message_id: str = "", detail: str = ""
) -> tuple[MailEvent, bool]:
    """Act once on a bounce or complaint the mail provider reports; returns (event, created).

    1. Insert the event under its unique (provider, event id). A repeat (providers retry until
       they are answered) finds the row and changes nothing; a repeat arriving at the same
       moment waits on the unique index for the first and then finds its row.
    2. Find our delivery by the Message-ID, when the report gives one for the same address.
    3. A soft bounce stops there: the mailbox may work tomorrow, and the provider retries.
    4. A hard bounce or complaint suppresses the address (its subscriptions become bounced or
       complained), marks the delivery, and gives the staff member responsible for the
       person's organisation a follow-up, unless one is still open for the address and reason.
    """
    email = normalise_email(email)
    message_id = _bracketed(message_id)
    # A late report about a person erased on request: kept as an event, without the address or
    # the server's words about it; their hash entry takes the bounce; nobody is asked to act.
    erased = selectors.erased_entry(email) is not None
    delivery = None if erased else _delivery_with_message_id(message_id, email)
    event, created = MailEvent.objects.get_or_create(
        provider=provider,
        event_id=event_id,
        defaults={
            "kind": kind,
            "email": "" if erased else email,
            "message_id": message_id,
            "detail": "" if erased else detail[:500],
            "delivery": delivery,
        },
    )
    if not created:
        return event, False
    logger.info(
        "Mail event %s from %r: %s for %s", event_id, provider, kind, "an erased address" if erased else email
    )
    reason = _REASON_FOR.get(kind)
    if reason is None or not email:
        return event, True
    suppression = address_suppress(
        email=email, reason=reason, note="" if erased else detail, delivery=delivery
    )
    if erased:
        return event, True
    if delivery is not None:
        _delivery_mark_reported(delivery, _REPORT_FOR[reason])
    # From here one report per address at a time: a second report of the same address under
    # another event id waits for this one to commit, and then sees its follow-up.
    Suppression.objects.select_for_update().filter(pk=suppression.pk).exists()
    still_open = (
        MailEvent.objects.filter(email=email, kind=kind, follow_up__status=FollowUp.Status.OPEN)
        .exclude(pk=event.pk)
        .exists()
    )
    if not still_open:
        event.follow_up = _bounce_follow_up(kind=kind, email=email, delivery=delivery)
        if event.follow_up is not None:
            event.save(update_fields=["follow_up"])
    return event, True


def _bracketed(message_id: str) -> str:
    """Our Message-IDs are stored as `<…>`; providers pass them on with or without brackets."""
    bare = message_id.strip().strip("<>").strip()
    return f"<{bare}>" if bare else ""


def _delivery_with_message_id(message_id: str, email: str) -> Delivery | None:
    # The address must match too: a report about a forwarding target, or a made-up one,
    # says nothing about the person we sent to.
    if not message_id or not email:  # erasure and retention leave deliveries without an address
        return None
    return (
        Delivery.objects.select_related("campaign__created_by", "contact")
        .filter(message_id=message_id, email__iexact=email)
        .first()
    )


def _delivery_mark_reported(delivery: Delivery, report: str) -> None:
    rows = Delivery.objects.filter(pk=delivery.pk)
    if report == Delivery.Report.BOUNCED:
        rows = rows.filter(reported="")  # a complaint outranks a bounce, as on the suppression list
    rows.update(reported=report, reported_at=timezone.now())


def bounce_follow_up_owner(*, email: str, delivery: Delivery | None = None):
    """Who should act on an address that bounced or complained, and for which organisation.

    Returns (person, organisation, staff member), or None when no person with the address
    belongs to an organisation now (a follow-up is always about one) or nobody is found.

    Organisation has no field for the staff member responsible for it, so responsibility is
    read from the work: the staff member of the most recent interaction with the person's
    organisation (their primary affiliation, else any current one) is the one who knows them.
    Without such an interaction, whoever created the campaign that bounced (for a report
    without our Message-ID, the campaign last sent to the address) answers for it.
    """
    people = [delivery.contact] if delivery else Contact.objects.filter(email__iexact=email).order_by("pk")
    for person in people:
        organisation = _current_organisation(person)
        if organisation is None:
            continue
        interaction = (
            Interaction.objects.filter(organisation=organisation, staff__is_active=True)
            .select_related("staff")
            .order_by("-occurred_on", "-pk")
            .first()
        )
        if interaction is not None:
            return person, organisation, interaction.staff
        creator = _campaign_creator(email, delivery)
        return (person, organisation, creator) if creator else None
    return None


def _current_organisation(person: Contact) -> Organisation | None:
    today = timezone.localdate()
    affiliation = (
        Affiliation.objects.filter(contact=person, organisation__is_active=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=today))
        .select_related("organisation")
        .order_by("-is_primary", F("start_date").desc(nulls_last=True), "pk")
        .first()
    )
    return affiliation.organisation if affiliation else None


def _campaign_creator(email: str, delivery: Delivery | None):
    if delivery is None:
        delivery = (
            Delivery.objects.filter(email__iexact=email, status=Status.SENT)
            .select_related("campaign__created_by")
            .order_by("-sent_at", "-pk")
            .first()
        )
    creator = delivery.campaign.created_by if delivery else None
    return creator if creator is not None and creator.is_active else None


def _bounce_follow_up(*, kind: str, email: str, delivery: Delivery | None) -> FollowUp | None:
    """A follow-up, due today, saying what happened; in the centre's language, since users
    have no language of their own in Kavshiri."""
    owner = bounce_follow_up_owner(email=email, delivery=delivery)
    if owner is None:
        logger.warning("Mail event for %s: no organisation or staff member to follow it up", email)
        return None
    person, organisation, staff = owner
    with translation.override(settings.LANGUAGE_CODE):
        if kind == MailEvent.Kind.COMPLAINT:
            text = _(
                "Marked our newsletter as spam: %(person)s, %(email)s. Check their consent and get in touch."
            )
        else:
            text = _(
                "Mail bounced: %(person)s, %(email)s. The address no longer works; find their current one."
            )
        title = text % {"person": person.full_name, "email": email}
    follow_up = FollowUp(
        organisation=organisation, title=title[:255], assignee=staff, due_on=timezone.localdate()
    )
    follow_up.full_clean()
    follow_up.save()
    return follow_up


# Campaigns ------------------------------------------------------------------------------------


def _locked_error() -> CampaignError:
    return CampaignError(_("Only a draft can be changed. This campaign has been scheduled or sent."))


@transaction.atomic
def campaign_save(*, form, by) -> Campaign:
    """Save a validated CampaignForm; only a draft may be changed."""
    campaign = form.instance
    if campaign.pk and not Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).exists():
        raise _locked_error()
    if not campaign.pk:
        campaign.created_by = by
    return form.save()


def _check_ready(campaign: Campaign) -> None:
    if not campaign.languages:
        raise CampaignError(_("Write a subject and a text in at least one language."))
    if not campaign.mailing_lists.exists() and not campaign.segments.exists():
        raise CampaignError(_("Choose at least one mailing list or segment."))


@transaction.atomic
def campaign_schedule(*, campaign: Campaign, at: datetime) -> Campaign:
    """Schedule a draft; the audience is frozen when it starts, not now."""
    _check_ready(campaign)
    if at <= timezone.now():
        raise CampaignError(_("Choose a time in the future."))
    moved = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.DRAFT).update(
        status=Campaign.Status.SCHEDULED, scheduled_at=at
    )
    if not moved:
        raise _locked_error()
    campaign.refresh_from_db()
    return campaign


@transaction.atomic
def campaign_unschedule(*, campaign: Campaign) -> Campaign:
    moved = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.SCHEDULED).update(
        status=Campaign.Status.DRAFT, scheduled_at=None
    )
    if not moved:
        raise CampaignError(_("This campaign is not scheduled."))
    campaign.refresh_from_db()
    return campaign


def new_message_id(campaign_id: int) -> str:
    return f"<{uuid.uuid4().hex}.c{campaign_id}@{conf.mail_domain()}>"


@transaction.atomic
def campaign_start(*, campaign_id: int) -> int:
    """Start sending now: freeze the audience and hand it to the workers after commit.

    Returns the number of recipients. The status change is a guarded update, so of two
    simultaneous starts (two managers, or the tick and a manager) only one freezes.
    """
    campaign = Campaign.objects.get(pk=campaign_id)
    _check_ready(campaign)
    started = Campaign.objects.filter(
        pk=campaign_id, status__in=[Campaign.Status.DRAFT, Campaign.Status.SCHEDULED]
    ).update(status=Campaign.Status.SENDING, started_at=timezone.now(), consecutive_failures=0)
    if not started:
        raise CampaignError(_("This campaign has already been started."))
    freeze_audience(campaign)
    count = Delivery.objects.filter(campaign_id=campaign_id).count()
    Campaign.objects.filter(pk=campaign_id).update(recipient_count=count)
    _after_commit("fan_out_campaign", campaign_id)
    logger.info("Campaign %s started: %s recipients", campaign_id, count)
    return count


def freeze_audience(campaign: Campaign) -> int:
    """One Delivery per recipient, each with its Message-ID; returns how many were added.

    Idempotent: people already frozen keep their row and Message-ID, and the unique constraint
    on (campaign, person) refuses a second row even from a concurrent freeze."""
    frozen = set(Delivery.objects.filter(campaign=campaign).values_list("contact_id", flat=True))
    rows = [
        Delivery(
            campaign=campaign,
            contact_id=recipient.contact_id,
            email=recipient.email,
            language=campaign.language_for(recipient.language),
            via_segment=recipient.via_segment,
            message_id=new_message_id(campaign.pk),
        )
        for recipient in selectors.campaign_audience(campaign)
        if recipient.contact_id not in frozen
    ]
    Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def _due(campaign_id: int, now: datetime | None = None) -> QuerySet[Delivery]:
    now = now or timezone.now()
    return Delivery.objects.filter(campaign_id=campaign_id, status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def campaign_fan_out(
    *,
    campaign_id: int,
    only_undispatched: bool = False,
    redispatch_stale: bool = False,
    id_range: tuple[int, int] | None = None,
) -> int:
    """Hand the campaign's due rows to batch tasks, a page of ids each (keyset paging, so the
    cost per page does not grow with the campaign). Returns the number of tasks sent.

    `only_undispatched` leaves out rows already handed to a task, which may still be queued;
    with `redispatch_stale`, rows handed out long ago are handed out again (their task was
    lost with a dead worker). `id_range` limits the hand-out to one batch's rows."""
    rows = _due(campaign_id)
    if id_range:
        rows = rows.filter(pk__gte=id_range[0], pk__lte=id_range[1])
    if only_undispatched:
        waiting = Q(dispatched_at__isnull=True)
        if redispatch_stale:
            waiting |= Q(dispatched_at__lt=timezone.now() - timedelta(seconds=conf.redispatch_after()))
        rows = rows.filter(waiting)
    from notifications.tasks import send_campaign_batch

    sent, after = 0, 0
    while True:
        ids = list(rows.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[: conf.batch_size()])
        if not ids:
            return sent
        Delivery.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())
        send_campaign_batch.apply_async(args=[campaign_id, ids[0], ids[-1]], **queue_options())
        sent += 1
        after = ids[-1]


@transaction.atomic
def campaign_pause(*, campaign: Campaign, reason: str = "") -> bool:
    """Stop claiming new messages; those a worker has already claimed (its block, at most
    BLOCK) still go. A person's pause lasts until a person resumes; pausing a campaign the
    circuit breaker paused makes the pause theirs, so that it no longer resumes by itself."""
    pausable = Q(status=Campaign.Status.SENDING) | Q(
        status=Campaign.Status.PAUSED, breaker_paused_at__isnull=False
    )
    return bool(
        Campaign.objects.filter(pausable, pk=campaign.pk).update(
            status=Campaign.Status.PAUSED,
            paused_reason=reason[:255],
            consecutive_failures=0,
            breaker_paused_at=None,
        )
    )


@transaction.atomic
def campaign_resume(*, campaign: Campaign) -> bool:
    """Go on from the ledger: whatever is still pending is handed out again."""
    resumed = Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.PAUSED).update(
        status=Campaign.Status.SENDING, paused_reason="", consecutive_failures=0, breaker_paused_at=None
    )
    if resumed:
        _after_commit("fan_out_campaign", campaign.pk)
    return bool(resumed)


@transaction.atomic
def campaign_cancel(*, campaign: Campaign) -> bool:
    """Nothing more is claimed (a worker still sends the block it holds, at most BLOCK); what
    was sent stays in the ledger."""
    return bool(
        Campaign.objects.filter(
            pk=campaign.pk,
            status__in=[Campaign.Status.SCHEDULED, Campaign.Status.SENDING, Campaign.Status.PAUSED],
        ).update(status=Campaign.Status.CANCELLED, finished_at=timezone.now())
    )


@transaction.atomic
def campaign_resolve_held(*, campaign: Campaign, resend: bool) -> int:
    """A person decides on rows a dead worker left `sending` (policy `hold`): re-send them with
    their Message-ID, or take them as sent. Returns the rows decided. They are the block the
    worker held: some sent, one perhaps on the wire, some never tried, with no telling which;
    taken as sent, the untried ones never go."""
    stalled = selectors.stalled_deliveries(campaign)
    if resend:
        return _requeue(stalled)
    return stalled.update(
        status=Status.SENT, sent_at=timezone.now(), last_error=_("taken as sent by a person")
    )


def _requeue(rows: QuerySet[Delivery]) -> int:
    return rows.update(
        status=Status.PENDING,
        next_attempt_at=None,
        dispatched_at=None,
        resent_after_stall=F("resent_after_stall") + 1,
        last_error="in flight when its worker stopped; re-sent with the same Message-ID",
    )


def _finish_if_done(campaign_id: int) -> bool:
    left = Delivery.objects.filter(campaign_id=campaign_id, status__in=[Status.PENDING, Status.SENDING])
    if left.exists():
        return False
    return bool(
        Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).update(
            status=Campaign.Status.SENT, finished_at=timezone.now()
        )
    )


def campaign_send_test(*, campaign_id: int, email: str) -> int:
    """Send the campaign to one address, once per language it is written in, with a sample
    person's merge fields; returns the messages sent."""
    from django.core.mail import mailers

    campaign = Campaign.objects.prefetch_related("mailing_lists").get(pk=campaign_id)
    lists = list(campaign.mailing_lists.all())
    sample = selectors.sample_recipient(campaign)
    fields = mail.merge_fields_for(sample) if sample else mail.MergeFields()
    messages = []
    for language in campaign.languages:
        rendered = mail.render_campaign(campaign, language)
        rendered = mail.Rendered(
            language, _("[test] %(subject)s") % {"subject": rendered.subject}, rendered.html, rendered.text
        )
        messages.append(
            mail.campaign_message(
                campaign=campaign,
                lists=lists,
                rendered=rendered,
                fields=fields,
                to=email,
                message_id=new_message_id(campaign.pk),
                token=mail.test_unsubscribe_token(),
            )
        )
    with mailers.default as connection:
        return connection.send_messages(messages)


# The batch ------------------------------------------------------------------------------------

# Rows a batch claims in one statement and marks sent in one statement: two commits per block
# instead of two per message. A worker that dies in between leaves at most this many rows
# `sending`, which newsletter_tick re-sends or holds (see the module's docstring).
BLOCK = 50


@dataclass
class BatchResult:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    suppressed: int = 0
    paused: bool = False
    continued: bool = False
    errors: list[str] = field(default_factory=list)


def campaign_send_batch(*, campaign_id: int, first_id: int, last_id: int) -> BatchResult:
    """Send the due rows of one id range of a campaign. Safe to run twice, or alongside another
    worker on the same range: each row is sent by whoever claims it, and by no one else."""
    campaign = Campaign.objects.prefetch_related("mailing_lists").filter(pk=campaign_id).first()
    if campaign is None or campaign.status != Campaign.Status.SENDING:
        return BatchResult()
    result = _Batch(campaign, first_id, last_id).run()
    if result.continued:
        campaign_fan_out(campaign_id=campaign_id, id_range=(first_id, last_id))
    _finish_if_done(campaign_id)
    return result


@dataclass(frozen=True)
class _Claimed:
    """A claimed row: what its message needs, read in the claim."""

    pk: int
    email: str
    language: str
    message_id: str
    attempts: int  # counting the one this claim started
    fields: mail.MergeFields


class _Batch:
    """One batch: one connection, one rate limiter; rows claimed and marked a block at a
    time, sent one by one."""

    def __init__(self, campaign: Campaign, first_id: int, last_id: int):
        from django.core.mail import mailers

        self.campaign = campaign
        self.last_id = last_id
        self.after = first_id - 1  # the last row of the range looked at
        self.lists = list(campaign.mailing_lists.all())
        self.letters: dict[str, mail.CampaignLetter] = {}
        self.limiter = RateLimiter()
        self.outbox = mail.Outbox(mailers.default)
        # Stop taking new rows well before the task's time limit; the rest go to a new task.
        # A claimed row waits at most this long (and one send) for its turn, far less than
        # conf.inflight_timeout(), after which the tick would take its worker for dead.
        self.deadline = time.monotonic() + conf.task_time_limit() * 0.6
        self.reset_breaker = True
        self.sent: list[int] = []  # sent, not yet marked
        self.stopped = False
        self.wait_until: datetime | None = None  # the day's quota is used up: tomorrow
        self.result = BatchResult()

    def run(self) -> BatchResult:
        """Block by block: claim, send each message, mark the sent ones. Stops when the
        campaign is paused (the circuit breaker), the task runs short of time, or the day's
        quota is used up; claimed rows not tried by then go back to pending."""
        with self.outbox:
            more = True
            while more and not self.stopped:
                block, more = self._claim()
                tried = 0
                try:
                    while tried < len(block) and self._may_send():
                        tried += 1  # before sending: a row that may be on the wire is never released
                        self._send(block[tried - 1])
                finally:
                    self._mark_sent()
                    self._release(block[tried:])
        if self.wait_until is not None:
            rest = _due(self.campaign.pk).filter(pk__gt=self.after, pk__lte=self.last_id)
            self.result.deferred += rest.update(next_attempt_at=self.wait_until, dispatched_at=None)
        return self.result

    def _claim(self) -> tuple[list[_Claimed], bool]:
        """Claim the range's next block in one transaction; returns the claimed rows and
        whether the range may hold more.

        Rows another worker is claiming are skipped (SKIP LOCKED; PostgreSQL re-checks a row
        committed meanwhile against the WHERE, so a row claimed elsewhere is never taken;
        SQLite takes its one write lock at BEGIN). Consent is read under the lock: rows still
        wanted go pending → sending, the others (consent withdrawn or address suppressed since
        the freeze, or the address erased on request) go suppressed. Consent is thus checked
        when the block is claimed, at most one block's sending before each message goes out."""
        now = timezone.now()
        sending = Exists(Campaign.objects.filter(pk=self.campaign.pk, status=Campaign.Status.SENDING))
        candidates = (
            _due(self.campaign.pk, now)
            .filter(sending, pk__gt=self.after, pk__lte=self.last_id)
            .annotate(
                wanted=selectors.still_wanted([mailing_list.pk for mailing_list in self.lists]),
                first_name=F("contact__first_name"),
                last_name=F("contact__last_name"),
                organisation=_organisation_name(),
            )
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list(
                "pk", "email", "language", "message_id", "attempts", "wanted",
                "first_name", "last_name", "organisation", named=True,
            )[:BLOCK]
        )  # fmt: skip
        with transaction.atomic():
            rows = list(candidates)
            allowed = selectors.wanted_despite_erasures(row.email for row in rows if row.wanted)
            wanted = {row.pk for row in rows if row.wanted and row.email in allowed}
            claimed = [row.pk for row in rows if row.pk in wanted]
            unwanted = [row.pk for row in rows if row.pk not in wanted]
            if claimed:
                Delivery.objects.filter(pk__in=claimed).update(
                    status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
                )
            if unwanted:
                Delivery.objects.filter(pk__in=unwanted).update(
                    status=Status.SUPPRESSED, last_error="no consent at send time"
                )
        self.result.suppressed += len(unwanted)
        if rows:
            self.after = rows[-1].pk
        block = [
            _Claimed(
                row.pk, row.email, row.language, row.message_id, row.attempts + 1,
                mail.MergeFields(row.first_name, row.last_name, row.organisation or ""),
            )
            for row in rows
            if row.pk in wanted
        ]  # fmt: skip
        return block, len(rows) == BLOCK and self.after < self.last_id

    def _may_send(self) -> bool:
        """Whether the next message may go: not paused, time left, and a token taken."""
        if self.stopped:
            return False
        if time.monotonic() < self.deadline:
            decision = self.limiter.acquire(deadline=self.deadline)
            if decision.allowed:
                return True
            if decision.day_exhausted:
                # Today's quota is used up: the rest wait for tomorrow, and the tick hands them out.
                self.wait_until = next_day_start()
                self.stopped = True
                return False
        self.result.continued = True
        self.stopped = True
        return False

    def _send(self, row: _Claimed) -> None:
        try:
            self.outbox.send(self._message(row))
        except Exception as error:  # classified below: every failure is recorded on its row
            self._failed(row, mail.classify(error))
            return
        self.sent.append(row.pk)
        self.result.sent += 1
        self._breaker_ok()

    def _message(self, row: _Claimed):
        letter = self.letters.get(row.language)
        if letter is None:
            rendered = mail.render_campaign(self.campaign, row.language)
            letter = mail.CampaignLetter(campaign=self.campaign, lists=self.lists, rendered=rendered)
            self.letters[row.language] = letter
        return letter.message(
            fields=row.fields, to=row.email, message_id=row.message_id, token=mail.unsubscribe_token(row.pk)
        )

    def _mark_sent(self) -> None:
        if self.sent:
            Delivery.objects.filter(pk__in=self.sent).update(
                status=Status.SENT, sent_at=timezone.now(), last_error=""
            )
            self.sent = []

    def _release(self, rows: list[_Claimed]) -> None:
        """Claimed rows never tried go back to pending, their attempt not counted."""
        if not rows:
            return
        released = Delivery.objects.filter(pk__in=[row.pk for row in rows], status=Status.SENDING).update(
            status=Status.PENDING,
            attempts=F("attempts") - 1,
            next_attempt_at=self.wait_until,
            dispatched_at=None,
        )
        if self.wait_until is not None:
            self.result.deferred += released

    def _failed(self, row: _Claimed, error: mail.SendError) -> None:
        self.result.errors.append(error.detail)
        logger.warning("Delivery %s (%s): %s", row.pk, error.kind, error.detail)
        if error.kind == mail.TEMPORARY and row.attempts <= len(conf.retry_delays()):
            delay = conf.retry_delays()[row.attempts - 1]
            Delivery.objects.filter(pk=row.pk).update(
                status=Status.PENDING,
                next_attempt_at=timezone.now() + timedelta(seconds=delay),
                dispatched_at=None,
                last_error=error.detail,
            )
            self.result.deferred += 1
        else:
            Delivery.objects.filter(pk=row.pk).update(status=Status.FAILED, last_error=error.detail)
            self.result.failed += 1
            if error.kind == mail.PERMANENT:
                delivery = Delivery.objects.get(pk=row.pk)
                # A person erased since the claim keeps their address only as a hash, which
                # already stops all mail to it: it must not come back in plain text.
                if delivery.email:
                    address_suppress(
                        email=row.email,
                        reason=Suppression.Reason.BOUNCED,
                        note=error.detail,
                        delivery=delivery,
                    )
        self._breaker_failed()

    def _breaker_ok(self) -> None:
        # Reset the shared count on the batch's first success and after each failure seen
        # here: one write per batch, not per message, in the common case of no failures.
        # Only while sending: the count of a campaign the breaker paused stays, as the mark
        # that newsletter_tick resumes it by itself.
        if self.reset_breaker:
            Campaign.objects.filter(
                pk=self.campaign.pk, status=Campaign.Status.SENDING, consecutive_failures__gt=0
            ).update(consecutive_failures=0)
            self.reset_breaker = False

    def _breaker_failed(self) -> None:
        self.reset_breaker = True
        # Counted only while sending: the failures of blocks still in flight after a person's
        # pause must not turn it into the breaker's, which ends by itself.
        Campaign.objects.filter(pk=self.campaign.pk, status=Campaign.Status.SENDING).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        failures = Campaign.objects.values_list("consecutive_failures", flat=True).get(pk=self.campaign.pk)
        if failures >= conf.breaker_threshold():
            _breaker_pause(self.campaign.pk, failures=failures, error=self.result.errors[-1])
            self.result.paused = True
            self.stopped = True


def _breaker_pause(campaign_id: int, *, failures: int, error: str) -> bool:
    """The circuit breaker's pause: like a person's, but it keeps the failure count, and
    newsletter_tick resumes the campaign conf.breaker_cooldown() after breaker_paused_at.
    Guarded on the count too: a success meanwhile (which resets it) means the server is back."""
    resume_at = timezone.localtime() + timedelta(seconds=conf.breaker_cooldown())
    reason = _(
        "%(count)s failures in a row; sending resumes by itself from %(time)s. The last: %(error)s"
    ) % {
        "count": failures,
        "time": resume_at.strftime("%H:%M"),
        "error": error,
    }
    paused = Campaign.objects.filter(
        pk=campaign_id, status=Campaign.Status.SENDING, consecutive_failures__gte=conf.breaker_threshold()
    ).update(status=Campaign.Status.PAUSED, paused_reason=reason[:255], breaker_paused_at=timezone.now())
    if paused:
        logger.error("Campaign %s paused by the circuit breaker: %s", campaign_id, reason)
    return bool(paused)


def _organisation_name() -> Subquery:
    """The {{ organisation }} merge field, as mail.merge_fields_for reads it: the person's
    affiliation without an end date, the main one first."""
    return Subquery(
        Affiliation.objects.filter(contact_id=OuterRef("contact_id"), end_date__isnull=True)
        .order_by("-is_primary", "pk")
        .values("organisation__name")[:1]
    )


# The periodic task ----------------------------------------------------------------------------


@dataclass
class TickResult:
    started: list[int] = field(default_factory=list)
    requeued: int = 0
    held: int = 0
    dispatched: int = 0
    finished: list[int] = field(default_factory=list)
    resumed: list[int] = field(default_factory=list)


def newsletter_tick() -> TickResult:
    """Every minute: start what is due, resume what the circuit breaker paused once it has
    cooled down, recover what dead workers left, hand out what nobody is working on (and what
    a lost task held: the broker may have lost its queue), close what is done. Each step is
    idempotent, so two ticks overlapping (or a tick redelivered by the broker) do no harm."""
    result = TickResult()
    due = Campaign.objects.filter(status=Campaign.Status.SCHEDULED, scheduled_at__lte=timezone.now())
    for campaign_id in due.values_list("pk", flat=True):
        try:
            campaign_start(campaign_id=campaign_id)
            result.started.append(campaign_id)
        except CampaignError as refused:
            logger.warning("Scheduled campaign %s not started: %s", campaign_id, refused)
    cooled_down = timezone.now() - timedelta(seconds=conf.breaker_cooldown())
    paused_by_breaker = Campaign.objects.filter(
        status=Campaign.Status.PAUSED, breaker_paused_at__lte=cooled_down
    )
    for campaign in paused_by_breaker:
        if _resume_after_breaker(campaign):
            result.resumed.append(campaign.pk)
    for campaign in Campaign.objects.filter(status=Campaign.Status.SENDING):
        stalled = selectors.stalled_deliveries(campaign)
        if conf.inflight_policy() == conf.RESEND:
            result.requeued += _requeue(stalled)
        else:
            result.held += stalled.count()
        result.dispatched += campaign_fan_out(
            campaign_id=campaign.pk, only_undispatched=True, redispatch_stale=not _recently_active(campaign)
        )
        if _finish_if_done(campaign.pk):
            result.finished.append(campaign.pk)
    return result


def _resume_after_breaker(campaign: Campaign) -> bool:
    """A campaign the circuit breaker paused goes on conf.breaker_cooldown() after the pause,
    so that sending catches up by itself when the mail server answers again. Half-open: the
    failure count is kept, so the first failure pauses it again (a server still down gets a few
    tries per cool-down, one per busy worker, and each message's retry budget lasts), and the
    first success resets it. Every due row is handed out, as on a person's resume: the tasks
    that ran while it was paused left their rows untouched; a block still in flight from before
    the pause keeps its claimed rows. A person's pause never ends here: it has no
    breaker_paused_at."""
    resumed = Campaign.objects.filter(
        pk=campaign.pk, status=Campaign.Status.PAUSED, breaker_paused_at__isnull=False
    ).update(status=Campaign.Status.SENDING, paused_reason="", breaker_paused_at=None)
    if not resumed:
        return False
    logger.warning("Campaign %s resumed after the circuit breaker's pause", campaign.pk)
    campaign_fan_out(campaign_id=campaign.pk)
    return True


def _recently_active(campaign: Campaign) -> bool:
    """Someone claimed one of its rows lately: its queued tasks are being worked through, and
    handing their rows out again would only queue duplicates. A campaign whose tasks were lost
    with a dead worker goes quiet, and then they are handed out again."""
    since = timezone.now() - timedelta(seconds=conf.redispatch_after())
    return Delivery.objects.filter(campaign=campaign, claimed_at__gte=since).exists()


def _after_commit(task_name: str, *args) -> None:
    """Send a task once the transaction commits, so that the worker finds the rows, and no
    task is sent for a transaction that rolled back."""
    from notifications import tasks  # the task module imports this one

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.apply_async(args=list(args), **queue_options()))


def queue_options() -> dict:
    queue = conf.celery_queue()
    return {"queue": queue} if queue else {}
