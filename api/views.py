"""The API tokens page: anyone logged in lists, creates and revokes their own tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

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
