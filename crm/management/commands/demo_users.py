from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from crm.demo import DEMO_USERS, demo_users_ensure


class Command(BaseCommand):
    help = "Create one demo user per role (admin, manager, staff, partner) and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Create them even with DEBUG off (their passwords are public).",
        )

    def handle(self, *args, allow_production, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Demo users have public passwords; with DEBUG off pass --allow-production."
            )
        demo_users_ensure()
        self.stdout.write("Log in at /accounts/login/ as:")
        for username, role, *_ in DEMO_USERS:
            self.stdout.write(f"  {username:<8} password kavshiri-{username}   ({role or 'admin'})")
