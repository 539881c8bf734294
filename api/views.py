"""The API tokens page, where anyone logged in lists, creates and revokes their own tokens; and
the API's answer to a URL it does not have."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from rest_framework.exceptions import NotFound

from api import selectors, services
from api.forms import TokenForm


@login_required
@never_cache  # the answer to a creation carries the secret: no cache may keep it
def token_list(request):
    form = TokenForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        created, secret = services.token_create(user=request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    context = {
        "form": form,
        "tokens": selectors.token_list(user=request.user),
        "created": created,
        "secret": secret,
    }
    return render(request, "api/token_list.html", context)


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(selectors.token_list(user=request.user), pk=pk)
    if services.token_revoke(user=request.user, pk=token.pk):
        messages.success(
            request, _("Token “%(name)s” revoked: it no longer opens the API.") % {"name": token.name}
        )
    else:
        messages.info(request, _("That token was already revoked."))
    return redirect("api_tokens")


def not_found(request, *args, **kwargs):
    """Any other URL under /api/v1/ (an id that is not a number, say): a 404 in the API's JSON,
    as the schema documents, rather than the site's HTML page."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
