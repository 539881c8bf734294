"""Invoices with lines and payments at a chosen scale, for the revenue benchmark.

Steps of `revenue_data_ensure(invoices=N)`:
1. when the database already holds exactly N invoices, keep them: reruns start at once;
2. otherwise delete every payment, line, invoice, delivery and invoice sequence (bench.common
   has already refused a database not named for benchmarks);
3. reuse organisations already there and add what is missing through the demo seeder;
4. build, in memory: deliveries of paid services with their invoices (3 % left as drafts),
   1–3 lines each with fractional quantities and 0 % or 18 % VAT so that rounding per line
   matters; credit notes cancelling 2 % of the unpaid ones, with the lines negated as
   `invoice_cancel` does; numbers gapless per year in issue order; payments in full, in two
   parts, in part or not at all; free deliveries that are never invoiced;
5. write each table with bulk_create in batches, in one transaction (no history rows: the
   dashboard never reads them);
6. VACUUM ANALYZE (ANALYZE on SQLite), so the planner knows the new sizes.
Everything is dated between FIRST_DAY and TODAY, fixed, so figures repeat from run to run.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction

from bench.common import BenchError
from crm.demo import IMERETI, DemoSeeder, services_ensure
from crm.models import Invoice, InvoiceLine, InvoiceSequence, Organisation, Payment, Service, ServiceDelivery
from crm.money import STANDARD_VAT_RATE, ZERO, round_money
from crm.services import invoice_number
from network.models import Municipality

FIRST_DAY = date(2024, 1, 1)
TODAY = date(2026, 10, 31)
BATCH = 5000
PAYMENT_TERM = timedelta(days=14)
DRAFT_SHARE = 0.03
CREDIT_NOTE_SHARE = 0.02
FREE_DELIVERIES_PER_INVOICE = 0.25
INVOICES_PER_ORGANISATION = 50
MIN_ORGANISATIONS = 40
QUANTITIES = [Decimal("1.00")] * 6 + [Decimal(q) for q in ("2.00", "0.50", "1.25", "3.50", "12.00")]
TRAVEL_PRICE_PER_KM = Decimal("0.35")
HALL_PRICE_PER_HOUR = Decimal("37.45")
# Emptied before a new seed, children first. Organisations stay: many tables hang on them.
BILLING_TABLES = [
    "crm_payment",
    "crm_invoiceline",
    "crm_invoice",
    "crm_servicedelivery_interactions",
    "crm_servicedelivery",
    "crm_invoicesequence",
]


@dataclass
class SeedOutcome:
    reused: bool
    seconds: float
    invoices: int
    credit_notes: int
    drafts: int
    lines: int
    payments: int
    deliveries: int
    organisations: int


@dataclass
class Client:
    organisation_id: int | None
    municipality_id: int | None
    name: str
    code: str
    address: str
    place_id: int | None


def revenue_data_ensure(*, invoices: int, seed: int = 2026) -> SeedOutcome:
    if invoices < 100:
        raise BenchError("Seed at least 100 invoices.")
    if Invoice.objects.count() == invoices:
        return _outcome(reused=True, seconds=0.0)
    started = time.monotonic()
    with transaction.atomic():
        _billing_tables_empty()
        services = services_ensure()
        clients = _clients(
            organisations=max(MIN_ORGANISATIONS, invoices // INVOICES_PER_ORGANISATION), seed=seed
        )
        RevenueSeeder(rng=random.Random(seed), services=services, clients=clients).seed(invoices)
    _analyse()
    return _outcome(reused=False, seconds=time.monotonic() - started)


def _outcome(*, reused: bool, seconds: float) -> SeedOutcome:
    return SeedOutcome(
        reused=reused,
        seconds=seconds,
        invoices=Invoice.objects.filter(kind=Invoice.Kind.INVOICE).count(),
        credit_notes=Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count(),
        drafts=Invoice.objects.filter(number__isnull=True).count(),
        lines=InvoiceLine.objects.count(),
        payments=Payment.objects.count(),
        deliveries=ServiceDelivery.objects.count(),
        organisations=Organisation.objects.count(),
    )


def _billing_tables_empty() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(BILLING_TABLES)} RESTART IDENTITY")
        else:
            for table in BILLING_TABLES:
                cursor.execute(f"DELETE FROM {table}")


def _analyse() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in BILLING_TABLES:
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")


def _clients(*, organisations: int, seed: int) -> list[Client]:
    """Organisations (reused, topped up by the demo seeder) and Imereti's municipalities."""
    missing = organisations - Organisation.objects.count()
    if missing > 0:
        DemoSeeder(rng=random.Random(seed), today=TODAY).organisations(missing)
    rows = Organisation.objects.order_by("pk").values_list(
        "pk", "name", "identification_code", "address", "municipality_id"
    )[:organisations]
    clients = [Client(pk, None, name, code or "", address, place) for pk, name, code, address, place in rows]
    # About one client in ten is a municipality's administration (Imereti has 12).
    share = max(1, organisations // 120)
    for municipality in Municipality.objects.filter(region__code=IMERETI):
        clients += [Client(None, municipality.pk, str(municipality), "", "", municipality.pk)] * share
    return clients


class RevenueSeeder:
    def __init__(self, *, rng: random.Random, services: list[Service], clients: list[Client]):
        self.rng = rng
        self.paid_services = [s for s in services if s.is_paid and s.default_price]
        self.free_services = [s for s in services if not s.is_paid]
        self.clients = clients
        self.span_days = (TODAY - FIRST_DAY).days

    def seed(self, count: int) -> None:
        credit_notes = int(count * CREDIT_NOTE_SHARE)
        deliveries, invoices, lines_of = [], [], {}
        for _ in range(count - credit_notes):
            client = self.rng.choice(self.clients)
            delivery = self._paid_delivery(client)
            invoice = self._invoice(client, delivery, draft=self.rng.random() < DRAFT_SHARE)
            deliveries.append(delivery)
            invoices.append(invoice)
            lines_of[id(invoice)] = self._lines(invoice, delivery)
        deliveries += [self._free_delivery() for _ in range(int(count * FREE_DELIVERIES_PER_INVOICE))]
        issued = [invoice for invoice in invoices if invoice.issued_on]
        cancelled = self.rng.sample(issued, credit_notes)
        notes = [self._credit_note(invoice, lines_of) for invoice in cancelled]
        self._number(issued + notes)

        ServiceDelivery.objects.bulk_create(deliveries, batch_size=BATCH)
        # Related objects get their ids as bulk_create saves them, so notes follow invoices.
        Invoice.objects.bulk_create(invoices, batch_size=BATCH)
        Invoice.objects.bulk_create(notes, batch_size=BATCH)
        InvoiceLine.objects.bulk_create(
            [line for invoice in invoices + notes for line in lines_of[id(invoice)]], batch_size=BATCH
        )
        unpaid = {id(invoice) for invoice in cancelled}
        payments = [
            payment
            for invoice in issued
            if id(invoice) not in unpaid
            for payment in self._payments(invoice, lines_of[id(invoice)])
        ]
        Payment.objects.bulk_create(payments, batch_size=BATCH)

    # -- one sale --------------------------------------------------------------------------------
    def _day(self) -> date:
        return FIRST_DAY + timedelta(days=self.rng.randrange(self.span_days + 1))

    def _paid_delivery(self, client: Client) -> ServiceDelivery:
        service = self.rng.choice(self.paid_services)
        start = self._day()
        price = round_money(service.default_price * self.rng.randrange(80, 121) / 100)
        return ServiceDelivery(
            service=service,
            client_organisation_id=client.organisation_id,
            client_municipality_id=client.municipality_id,
            start_date=start,
            end_date=min(TODAY, start + timedelta(days=self.rng.randrange(3))),
            place_id=client.place_id if self.rng.random() < 0.9 else None,
            participants=self.rng.randrange(3, 40),
            price_agreed=price,
        )

    def _free_delivery(self) -> ServiceDelivery:
        client = self.rng.choice(self.clients)
        return ServiceDelivery(
            service=self.rng.choice(self.free_services),
            client_organisation_id=client.organisation_id,
            client_municipality_id=client.municipality_id,
            start_date=self._day(),
            place_id=client.place_id,
            participants=self.rng.randrange(5, 60),
        )

    def _invoice(self, client: Client, delivery: ServiceDelivery, *, draft: bool) -> Invoice:
        issued_on = None if draft else delivery.end_date
        return Invoice(
            client_organisation_id=client.organisation_id,
            client_municipality_id=client.municipality_id,
            client_name=client.name if issued_on else "",
            client_identification_code=client.code if issued_on else "",
            client_address=client.address if issued_on else "",
            issued_on=issued_on,
            due_on=issued_on + PAYMENT_TERM if issued_on else None,
        )

    def _lines(self, invoice: Invoice, delivery: ServiceDelivery) -> list[InvoiceLine]:
        service = delivery.service
        lines = [
            InvoiceLine(
                invoice=invoice,
                delivery=delivery,
                description=service.name_ka,
                quantity=self.rng.choice(QUANTITIES),
                unit_price=delivery.price_agreed,
                vat_rate=STANDARD_VAT_RATE if service.vat_applies else ZERO,
            )
        ]
        if self.rng.random() < 0.35:  # travel, per km: no delivery, VAT on odd tetri
            lines.append(
                InvoiceLine(
                    invoice=invoice,
                    description="მგზავრობის ხარჯი",
                    quantity=Decimal(self.rng.randrange(10, 300)),
                    unit_price=TRAVEL_PRICE_PER_KM,
                    vat_rate=STANDARD_VAT_RATE,
                )
            )
        if self.rng.random() < 0.10:  # the hall by the half hour, on the same delivery
            lines.append(
                InvoiceLine(
                    invoice=invoice,
                    delivery=delivery,
                    description="დარბაზის ქირა",
                    quantity=Decimal(self.rng.randrange(2, 17)) / 2,
                    unit_price=HALL_PRICE_PER_HOUR,
                    vat_rate=STANDARD_VAT_RATE,
                )
            )
        return lines

    def _credit_note(self, invoice: Invoice, lines_of: dict) -> Invoice:
        issued_on = min(TODAY, invoice.issued_on + timedelta(days=self.rng.randrange(1, 21)))
        note = Invoice(
            kind=Invoice.Kind.CREDIT_NOTE,
            cancels=invoice,
            client_organisation_id=invoice.client_organisation_id,
            client_municipality_id=invoice.client_municipality_id,
            client_name=invoice.client_name,
            client_identification_code=invoice.client_identification_code,
            client_address=invoice.client_address,
            issued_on=issued_on,
            due_on=issued_on + PAYMENT_TERM,
        )
        lines_of[id(note)] = [
            InvoiceLine(
                invoice=note,
                delivery=line.delivery,
                description=line.description,
                quantity=-line.quantity,
                unit_price=line.unit_price,
                vat_rate=line.vat_rate,
            )
            for line in lines_of[id(invoice)]
        ]
        return note

    def _number(self, issued: list[Invoice]) -> None:
        """Gapless numbers per year in issue order, and the sequences that continue them."""
        prefix = settings.INVOICE_NUMBER_PREFIX
        last_number: dict[int, int] = {}
        for invoice in sorted(issued, key=lambda i: i.issued_on):
            year = invoice.issued_on.year
            last_number[year] = last_number.get(year, 0) + 1
            invoice.year, invoice.sequence = year, last_number[year]
            invoice.number = invoice_number(prefix, year, last_number[year])
        InvoiceSequence.objects.bulk_create(
            [InvoiceSequence(year=year, last_number=number) for year, number in sorted(last_number.items())]
        )

    def _payments(self, invoice: Invoice, lines: list[InvoiceLine]) -> list[Payment]:
        total = sum((line.gross_amount for line in lines), ZERO)
        roll = self.rng.random()
        if roll < 0.50:
            parts = [total]
        elif roll < 0.62:
            half = round_money(total / 2)
            parts = [half, total - half]
        elif roll < 0.77:
            parts = [round_money(total * Decimal("0.4"))]
        else:
            parts = []
        payments, paid_on = [], invoice.issued_on
        for amount in parts:
            paid_on = min(TODAY, paid_on + timedelta(days=self.rng.randrange(1, 60)))
            if amount > ZERO:
                payments.append(
                    Payment(
                        invoice=invoice, amount=amount, paid_on=paid_on, reference=f"TRX-{invoice.number}"
                    )
                )
        return payments
