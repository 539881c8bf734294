"""Roles are Django groups. Each app's permissions.py declares what its models grant per role;
this module only gathers those declarations and keeps the groups in step with them."""

from __future__ import annotations

from importlib import import_module

ADMIN = "admin"
MANAGER = "manager"
STAFF = "staff"
PARTNER = "partner"
GROUP_ROLES = (STAFF, MANAGER, PARTNER)
APPS_WITH_RULES = ("network", "crm", "notifications", "api")


def role_of(user) -> str | None:
    """The strongest role a user holds: admin, manager, staff, partner, or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return ADMIN
    cached = getattr(user, "_kavshiri_groups", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._kavshiri_groups = cached
    for role in (MANAGER, STAFF, PARTNER):
        if role in cached:
            return role
    return None


def declared_permissions() -> dict[str, set[str]]:
    """{role: {"app_label.codename", ...}} merged from every app's permissions module."""
    merged: dict[str, set[str]] = {role: set() for role in GROUP_ROLES}
    for app in APPS_WITH_RULES:
        rules = getattr(import_module(f"{app}.permissions"), "ROLE_PERMISSIONS", {})
        for role, perms in rules.items():
            merged[role].update(perms)
    return merged


def sync_roles(group_model, permission_model) -> None:
    """Create the role groups and give each exactly the permissions its apps declare."""
    for role, perms in declared_permissions().items():
        group, _ = group_model.objects.get_or_create(name=role)
        wanted = []
        for dotted in sorted(perms):
            app_label, codename = dotted.split(".", 1)
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is not None:  # a model not migrated yet gets it on the next sync
                wanted.append(permission)
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, **kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    if sender.name in APPS_WITH_RULES:
        sync_roles(Group, Permission)
