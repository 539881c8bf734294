"""The last word on an uncaught exception: 503 and a clear page when the database is out of reach
(a restart, a failover, a full connection table), the site's own 500 page for anything else.

Why Django's handler500 and not a middleware: Django wraps every middleware, and the view, in
convert_exception_to_response (django/core/handlers/exception.py), so an exception is turned into
a response by the layer it was raised in. A database error raised while the session or the user is
loaded, in a view, or while SessionMiddleware saves the session on the way out, never reaches a
try/except in a middleware further out. Each of those wrappers calls handler500 inside its
`except` block, so sys.exc_info() there says what went wrong, whatever the layer; so do the 404,
403 and 400 handlers' wrappers when drawing their own page fails on the database.

Both pages are drawn without the database, which may be what just failed: as an anonymous
visitor sees them, without the context processors (they ask for the user, loaded through the
session, a table). A request under /api/v1/ (or the schema) gets the API's JSON instead.

No half-writes: every service that writes several rows runs in one transaction
(@transaction.atomic), and a transaction the database lost is never committed. A write whose
COMMIT reached the database just before the connection dropped is saved although the answer is
503, which is why the page asks the person to check before sending it again.
"""

from __future__ import annotations

import logging
import re
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

# A restart of PostgreSQL takes seconds; browsers and API clients are asked to wait this long.
RETRY_AFTER_SECONDS = 10
# The JSON API and its schema; /api/tokens/ and /api/docs/ are pages for people.
API_PATH = re.compile(r"^/api/(v[0-9]+|schema)/")
# What is left to answer when even the template cannot be drawn.
BARE_PAGE = {503: "503 Service Unavailable", 500: "500 Internal Server Error"}


# What PostgreSQL answers when it is there but will not serve: connection exceptions (class 08),
# shutting down or starting up (57P01–57P03), no connection slot left (53300).
UNAVAILABLE_CLASS = "08"
UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite's: the file cannot be opened, or another process holds it past the timeout.
UNAVAILABLE_SQLITE = frozenset({"SQLITE_CANTOPEN", "SQLITE_BUSY", "SQLITE_LOCKED"})


def is_database_unavailable(error: BaseException | None) -> bool:
    """A lost or refused connection, or a server shutting down or starting up: the database is
    out of reach, not wrong. Other operational errors (a statement timeout, a deadlock, a full
    disk, a missing table) are faults to look into, and keep the 500 and its traceback."""
    if not isinstance(error, _unavailable_errors()):
        return False
    cause = error.__cause__ if isinstance(error, OperationalError | InterfaceError) else None
    driver_error = cause or error
    sqlstate = getattr(driver_error, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith(UNAVAILABLE_CLASS) or sqlstate in UNAVAILABLE_STATES
    sqlite_name = getattr(driver_error, "sqlite_errorname", None)
    if sqlite_name:
        return sqlite_name in UNAVAILABLE_SQLITE
    # No answer from a server at all: refused, reset, closed, timed out on the client's side.
    return True


def _unavailable_errors() -> tuple[type[BaseException], ...]:
    # Django wraps the driver's errors in its own, but not everywhere: closing a server-side
    # cursor (QuerySet.iterator(), a form's choices) on a connection that just dropped raises
    # psycopg's own OperationalError (CursorWrapper wraps fetch*, not close).
    drivers = {connections[alias].Database for alias in connections}
    driver_errors = [
        error for driver in drivers for error in (driver.OperationalError, driver.InterfaceError)
    ]
    return (OperationalError, InterfaceError, *driver_errors)


def server_error(request):
    """handler500: called inside the `except` block of whichever layer caught the exception."""
    error = sys.exc_info()[1]
    if is_database_unavailable(error):
        return database_unavailable(request, error)
    if API_PATH.match(request.path):
        return JsonResponse({"detail": _("Something went wrong on the server. Try again later.")}, status=500)
    return _page_without_database(request, "500.html", status=500)


def database_unavailable(request, error: BaseException) -> HttpResponse:
    # One line per request, not a traceback: the cause is outside the code, and during a restart
    # a traceback for every request would bury the message that says what the database answered.
    logger.warning(
        "database unavailable, answered 503 to %s %s: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        in_one_line(error),
    )
    if API_PATH.match(request.path):
        response = JsonResponse({"detail": _api_detail()}, status=503)
    else:
        context = {
            "retry_after": RETRY_AFTER_SECONDS,
            "was_sending": request.method not in ("GET", "HEAD"),
            "try_again_url": request.get_full_path() if request.method == "GET" else "",
        }
        response = _page_without_database(request, "503.html", status=503, context=context)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    # Logged above; without this django.request logs it again, with the traceback.
    response._has_been_logged = True
    return response


def in_one_line(error: BaseException) -> str:
    """The error's message on one line of the log: psycopg's run over several."""
    return " ".join(str(error).split())


def _api_detail() -> str:
    wait = ngettext(
        "Please wait %(seconds)s second and try again.",
        "Please wait %(seconds)s seconds and try again.",
        RETRY_AFTER_SECONDS,
    ) % {"seconds": RETRY_AFTER_SECONDS}
    return f"{_('Kavshiri cannot reach its database at the moment.')} {wait}"


def _page_without_database(request, template_name: str, *, status: int, context: dict | None = None):
    """The page as an anonymous visitor sees it, in the visitor's language.

    Rendered without the request, so that no context processor runs: each may ask for the user.
    base.html gets the two things it needs of the request, the path and the CSRF token of the
    language switch (a cookie, not the database). The language is the one the locale middleware
    chose, Georgian when the error came before it ran.
    """
    context = {"request": request, "csrf_token": get_token(request), **(context or {})}
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    try:
        with translation.override(language):
            page = render_to_string(template_name, context)
    except Exception:
        logger.exception("error page %s could not be drawn", template_name)
        return HttpResponse(BARE_PAGE[status], status=status, content_type="text/plain; charset=utf-8")
    return HttpResponse(page, status=status, headers={"Content-Language": language})
