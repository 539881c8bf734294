"""Data for bench.directory: organisations with mixed sharing choices, their themes and people.

Steps of `directory_data_ensure(organisations=N)`:
1. if the database already holds exactly N organisations, keep them: reruns start at once;
2. otherwise empty organisations, people and what hangs on them (TRUNCATE … CASCADE: in a
   benchmark database, invoices and interactions go too; bench.common has already refused a
   database not named for benchmarks);
3. build, in memory, N organisations named in both scripts from the demo's vocabulary
   (crm/demo.py), three in five in Imereti and the rest across every other region, with
   every sharing choice mixed among public, partners and staff; 1–3 themes and 0–2 target
   groups each; 0–3 people each, some who consented to the directory and some who did not,
   some whose affiliation has ended;
4. write them with the models' bulk_create, which fills the search key
   (crm/models/organisations.py: SearchKeyQuerySet), in one transaction; no history rows:
   the directory never reads them;
5. VACUUM ANALYZE, so the planner knows the new sizes. The small tables migrations fill
   (regions, municipalities, themes, target groups) are analysed on every run, reused or not.

crm.demo.demo_seed is not used: its sharing choices are fixed (no profile kept to staff, no
contact details made public, people never shared), and it writes history rows, interactions
and invoices the directory does not read.

The partner who looks at the directory is made by `partner_ensure`: a user in the "partner"
group with an active PartnerAccount, moved to whichever organisation the benchmark names.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction

from bench.common import BenchError
from config.roles import PARTNER
from crm.demo import (
    FIRST_NAMES,
    IMERETI,
    LAST_NAMES,
    MOBILE_PREFIXES,
    ORG_KINDS,
    ORG_QUALITIES,
    ROLES,
    genitive,
)
from crm.models import Affiliation, Contact, LegalForm, Organisation, TargetGroup, Theme, Visibility
from network.models import Municipality, PartnerAccount

BATCH = 5000
TODAY = date(2026, 10, 31)
IMERETI_SHARE = 0.6
BRANDED_SHARE = 0.3
ACTIVE_SHARE = 0.95
PARTNER_USERNAME = "bench-partner"
# Weights of public, partners and staff for each section.
SHARING_WEIGHTS = {
    "share_profile": (35, 50, 15),
    "share_contact_details": (20, 40, 40),
    "share_themes": (40, 45, 15),
    "share_people": (15, 35, 50),
}
VISIBILITIES = (Visibility.PUBLIC, Visibility.PARTNERS, Visibility.STAFF)
PEOPLE_WEIGHTS = (15, 35, 30, 20)  # organisations with 0, 1, 2 and 3 people
DIRECTORY_CONSENT_SHARE = 0.4
ENDED_AFFILIATION_SHARE = 0.15
# Names organisations give themselves, written in quotes after what they are: (Georgian, Latin).
BRANDS = [
    ("თანადგომა", "Tanadgoma"),
    ("ნაბიჯი", "Nabiji"),
    ("იმედი", "Imedi"),
    ("ხიდი", "Khidi"),
    ("მზიური", "Mziuri"),
    ("ახალი თაობა", "Akhali Taoba"),
    ("ათინათი", "Atinati"),
    ("სათანადო", "Satanado"),
    ("ერთობა", "Ertoba"),
    ("ჩვენი სოფელი", "Chveni Sopeli"),
    ("მწვანე ქალაქი", "Mtsvane Kalaki"),
    ("ღია კარი", "Ghia Kari"),
]
STREETS = ["რუსთაველის", "ჭავჭავაძის", "წერეთლის", "თამარ მეფის", "აღმაშენებლის", "ნინოშვილის"]
LEGAL_FORMS = ([LegalForm.NNLE, LegalForm.LLC, LegalForm.LEPL, LegalForm.INFORMAL], [85, 6, 5, 4])
# Emptied before a new seed; CASCADE takes every table that refers to them.
DIRECTORY_TABLES = ["crm_organisation", "crm_contact", "crm_historicalorganisation", "crm_historicalcontact"]
SEEDED_TABLES = [
    "crm_organisation",
    "crm_organisation_themes",
    "crm_organisation_target_groups",
    "crm_contact",
    "crm_affiliation",
    "network_partneraccount",
]
SMALL_TABLES = ["network_region", "network_municipality", "crm_theme", "crm_targetgroup"]


@dataclass
class SeedOutcome:
    reused: bool
    seconds: float
    organisations: int
    active: int
    imereti: int
    contacts: int
    consenting: int
    affiliations: int
    theme_links: int


def directory_data_ensure(*, organisations: int, seed: int = 2026) -> SeedOutcome:
    if organisations < 100:
        raise BenchError("Seed at least 100 organisations.")
    # Tables of a few rows loaded by migrations: autovacuum never analyses one under 50 rows,
    # and without statistics the planner guesses 80 themes and one municipality per region.
    _analyse(SMALL_TABLES, vacuum=False)
    if Organisation.objects.count() == organisations:
        return _outcome(reused=True, seconds=0.0)
    started = time.monotonic()
    with transaction.atomic():
        _directory_tables_empty()
        DirectorySeeder(rng=random.Random(seed)).seed(organisations)
    _analyse(SEEDED_TABLES, vacuum=True)
    return _outcome(reused=False, seconds=time.monotonic() - started)


def partner_ensure(organisation_id: int):
    """The benchmark's partner: in the partner group, acting for `organisation_id`."""
    user, created = get_user_model().objects.get_or_create(
        username=PARTNER_USERNAME,
        defaults={"first_name": "თამარ", "last_name": "ჯაფარიძე", "email": "partner@bench.example"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=PARTNER))
    PartnerAccount.objects.update_or_create(
        user=user, defaults={"organisation_id": organisation_id, "status": PartnerAccount.Status.ACTIVE}
    )
    return get_user_model().objects.get(pk=user.pk)


def _outcome(*, reused: bool, seconds: float) -> SeedOutcome:
    return SeedOutcome(
        reused=reused,
        seconds=seconds,
        organisations=Organisation.objects.count(),
        active=Organisation.objects.filter(is_active=True).count(),
        imereti=Organisation.objects.filter(municipality__region__code=IMERETI).count(),
        contacts=Contact.objects.count(),
        consenting=Contact.objects.filter(directory_consent=True).count(),
        affiliations=Affiliation.objects.count(),
        theme_links=Organisation.themes.through.objects.count(),
    )


def _directory_tables_empty() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(DIRECTORY_TABLES)} RESTART IDENTITY CASCADE")
        else:
            Organisation.objects.all().delete()
            Contact.objects.all().delete()


def _analyse(tables: list[str], *, vacuum: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"{'VACUUM ' if vacuum else ''}ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")


class DirectorySeeder:
    def __init__(self, *, rng: random.Random):
        self.rng = rng
        municipalities = list(Municipality.objects.select_related("region"))
        self.imereti = [m for m in municipalities if m.region.code == IMERETI]
        self.elsewhere = [m for m in municipalities if m.region.code != IMERETI]
        self.themes = list(Theme.objects.all())
        self.target_groups = list(TargetGroup.objects.all())
        if not (self.imereti and self.elsewhere and self.themes and self.target_groups):
            raise BenchError("Geography and vocabulary are missing: are the migrations applied?")

    def seed(self, count: int) -> None:
        codes = iter(self.rng.sample(range(200_000_000, 450_000_000), count))
        organisations = [self._organisation(index, next(codes)) for index in range(count)]
        Organisation.objects.bulk_create(organisations, batch_size=BATCH)
        self._classify(organisations)
        self._people(organisations)

    def _municipality(self, index: int) -> Municipality:
        # Every Imereti unit gets some before any repeats; then three in five are in Imereti.
        if index < len(self.imereti):
            return self.imereti[index]
        if self.rng.random() < IMERETI_SHARE:
            return self.rng.choice(self.imereti)
        return self.rng.choice(self.elsewhere)

    def _names(self, municipality: Municipality) -> tuple[str, str]:
        quality_ka, quality_en = self.rng.choice(ORG_QUALITIES)
        kind_ka, kind_en = self.rng.choice(ORG_KINDS)
        if self.rng.random() < BRANDED_SHARE:
            brand_ka, brand_en = self.rng.choice(BRANDS)
            return f"{quality_ka} {kind_ka} „{brand_ka}“", f"{quality_en} {kind_en} “{brand_en}”"
        return (
            f"{genitive(municipality.name_ka)} {quality_ka} {kind_ka}",
            f"{municipality.name_en} {quality_en} {kind_en}",
        )

    def _sharing(self) -> dict[str, str]:
        return {name: self.rng.choices(VISIBILITIES, weights)[0] for name, weights in SHARING_WEIGHTS.items()}

    def _mobile(self) -> str:
        return f"+995{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**6):06d}"

    def _organisation(self, index: int, code: int) -> Organisation:
        municipality = self._municipality(index)
        name, name_latin = self._names(municipality)
        legal_form = self.rng.choices(*LEGAL_FORMS)[0]
        slug = f"org{code}"
        return Organisation(
            name=name,
            name_latin=name_latin,
            legal_form=legal_form,
            # Informal groups are not registered, so they have no code.
            identification_code=None if legal_form == LegalForm.INFORMAL else str(code),
            founding_year=self.rng.randrange(1995, TODAY.year + 1),
            municipality=municipality,
            address=f"{municipality.name_ka}, {self.rng.choice(STREETS)} ქ. {self.rng.randrange(1, 120)}",
            phone=self._mobile(),
            email=f"info@{slug}.example.ge",
            website=f"https://{slug}.example.ge" if self.rng.random() < 0.6 else "",
            description=f"{name} მუშაობს {genitive(municipality.name_ka)} მოსახლეობასთან.",
            is_partner=self.rng.random() < 0.1,
            is_active=self.rng.random() < ACTIVE_SHARE,
            **self._sharing(),
        )

    def _classify(self, organisations: list[Organisation]) -> None:
        ThemeLink = Organisation.themes.through
        GroupLink = Organisation.target_groups.through
        theme_links, group_links = [], []
        for organisation in organisations:
            for theme in self.rng.sample(self.themes, self.rng.randint(1, 3)):
                theme_links.append(ThemeLink(organisation_id=organisation.pk, theme_id=theme.pk))
            for group in self.rng.sample(self.target_groups, self.rng.randint(0, 2)):
                group_links.append(GroupLink(organisation_id=organisation.pk, targetgroup_id=group.pk))
        ThemeLink.objects.bulk_create(theme_links, batch_size=BATCH)
        GroupLink.objects.bulk_create(group_links, batch_size=BATCH)

    def _people(self, organisations: list[Organisation]) -> None:
        contacts, owners = [], []
        for organisation in organisations:
            for _ in range(self.rng.choices(range(len(PEOPLE_WEIGHTS)), PEOPLE_WEIGHTS)[0]):
                first_ka, first_en = self.rng.choice(FIRST_NAMES)
                last_ka, last_en = self.rng.choice(LAST_NAMES)
                contacts.append(
                    Contact(
                        first_name=first_ka,
                        last_name=last_ka,
                        name_latin=f"{first_en} {last_en}",
                        email=f"{first_en.lower()}.{last_en.lower()}.{len(contacts)}@example.ge",
                        phone=self._mobile(),
                        directory_consent=self.rng.random() < DIRECTORY_CONSENT_SHARE,
                        is_active=self.rng.random() < ACTIVE_SHARE,
                    )
                )
                owners.append(organisation.pk)
        Contact.objects.bulk_create(contacts, batch_size=BATCH)
        affiliations, seen = [], set()
        for contact, organisation_id in zip(contacts, owners, strict=True):
            start = TODAY - timedelta(days=self.rng.randrange(60, 3000))
            ended = self.rng.random() < ENDED_AFFILIATION_SHARE
            affiliations.append(
                Affiliation(
                    contact_id=contact.pk,
                    organisation_id=organisation_id,
                    role=self.rng.choice(ROLES),
                    start_date=start,
                    end_date=min(TODAY, start + timedelta(days=self.rng.randrange(30, 700)))
                    if ended
                    else None,
                    is_primary=organisation_id not in seen,
                )
            )
            seen.add(organisation_id)
        Affiliation.objects.bulk_create(affiliations, batch_size=BATCH)
