"""The directory's filters, shared by the /directory/ page and /api/v1/directory/.

A filter may only narrow by what the viewer can see: filtering by theme matches only
organisations whose themes are shared with the viewer, or a partner could learn a private
theme by watching an organisation appear and disappear."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.models import LegalForm, Organisation, Theme
from network.directory import Viewer
from network.models import Municipality, Region


class DirectoryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    region = django_filters.ModelChoiceFilter(
        field_name="municipality__region", queryset=Region.objects.all(), label=_("region")
    )
    municipality = django_filters.ModelChoiceFilter(
        queryset=Municipality.objects.select_related("region"), label=_("municipality")
    )
    theme = django_filters.ModelChoiceFilter(
        queryset=Theme.objects.all(), method="with_shared_theme", label=_("theme")
    )
    legal_form = django_filters.ChoiceFilter(choices=LegalForm.choices, label=_("legal form"))

    class Meta:
        model = Organisation
        fields: list[str] = []

    def search(self, queryset, name, value):
        # The search key holds the name in both scripts, which is part of the profile.
        return queryset.search(value)

    def with_shared_theme(self, queryset, name, value):
        viewer = Viewer.of(self.request.user if self.request else None)
        return queryset.filter(viewer.section_visible("themes"), themes=value)
