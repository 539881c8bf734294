"""Backups of the whole system, and restoring one into an empty database.

A backup is one directory, var/backups/<UTC time>/ unless told otherwise, holding:
- database.dump: `pg_dump --format=custom` of PostgreSQL, or database.sqlite3: a copy of
  SQLite made through its online backup API (consistent while others write);
- media.tar.gz: the uploaded files under MEDIA_ROOT, when there are any (today Kavshiri
  keeps imports in the database, so there usually are none);
- manifest.json: when, from which revision and database, and how many rows each table
  held, so that a restore can prove it brought everything back.

`backup_restore` restores into an empty database only (created when missing), never over
live data: restoring is for a new server or a rehearsal, and overwriting by mistake would
be the worst outcome of all. After restoring it counts the rows again and compares them
with the manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

DUMP_NAME = "database.dump"
SQLITE_NAME = "database.sqlite3"
MEDIA_NAME = "media.tar.gz"
MANIFEST_NAME = "manifest.json"
POSTGRES = "postgresql"


class BackupError(Exception):
    """A backup or a restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Target:
    """A database to back up or restore into: the vendor and how to reach it."""

    vendor: str
    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def of(cls, database: dict) -> Target:
        vendor = POSTGRES if "postgresql" in database["ENGINE"] else "sqlite"
        return cls(
            vendor,
            str(database["NAME"]),
            str(database.get("HOST") or ""),
            str(database.get("PORT") or ""),
            str(database.get("USER") or ""),
            str(database.get("PASSWORD") or ""),
        )

    def connection_arguments(self, dbname: str | None = None) -> list[str]:
        arguments = [f"--dbname={dbname or self.name}"]
        arguments += [f"--host={self.host}"] if self.host else []
        arguments += [f"--port={self.port}"] if self.port else []
        arguments += [f"--username={self.user}"] if self.user else []
        return arguments

    def environment(self) -> dict[str, str]:
        # The password travels in the environment, never on a command line others can read.
        return {**os.environ, **({"PGPASSWORD": self.password} if self.password else {})}


# -- backing up ----------------------------------------------------------------------------------
def backup_create(*, directory: Path | None = None) -> Path:
    """Back the database and media up into a new directory; returns it."""
    target = Target.of(connection.settings_dict)
    stamp = datetime.now(UTC)
    directory = directory or Path(settings.BASE_DIR) / "var" / "backups" / stamp.strftime("%Y%m%dT%H%M%SZ")
    directory.mkdir(parents=True, exist_ok=False)
    counts = table_counts()
    if target.vendor == POSTGRES:
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              f"--file={directory / DUMP_NAME}", *target.connection_arguments()], target)  # fmt: skip
    else:
        _sqlite_copy(directory / SQLITE_NAME)
    media = _media_archive(directory / MEDIA_NAME)
    manifest = {
        "created_at": stamp.isoformat(timespec="seconds"),
        "vendor": target.vendor,
        "database": target.name if target.vendor == POSTGRES else Path(target.name).name,
        "media_files": media,
        "tables": counts,
    }
    (directory / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return directory


def table_counts(using=None) -> dict[str, int]:
    """Rows in every table of the database, by table name."""
    using = using or connection
    with using.cursor() as cursor:
        names = sorted(using.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {using.ops.quote_name(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _sqlite_copy(destination: Path) -> None:
    connection.ensure_connection()
    with sqlite3.connect(destination) as copy:
        connection.connection.backup(copy)


def _media_archive(destination: Path) -> int:
    """Archive MEDIA_ROOT when it holds files; how many it held."""
    media_root = Path(settings.MEDIA_ROOT) if settings.MEDIA_ROOT else None
    files = [path for path in media_root.rglob("*") if path.is_file()] if media_root and media_root.is_dir() else []
    if files:
        with tarfile.open(destination, "w:gz") as archive:
            archive.add(media_root, arcname=".")
    return len(files)


def _run(command: list[str], target: Target) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    finished = subprocess.run(command, env=target.environment(), capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise BackupError(f"{command[0]} failed: {finished.stderr.strip()}")


# -- restoring -----------------------------------------------------------------------------------
@dataclass
class Restored:
    database: str
    tables: int
    rows: int
    media_files: int


def backup_restore(directory: Path, *, database: dict) -> Restored:
    """Restore a backup into `database` (settings-style dict), which must be empty."""
    manifest = _manifest_read(directory)
    target = Target.of(database)
    if manifest["vendor"] != target.vendor:
        raise BackupError(f"This backup is of {manifest['vendor']}; it cannot be restored into {target.vendor}.")
    if target.vendor == POSTGRES:
        _postgres_restore(directory / DUMP_NAME, target)
    else:
        _sqlite_restore(directory / SQLITE_NAME, Path(target.name))
    found = _restored_counts(database)
    expected = manifest["tables"]
    if found != expected:
        differ = sorted(name for name in set(found) | set(expected) if found.get(name) != expected.get(name))
        raise BackupError(f"The restored database differs from the backup in: {', '.join(differ)}.")
    media_files = _media_restore(directory / MEDIA_NAME)
    return Restored(target.name, len(found), sum(found.values()), media_files)


def _manifest_read(directory: Path) -> dict:
    path = directory / MANIFEST_NAME
    if not path.is_file():
        raise BackupError(f"{directory} is not a backup: it has no {MANIFEST_NAME}.")
    return json.loads(path.read_text(encoding="utf-8"))


def _postgres_restore(dump: Path, target: Target) -> None:
    _postgres_database_create_if_missing(target)
    tables = _psql_value(target, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'")
    if tables != "0":
        raise BackupError(f"Database {target.name} is not empty ({tables} tables); restore into an empty one.")
    _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          *target.connection_arguments(), str(dump)], target)  # fmt: skip


def _postgres_database_create_if_missing(target: Target) -> None:
    exists = _psql_value(target, f"SELECT 1 FROM pg_database WHERE datname = '{_literal(target.name)}'", dbname="postgres")
    if not exists:
        _run(["createdb", *target.connection_arguments()[1:], target.name], target)


def _psql_value(target: Target, sql: str, *, dbname: str | None = None) -> str:
    if shutil.which("psql") is None:
        raise BackupError("psql is not installed (Debian: apt-get install postgresql-client).")
    finished = subprocess.run(
        ["psql", "--no-psqlrc", "--tuples-only", "--no-align", "--command", sql, *target.connection_arguments(dbname)],
        env=target.environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise BackupError(f"psql failed: {finished.stderr.strip()}")
    return finished.stdout.strip()


def _literal(value: str) -> str:
    return value.replace("'", "''")


def _sqlite_restore(copy: Path, destination: Path) -> None:
    if destination.exists() and destination.stat().st_size > 0:
        raise BackupError(f"{destination} already exists; restore into a new file.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(copy, destination)


def _restored_counts(database: dict) -> dict[str, int]:
    from django.db.utils import ConnectionHandler

    handler = ConnectionHandler({"default": {**connection.settings_dict, **database}})
    restored = handler["default"]
    try:
        return table_counts(using=restored)
    finally:
        restored.close()


def _media_restore(archive: Path) -> int:
    if not archive.exists():
        return 0
    if not settings.MEDIA_ROOT:
        raise BackupError("The backup holds media files but MEDIA_ROOT is not set here.")
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        members = [member for member in tar.getmembers() if member.isfile()]
        # "data" refuses absolute paths, links out of the tree and device files.
        tar.extractall(media_root, filter="data")
    return len(members)
