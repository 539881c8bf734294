"""Reads for pages, API and reports: each scoped to what the user may see, with the joins done
here once, so a page runs the same few queries whatever its size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.filters import ContactFilter, FollowUpFilter, OrganisationFilter
from crm.models import (
    Affiliation,
    Contact,
    FollowUp,
    Interaction,
    Invoice,
    InvoiceLine,
    LegalForm,
    Organisation,
    ServiceDelivery,
)
from network.models import Municipality

REACHED_WINDOW_DAYS = 365
CSO_LEGAL_FORMS = [LegalForm.NNLE, LegalForm.INFORMAL]


def organisation_list(*, filters: dict | None = None) -> OrganisationFilter:
    """The organisation list, filtered by the URL's parameters; `.qs` is the page's queryset."""
    queryset = (
        Organisation.objects.select_related("municipality__region")
        .prefetch_related("themes", "tags")
        .order_by("name", "id")
    )
    return OrganisationFilter(filters, queryset=queryset)


def organisation_detail(*, pk: int) -> Organisation:
    return (
        Organisation.objects.select_related("municipality__region")
        .prefetch_related(
            "themes",
            "target_groups",
            "tags",
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.select_related("contact").order_by(
                    "-is_primary", "contact__last_name"
                ),
            ),
        )
        .get(pk=pk)
    )


def contact_list(*, filters: dict | None = None) -> ContactFilter:
    queryset = Contact.objects.prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organisation"))
    ).order_by("last_name", "first_name", "id")
    return ContactFilter(filters, queryset=queryset)


def contact_detail(*, pk: int) -> Contact:
    return Contact.objects.prefetch_related(
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organisation"))
    ).get(pk=pk)


def follow_up_list(*, user, filters: dict | None = None) -> FollowUpFilter:
    queryset = FollowUp.objects.select_related("organisation", "assignee").order_by("due_on", "id")
    return FollowUpFilter(filters, queryset=queryset, request=_RequestUser(user))


@dataclass
class _RequestUser:
    """FollowUpFilter reads request.user; selectors take the user, not the request."""

    user: object


def follow_ups_due_for(user) -> QuerySet[FollowUp]:
    """The user's open follow-ups due today or earlier, oldest first."""
    return (
        FollowUp.objects.filter(assignee=user, status=FollowUp.Status.OPEN, due_on__lte=timezone.localdate())
        .select_related("organisation")
        .order_by("due_on", "id")
    )


def recent_interactions(*, limit: int = 10) -> QuerySet[Interaction]:
    return Interaction.objects.select_related("organisation", "staff").order_by("-occurred_on", "-id")[:limit]


def imereti_coverage(*, today: date | None = None) -> QuerySet[Municipality]:
    """Imereti's municipalities: active CSOs (non-commercial entities and informal groups), and
    how many of them the centre reached (any interaction) in the last twelve months."""
    since = (today or timezone.localdate()) - timedelta(days=REACHED_WINDOW_DAYS)
    active_csos = Q(organisations__is_active=True, organisations__legal_form__in=CSO_LEGAL_FORMS)
    return (
        Municipality.objects.filter(region__code="GE-IM")
        .annotate(
            organisation_count=Count("organisations", filter=active_csos, distinct=True),
            reached_count=Count(
                "organisations",
                filter=active_csos & Q(organisations__interactions__occurred_on__gte=since),
                distinct=True,
            ),
        )
        .order_by("name_en")
    )


@dataclass(frozen=True)
class TimelineEntry:
    when: date | datetime
    kind: str
    title: str
    detail: str = ""
    by: str = ""
    follow_up: FollowUp | None = None

    @property
    def sort_key(self) -> datetime:
        if isinstance(self.when, datetime):
            return timezone.localtime(self.when).replace(tzinfo=None)
        return datetime.combine(self.when, datetime.max.time())


def organisation_timeline(organisation: Organisation) -> list[TimelineEntry]:
    """Everything the centre did with an organisation, newest first: interactions, follow-ups,
    services delivered, partnerships and changes to its record. Six queries in all."""
    entries: list[TimelineEntry] = []
    interactions = organisation.interactions.select_related("staff").prefetch_related("contacts")
    for interaction in interactions:
        people = ", ".join(contact.full_name for contact in interaction.contacts.all())
        entries.append(
            TimelineEntry(
                when=interaction.occurred_on,
                kind="interaction",
                title=f"{interaction.get_kind_display()}: {interaction.subject}",
                detail=" · ".join(part for part in [people, interaction.get_outcome_display()] if part),
                by=_display_user(interaction.staff),
            )
        )
    for follow_up in organisation.follow_ups.select_related("assignee"):
        entries.append(
            TimelineEntry(
                when=follow_up.due_on,
                kind="follow_up",
                title=follow_up.title,
                detail=follow_up.get_status_display(),
                by=_display_user(follow_up.assignee),
                follow_up=follow_up,
            )
        )
    for delivery in organisation.deliveries.select_related("service"):
        entries.append(
            TimelineEntry(
                when=delivery.start_date,
                kind="delivery",
                title=str(delivery.service),
                detail=_("%(count)s participants") % {"count": delivery.participants},
            )
        )
    for partnership in organisation.partnerships.all():
        entries.append(
            TimelineEntry(
                when=partnership.start_date or partnership.created_at,
                kind="partnership",
                title=partnership.name,
                detail=partnership.get_kind_display(),
            )
        )
    entries.extend(_history_entries(organisation))
    entries.sort(key=lambda entry: entry.sort_key, reverse=True)
    return entries


_UNTRACKED = {"id", "search_key", "updated_at", "created_at"}


def _history_entries(organisation: Organisation) -> list[TimelineEntry]:
    """Creation and changes of the record, each naming the fields it changed. Consecutive
    versions are compared here rather than through prev_record, which costs a query each."""
    records = list(organisation.history.select_related("history_user").order_by("history_date", "history_id"))
    fields = [field for field in Organisation._meta.concrete_fields if field.attname not in _UNTRACKED]
    entries, previous = [], None
    for record in records:
        changed = [
            str(field.verbose_name)
            for field in fields
            if previous is not None and getattr(record, field.attname) != getattr(previous, field.attname)
        ]
        if record.history_type == "+" or changed:
            entries.append(
                TimelineEntry(
                    when=record.history_date,
                    kind="change",
                    title=_("Record created") if record.history_type == "+" else _("Record changed"),
                    detail=", ".join(changed),
                    by=_display_user(record.history_user),
                )
            )
        previous = record
    return entries


def _display_user(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def centre_staff_users():
    """People who can be given a follow-up: active staff and managers."""
    from django.contrib.auth import get_user_model

    from config.roles import MANAGER, STAFF

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[STAFF, MANAGER])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def delivery_list():
    """Deliveries, each with `invoice_id`: the live (uncancelled) invoice that bills it, if any."""
    live_invoice = InvoiceLine.objects.filter(
        delivery=OuterRef("pk"), invoice__kind=Invoice.Kind.INVOICE, invoice__credit_note__isnull=True
    ).values("invoice")[:1]
    return (
        ServiceDelivery.objects.select_related(
            "service", "client_organisation", "client_municipality", "place", "staff_lead"
        )
        .annotate(invoice_id=Subquery(live_invoice))
        .order_by("-start_date", "-id")
    )


def invoice_list():
    """Invoices with what their totals and status need, fetched once for the whole page."""
    return (
        Invoice.objects.select_related("client_organisation", "client_municipality", "cancels", "credit_note")
        .prefetch_related("lines", "payments")
        .order_by("-year", "-sequence", "-id")
    )
