"""Rate limits on the public forms: at most N POSTs per address in a window, counted in the cache.

Which pages are limited, and by which setting, is the table LIMITED below: one place, by URL
name, so that the views stay as they are. A request over its limit is answered 429 with a page
(templates/429.html) and a Retry-After header; the view never runs.

The count is a fixed window: one cache key per page group, address and window, created with
add() and raised with incr(), both atomic in Redis and in one process's memory. Every gunicorn
worker shares it when CACHE_URL names Redis. If the cache cannot be reached the request is let
through and the error logged: a broken counter must not lock everyone out of logging in.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin

from config.client_ip import client_ip

logger = logging.getLogger(__name__)

# URL name → the RATE_LIMITS entry that limits its POSTs. Pages that share an entry share a count.
LIMITED = {
    "login": "login",
    "login_code": "login",
    "subscribe": "subscribe",
    "unsubscribe": "unsubscribe",
    "partner_invitation_accept": "invitation",
}

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
clock = time.time  # tests hold it still, so that no window ends mid-test


@dataclass(frozen=True)
class Rate:
    requests: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/minute' → Rate(10, 60); settings.env_rate has already checked the shape."""
        count, period = text.split("/")
        return cls(int(count), _SECONDS[period[0]])


def hit(group: str, who: str, rate: Rate) -> int:
    """Count one request of `who` to `group`. 0 if it is allowed, else the seconds to wait."""
    now = clock()
    window = int(now // rate.seconds)
    key = f"ratelimit:{group}:{who}:{window}"
    try:
        cache.add(key, 0, timeout=rate.seconds + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # the key expired between add() and incr()
            cache.set(key, 1, timeout=rate.seconds + 1)
            count = 1
    except Exception:
        logger.exception("rate limit %s: the cache cannot be reached; letting the request through", group)
        return 0
    if count <= rate.requests:
        return 0
    return max(1, math.ceil((window + 1) * rate.seconds - now))


class RateLimitMiddleware(MiddlewareMixin):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match is None:
            return None
        group = LIMITED.get(request.resolver_match.view_name)
        if group is None:
            return None
        wait = hit(group, client_ip(request), Rate.parse(settings.RATE_LIMITS[group]))
        if not wait:
            return None
        logger.warning("rate limit %s: %s refused for %s s", group, client_ip(request), wait)
        return too_many_requests(request, wait)


def too_many_requests(request, retry_after: int):
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    add_never_cache_headers(response)
    return response
