"""The address a request comes from, the same way for the rate limits, the login lockout and the
API's throttles (DRF's NUM_PROXIES rule): behind N trusted reverse proxies, the Nth address from
the right of X-Forwarded-For; otherwise REMOTE_ADDR. Addresses a client adds on the left of the
header are never believed."""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    remote_addr = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    proxies = settings.NUM_PROXIES
    if not proxies or not forwarded:
        return remote_addr
    addresses = [address.strip() for address in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote_addr
