"""Who may work with mailing lists and campaigns.

Staff write newsletters, keep lists and segments, preview and test-send; managers also
schedule, send, pause and cancel. Partners and the public see only the public subscribe and
unsubscribe pages.
"""

from __future__ import annotations

from config.access import pages_for
from config.roles import ADMIN, MANAGER, STAFF, role_of


def _crud(model: str, *actions: str) -> list[str]:
    return [f"notifications.{action}_{model}" for action in actions]


_STAFF_WORK = [
    *_crud("mailinglist", "view", "add", "change"),
    *_crud("subscription", "view", "add", "change"),
    *_crud("segment", "view", "add", "change", "delete"),
    *_crud("campaign", "view", "add", "change"),
    *_crud("delivery", "view"),
    *_crud("suppression", "view", "add"),
]

ROLE_PERMISSIONS = {
    STAFF: _STAFF_WORK,
    MANAGER: [
        *_STAFF_WORK,
        "notifications.send_campaign",
        *_crud("campaign", "delete"),
        *_crud("mailinglist", "delete"),
        *_crud("subscription", "delete"),
        *_crud("suppression", "change", "delete"),
    ],
}


def can_work_on_newsletters(user) -> bool:
    """Write campaigns, keep lists and segments: the centre's people."""
    return role_of(user) in (ADMIN, MANAGER, STAFF)


def can_send_campaign(user) -> bool:
    """Schedule, send, pause, resume and cancel: a send reaches people and cannot be undone."""
    role = role_of(user)
    return role == ADMIN or (role == MANAGER and user.has_perm("notifications.send_campaign"))


newsletter_staff_required = pages_for(can_work_on_newsletters)
campaign_senders_required = pages_for(can_send_campaign)
