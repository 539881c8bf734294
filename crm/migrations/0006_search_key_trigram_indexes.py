"""Trigram indexes on the search keys, so that a search by part of a name in either script
does not read every row (PostgreSQL only; SQLite keeps scanning, which is fine at its scale)."""

from django.db import migrations

TABLES = ("crm_organisation", "crm_contact")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_key_trgm ON {table} USING gin (search_key gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_key_trgm")


class Migration(migrations.Migration):
    dependencies = [("crm", "0005_import_batches")]

    operations = [migrations.RunPython(create, drop)]
