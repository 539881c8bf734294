"""Realistic demo data at any scale, written through bulk paths.

Steps of `demo_seed`:
1. make sure the centre itself, the service catalogue and one demo user per role exist;
2. organisations: Georgian names with their Latin forms, every Imereti municipality, partners in
   the other regions, unique 9-digit identification codes, E.164 phones;
3. people affiliated to them (a third consent to newsletters, with when and how);
4. interactions with people and themes, follow-ups on a share of them;
5. deliveries of services; paid ones invoiced (gapless numbers per year) and partly paid.
Each step is one bulk insert per table (in batches), so 10,000 organisations take seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from config.roles import MANAGER, PARTNER, STAFF
from crm.models import (
    Affiliation,
    Contact,
    FollowUp,
    Interaction,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    LegalForm,
    Organisation,
    Payment,
    Service,
    ServiceDelivery,
    TargetGroup,
    Theme,
    Visibility,
)
from crm.money import STANDARD_VAT_RATE, ZERO, round_money
from crm.services import invoice_number
from network.models import Municipality, PartnerAccount

BATCH = 2000
IMERETI = "GE-IM"

CENTRE_NAME_KA = "ქუთაისის სამოქალაქო საზოგადოების რესურსცენტრი"
CENTRE_NAME_EN = "Kutaisi Civil Society Resource Centre"
CENTRE_CODE = "412345670"

# One demo account per role: (username, role, first name, last name). Passwords: kavshiri-<role>.
DEMO_USERS = [
    ("admin", None, "ადმინი", "კავშირი"),
    ("manager", MANAGER, "ნათია", "ბერიძე"),
    ("staff", STAFF, "გიორგი", "კაპანაძე"),
    ("partner", PARTNER, "თამარ", "ჯაფარიძე"),
]

# (Georgian, English) pairs: names are built in both scripts, never transliterated.
ORG_QUALITIES = [
    ("ახალგაზრდული", "Youth"),
    ("ქალთა", "Women's"),
    ("სამოქალაქო", "Civic"),
    ("განვითარების", "Development"),
    ("ინკლუზიური", "Inclusive"),
    ("ევროპული", "European"),
    ("თემის", "Community"),
    ("ეკოლოგიური", "Environmental"),
    ("სოციალური", "Social"),
    ("დემოკრატიის", "Democracy"),
    ("კულტურის", "Culture"),
    ("ინვალიდთა უფლებების", "Disability Rights"),
    ("სოფლის განვითარების", "Rural Development"),
    ("განათლების", "Education"),
]
ORG_KINDS = [
    ("ცენტრი", "Centre"),
    ("ასოციაცია", "Association"),
    ("კავშირი", "Union"),
    ("ფონდი", "Foundation"),
    ("ქსელი", "Network"),
    ("კლუბი", "Club"),
    ("ინიციატივა", "Initiative"),
    ("სახლი", "House"),
    ("ალიანსი", "Alliance"),
    ("პლატფორმა", "Platform"),
    ("ლაბორატორია", "Lab"),
    ("გაერთიანება", "Coalition"),
]
FIRST_NAMES = [
    ("ნინო", "Nino"), ("გიორგი", "Giorgi"), ("მარიამ", "Mariam"), ("დავით", "Davit"),
    ("ანა", "Ana"), ("ლევან", "Levan"), ("თამარ", "Tamar"), ("ნიკა", "Nika"),
    ("ეკა", "Eka"), ("ირაკლი", "Irakli"), ("სალომე", "Salome"), ("ლაშა", "Lasha"),
    ("ქეთევან", "Ketevan"), ("ზურაბ", "Zurab"), ("მაკა", "Maka"), ("გოჩა", "Gocha"),
    ("ნათია", "Natia"), ("ბექა", "Beka"), ("ხათუნა", "Khatuna"), ("თორნიკე", "Tornike"),
]
LAST_NAMES = [
    ("ბერიძე", "Beridze"), ("კაპანაძე", "Kapanadze"), ("გელაშვილი", "Gelashvili"),
    ("მაისურაძე", "Maisuradze"), ("ლომიძე", "Lomidze"), ("ჯაფარიძე", "Japaridze"),
    ("ხარაიშვილი", "Kharaishvili"), ("ნიჟარაძე", "Nizharadze"), ("ჩიქოვანი", "Chikovani"),
    ("წიკლაური", "Tsiklauri"), ("გოგიჩაიშვილი", "Gogichaishvili"), ("შენგელია", "Shengelia"),
    ("ბაქრაძე", "Bakradze"), ("ქავთარაძე", "Kavtaradze"), ("ღლონტი", "Ghlonti"), ("ჭელიძე", "Chelidze"),
]
ROLES = ["თავმჯდომარე", "დირექტორი", "პროექტის მენეჯერი", "ბუღალტერი", "მოხალისე", "კოორდინატორი"]
INTERACTION_SUBJECTS = [
    "შეხვედრა სტრატეგიულ გეგმაზე",
    "კონსულტაცია საგრანტო განაცხადზე",
    "ტრენინგი ადგილობრივ ბიუჯეტზე",
    "ზარი პარტნიორობის შესახებ",
    "ვიზიტი ოფისში",
    "მონაწილეობა საჯარო განხილვაში",
    "Consultation on financial reporting",
    "Call about the youth council",
]
FOLLOW_UP_TITLES = [
    "გაუგზავნე შეხვედრის ოქმი",
    "შეამოწმე ანგარიში",
    "დაურეკე პროექტის შესახებ",
    "მოამზადე ტრენინგის მასალები",
    "Send the training certificates",
]
# (Georgian, English, category, paid, default price, VAT applies)
SERVICE_CATALOGUE = [
    ("ტრენინგი საჯარო მოხელეებისთვის", "Training for public servants", Service.Category.TRAINING, True, "1200.00", True),
    ("ორგანიზაციული განვითარების კონსულტაცია", "Organisational development consulting", Service.Category.CONSULTING, True, "450.00", True),
    ("საჯარო განხილვის ფასილიტაცია", "Facilitation of a public hearing", Service.Category.FACILITATION, True, "800.00", False),
    ("ადგილობრივი საჭიროებების კვლევა", "Local needs assessment", Service.Category.RESEARCH, True, "2500.00", True),
    ("საკონფერენციო დარბაზის ქირა", "Conference hall rental", Service.Category.VENUE, True, "150.00", True),
    ("უფასო კონსულტაცია არასამთავრობოებისთვის", "Free consultation for CSOs", Service.Category.CONSULTING, False, None, False),
    ("ახალგაზრდული ლიდერობის სკოლა", "Youth leadership school", Service.Category.TRAINING, False, None, False),
]
MOBILE_PREFIXES = ["555", "557", "558", "568", "571", "574", "577", "591", "593", "595", "597", "598", "599"]
# Area codes of landlines (Kutaisi 431); others by region where the demo needs one.
KUTAISI_AREA_CODE = "431"


@dataclass
class SeedReport:
    organisations: int = 0
    contacts: int = 0
    interactions: int = 0
    follow_ups: int = 0
    deliveries: int = 0
    invoices: int = 0
    payments: int = 0


def genitive(name_ka: str) -> str:
    """ქუთაისი → ქუთაისის, თერჯოლა → თერჯოლის, წყალტუბო → წყალტუბოს."""
    if name_ka.endswith(("ი", "ა")):
        return name_ka[:-1] + "ის"
    return name_ka + "ს"


def demo_users_ensure() -> dict[str, object]:
    """One user per role, password kavshiri-<role>; existing users keep their passwords."""
    User = get_user_model()
    users = {}
    for username, role, first_name, last_name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@kavshiri.example",
                "is_staff": role in (None, MANAGER, STAFF),
                "is_superuser": role is None,
            },
        )
        if created:
            user.set_password(f"kavshiri-{username}")
            user.save(update_fields=["password"])
        if role:
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    partner_org = Organisation.objects.filter(is_partner=True).exclude(identification_code=CENTRE_CODE).first()
    if partner_org is not None:
        PartnerAccount.objects.get_or_create(user=users["partner"], defaults={"organisation": partner_org})
    return users


def centre_ensure() -> Organisation:
    kutaisi = Municipality.objects.get(region__code=IMERETI, name_en="Kutaisi")
    centre, _ = Organisation.objects.get_or_create(
        identification_code=CENTRE_CODE,
        defaults={
            "name": CENTRE_NAME_KA,
            "name_latin": CENTRE_NAME_EN,
            "legal_form": LegalForm.NNLE,
            "municipality": kutaisi,
            "address": "ქუთაისი, რუსთაველის გამზ. 1",
            "is_partner": True,
            "share_profile": Visibility.PUBLIC,
            "share_contact_details": Visibility.PUBLIC,
            "share_themes": Visibility.PUBLIC,
        },
    )
    return centre


def services_ensure() -> list[Service]:
    services = []
    for name_ka, name_en, category, paid, price, vat in SERVICE_CATALOGUE:
        service, _ = Service.objects.get_or_create(
            name_en=name_en,
            defaults={
                "name_ka": name_ka,
                "category": category,
                "is_paid": paid,
                "default_price": Decimal(price) if price else None,
                "vat_applies": vat,
            },
        )
        services.append(service)
    return services


class DemoSeeder:
    def __init__(self, *, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.municipalities = list(Municipality.objects.select_related("region"))
        self.imereti = [m for m in self.municipalities if m.region.code == IMERETI]
        self.elsewhere = [m for m in self.municipalities if m.region.code != IMERETI]
        self.themes = list(Theme.objects.all())
        self.target_groups = list(TargetGroup.objects.all())
        self.staff_ids = list(
            get_user_model()
            .objects.filter(groups__name__in=[STAFF, MANAGER])
            .values_list("id", flat=True)
            .distinct()
        )
        self.report = SeedReport()

    # -- helpers -----------------------------------------------------------------------------
    def _past_day(self, max_days_ago: int) -> date:
        return self.today - timedelta(days=self.rng.randrange(max_days_ago))

    def _mobile(self) -> str:
        return f"+995{self.rng.choice(MOBILE_PREFIXES)}{self.rng.randrange(10**6):06d}"

    def _unused_codes(self, count: int) -> list[str]:
        taken = set(Organisation.objects.exclude(identification_code=None).values_list("identification_code", flat=True))
        codes: list[str] = []
        while len(codes) < count:
            for number in self.rng.sample(range(200_000_000, 450_000_000), count - len(codes)):
                code = str(number)
                if code not in taken:
                    taken.add(code)
                    codes.append(code)
        return codes

    # -- organisations -----------------------------------------------------------------------
    def organisations(self, count: int) -> list[Organisation]:
        codes = self._unused_codes(count)
        organisations = []
        for index in range(count):
            # Three in four are in Imereti; every Imereti unit gets some before any repeats.
            if index < len(self.imereti):
                municipality = self.imereti[index]
            elif self.rng.random() < 0.75:
                municipality = self.rng.choice(self.imereti)
            else:
                municipality = self.rng.choice(self.elsewhere)
            quality_ka, quality_en = self.rng.choice(ORG_QUALITIES)
            kind_ka, kind_en = self.rng.choice(ORG_KINDS)
            in_imereti = municipality.region.code == IMERETI
            is_partner = (not in_imereti and self.rng.random() < 0.5) or self.rng.random() < 0.05
            slug = f"org{codes[index]}"
            organisations.append(
                Organisation(
                    name=f"{genitive(municipality.name_ka)} {quality_ka} {kind_ka}",
                    name_latin=f"{municipality.name_en} {quality_en} {kind_en}",
                    legal_form=self.rng.choices(
                        [LegalForm.NNLE, LegalForm.LLC, LegalForm.LEPL, LegalForm.INFORMAL], [85, 6, 5, 4]
                    )[0],
                    identification_code=codes[index],
                    founding_year=self.rng.randrange(1995, self.today.year + 1),
                    municipality=municipality,
                    address=f"{municipality.name_ka}, {self.rng.choice(['რუსთაველის', 'ჭავჭავაძის', 'წერეთლის', 'თამარ მეფის'])} ქ. {self.rng.randrange(1, 120)}",
                    phone=(
                        f"+995{KUTAISI_AREA_CODE}{self.rng.randrange(200000, 299999)}"
                        if municipality.name_en == "Kutaisi" and self.rng.random() < 0.4
                        else self._mobile()
                    ),
                    email=f"info@{slug}.example.ge",
                    website=f"https://{slug}.example.ge" if self.rng.random() < 0.6 else "",
                    is_partner=is_partner,
                    is_active=self.rng.random() > 0.05,
                    share_profile=Visibility.PUBLIC if self.rng.random() < 0.3 else Visibility.PARTNERS,
                    share_contact_details=Visibility.PARTNERS if is_partner else Visibility.STAFF,
                )
            )
        organisations = bulk_create_with_history(organisations, Organisation, batch_size=BATCH)
        # bulk_create_with_history may return objects without pks on some backends.
        if organisations and organisations[0].pk is None:
            organisations = list(Organisation.objects.filter(identification_code__in=codes))
        self._classify(organisations)
        self.report.organisations += len(organisations)
        return organisations

    def _classify(self, organisations: list[Organisation]) -> None:
        theme_rows, group_rows = [], []
        ThemeLink = Organisation.themes.through
        GroupLink = Organisation.target_groups.through
        for organisation in organisations:
            for theme in self.rng.sample(self.themes, self.rng.randint(1, 3)):
                theme_rows.append(ThemeLink(organisation_id=organisation.pk, theme_id=theme.pk))
            for group in self.rng.sample(self.target_groups, self.rng.randint(1, 2)):
                group_rows.append(GroupLink(organisation_id=organisation.pk, targetgroup_id=group.pk))
        ThemeLink.objects.bulk_create(theme_rows, batch_size=BATCH)
        GroupLink.objects.bulk_create(group_rows, batch_size=BATCH)

    # -- people --------------------------------------------------------------------------------
    def contacts(self, organisations: list[Organisation], per_organisation: int) -> dict[int, list[int]]:
        start = Contact.objects.count()
        contacts, owners = [], []
        for organisation in organisations:
            for _ in range(self.rng.randint(max(1, per_organisation - 1), per_organisation + 1)):
                first_ka, first_en = self.rng.choice(FIRST_NAMES)
                last_ka, last_en = self.rng.choice(LAST_NAMES)
                serial = start + len(contacts)
                consents = self.rng.random() < 0.35
                consented_at = timezone.make_aware(datetime.combine(self._past_day(900), time(10)))
                contacts.append(
                    Contact(
                        first_name=first_ka,
                        last_name=last_ka,
                        name_latin=f"{first_en} {last_en}",
                        email=f"{first_en.lower()}.{last_en.lower()}.{serial}@example.ge",
                        phone=self._mobile(),
                        preferred_language="en" if self.rng.random() < 0.1 else "ka",
                        newsletter_consent=consents,
                        consent_given_at=consented_at if consents else None,
                        consent_source=self.rng.choice(["form", "event", "staff"]) if consents else "",
                        consent_note="ტრენინგზე დაეთანხმა" if consents else "",
                        directory_consent=self.rng.random() < 0.3,
                    )
                )
                owners.append(organisation.pk)
        contacts = bulk_create_with_history(contacts, Contact, batch_size=BATCH)
        if contacts and contacts[0].pk is None:
            emails = [c.email for c in contacts]
            by_email = dict(Contact.objects.filter(email__in=emails).values_list("email", "pk"))
            for contact in contacts:
                contact.pk = by_email[contact.email]
        affiliations, people_of = [], {}
        for contact, organisation_id in zip(contacts, owners, strict=True):
            first = organisation_id not in people_of
            people_of.setdefault(organisation_id, []).append(contact.pk)
            affiliations.append(
                Affiliation(
                    contact_id=contact.pk,
                    organisation_id=organisation_id,
                    role=self.rng.choice(ROLES),
                    start_date=self._past_day(3000),
                    is_primary=first,
                )
            )
        Affiliation.objects.bulk_create(affiliations, batch_size=BATCH)
        self.report.contacts += len(contacts)
        return people_of

    # -- interactions and follow-ups --------------------------------------------------------------
    def interactions(self, people_of: dict[int, list[int]], per_organisation: int) -> None:
        if not self.staff_ids:
            return
        interactions, attendees = [], []
        for organisation_id, people in people_of.items():
            for _ in range(self.rng.randint(0, 2 * per_organisation)):
                interactions.append(
                    Interaction(
                        organisation_id=organisation_id,
                        staff_id=self.rng.choice(self.staff_ids),
                        kind=self.rng.choice(Interaction.Kind.values),
                        occurred_on=self._past_day(1100),
                        subject=self.rng.choice(INTERACTION_SUBJECTS),
                        notes="შიდა ჩანაწერი: ორგანიზაციას სჭირდება დახმარება ანგარიშგებაში.",
                        outcome=self.rng.choice(Interaction.Outcome.values),
                    )
                )
                attendees.append(self.rng.choice(people))
        interactions = Interaction.objects.bulk_create(interactions, batch_size=BATCH)
        ContactLink = Interaction.contacts.through
        ThemeLink = Interaction.themes.through
        ContactLink.objects.bulk_create(
            [ContactLink(interaction_id=i.pk, contact_id=c) for i, c in zip(interactions, attendees, strict=True)],
            batch_size=BATCH,
        )
        ThemeLink.objects.bulk_create(
            [ThemeLink(interaction_id=i.pk, theme_id=self.rng.choice(self.themes).pk) for i in interactions],
            batch_size=BATCH,
        )
        follow_ups = [
            FollowUp(
                organisation_id=interaction.organisation_id,
                interaction_id=interaction.pk,
                title=self.rng.choice(FOLLOW_UP_TITLES),
                assignee_id=interaction.staff_id,
                created_by_id=interaction.staff_id,
                due_on=interaction.occurred_on + timedelta(days=self.rng.randrange(3, 30)),
                status=FollowUp.Status.DONE if interaction.occurred_on < self.today - timedelta(days=60) else FollowUp.Status.OPEN,
            )
            for interaction in interactions
            if self.rng.random() < 0.2
        ]
        FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
        self.report.interactions += len(interactions)
        self.report.follow_ups += len(follow_ups)

    # -- services, invoices, payments ------------------------------------------------------------
    def deliveries(self, organisations: list[Organisation], services: list[Service]) -> list[ServiceDelivery]:
        deliveries = []
        for organisation in organisations:
            if self.rng.random() >= 0.2:
                continue
            service = self.rng.choice(services)
            start = self._past_day(700)
            deliveries.append(
                ServiceDelivery(
                    service=service,
                    client_organisation=organisation,
                    start_date=start,
                    end_date=start + timedelta(days=self.rng.randrange(0, 3)),
                    place=organisation.municipality,
                    participants=self.rng.randrange(3, 40),
                    staff_lead_id=self.rng.choice(self.staff_ids) if self.staff_ids else None,
                    price_agreed=service.default_price,
                )
            )
        for municipality in self.imereti:  # municipalities buy training for their servants
            if self.rng.random() < 0.5:
                service = services[0]
                deliveries.append(
                    ServiceDelivery(
                        service=service,
                        client_municipality=municipality,
                        start_date=self._past_day(700),
                        place=municipality,
                        participants=self.rng.randrange(10, 30),
                        staff_lead_id=self.rng.choice(self.staff_ids) if self.staff_ids else None,
                        price_agreed=service.default_price,
                    )
                )
        deliveries = ServiceDelivery.objects.bulk_create(deliveries, batch_size=BATCH)
        self.report.deliveries += len(deliveries)
        return deliveries

    def invoices(self, deliveries: list[ServiceDelivery]) -> None:
        prefix = settings.INVOICE_NUMBER_PREFIX
        paid = [d for d in deliveries if d.service.is_paid and d.price_agreed and self.rng.random() < 0.8]
        paid.sort(key=lambda d: d.start_date)
        sequences = {row.year: row for row in InvoiceSequence.objects.select_for_update()}
        invoices, lines = [], []
        for delivery in paid:
            issued_on = delivery.end_date or delivery.start_date
            counter = sequences.get(issued_on.year)
            if counter is None:
                counter = sequences[issued_on.year] = InvoiceSequence.objects.create(year=issued_on.year)
            counter.last_number += 1
            client = delivery.client_organisation
            invoices.append(
                Invoice(
                    number=invoice_number(prefix, issued_on.year, counter.last_number),
                    year=issued_on.year,
                    sequence=counter.last_number,
                    client_organisation=client,
                    client_municipality=delivery.client_municipality,
                    client_name=client.name if client else str(delivery.client_municipality),
                    client_identification_code=(client.identification_code or "") if client else "",
                    client_address=client.address if client else "",
                    issued_on=issued_on,
                    due_on=issued_on + timedelta(days=14),
                )
            )
            lines.append(
                InvoiceLine(
                    delivery=delivery,
                    description=delivery.service.name_ka,
                    quantity=Decimal("1.00"),
                    unit_price=delivery.price_agreed,
                    vat_rate=STANDARD_VAT_RATE if delivery.service.vat_applies else ZERO,
                )
            )
        InvoiceSequence.objects.bulk_update(sequences.values(), ["last_number"])
        invoices = bulk_create_with_history(invoices, Invoice, batch_size=BATCH)
        if invoices and invoices[0].pk is None:
            by_number = dict(Invoice.objects.filter(number__in=[i.number for i in invoices]).values_list("number", "pk"))
            for invoice in invoices:
                invoice.pk = by_number[invoice.number]
        for invoice, line in zip(invoices, lines, strict=True):
            line.invoice_id = invoice.pk
        InvoiceLine.objects.bulk_create(lines, batch_size=BATCH)
        payments = []
        for invoice, line in zip(invoices, lines, strict=True):
            roll = self.rng.random()
            if roll < 0.55:
                amount = line.gross_amount
            elif roll < 0.75:
                amount = round_money(line.gross_amount * Decimal("0.4"))
            else:
                continue
            if amount > ZERO:
                payments.append(
                    Payment(
                        invoice_id=invoice.pk,
                        amount=amount,
                        paid_on=min(self.today, invoice.issued_on + timedelta(days=self.rng.randrange(1, 40))),
                        reference=f"TRX-{invoice.number}",
                    )
                )
        bulk_create_with_history(payments, Payment, batch_size=BATCH)
        self.report.invoices += len(invoices)
        self.report.payments += len(payments)


def demo_seed(
    *,
    organisations: int,
    people_per_organisation: int = 3,
    interactions_per_organisation: int = 3,
    seed: int = 2026,
) -> SeedReport:
    # One transaction: an interrupted first seed leaves nothing, so `--if-empty` seeds again.
    with transaction.atomic():
        centre_ensure()
        services = services_ensure()
        demo_users_ensure()
        seeder = DemoSeeder(rng=random.Random(seed), today=timezone.localdate())
        created = seeder.organisations(organisations)
        people_of = seeder.contacts(created, people_per_organisation)
        seeder.interactions(people_of, interactions_per_organisation)
        deliveries = seeder.deliveries(created, services)
        seeder.invoices(deliveries)
        # The demo partner acts for a partner organisation, which may only exist now.
        demo_users_ensure()
    return seeder.report
