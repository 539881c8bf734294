from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from crm import selectors
from crm.permissions import is_centre_staff


@login_required
def home(request):
    context = {"is_centre_staff": is_centre_staff(request.user)}
    if context["is_centre_staff"]:
        context["follow_ups_due"] = selectors.follow_ups_due_for(request.user)[:20]
        context["coverage"] = selectors.imereti_coverage()
    return render(request, "crm/home.html", context)
