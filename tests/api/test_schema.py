"""The OpenAPI 3 schema at /api/schema/ and the docs page at /api/docs/: for anyone, no CDN."""

import json

import pytest
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

RESOURCES = [
    "organisations",
    "contacts",
    "interactions",
    "follow-ups",
    "services",
    "deliveries",
    "invoices",
    "payments",
    "partnerships",
    "regions",
    "municipalities",
    "directory",
]


@pytest.fixture
def schema(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_the_schema_lists_every_resource_read_only(schema):
    for resource in RESOURCES:
        assert set(schema["paths"][f"/api/v1/{resource}/"]) == {"get"}
        assert set(schema["paths"][f"/api/v1/{resource}/{{id}}/"]) == {"get"}


def test_the_schema_documents_token_authentication(schema):
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert token["type"] == "http" and token["scheme"] == "bearer"
    assert "Authorization: Token" in token["description"]
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/invoices/"]["get"]["security"]


def test_prices_are_documented_as_only_for_some(schema):
    service = schema["components"]["schemas"]["ServiceForCaller"]
    assert [option["$ref"].rsplit("/", 1)[1] for option in service["oneOf"]] == [
        "ServiceWithMoney",
        "Service",
    ]


def test_the_directory_documents_hidden_sections_as_null(schema):
    entry = schema["components"]["schemas"]["DirectoryEntry"]["properties"]
    for section in ["contact_details", "themes", "target_groups", "people", "sharing"]:
        assert entry[section]["nullable"] is True, section


def test_the_docs_page_serves_swagger_ui_from_kavshiri_itself(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    # Swagger's start-up script is a file of its own, not inline, and it loads our schema.
    assert '<script src="/api/docs/?script="></script>' in page
    assert "SwaggerUIBundle(" not in page
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and "/api/schema/" in script.content.decode()
    assert "cdn." not in page and "https://" not in page
    assert (
        client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
    )
