import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _import_settings(env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.DATABASES['default']['ENGINE'])"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_no_secret_default_outside_debug():
    result = _import_settings({})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_runs_with_nothing_configured_on_sqlite():
    result = _import_settings({"DJANGO_DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_database_url_switches_to_postgresql():
    result = _import_settings({"DJANGO_SECRET_KEY": "x", "DATABASE_URL": "postgres://u@127.0.0.1:5432/k"})
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path, django_db_blocker):
    """The options the settings give SQLite, applied to a fresh file, give WAL."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    options = _embedded_sqlite_options()
    assert options["transaction_mode"] == "IMMEDIATE"
    wrapper = DatabaseWrapper({**settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3",
                               "NAME": str(tmp_path / "wal.sqlite3"), "OPTIONS": options,
                               "TEST": {}}, alias="wal-check")
    with django_db_blocker.unblock(), wrapper.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    wrapper.close()
    assert sqlite3.connect(tmp_path / "wal.sqlite3").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _embedded_sqlite_options():
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(repr(s.DATABASES['default']['OPTIONS']))"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DJANGO_DEBUG": "true"},
        capture_output=True,
        text=True,
        check=True,
    )
    return eval(result.stdout)  # noqa: S307 - our own settings' repr of a dict of literals


def test_celery_defaults_to_a_broker_without_server():
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.CELERY_BROKER_URL)"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"} | {"DJANGO_DEBUG": "true"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "filesystem://"


def test_a_yes_no_setting_that_is_neither_stops_the_start():
    result = _import_settings({"DJANGO_DEBUG": "ture"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr and "yes/no" in result.stderr


def test_email_url_configures_smtp():
    for url, tls in [("smtp://mailpit:1025", False), ("smtp+tls://u:p@smtp.example.org:587", True)]:
        result = subprocess.run(
            [sys.executable, "-c", "import config.settings as s; o = s.MAILERS['default']['OPTIONS']; "
             "print(o['host'], o['port'], o['use_tls'])"],
            cwd=ROOT,
            env={k: v for k, v in os.environ.items()} | {"DJANGO_DEBUG": "true", "EMAIL_URL": url},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[2] == str(tls)
