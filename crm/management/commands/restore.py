from pathlib import Path

import environ
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crm.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty database (created when "
        "missing), then check every table's row count against the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The backup's directory.")
        parser.add_argument(
            "--database-url",
            help="Restore into this database instead of DATABASE_URL's (e.g. a new one to rehearse).",
        )

    def handle(self, *args, backup, database_url, **options):
        database = environ.Env.db_url_config(database_url) if database_url else settings.DATABASES["default"]
        try:
            restored = backup_restore(backup, database=database)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {restored.tables} tables, {restored.rows:,} rows and {restored.media_files} media "
                f"files into {restored.database}; every table's count matches the backup."
            )
        )
