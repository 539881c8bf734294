"""Pages of partnerships and partner accounts. Views validate, call a service or selector, and
render; who may do what is decided in network/permissions.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from config.access import pages_for
from crm.paging import page_of, query_without_page
from network import selectors, services
from network.forms import InvitationAcceptForm, PartnerInviteForm, PartnershipForm
from network.models import PartnerAccount, PartnerInvitation, Partnership
from network.permissions import can_edit_partnerships, can_list_partnerships, can_manage_partner_accounts

PAGE_SIZE = 50
# The directory is where a new partner starts; another team builds it.
PARTNER_LANDING = "/directory/"


partnership_readers = pages_for(can_list_partnerships)
partnership_editors = pages_for(can_edit_partnerships)
partner_account_managers = pages_for(can_manage_partner_accounts)


@partnership_readers
def partnership_list(request):
    listing = selectors.partnership_list(user=request.user, filters=request.GET)
    return render(
        request,
        "network/partnership_list.html",
        {
            "filter": listing,
            "page": page_of(request, listing.qs, PAGE_SIZE),
            "query": query_without_page(request),
            "can_edit": can_edit_partnerships(request.user),
        },
    )


@partnership_readers
def partnership_detail(request, pk):
    try:
        partnership = selectors.partnership_detail(user=request.user, pk=pk)
    except Partnership.DoesNotExist as missing:
        # The same answer whether it does not exist or the partner is not part of it.
        raise Http404 from missing
    return render(
        request,
        "network/partnership_detail.html",
        {
            "partnership": partnership,
            "people": selectors.partnership_people_for(user=request.user, partnership=partnership),
            "can_edit": can_edit_partnerships(request.user),
        },
    )


@partnership_editors
def partnership_edit(request, pk=None):
    partnership = get_object_or_404(Partnership, pk=pk) if pk else None
    form = PartnershipForm(_posted(request), instance=partnership)
    if request.method == "POST" and form.is_valid():
        partnership = services.partnership_save(form=form)
        messages.success(request, _("Saved."))
        return redirect("partnership_detail", pk=partnership.pk)
    return render(request, "network/partnership_form.html", {"form": form, "partnership": partnership})


@partner_account_managers
def partner_account_list(request):
    return render(
        request,
        "network/partner_account_list.html",
        {
            "page": page_of(request, selectors.partner_account_list(), PAGE_SIZE),
            "query": query_without_page(request),
            "invitations": selectors.open_invitations(),
        },
    )


@partner_account_managers
def partner_invite(request):
    form = PartnerInviteForm(_posted(request), initial={"organisation": request.GET.get("organisation")})
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.partner_invite(
                organisation=form.cleaned_data["organisation"],
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                invited_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The invitation to %(email)s is on its way.") % {"email": invitation.email}
            )
            return redirect("partner_account_list")
    return render(request, "network/partner_invite.html", {"form": form})


@partner_account_managers
@require_POST
def partner_invitation_revoke(request, pk):
    invitation = get_object_or_404(PartnerInvitation, pk=pk)
    if services.partner_invitation_revoke(invitation=invitation, by=request.user):
        messages.success(request, _("The invitation to %(email)s is revoked.") % {"email": invitation.email})
    else:
        messages.error(request, _("This invitation was already accepted or revoked."))
    return redirect("partner_account_list")


@partner_account_managers
@require_POST
def partner_account_suspend(request, pk):
    account = get_object_or_404(PartnerAccount.objects.select_related("user"), pk=pk)
    if services.partner_account_suspend(account=account, by=request.user):
        messages.success(request, _("%(user)s is suspended.") % {"user": _display_name(account.user)})
    return redirect("partner_account_list")


@partner_account_managers
@require_POST
def partner_account_reactivate(request, pk):
    account = get_object_or_404(PartnerAccount.objects.select_related("user"), pk=pk)
    if services.partner_account_reactivate(account=account, by=request.user):
        messages.success(request, _("%(user)s is active again.") % {"user": _display_name(account.user)})
    return redirect("partner_account_list")


def _posted(request):
    """The form's data on a POST, even an empty one, which must show what is missing."""
    return request.POST if request.method == "POST" else None


def _display_name(user) -> str:
    return user.get_full_name() or user.get_username()


@never_cache
@sensitive_post_parameters("password1", "password2")
def partner_invitation_accept(request, token):
    """Open to anyone holding the link: the signed token is the proof of the invitation."""
    try:
        invitation = services.invitation_from_token(token)
    except services.InvitationInvalid as invalid:
        return _invalid_link(request, invalid)
    form = InvitationAcceptForm(_posted(request), invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.partner_invitation_accept(
                invitation_id=invitation.pk,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except services.InvitationInvalid as invalid:  # used in another tab meanwhile
            return _invalid_link(request, invalid)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Kavshiri has two backends (django-axes first); the password was just set here.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome! You now act for %(organisation)s.") % {"organisation": invitation.organisation},
            )
            return redirect(PARTNER_LANDING)
    return render(
        request,
        "network/partner_invitation_accept.html",
        {"form": form, "invitation": invitation},
    )


def _invalid_link(request, invalid: services.InvitationInvalid):
    return render(
        request, "network/partner_invitation_invalid.html", {"reason": invalid.reason}, status=invalid.status
    )
