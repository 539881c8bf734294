"""Reads of partnerships and partner accounts, scoped to what the user may see, with the joins
done here once for the pages and the API alike."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from crm.models import Contact, Organisation
from crm.permissions import can_see_contact_in_directory
from network.models import PartnerAccount, PartnerInvitation, Partnership, Region
from network.permissions import can_edit_partnerships, partner_organisation_id


class PartnershipFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Partnership.Status.choices, label=_("status"))
    kind = django_filters.ChoiceFilter(choices=Partnership.Kind.choices, label=_("kind"))
    region = django_filters.ModelChoiceFilter(
        field_name="regions", queryset=Region.objects.all(), label=_("region")
    )
    # A select of every organisation would run to hundreds of options; a name, typed in
    # Georgian or Latin script, finds them instead. A number is an organisation's id, as
    # in its page's address.
    organisation = django_filters.CharFilter(method="with_organisation", label=_("organisation"))

    class Meta:
        model = Partnership
        fields: list[str] = []

    def with_organisation(self, queryset, name, value):
        value = value.strip()
        organisations = (
            Organisation.objects.filter(pk=int(value)) if value.isdecimal() else Organisation.objects.search(value)
        )
        # Through the link table, so that two matching organisations do not list a partnership twice.
        links = Partnership.organisations.through.objects.filter(organisation__in=organisations)
        return queryset.filter(pk__in=links.values("partnership_id"))


def partnerships_for(user) -> QuerySet[Partnership]:
    """Every partnership for the centre's people; a partner's own organisation's for a partner;
    none for anyone else. The same scope as network.permissions.can_see_partnership."""
    if can_edit_partnerships(user):
        return Partnership.objects.all()
    organisation_id = partner_organisation_id(user)
    if organisation_id is None:
        return Partnership.objects.none()
    return Partnership.objects.filter(organisations=organisation_id)


def partnership_list(*, user, filters: dict | None = None) -> PartnershipFilter:
    """The partnerships the user may see, filtered by the URL's parameters; `.qs` is the page."""
    queryset = partnerships_for(user).prefetch_related(
        Prefetch("organisations", queryset=Organisation.objects.only("pk", "name").order_by("name")),
        "regions",
    )
    return PartnershipFilter(filters, queryset=queryset.order_by("-start_date", "name", "pk"))


def partnership_detail(*, user, pk: int) -> Partnership:
    """One partnership the user may see; Partnership.DoesNotExist also when it is not theirs,
    so that a partner cannot tell the two apart."""
    return (
        partnerships_for(user)
        .prefetch_related(
            Prefetch("organisations", queryset=Organisation.objects.select_related("municipality__region")),
            "regions",
            Prefetch("people", queryset=Contact.objects.order_by("last_name", "first_name")),
        )
        .get(pk=pk)
    )


def partnership_people_for(*, user, partnership: Partnership) -> list[Contact]:
    """The people involved whom the user may see: all for the centre, outside it only those
    who consented to being shown (crm.permissions decides)."""
    people = list(partnership.people.all())
    if can_edit_partnerships(user):
        return people
    return [person for person in people if person.is_active and can_see_contact_in_directory(person)]


def partner_account_list() -> QuerySet[PartnerAccount]:
    return PartnerAccount.objects.select_related("user", "organisation").order_by(
        "organisation__name", "user__username", "pk"
    )


def open_invitations() -> QuerySet[PartnerInvitation]:
    """Invitations neither accepted nor revoked, expired ones included: staff see that a link
    was never used and can invite again."""
    return (
        PartnerInvitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("organisation", "invited_by")
        .order_by("-created_at", "-pk")
    )
