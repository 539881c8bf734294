"""The one way a page is guarded by a rule; the rules themselves live in each app's permissions.py."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def pages_for(rule):
    """A view decorator: anonymous users log in first; users the rule refuses get 403."""

    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not rule(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorator
