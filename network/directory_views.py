"""The shared directory's pages. What each viewer sees is decided in network/directory.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from crm.paging import page_of, query_without_page
from network import directory, directory_exports
from network.directory_forms import OwnOrganisationForm
from network.filters import DirectoryFilter
from network.models import Region
from network.permissions import partner_organisation_id

PAGE_SIZE = 50


def directory_list(request):
    """Open to everyone: anonymous visitors see what organisations made public."""
    viewer = directory.Viewer.of(request.user)
    filters = DirectoryFilter(
        request.GET or None, queryset=directory.organisations_for(viewer), request=request
    )
    export = directory_exports.EXPORTS.get(request.GET.get("format", ""))
    if export:
        return export(
            [directory.entry(organisation, viewer) for organisation in filters.qs.iterator(chunk_size=500)],
            request,
        )
    page = page_of(request, filters.qs, PAGE_SIZE)
    page.object_list = [directory.entry(organisation, viewer) for organisation in page.object_list]
    return render(
        request,
        "network/directory.html",
        {"filter": filters, "page": page, "query": query_without_page(request), "viewer": viewer},
    )


def directory_entry(request, pk):
    found = directory.entry_for(request.user, pk)
    if found is None:
        # The same answer whether the organisation does not exist or is not shared with you.
        raise Http404
    export = directory_exports.EXPORTS.get(request.GET.get("format", ""))
    if export:
        return export([found], request)
    return render(request, "network/directory_entry.html", {"entry": found})


def directory_coverage(request):
    viewer = directory.Viewer.of(request.user)
    asked = request.GET.get("region", "")
    # Anything but a region's number (a typo, an old link) shows the home region.
    region = (
        Region.objects.filter(pk=int(asked)).first() if asked.isdecimal() else None
    ) or directory.home_region()
    return render(
        request,
        "network/directory_coverage.html",
        {"region": region, "regions": Region.objects.all(), "rows": directory.coverage(viewer, region)},
    )


@login_required
def own_organisation(request):
    """A partner keeps their organisation's profile and sharing choices current."""
    organisation_id = partner_organisation_id(request.user)
    if organisation_id is None:
        raise PermissionDenied
    organisation = directory.own_organisation(organisation_id)
    form = OwnOrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Saved."))
        return redirect("directory_own")
    return render(request, "network/directory_own.html", {"form": form, "organisation": organisation})
