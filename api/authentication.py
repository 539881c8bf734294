"""`Authorization: Token <secret>` (or `Bearer <secret>`) for the API.

A token authenticates as its user and nothing more: the views ask the same permission
classes whether the request came with a token or with the browser's session.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api import services
from api.models import ApiToken

KEYWORDS = ("token", "bearer")


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].decode(errors="replace").lower() not in KEYWORDS:
            return None  # not ours: the session may still authenticate the request
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header: give the token after the word Token.")
            )
        try:
            secret = words[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return self._user_and_token(secret)

    def _user_and_token(self, secret: str):
        token = ApiToken.objects.select_related("user").filter(digest=services.digest_of(secret)).first()
        # One message for every refusal, so a caller cannot tell a revoked token from a wrong one.
        if token is None or not token.is_active or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        services.token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (with this challenge) rather than 403 to a caller without credentials.
        return 'Token realm="api"'
