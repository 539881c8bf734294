"""A database out of reach is a 503 with a clear page (JSON under /api/v1/), never a 500; a bug is
the site's own 500 page. Both are drawn without the database, in the visitor's language."""

import logging

import pytest
from django.db import InterfaceError, OperationalError, connection

from config.database_unavailable import RETRY_AFTER_SECONDS
from tests.crm.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

GEORGIAN_WAIT = f"გთხოვთ, დაელოდოთ {RETRY_AFTER_SECONDS} წამს და სცადოთ ხელახლა."
ENGLISH_WAIT = f"Please wait {RETRY_AFTER_SECONDS} seconds and try again."
UNREACHABLE = "Kavshiri cannot reach its database at the moment."


@pytest.fixture
def staff_client(client, user_in_role):
    client.force_login(user_in_role("staff"))
    # The test client re-raises what a view raised; the browser gets what handler500 answers.
    client.raise_request_exception = False
    return client


@pytest.fixture(params=[OperationalError, InterfaceError], ids=["refused", "closed"])
def database_down(request, monkeypatch):
    """From now on every query fails as it does while PostgreSQL restarts: the session, the
    user, the page's own queries, and whatever the error pages might ask."""
    error = request.param

    def unreachable():
        raise error("connection to server at 127.0.0.1, port 5432 failed: Connection refused")

    monkeypatch.setattr(connection, "ensure_connection", unreachable)
    return error


def test_a_page_answers_503_in_georgian(staff_client, database_down):
    response = staff_client.get("/organisations/?q=x")
    assert response.status_code == 503
    page = response.content.decode()
    assert '<html lang="ka">' in page
    assert GEORGIAN_WAIT in page
    assert 'href="/organisations/?q=x"' in page  # try again
    assert 'href="/organisations/"' not in page  # drawn for the anonymous: no menu
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "no-cache" in response["Cache-Control"]
    assert response["Content-Security-Policy"]  # the outer middleware still ran


def test_a_page_answers_503_in_english_with_the_language_cookie(staff_client, database_down):
    staff_client.cookies["django_language"] = "en"
    response = staff_client.get("/")
    assert response.status_code == 503
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert UNREACHABLE in page
    assert ENGLISH_WAIT in page


def test_a_form_sent_while_the_database_is_down_asks_to_check_before_sending_again(
    staff_client, database_down
):
    staff_client.cookies["django_language"] = "en"
    response = staff_client.post("/organisations/new/", {"name": "ახალი"})
    assert response.status_code == 503
    assert "check whether it was saved before you send it again" in response.content.decode()


def test_the_api_answers_503_in_json(staff_client, database_down):
    staff_client.cookies["django_language"] = "en"
    response = staff_client.get("/api/v1/organisations/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"{UNREACHABLE} {ENGLISH_WAIT}"}
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_a_not_found_page_that_cannot_be_drawn_is_a_503(staff_client, database_down):
    # 404.html shows the menu, which asks for the user: the 404 handler fails on the database.
    assert staff_client.get("/no-such-page/").status_code == 503


def test_only_the_view_losing_the_database_still_gets_the_clear_page(staff_client, monkeypatch):
    from crm import selectors

    def lost(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(selectors, "organisation_list", lost)
    response = staff_client.get("/organisations/")
    assert response.status_code == 503
    assert GEORGIAN_WAIT in response.content.decode()


def test_the_drivers_own_error_that_django_did_not_wrap_is_a_503_too(staff_client, monkeypatch):
    # Seen with PostgreSQL stopped mid-request: closing a server-side cursor (a form's choices)
    # raised psycopg.OperationalError itself, not Django's.
    from crm import selectors

    def lost(**kwargs):
        raise connection.Database.OperationalError("consuming input failed: server closed the connection")

    monkeypatch.setattr(selectors, "organisation_list", lost)
    assert staff_client.get("/organisations/").status_code == 503


class LosesTheDatabaseOnTheWayOut:
    """As SessionMiddleware does when saving a changed session fails: after the view answered,
    outside the locale and authentication middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        self.get_response(request)
        raise OperationalError("terminating connection due to administrator command")


def test_an_error_in_an_outer_middleware_is_a_503_too(staff_client, settings):
    at = settings.MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware")
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:at],
        f"{__name__}.LosesTheDatabaseOnTheWayOut",
        *settings.MIDDLEWARE[at:],
    ]
    staff_client.cookies["django_language"] = "en"
    response = staff_client.get("/")
    assert response.status_code == 503
    assert ENGLISH_WAIT in response.content.decode()


def test_the_database_error_is_logged_as_one_warning(staff_client, database_down, caplog):
    with caplog.at_level(logging.WARNING):
        staff_client.get("/organisations/")
    lines = [(record.name, record.levelname, record.exc_info) for record in caplog.records]
    assert lines == [("config.database_unavailable", "WARNING", None)]
    assert "answered 503 to GET /organisations/" in caplog.records[0].getMessage()
    assert "Connection refused" in caplog.records[0].getMessage()


@pytest.fixture
def a_bug(monkeypatch):
    from crm import selectors

    def bug(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(selectors, "organisation_list", bug)


def test_a_bug_is_the_sites_500_page_in_georgian(staff_client, a_bug, caplog):
    response = staff_client.get("/organisations/")
    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="ka">' in page
    assert "მთავარი" in page  # Home
    assert "Retry-After" not in response
    # Logged as Django logs every 500: an error, with the traceback.
    (record,) = [record for record in caplog.records if record.name == "django.request"]
    assert record.levelname == "ERROR" and record.exc_info[0] is RuntimeError


def test_a_bug_is_the_sites_500_page_in_english_with_the_language_cookie(staff_client, a_bug):
    staff_client.cookies["django_language"] = "en"
    response = staff_client.get("/organisations/")
    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Something went wrong" in page


def test_a_bug_in_the_api_is_a_500_in_json(staff_client, monkeypatch):
    from api import viewsets

    def bug(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(viewsets.RegionViewSet, "get_queryset", bug)
    response = staff_client.get("/api/v1/regions/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


def test_nothing_changes_while_the_database_answers(staff_client):
    organisation = OrganisationFactory()
    assert staff_client.get(f"/organisations/{organisation.pk}/").status_code == 200
    assert staff_client.get("/api/v1/organisations/").status_code == 200


def _raised_as_django_does(driver_error):
    """The driver's error wrapped as Django's DatabaseErrorWrapper wraps it."""
    try:
        raise driver_error
    except Exception as cause:
        try:
            raise OperationalError(*cause.args) from cause
        except OperationalError as wrapped:
            return wrapped


@pytest.mark.parametrize(
    "driver_error",
    ["QueryCanceled", "DeadlockDetected", "DiskFull"],
    ids=["statement timeout", "deadlock", "disk full"],
)
def test_a_database_that_answers_with_a_fault_is_a_500_not_a_503(staff_client, monkeypatch, driver_error):
    # The database is there and said what went wrong: a fault to look into, with its traceback.
    import psycopg.errors

    from crm import selectors

    error = _raised_as_django_does(getattr(psycopg.errors, driver_error)("it went wrong"))

    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(selectors, "organisation_list", fails)
    assert staff_client.get("/organisations/").status_code == 500


@pytest.mark.parametrize("driver_error", ["AdminShutdown", "CannotConnectNow", "TooManyConnections"])
def test_a_server_shutting_down_or_full_is_a_503(staff_client, monkeypatch, driver_error):
    import psycopg.errors

    from crm import selectors

    error = _raised_as_django_does(getattr(psycopg.errors, driver_error)("not now"))

    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(selectors, "organisation_list", fails)
    assert staff_client.get("/organisations/").status_code == 503


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own error names")
def test_a_missing_table_on_sqlite_is_a_500(staff_client, monkeypatch):
    from crm import selectors

    def missing_table(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(selectors, "organisation_list", missing_table)
    assert staff_client.get("/organisations/").status_code == 500
