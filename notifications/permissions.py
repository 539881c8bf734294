"""Who may work with mailing lists and campaigns (the models arrive with the newsletter work)."""

from __future__ import annotations

ROLE_PERMISSIONS: dict[str, list[str]] = {}
