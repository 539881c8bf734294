"""Who may see and change organisations, people, interactions, services and money.

Staff see everything but invoices and revenue; managers see everything; partners never see
interactions, notes, follow-ups, invoices, payments or people who did not consent.
"""

from __future__ import annotations

from config.access import pages_for
from config.roles import ADMIN, MANAGER, PARTNER, STAFF, role_of
from network.permissions import partner_organisation_id


def _crud(model: str, *actions: str) -> list[str]:
    return [f"crm.{action}_{model}" for action in actions]


_STAFF_WORK = [
    *_crud("organisation", "view", "add", "change"),
    *_crud("contact", "view", "add", "change"),
    *_crud("affiliation", "view", "add", "change", "delete"),
    *_crud("interaction", "view", "add", "change"),
    *_crud("followup", "view", "add", "change"),
    *_crud("tag", "view", "add", "change"),
    *_crud("theme", "view"),
    *_crud("targetgroup", "view"),
    *_crud("service", "view"),
    *_crud("servicedelivery", "view", "add", "change"),
    *_crud("engagementplan", "view"),
    *_crud("importbatch", "view", "add"),
    *_crud("engagementstep", "view"),
]
_MONEY = [
    *_crud("service", "add", "change"),
    *_crud("invoice", "view", "add", "change"),
    *_crud("invoiceline", "view", "add", "change", "delete"),
    *_crud("payment", "view", "add"),
]
_PLANS = [*_crud("engagementplan", "add", "change", "delete"), *_crud("engagementstep", "add", "change", "delete")]

ROLE_PERMISSIONS = {
    STAFF: _STAFF_WORK,
    MANAGER: [
        *_STAFF_WORK,
        *_MONEY,
        *_PLANS,
        *_crud("organisation", "delete"),
        *_crud("contact", "delete"),
        # The log of erasures, read-only in the admin: only crm/privacy.py writes it.
        *_crud("erasure", "view"),
    ],
    PARTNER: [*_crud("theme", "view"), *_crud("targetgroup", "view")],
}


def is_centre_staff(user) -> bool:
    """Staff, managers and admins: the people who work at the centre."""
    return role_of(user) in (ADMIN, MANAGER, STAFF)


def can_see_money(user) -> bool:
    return role_of(user) in (ADMIN, MANAGER)


def can_merge_organisations(user) -> bool:
    """A merge removes an organisation, so it takes the right to delete one (managers)."""
    return is_centre_staff(user) and user.has_perm("crm.delete_organisation")


def can_see_interactions(user) -> bool:
    return is_centre_staff(user)


def can_edit_organisation(user, organisation) -> bool:
    if is_centre_staff(user):
        return True
    return partner_organisation_id(user) == organisation.pk


def can_see_contact_in_directory(contact) -> bool:
    """Outside the centre a person is shown only with their consent."""
    return contact.directory_consent


def can_export_personal_data(user) -> bool:
    """A copy of everything held about a person: anyone at the centre may answer the request."""
    return is_centre_staff(user)


def can_erase_personal_data(user) -> bool:
    """Erasure cannot be undone: managers and admins decide it."""
    return role_of(user) in (ADMIN, MANAGER)


#: Pages for the centre's people.
centre_staff_required = pages_for(is_centre_staff)
#: Pages with prices, invoices, payments or revenue.
money_required = pages_for(can_see_money)
#: A person's data, shown or downloaded whole.
personal_data_export_required = pages_for(can_export_personal_data)
#: Erasing a person.
personal_data_erase_required = pages_for(can_erase_personal_data)
