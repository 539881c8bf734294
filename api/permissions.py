"""Who may use which API resource. The rules themselves live in each app's permissions.py:
these classes only ask them, so a page and its endpoint can never disagree.

A caller the rule refuses gets 401 when anonymous (DRF turns the refusal into "authenticate
first") and 403 when logged in: never an empty 200 that would hint at data.
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from crm.permissions import can_see_money, is_centre_staff
from network.permissions import can_list_partnerships, can_see_partnership

# Tokens are each user's own; no role gets model permissions on them (admins see them in the admin).
ROLE_PERMISSIONS: dict = {}


class _UserRule(BasePermission):
    """Lets a request through when `rule(user)` holds for its authenticated user."""

    @staticmethod
    def rule(user) -> bool:
        raise NotImplementedError

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and self.rule(user))


class IsCentreStaff(_UserRule):
    """Organisations, people, interactions, follow-ups, services, deliveries: staff, managers, admins."""

    rule = staticmethod(is_centre_staff)


class CanSeeMoney(_UserRule):
    """Invoices and payments: managers and admins."""

    rule = staticmethod(can_see_money)


class CanSeePartnerships(_UserRule):
    """Centre staff see every partnership; an active partner only those of their organisation."""

    rule = staticmethod(can_list_partnerships)

    def has_object_permission(self, request, view, obj) -> bool:
        return can_see_partnership(request.user, obj)
