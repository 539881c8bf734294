"""Reads for the API that have no page of their own yet; the others come from crm/selectors.py.

Each does its joins here, once, so a page of the API runs the same few queries whatever its size.
"""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet

from api.models import ApiToken
from crm.models import Contact, Interaction, Payment, Service
from crm.permissions import is_centre_staff
from network import selectors as network_selectors
from network.models import Municipality, Partnership, Region


def interaction_list() -> QuerySet[Interaction]:
    return (
        Interaction.objects.select_related("organisation", "staff")
        .prefetch_related("contacts", "themes")
        .order_by("-occurred_on", "-id")
    )


def service_list() -> QuerySet[Service]:
    return Service.objects.order_by("category", "name_en", "id")


def payment_list() -> QuerySet[Payment]:
    return Payment.objects.select_related("invoice", "recorded_by").order_by("-paid_on", "-id")


def partnership_list(*, user) -> QuerySet[Partnership]:
    """The partnerships page's queryset (scoped by network.selectors to what the user may see),
    with the people involved whom the user may see: all for the centre, outside it only those
    who consented to being shown (crm.permissions.can_see_contact_in_directory, in SQL)."""
    people = Contact.objects.order_by("last_name", "first_name", "id")
    if not is_centre_staff(user):
        people = people.filter(directory_consent=True, is_active=True)
    return network_selectors.partnership_list(user=user).queryset.prefetch_related(
        Prefetch("people", queryset=people, to_attr="visible_people")
    )


def region_list() -> QuerySet[Region]:
    return Region.objects.order_by("code")


def municipality_list() -> QuerySet[Municipality]:
    return Municipality.objects.select_related("region").order_by("region__code", "name_en", "id")


def token_list(*, user) -> QuerySet[ApiToken]:
    """The user's own tokens, in use first, newest first."""
    return ApiToken.objects.filter(user=user).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at", "-id"
    )
