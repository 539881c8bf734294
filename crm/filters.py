"""The filters of the organisation and people lists; the same FilterSets serve pages and API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.models import Contact, FollowUp, LegalForm, Organisation, Tag, Theme
from network.models import Municipality, Region


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    region = django_filters.ModelChoiceFilter(
        field_name="municipality__region", queryset=Region.objects.all(), label=_("region")
    )
    municipality = django_filters.ModelChoiceFilter(
        queryset=Municipality.objects.select_related("region"), label=_("municipality")
    )
    theme = django_filters.ModelChoiceFilter(field_name="themes", queryset=Theme.objects.all(), label=_("theme"))
    legal_form = django_filters.ChoiceFilter(choices=LegalForm.choices, label=_("legal form"))
    tag = django_filters.ModelChoiceFilter(field_name="tags", queryset=Tag.objects.all(), label=_("tag"))
    is_partner = django_filters.BooleanFilter(label=_("partner"))
    is_active = django_filters.BooleanFilter(label=_("active"))
    sort = django_filters.OrderingFilter(
        fields=(("name", "name"), ("created_at", "created"), ("municipality__name_en", "municipality")),
        field_labels={"name": _("name"), "created_at": _("created"), "municipality__name_en": _("municipality")},
        label=_("Sort by"),
    )

    class Meta:
        model = Organisation
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.search(value)


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    organisation = django_filters.ModelChoiceFilter(
        field_name="organisations", queryset=Organisation.objects.all(), label=_("organisation")
    )
    newsletter_consent = django_filters.BooleanFilter(label=_("consents to newsletters"))

    class Meta:
        model = Contact
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.search(value)


class FollowUpFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=FollowUp.Status.choices, label=_("status"))
    mine = django_filters.BooleanFilter(method="only_mine", label=_("only mine"))

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def only_mine(self, queryset, name, value):
        if value:
            return queryset.filter(assignee=self.request.user)
        return queryset
