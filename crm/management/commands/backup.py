from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from crm.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database (pg_dump, or SQLite's backup API) and media into one directory."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Directory to create (default var/backups/<UTC time>).")

    def handle(self, *args, output, **options):
        try:
            directory = backup_create(directory=output)
        except (BackupError, FileExistsError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up to {directory}"))
