"""`manage.py backup` then `manage.py restore` into an empty database brings every row back."""

import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from crm.backups import MANIFEST_NAME, table_counts
from crm.demo import demo_seed
from crm.models import Invoice, Organisation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def empty_database(tmp_path):
    """Settings for a database that does not exist yet; dropped afterwards on PostgreSQL."""
    settings = dict(connection.settings_dict)
    if connection.vendor == "postgresql":
        settings["NAME"] = f"{settings['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    else:
        settings["NAME"] = str(tmp_path / "restored.sqlite3")
    yield settings
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{settings["NAME"]}" WITH (FORCE)')


def _url(settings: dict) -> str:
    if connection.vendor == "postgresql":
        host = settings.get("HOST") or "localhost"
        port = f":{settings['PORT']}" if settings.get("PORT") else ""
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        return f"postgres://{settings.get('USER') or 'postgres'}{password}@{host}{port}/{settings['NAME']}"
    return f"sqlite:///{settings['NAME']}"


def _restored_rows(settings: dict, sql: str) -> list[tuple]:
    from django.db.utils import ConnectionHandler

    restored = ConnectionHandler({"default": settings})["default"]
    try:
        with restored.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        restored.close()


def test_a_backup_restores_into_an_empty_database_with_the_same_rows(tmp_path, empty_database):
    demo_seed(organisations=25)
    names = sorted(Organisation.objects.values_list("name", flat=True))
    numbers = sorted(Invoice.objects.exclude(number=None).values_list("number", flat=True))
    assert numbers, "the demo data should hold invoices"

    call_command("backup", output=tmp_path / "backup")
    manifest = json.loads((tmp_path / "backup" / MANIFEST_NAME).read_text())
    assert manifest["tables"] == table_counts()

    call_command("restore", str(tmp_path / "backup"), database_url=_url(empty_database))

    restored_names = sorted(row[0] for row in _restored_rows(empty_database, "SELECT name FROM crm_organisation"))
    restored_numbers = sorted(
        row[0] for row in _restored_rows(empty_database, "SELECT number FROM crm_invoice WHERE number IS NOT NULL")
    )
    assert restored_names == names  # Georgian text survives the round trip
    assert restored_numbers == numbers


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, empty_database):
    demo_seed(organisations=3)
    call_command("backup", output=tmp_path / "backup")
    call_command("restore", str(tmp_path / "backup"), database_url=_url(empty_database))

    with pytest.raises(CommandError, match="empty|exists"):
        call_command("restore", str(tmp_path / "backup"), database_url=_url(empty_database))


def test_restore_refuses_a_directory_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="not a backup"):
        call_command("restore", str(tmp_path))
