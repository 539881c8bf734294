"""docker-compose.yml has the production shape. Validated by parsing: no Docker engine needed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

COMPOSE_FILE = Path(__file__).resolve().parent.parent / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")
MAIL_CATCHER_IMAGES = ("axllent/mailpit", "mailhog/mailhog")


@pytest.fixture(scope="module")
def compose() -> dict:
    # safe_load resolves the YAML anchors and merge keys (x-environment, x-app).
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def environment(service: dict) -> dict[str, str]:
    """A service's environment as a dict, whether written as a mapping or a KEY=VALUE list."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {key: ("" if value is None else str(value)) for key, value in env.items()}


def mail_catcher_name(services: dict) -> str | None:
    for name, service in services.items():
        if str(service.get("image", "")).split(":")[0] in MAIL_CATCHER_IMAGES:
            return name
    return None


def test_all_services_exist(services):
    for name in ("postgres", "redis", *APP_SERVICES):
        assert name in services, f"service {name!r} missing"
    assert mail_catcher_name(services) is not None, "no mail catcher service"


def test_backing_images(services):
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")


def test_app_services_share_database_and_broker(services):
    envs = {name: environment(services[name]) for name in APP_SERVICES}
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY", "EMAIL_URL"):
        values = {name: env.get(key) for name, env in envs.items()}
        assert all(values.values()), f"{key} missing in {values}"
        assert len(set(values.values())) == 1, f"{key} differs between services: {values}"

    web = envs["web"]
    assert re.fullmatch(
        r"postgres://kavshiri:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432/kavshiri",
        web["DATABASE_URL"],
    ), web["DATABASE_URL"]
    assert web["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert web["DJANGO_DEBUG"] == "false"


def test_email_goes_to_the_mail_catcher_by_default(services):
    catcher = mail_catcher_name(services)
    assert f"smtp://{catcher}:1025" in environment(services["web"])["EMAIL_URL"]


def test_secrets_are_required_without_defaults(services):
    secret = environment(services["web"])["DJANGO_SECRET_KEY"]
    # ${VAR:?message} makes compose refuse to start when the variable is unset or empty.
    assert re.fullmatch(r"\$\{DJANGO_SECRET_KEY:\?[^}]*\}", secret), secret
    password = environment(services["postgres"])["POSTGRES_PASSWORD"]
    assert re.fullmatch(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", password), password


def test_secure_cookies_off_only_by_overridable_default(services):
    env = environment(services["web"])
    assert env["DJANGO_SECURE_COOKIES"] == "${DJANGO_SECURE_COOKIES:-false}"
    assert env["DJANGO_ALLOWED_HOSTS"] == "${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1}"


def test_app_services_run_the_right_commands(services):
    def command(name: str) -> str:
        cmd = services[name]["command"]
        return " ".join(cmd) if isinstance(cmd, list) else cmd

    web = command("web")
    assert "manage.py migrate --noinput" in web
    assert web.index("migrate") < web.index("gunicorn config.wsgi:application")
    assert "0.0.0.0:8000" in web
    assert "celery -A config worker" in command("worker")
    beat = command("beat")
    assert "celery -A config beat" in beat
    assert "--schedule /app/var/" in beat
    for name in APP_SERVICES:
        assert services[name].get("build"), f"{name} must be buildable, not pulled"
        assert services[name]["image"] == services["web"]["image"]


def test_web_healthcheck_probes_healthz(services):
    web = services["web"]
    test = web["healthcheck"]["test"]
    assert isinstance(test, list) and test[0] == "CMD"
    assert test[1] == "python" and test[2] == "-c"
    code = test[3]
    assert "/healthz" in code
    assert "$" not in code, "compose would interpolate a bare $"
    compile(code, "<healthcheck>", "exec")  # valid Python
    assert "8000:8000" in [str(port) for port in web["ports"]]


def test_web_waits_for_healthy_backing_services(services):
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["redis"]["condition"] == "service_healthy"
    assert services["web"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_backing_service_healthchecks(services):
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]


def test_postgres_data_is_a_named_volume(compose, services):
    volumes = [str(v).split(":") for v in services["postgres"]["volumes"]]
    named = [source for source, *_ in volumes if not source.startswith((".", "/"))]
    assert named, "postgres data must be a named volume"
    for source in named:
        assert source in (compose.get("volumes") or {})


def test_mail_catcher_ui_published(services):
    catcher = services[mail_catcher_name(services)]
    assert any(str(port).endswith("8025:8025") for port in catcher["ports"])
