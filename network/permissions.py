"""Who may do what with regions, partnerships and partner accounts."""

from __future__ import annotations

from config.roles import ADMIN, MANAGER, PARTNER, STAFF, role_of

_GEOGRAPHY = ["network.view_region", "network.view_municipality"]
_STAFF_WORK = [
    "network.view_partnership",
    "network.add_partnership",
    "network.change_partnership",
    "network.view_partneraccount",
    "network.add_partneraccount",
    "network.change_partneraccount",
]

ROLE_PERMISSIONS = {
    STAFF: [*_GEOGRAPHY, *_STAFF_WORK],
    MANAGER: [*_GEOGRAPHY, *_STAFF_WORK, "network.delete_partnership"],
    PARTNER: [*_GEOGRAPHY, "network.view_partnership"],
}


def can_manage_partner_accounts(user) -> bool:
    return role_of(user) in (ADMIN, MANAGER, STAFF)


def can_see_partnership(user, partnership) -> bool:
    """Centre staff see every partnership; a partner only those their organisation is part of."""
    if can_manage_partner_accounts(user):
        return True
    organisation_id = partner_organisation_id(user)
    return organisation_id is not None and partnership.organisations.filter(pk=organisation_id).exists()


def partner_organisation_id(user) -> int | None:
    """The organisation a partner acts for, or None when the user is no active partner."""
    if role_of(user) != PARTNER:
        return None
    account = getattr(user, "partner_account", None)
    if account is None or not account.is_active:
        return None
    return account.organisation_id


def can_edit_partnerships(user) -> bool:
    """The centre keeps the record of partnerships; partners only read theirs."""
    return role_of(user) in (ADMIN, MANAGER, STAFF)


def can_list_partnerships(user) -> bool:
    """Centre staff, and partners with an active account (a suspended one sees what the public sees,
    and the public sees no partnerships)."""
    return can_edit_partnerships(user) or partner_organisation_id(user) is not None
