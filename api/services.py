"""Writes for API tokens: create, revoke, note their use."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from api.models import ApiToken

SECRET_MARK = "kav_"
PREFIX_LENGTH = len(SECRET_MARK) + 8
# Writing last_used_at on every request would turn each read into a write; a minute is
# precise enough for "is this token still in use?".
LAST_USED_PRECISION = timedelta(minutes=1)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`, and its secret: the only time the secret exists outside the caller."""
    # The mark makes a leaked secret recognisable to secret scanners and to people.
    secret = SECRET_MARK + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:PREFIX_LENGTH], digest=digest_of(secret)
    )
    return token, secret


def token_revoke(*, user, pk: int) -> bool:
    """Revoke one of `user`'s own tokens; False when it is not theirs or already revoked."""
    revoked = ApiToken.objects.filter(pk=pk, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return revoked == 1


def token_touch(*, token: ApiToken) -> None:
    """Note that the token was used, at most once per LAST_USED_PRECISION."""
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < LAST_USED_PRECISION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
