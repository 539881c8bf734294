"""Staff pages. Views validate, call a service or selector, and render; nothing more."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from crm import exports, importing, privacy, selectors, services
from crm.forms import (
    AffiliationForm,
    ContactForm,
    EngagementPlanApplyForm,
    FollowUpPostponeForm,
    FollowUpReassignForm,
    ImportUploadForm,
    InteractionForm,
    OrganisationForm,
)
from crm.merge import organisation_merge
from crm.models import Contact, FollowUp, ImportBatch, Organisation
from crm.paging import page_of, query_without_page
from crm.permissions import (
    can_erase_personal_data,
    can_merge_organisations,
    centre_staff_required,
    is_centre_staff,
)
from network.permissions import partner_organisation_id

LIST_PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 25


@login_required
def home(request):
    context = {"is_centre_staff": is_centre_staff(request.user)}
    if context["is_centre_staff"]:
        context["follow_ups_due"] = selectors.follow_ups_due_for(request.user)[:20]
        context["recent_interactions"] = selectors.recent_interactions()
        context["coverage"] = selectors.imereti_coverage()
    else:
        context["own_organisation_id"] = partner_organisation_id(request.user)
    return render(request, "crm/home.html", context)


@centre_staff_required
def organisation_list(request):
    listing = selectors.organisation_list(filters=request.GET)
    organisations = listing.qs
    export = request.GET.get("export")
    if export == "csv":
        return exports.organisations_csv(organisations)
    if export == "xlsx":
        return exports.organisations_xlsx(organisations)
    return render(
        request,
        "crm/organisation_list.html",
        {
            "filter": listing,
            "page": page_of(request, organisations, LIST_PAGE_SIZE),
            "query": query_without_page(request),
        },
    )


@centre_staff_required
def organisation_detail(request, pk):
    try:
        organisation = selectors.organisation_detail(pk=pk)
    except Organisation.DoesNotExist as missing:
        raise Http404 from missing
    return render(
        request,
        "crm/organisation_detail.html",
        {
            "organisation": organisation,
            "timeline": page_of(request, selectors.organisation_timeline(organisation), TIMELINE_PAGE_SIZE),
            "interaction_form": InteractionForm(organisation=organisation, initial={"follow_up_assignee": request.user}),
            "plan_form": EngagementPlanApplyForm(),
        },
    )


@centre_staff_required
def organisation_edit(request, pk=None):
    organisation = get_object_or_404(Organisation, pk=pk) if pk else None
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.record_save(form=form, opened_version=form.opened_version)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("organisation_detail", pk=organisation.pk)
    return render(request, "crm/organisation_form.html", {"form": form, "organisation": organisation})


@centre_staff_required
@require_POST
def interaction_log(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    form = InteractionForm(request.POST, organisation=organisation)
    if form.is_valid():
        data = form.cleaned_data
        services.interaction_log(
            organisation=organisation,
            staff=request.user,
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            subject=data["subject"],
            notes=data["notes"],
            outcome=data["outcome"],
            contacts=data["contacts"],
            themes=data["themes"],
            follow_up_title=data["follow_up_title"],
            follow_up_assignee=data["follow_up_assignee"],
            follow_up_due_on=data["follow_up_due_on"],
        )
        messages.success(request, _("Interaction logged."))
        return redirect("organisation_detail", pk=organisation.pk)
    organisation = selectors.organisation_detail(pk=pk)
    return render(
        request,
        "crm/organisation_detail.html",
        {
            "organisation": organisation,
            "timeline": page_of(request, selectors.organisation_timeline(organisation), TIMELINE_PAGE_SIZE),
            "interaction_form": form,
            "plan_form": EngagementPlanApplyForm(),
        },
        status=400,
    )


@centre_staff_required
@require_POST
def engagement_plan_apply(request, pk):
    organisation = get_object_or_404(Organisation, pk=pk)
    form = EngagementPlanApplyForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("organisation_detail", pk=pk)
    try:
        created = services.engagement_plan_apply(
            plan=form.cleaned_data["plan"],
            organisation=organisation,
            applied_by=request.user,
            start=form.cleaned_data["start"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext("%(count)s follow-up planned.", "%(count)s follow-ups planned.", len(created))
            % {"count": len(created)},
        )
    return redirect("organisation_detail", pk=pk)


@centre_staff_required
def contact_list(request):
    listing = selectors.contact_list(filters=request.GET)
    return render(
        request,
        "crm/contact_list.html",
        {"filter": listing, "page": page_of(request, listing.qs, LIST_PAGE_SIZE), "query": query_without_page(request)},
    )


@centre_staff_required
def contact_edit(request, pk=None):
    contact = get_object_or_404(Contact, pk=pk) if pk else None
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.record_save(form=form, opened_version=form.opened_version)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("contact_detail", pk=contact.pk)
    return render(request, "crm/contact_form.html", {"form": form, "contact": contact})


@centre_staff_required
def contact_detail(request, pk):
    try:
        contact = selectors.contact_detail(pk=pk)
    except Contact.DoesNotExist as missing:
        raise Http404 from missing
    return render(
        request,
        "crm/contact_detail.html",
        {
            "contact": contact,
            "erasure": privacy.erasure_of(contact),
            "can_erase_personal_data": can_erase_personal_data(request.user),
        },
    )


@centre_staff_required
def contact_affiliate(request, pk):
    """Link a person to an organisation with a role and dates."""
    contact = get_object_or_404(Contact, pk=pk)
    form = AffiliationForm(request.POST or None, initial={"organisation": request.GET.get("organisation")})
    form.instance.contact = contact
    candidates = selectors.organisation_list(filters={"q": request.GET.get("q", "")}).qs[:20]
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Affiliation saved."))
        return redirect("contact_detail", pk=contact.pk)
    return render(
        request, "crm/contact_affiliate.html", {"contact": contact, "form": form, "candidates": candidates}
    )


@centre_staff_required
def follow_up_list(request):
    filters = request.GET.copy()
    filters.setdefault("status", FollowUp.Status.OPEN)
    filters.setdefault("mine", "true")
    listing = selectors.follow_up_list(user=request.user, filters=filters)
    return render(
        request,
        "crm/follow_up_list.html",
        {
            "filter": listing,
            "page": page_of(request, listing.qs, LIST_PAGE_SIZE),
            "query": query_without_page(request),
            "assignees": list(selectors.centre_staff_users()),
        },
    )


def _back(request, fallback="follow_up_list"):
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(fallback)


def _change_follow_up(request, pk, form_class, change, done_message):
    """Validate the small form, apply a guarded change to an open follow-up, say what happened."""
    follow_up = get_object_or_404(FollowUp, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    elif change(follow_up=follow_up, **form.cleaned_data):
        messages.success(request, done_message)
    else:
        messages.info(request, _("This follow-up was already closed."))
    return _back(request)


@centre_staff_required
@require_POST
def follow_up_done(request, pk):
    return _change_follow_up(request, pk, forms.Form, services.follow_up_complete, _("Marked as done."))


@centre_staff_required
@require_POST
def follow_up_postpone(request, pk):
    return _change_follow_up(request, pk, FollowUpPostponeForm, services.follow_up_postpone, _("Postponed."))


@centre_staff_required
@require_POST
def follow_up_reassign(request, pk):
    return _change_follow_up(request, pk, FollowUpReassignForm, services.follow_up_reassign, _("Reassigned."))


@centre_staff_required
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = importing.import_preview(
                kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"], user=request.user
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("import_preview", pk=batch.pk)
    return render(
        request,
        "crm/import_upload.html",
        {"form": form, "columns": importing.COLUMNS, "recent": ImportBatch.objects.select_related("created_by")[:10]},
    )


@centre_staff_required
def import_preview(request, pk):
    batch = get_object_or_404(ImportBatch, pk=pk)
    if request.method == "POST":
        lines = {int(line) for line in request.POST.getlist("create_duplicate") if line.isdecimal()}
        try:
            done = importing.import_apply(
                batch=batch,
                user=request.user,
                create_duplicate_lines=lines,
                create_all_duplicates=bool(request.POST.get("create_all_duplicates")),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Imported: %(created)s new, %(updated)s updated, %(skipped)s possible duplicates skipped.") % done,
            )
            return redirect("import_preview", pk=batch.pk)
    listed, not_listed = importing.preview_listing(batch)
    return render(
        request, "crm/import_preview.html", {"batch": batch, "listed": listed, "not_listed": not_listed}
    )


@centre_staff_required
def organisation_merge_view(request, pk):
    """Pick a duplicate of this organisation and merge it in; everything moves here."""
    if not can_merge_organisations(request.user):
        raise PermissionDenied
    keep = get_object_or_404(Organisation, pk=pk)
    if request.method == "POST":
        chosen = request.POST.get("duplicate", "")
        duplicate = Organisation.objects.filter(pk=int(chosen)).first() if chosen.isdecimal() else None
        if duplicate is None:
            messages.error(request, _("Choose the duplicate to merge."))
        else:
            try:
                organisation_merge(keep=keep, duplicate=duplicate, merged_by=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Merged. Everything is now on this organisation."))
                return redirect("organisation_detail", pk=keep.pk)
    query = request.GET.get("q") or keep.name
    candidates = selectors.organisation_list(filters={"q": query}).qs.exclude(pk=keep.pk)[:20]
    return render(
        request, "crm/organisation_merge.html", {"organisation": keep, "candidates": candidates, "query": query}
    )
