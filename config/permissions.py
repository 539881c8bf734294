"""Who may use the account pages that config/ serves; each app's own rules live in its permissions.py."""

from __future__ import annotations

from config.roles import ADMIN, MANAGER, role_of


def can_use_two_factor(user) -> bool:
    """Managers and administrators hold the money and the admin: they may add a second factor."""
    return role_of(user) in (MANAGER, ADMIN)
