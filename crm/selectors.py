"""Reads for pages, API and reports: each scoped to what the user may see."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from crm.models import FollowUp, Organisation
from network.models import Municipality


def organisation_list(*, query: str = "", active_only: bool = True) -> QuerySet[Organisation]:
    organisations = Organisation.objects.select_related("municipality__region")
    if active_only:
        organisations = organisations.filter(is_active=True)
    if query:
        organisations = organisations.search(query)
    return organisations


def follow_ups_due_for(user) -> QuerySet[FollowUp]:
    """The user's open follow-ups due today or earlier, oldest first."""
    return (
        FollowUp.objects.filter(
            assignee=user, status=FollowUp.Status.OPEN, due_on__lte=timezone.localdate()
        )
        .select_related("organisation")
        .order_by("due_on", "id")
    )


def imereti_coverage() -> QuerySet[Municipality]:
    """Imereti's municipalities with how many active organisations each has."""
    return (
        Municipality.objects.filter(region__code="GE-IM")
        .annotate(
            organisation_count=Count("organisations", filter=Q(organisations__is_active=True))
        )
        .order_by("name_en")
    )
