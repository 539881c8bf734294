import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthy_when_database_and_broker_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_503_when_the_broker_is_down(client, monkeypatch):
    from kombu import Connection

    from config import health

    # Nothing listens on port 1: the connection is refused at once.
    monkeypatch.setattr(health, "broker_connection", lambda: Connection("redis://127.0.0.1:1/0"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "down"}


def test_503_when_the_database_is_down(client, monkeypatch):
    from config import health

    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "down"


def test_healthz_needs_no_login_and_is_not_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_host_not_allowed_is_a_400_not_a_500(client):
    client.raise_request_exception = False
    assert client.get("/api/v1/regions/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/organisations/", HTTP_HOST="evil.example").status_code == 400
