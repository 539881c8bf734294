"""The API keeps the promises of its own schema, for every role.

schemathesis takes the schema Kavshiri serves at /api/schema/ and, in the test database with the
demo data, sends every operation values the schema allows and values it does not (wrong types,
numbers out of range, ids that are not numbers, methods it does not list), as the anonymous and
through a token of a partner, staff, a manager and an admin. Every answer is checked: never a
500, a documented status with the documented content type, a body that matches its schema, a
token really required where the schema says so. The tests after it send what schemathesis cannot
or seldom does: NUL bytes, huge numbers, dates that do not exist, bytes that are not UTF-8.
"""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from api.services import token_create
from crm.demo import demo_seed
from tests.factories import ROLES
from tests.network.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
BASE_URL = "http://testserver"  # a host the tests allow

CONFIG = schemathesis.Config.from_dict(
    {
        # The same examples on every run and machine: a failure in CI fails again at home.
        "seed": 2026,
        "checks": {
            # A filter by id refuses an id that does not exist with a 400 that names the filter
            # (documented): an integer the schema allows, refused on purpose.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "429"]},
            # Like the pages, the API ignores a filter left empty or not understood (`?date_before=`,
            # `?mine=maybe`, as django-filter does for HTML forms): such requests are still sent and
            # their answers checked, only not required to be refused.
            "negative_data_rejection": {"enabled": False},
        },
    }
)


def _schema() -> dict:
    """The schema /api/schema/ serves (test_the_checked_schema_is_the_served_one), made without a
    request: the tests are collected before there is a database to answer one."""
    generated = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


class Kavshiri:
    """Kavshiri as a WSGI server runs it, for schemathesis to call. Django's handler is made in
    each test (the `kavshiri` fixture): middleware reads some settings once, when it is made,
    and the tests change them."""

    handler: WSGIHandler | None = None

    def __call__(self, environ, start_response):
        return self.handler(environ, start_response)


KAVSHIRI = Kavshiri()
schema = schemathesis.openapi.from_dict(_schema(), config=CONFIG)
schema.app = KAVSHIRI


@pytest.fixture
def kavshiri(monkeypatch):
    # Like Django's test client, leave the database connection open after each request:
    # closing it would end the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    monkeypatch.setattr(KAVSHIRI, "handler", WSGIHandler())
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _throttles_out_of_the_way(monkeypatch):
    # Thousands of requests a minute from one caller; throttling has its own tests (test_throttling.py).
    rates = {"anon": "1000000/minute", "user": "1000000/minute"}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture
def dataset():
    demo_seed(organisations=30)


@pytest.fixture
def caller(role, user_in_role):
    """The headers of each role's requests: none for the anonymous, a token for the others."""
    if role == ANONYMOUS:
        return {}
    user = user_in_role(role)
    if role == "partner":
        PartnershipFactory(organisations=[user.partner_account.organisation])
    _token, secret = token_create(user=user, name="schemathesis")
    return {"Authorization": f"Token {secret}"}


@schema.parametrize()
@pytest.mark.parametrize("role", [ANONYMOUS, *ROLES])
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_answer_keeps_to_the_schema(case, role, caller, dataset, kavshiri):
    case.call_and_validate(base_url=BASE_URL, headers=caller)


def test_the_checked_schema_is_the_served_one(api):
    served = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert json.loads(served.content) == schema.raw_schema


def test_every_operation_documents_its_refusals():
    operations = {path: item["get"] for path, item in schema.raw_schema["paths"].items()}
    assert set(operations["/api/v1/invoices/"]["responses"]) == {"200", "400", "401", "403", "404", "429", "503"}
    assert set(operations["/api/v1/invoices/{id}/"]["responses"]) == {"200", "401", "403", "404", "429", "503"}
    # Public: a bad token is still a 401, but no role is refused.
    assert set(operations["/api/v1/regions/"]["responses"]) == {"200", "401", "404", "429", "503"}
    assert set(operations["/api/v1/directory/"]["responses"]) == {"200", "400", "401", "404", "429", "503"}
    error = operations["/api/v1/invoices/"]["responses"]["403"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}


def test_prices_are_documented_as_absent_for_staff():
    components = schema.raw_schema["components"]["schemas"]
    assert components["Service"]["additionalProperties"] is False
    assert components["Delivery"]["additionalProperties"] is False


# Sent to every parameter of every list, by an admin, who reaches every filter.
ODD_VALUES = ["\x00", "9" * 30, "2026-02-30", "1.5"]
LISTS = {path: item["get"] for path, item in schema.raw_schema["paths"].items() if "{id}" not in path}
DETAILS = {path: item["get"] for path, item in schema.raw_schema["paths"].items() if "{id}" in path}


def _answered_as_documented(response, operation) -> bool:
    return (
        str(response.status_code) in operation["responses"] and response["Content-Type"] == "application/json"
    )


@pytest.fixture
def admin_api(user_in_role, token_client, dataset):
    client = token_client(user_in_role("admin"))
    client.raise_request_exception = False  # a crash is a 500 to look at, as a client gets it
    return client


@pytest.mark.parametrize("path", LISTS)
def test_odd_filter_values_are_answered_as_documented(admin_api, path):
    operation = LISTS[path]
    for parameter in operation["parameters"]:
        for value in ODD_VALUES:
            response = admin_api.get(path, {parameter["name"]: value, "page_size": 1})
            assert _answered_as_documented(response, operation), (parameter["name"], value)
        response = admin_api.get(path, QUERY_STRING=f"{parameter['name']}=%FF%FE&page_size=1")
        assert _answered_as_documented(response, operation), (parameter["name"], "not UTF-8")


@pytest.mark.parametrize("path", DETAILS)
def test_odd_ids_are_answered_as_documented(admin_api, path):
    for odd in ["9" * 30, "1.5", "%FF", "%00", "１", "a/b"]:
        response = admin_api.get(path.replace("{id}", odd))
        assert _answered_as_documented(response, DETAILS[path]), odd


@pytest.mark.parametrize("path", ["/api/v1/organisations/", "/api/v1/contacts/", "/api/v1/directory/"])
def test_a_search_of_a_thousand_words_is_answered(admin_api, path):
    words = " ".join(f"w{number}" for number in range(1000))  # distinct: each could be a condition
    response = admin_api.get(path, {"q": words})
    assert response.status_code == 200
