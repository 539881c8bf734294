"""A person's data: shown, downloaded as JSON, or erased. The rules are in crm/permissions.py,
the work in crm/privacy.py."""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from crm import privacy
from crm.models import Contact
from crm.permissions import personal_data_erase_required, personal_data_export_required
from crm.privacy_forms import ErasureForm

logger = logging.getLogger(__name__)


@personal_data_export_required
def contact_personal_data(request, pk):
    """Everything held about the person: a page to read (and print), or `?format=json`."""
    contact = get_object_or_404(Contact, pk=pk)
    data = privacy.personal_data_export(contact)
    logger.info("Personal data of person %s shown to user %s", contact.pk, request.user.pk)
    if request.GET.get("format") == "json":
        return _json_download(data, filename=f"kavshiri-person-{contact.pk}.json")
    context = {
        "contact": contact,
        "data": data,
        "history": [(record, privacy.labelled(record["values"])) for record in data["history"]],
        "import_rows": [(row, privacy.labelled(row["data"])) for row in data["import_rows"]],
    }
    return render(request, "crm/contact_personal_data.html", context)


def _json_download(data: dict, *, filename: str) -> HttpResponse:
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A copy of someone's data: no cache along the way keeps it.
    response["Cache-Control"] = "no-store"
    return response


@personal_data_erase_required
def contact_erase(request, pk):
    """Ask for confirmation and a reason (GET), then erase (POST); a repeat changes nothing."""
    contact = get_object_or_404(Contact, pk=pk)
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        erasure, erased_now = privacy.contact_erase(
            contact=contact, by=request.user, reason=form.cleaned_data["reason"]
        )
        if erased_now:
            logger.info("Person %s erased by user %s (erasure %s)", contact.pk, request.user.pk, erasure.pk)
            messages.success(request, _("The person's data was erased."))
        else:
            messages.info(request, _("This person's data had already been erased."))
        return redirect("contact_detail", pk=contact.pk)
    footprint = privacy.Footprint(contact)
    preview = privacy.erasure_preview(contact)
    return render(
        request,
        "crm/contact_erase.html",
        {
            "contact": contact,
            "form": form,
            "erasure": privacy.erasure_of(contact),
            "changes": [(label, preview[key]) for key, label in privacy.COUNT_LABELS.items()],
            "others_with_address": footprint.others_with_address().count(),
            "user_accounts": footprint.user_accounts().count(),
        },
    )
