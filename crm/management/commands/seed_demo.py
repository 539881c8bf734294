import time

from django.core.management.base import BaseCommand, CommandError

from crm.demo import demo_seed
from crm.models import Organisation


class Command(BaseCommand):
    help = "Fill the database with realistic demo data (bulk writes; 10,000 organisations in seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--orgs", type=int, default=200, help="How many organisations to add.")
        parser.add_argument("--people-per-org", type=int, default=3)
        parser.add_argument("--interactions-per-org", type=int, default=3)
        parser.add_argument("--seed", type=int, default=2026, help="Random seed, for repeatable data.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when organisations already exist."
        )

    def handle(self, *args, orgs, people_per_org, interactions_per_org, seed, if_empty, **options):
        if orgs < 1:
            raise CommandError("--orgs must be at least 1.")
        if if_empty and Organisation.objects.exists():
            self.stdout.write("Organisations already exist; demo data left as it is.")
            return
        started = time.monotonic()
        report = demo_seed(
            organisations=orgs,
            people_per_organisation=people_per_org,
            interactions_per_organisation=interactions_per_org,
            seed=seed,
        )
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {report.organisations} organisations, {report.contacts} people, "
                f"{report.interactions} interactions, {report.follow_ups} follow-ups, "
                f"{report.deliveries} deliveries, {report.invoices} invoices, "
                f"{report.payments} payments in {elapsed:.1f}s."
            )
        )
