"""Who may use the API. The rules themselves live in each app's permissions.py."""

ROLE_PERMISSIONS: dict = {}
