"""Writes of partnerships and partner accounts. Each is one transaction; domain errors are
ValidationError (shown on the form) or InvitationInvalid (a link that cannot be used)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.mail import absolute_url
from config.roles import PARTNER
from crm.models import Organisation
from network.models import PartnerAccount, PartnerInvitation, Partnership, invitation_max_age

logger = logging.getLogger(__name__)

# A token signed for invitations cannot pass as any other signed value of the site, nor the reverse.
INVITATION_SALT = "network.partner-invitation"
INVITATION_TEMPLATE = "network/email/partner_invitation"


class InvitationInvalid(Exception):
    """An invitation link that cannot be used. `reason` is one of the constants below; a forged
    link answers 404 (there is nothing there), the others 410 (there was, and it is gone)."""

    FORGED = "forged"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def status(self) -> int:
        return 404 if self.reason == self.FORGED else 410


def partnership_save(*, form) -> Partnership:
    """Save a validated PartnershipForm, the partnership and its links in one transaction."""
    with transaction.atomic():
        return form.save()


def invitation_token(invitation: PartnerInvitation) -> str:
    return signing.dumps(invitation.pk, salt=INVITATION_SALT)


def invitation_from_token(token: str, *, now: datetime | None = None) -> PartnerInvitation:
    """The open invitation a link stands for, or InvitationInvalid saying why not.

    The signature proves the link was made here and dates it; the row makes it single-use
    and revocable, and its own date expires it even if the signing date were younger."""
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=invitation_max_age())
    except signing.SignatureExpired as expired:
        raise InvitationInvalid(InvitationInvalid.EXPIRED) from expired
    except signing.BadSignature as forged:
        raise InvitationInvalid(InvitationInvalid.FORGED) from forged
    invitation = PartnerInvitation.objects.select_related("organisation").filter(pk=pk).first()
    if invitation is None:
        raise InvitationInvalid(InvitationInvalid.FORGED)
    _check_open(invitation, now)
    return invitation


def _check_open(invitation: PartnerInvitation, now: datetime | None) -> None:
    reasons = {
        PartnerInvitation.Status.ACCEPTED: InvitationInvalid.USED,
        PartnerInvitation.Status.REVOKED: InvitationInvalid.REVOKED,
        PartnerInvitation.Status.EXPIRED: InvitationInvalid.EXPIRED,
    }
    reason = reasons.get(invitation.status_on(now))
    if reason:
        raise InvitationInvalid(reason)


def _email_taken_error() -> ValidationError:
    return ValidationError(
        {"email": _("Someone already has a login with this email address.")}, code="email_taken"
    )


def _invitation_pending_error() -> ValidationError:
    return ValidationError(
        {"email": _("An invitation to this address is still pending. Revoke it before inviting again.")},
        code="invitation_pending",
    )


@transaction.atomic
def partner_invite(
    *, organisation: Organisation, email: str, name: str = "", invited_by
) -> PartnerInvitation:
    """Invite a person to act for a partner organisation.

    1. Refuse an address that already has a login, or an invitation still pending.
    2. Revoke the address's expired invitations, so that it has one open invitation at most.
    3. Mark the organisation a partner, if it is not yet one.
    4. Write the invitation; the mail is sent by a Celery task after commit, so that the
       worker finds the row, and no mail goes out for a transaction that rolled back.
    """
    from network.tasks import send_partner_invitation  # the task module imports this one

    if get_user_model().objects.filter(email__iexact=email).exists():
        raise _email_taken_error()
    now = timezone.now()
    still_open = PartnerInvitation.objects.select_for_update().filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    if any(invitation.status_on(now) == PartnerInvitation.Status.PENDING for invitation in still_open):
        raise _invitation_pending_error()
    still_open.update(revoked_at=now)
    if not organisation.is_partner:
        organisation.is_partner = True
        organisation.save(update_fields=["is_partner"])
    try:
        with transaction.atomic():
            invitation = PartnerInvitation.objects.create(
                organisation=organisation, email=email, name=name, invited_by=invited_by
            )
    except IntegrityError as clash:  # another invitation to the address, written meanwhile
        raise _invitation_pending_error() from clash
    # Robust: a broker that cannot be reached is logged, not turned into an error page for an
    # invitation already saved; the list of invitations shows it unsent.
    transaction.on_commit(lambda: send_partner_invitation.delay(invitation.pk), robust=True)
    logger.info(
        "Partner invitation %s to organisation %s by user %s", invitation.pk, organisation.pk, invited_by.pk
    )
    return invitation


def partner_invitation_send(*, invitation_id: int) -> bool:
    """Mail an invitation its link; False when there was nothing to send.

    1. Claim the row by dating it sent, only if it is unsent and still open: a retried or
       twice-delivered task then finds nothing to claim, and a revoked invitation is not sent.
    2. Render the mail, Georgian first and English after, as plain text and HTML.
    3. Send it. If sending fails, release the claim and re-raise, so that the task's retry
       sends it. A worker killed between 1 and 3 leaves it dated but unsent; staff see the
       invitation pending and can revoke it and invite again.
    """
    claimed = PartnerInvitation.objects.filter(
        pk=invitation_id, sent_at__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(sent_at=timezone.now())
    if not claimed:
        return False
    invitation = PartnerInvitation.objects.select_related("organisation", "invited_by").get(pk=invitation_id)
    try:
        mailers.default.send_messages([_invitation_message(invitation)])
    except Exception:
        PartnerInvitation.objects.filter(pk=invitation_id).update(sent_at=None)
        raise
    return True


def _invitation_message(invitation: PartnerInvitation) -> EmailMultiAlternatives:
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "accept_url": absolute_url(
            reverse("partner_invitation_accept", args=[invitation_token(invitation)])
        ),
        "expires_at": invitation.expires_at,
        "centre_name": settings.CENTRE_NAME,
        "centre_name_ka": settings.CENTRE_NAME_KA,
    }
    subjects = []
    for language in (settings.LANGUAGE_CODE, "en"):
        with translation.override(language):
            subjects.append(_("Invitation to the Kavshiri partner network"))
    subject = subjects[0] if subjects[0] == subjects[1] else " / ".join(subjects)
    message = EmailMultiAlternatives(
        subject, render_to_string(f"{INVITATION_TEMPLATE}.txt", context), to=[invitation.email]
    )
    message.attach_alternative(render_to_string(f"{INVITATION_TEMPLATE}.html", context), "text/html")
    return message


@transaction.atomic
def partner_invitation_accept(
    *, invitation_id: int, username: str, password: str, first_name: str = "", last_name: str = ""
):
    """Turn an open invitation into a partner's login; returns the new user.

    1. Lock the invitation and check it is still open: of two submissions of one link, the
       second waits for the first and then finds it used.
    2. Create the user with the invitation's email, in the partner group.
    3. Create the partner account for the invited organisation, and date the invitation accepted.
    """
    invitation = PartnerInvitation.objects.select_for_update().get(pk=invitation_id)
    _check_open(invitation, None)
    users = get_user_model().objects
    if users.filter(email__iexact=invitation.email).exists():
        raise ValidationError(_("Someone already has a login with this email address."), code="email_taken")
    if users.filter(username__iexact=username).exists():
        raise _username_taken_error()
    try:
        with transaction.atomic():
            user = users.create_user(
                username=username,
                email=invitation.email,
                password=password,
                first_name=first_name,
                last_name=last_name,
            )
    except IntegrityError as clash:  # the same name, taken meanwhile
        raise _username_taken_error() from clash
    user.groups.add(Group.objects.get(name=PARTNER))
    account = PartnerAccount.objects.create(user=user, organisation_id=invitation.organisation_id)
    invitation.accepted_at = timezone.now()
    invitation.account = account
    invitation.save(update_fields=["accepted_at", "account"])
    logger.info("Partner invitation %s accepted: user %s", invitation.pk, user.pk)
    return user


def _username_taken_error() -> ValidationError:
    return ValidationError(
        {"username": _("This login name is taken. Choose another.")}, code="username_taken"
    )


@transaction.atomic
def partner_invitation_revoke(*, invitation: PartnerInvitation, by) -> bool:
    """Revoke an invitation still open; False when it was already accepted or revoked."""
    revoked = PartnerInvitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked:
        logger.info("Partner invitation %s revoked by user %s", invitation.pk, by.pk)
    return bool(revoked)


@transaction.atomic
def partner_account_suspend(*, account: PartnerAccount, by) -> bool:
    """Suspend an active account; from the next request its user sees only what the public
    sees (network.permissions.partner_organisation_id). False when it was already suspended."""
    return _account_status_change(account, PartnerAccount.Status.ACTIVE, PartnerAccount.Status.SUSPENDED, by)


@transaction.atomic
def partner_account_reactivate(*, account: PartnerAccount, by) -> bool:
    return _account_status_change(account, PartnerAccount.Status.SUSPENDED, PartnerAccount.Status.ACTIVE, by)


def _account_status_change(account: PartnerAccount, old: str, new: str, by) -> bool:
    # Guarded: two members of staff pressing the same button change the row once.
    changed = PartnerAccount.objects.filter(pk=account.pk, status=old).update(status=new)
    if changed:
        account.status = new
        logger.info("Partner account %s %s → %s by user %s", account.pk, old, new, by.pk)
    return bool(changed)
