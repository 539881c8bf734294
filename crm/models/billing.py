"""Paid and free services, their deliveries, invoices and payments.

Rules an accountant would check:
- Money is Decimal in GEL with two places.
- VAT is computed and rounded once per line: net = round(quantity × unit price), VAT =
  round(net × rate / 100); an invoice's totals are sums of those rounded line amounts.
- An issued invoice is never edited or deleted; a correction is a credit note that refers to it.
- Status is derived from lines, payments and dates, never typed in.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from crm.money import ZERO, round_money
from network.models import BilingualName

MONEY = {"max_digits": 12, "decimal_places": 2}


class Service(BilingualName):
    class Category(models.TextChoices):
        TRAINING = "training", _("training")
        CONSULTING = "consulting", _("consulting")
        FACILITATION = "facilitation", _("facilitation")
        RESEARCH = "research", _("research")
        VENUE = "venue", _("venue rental")
        OTHER = "other", _("other")

    category = models.CharField(_("category"), max_length=15, choices=Category.choices)
    is_paid = models.BooleanField(_("paid service"), default=True)
    default_price = models.DecimalField(
        _("default price (GEL)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    vat_applies = models.BooleanField(_("VAT applies"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "name_en"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def clean(self):
        if self.is_paid and self.default_price is None:
            raise ValidationError({"default_price": _("A paid service needs a default price.")})


class ServiceDelivery(models.Model):
    """A service given to a client: an organisation, or a municipality's administration."""

    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("service")
    )
    client_organisation = models.ForeignKey(
        "crm.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("client organisation"),
    )
    client_municipality = models.ForeignKey(
        "network.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries_received",
        verbose_name=_("client municipality"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    place = models.ForeignKey(
        "network.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries_held",
        verbose_name=_("place"),
    )
    participants = models.PositiveIntegerField(_("participants"), default=0)
    staff_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries_led",
        verbose_name=_("staff lead"),
    )
    price_agreed = models.DecimalField(
        _("price agreed (GEL)"),
        **MONEY,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    interactions = models.ManyToManyField(
        "crm.Interaction", blank=True, related_name="deliveries", verbose_name=_("interactions")
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Set by the claim just before the feedback request is mailed (notifications/feedback.py),
    # cleared again only when that send fails: a delivery asks for feedback once.
    feedback_requested_at = models.DateTimeField(
        _("feedback requested at"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("service delivery")
        verbose_name_plural = _("service deliveries")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(client_organisation__isnull=False, client_municipality__isnull=True)
                    | models.Q(client_organisation__isnull=True, client_municipality__isnull=False)
                ),
                name="delivery_has_one_client",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="delivery_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} — {self.client}"

    @property
    def client(self):
        return self.client_organisation or self.client_municipality

    def clean(self):
        if bool(self.client_organisation_id) == bool(self.client_municipality_id):
            raise ValidationError(
                _("Choose the client: either an organisation or a municipality, not both.")
            )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


class InvoiceSequence(models.Model):
    """The last number issued in a year; locked while issuing, so numbers have no gaps.

    One counter per year whatever the prefix: changing INVOICE_NUMBER_PREFIX mid-year carries
    on the count (KAV-2026-0041 → NEW-2026-0042) instead of reusing numbers.
    """

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", _("invoice")
        CREDIT_NOTE = "credit_note", _("credit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ISSUED = "issued", _("issued")
        PARTLY_PAID = "partly_paid", _("partly paid")
        PAID = "paid", _("paid")
        OVERDUE = "overdue", _("overdue")
        CANCELLED = "cancelled", _("cancelled")

    class Language(models.TextChoices):
        GEORGIAN = "ka", _("Georgian")
        ENGLISH = "en", _("English")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    number = models.CharField(_("number"), max_length=30, unique=True, null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    cancels = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_note",
        verbose_name=_("cancels invoice"),
    )
    client_organisation = models.ForeignKey(
        "crm.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("client organisation"),
    )
    client_municipality = models.ForeignKey(
        "network.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("client municipality"),
    )
    # Copied from the client when the invoice is issued, so later edits never change it.
    client_name = models.CharField(_("client name"), max_length=255, blank=True)
    client_identification_code = models.CharField(
        _("client identification code"), max_length=11, blank=True
    )
    client_address = models.CharField(_("client address"), max_length=255, blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.GEORGIAN
    )
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-sequence", "-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="invoice_sequence_unique_per_year",
            ),
            models.CheckConstraint(
                condition=models.Q(number__isnull=True) | models.Q(issued_on__isnull=False),
                name="numbered_invoice_has_issue_date",
            ),
            models.CheckConstraint(
                condition=models.Q(cancels__isnull=True) | models.Q(kind="credit_note"),
                name="only_credit_notes_cancel",
            ),
        ]

    def __str__(self) -> str:
        return self.number or _("draft invoice #%(id)s") % {"id": self.pk}

    @property
    def is_issued(self) -> bool:
        return self.number is not None

    # Totals are sums of rounded line amounts. Views that list invoices annotate these in SQL
    # (see selectors); these properties are for one invoice at a time.
    @property
    def total_net(self) -> Decimal:
        return sum((line.net_amount for line in self.lines.all()), ZERO)

    @property
    def total_vat(self) -> Decimal:
        return sum((line.vat_amount for line in self.lines.all()), ZERO)

    @property
    def total(self) -> Decimal:
        return self.total_net + self.total_vat

    @property
    def amount_paid(self) -> Decimal:
        return sum((payment.amount for payment in self.payments.all()), ZERO)

    @property
    def amount_outstanding(self) -> Decimal:
        if self.kind == self.Kind.CREDIT_NOTE or self.is_cancelled:
            return ZERO
        return self.total - self.amount_paid

    @property
    def is_cancelled(self) -> bool:
        """Cancelled once an issued credit note refers to it; a draft one changes nothing."""
        credit_note = getattr(self, "credit_note", None)
        return credit_note is not None and credit_note.is_issued

    def status_on(self, day: date) -> str:
        if not self.is_issued:
            return self.Status.DRAFT
        if self.kind == self.Kind.CREDIT_NOTE:
            return self.Status.ISSUED
        if self.is_cancelled:
            return self.Status.CANCELLED
        paid = self.amount_paid
        if paid >= self.total:
            return self.Status.PAID
        if self.due_on and self.due_on < day:
            return self.Status.OVERDUE
        if paid > ZERO:
            return self.Status.PARTLY_PAID
        return self.Status.ISSUED

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_status_label(self) -> str:
        return self.Status(self.status).label


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice")
    )
    delivery = models.ForeignKey(
        ServiceDelivery,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
        verbose_name=_("delivery"),
    )
    description = models.CharField(_("description"), max_length=255)
    quantity = models.DecimalField(
        _("quantity"), max_digits=10, decimal_places=2, default=Decimal("1.00")
    )
    unit_price = models.DecimalField(_("unit price (GEL)"), **MONEY)
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self) -> str:
        return self.description

    @property
    def net_amount(self) -> Decimal:
        return round_money(self.quantity * self.unit_price)

    @property
    def vat_amount(self) -> Decimal:
        # VAT is rounded once, here, per line; totals only add rounded amounts.
        return round_money(self.net_amount * self.vat_rate / Decimal(100))

    @property
    def gross_amount(self) -> Decimal:
        return self.net_amount + self.vat_amount


class Payment(models.Model):
    class Method(models.TextChoices):
        BANK_TRANSFER = "bank", _("bank transfer")
        CASH = "cash", _("cash")
        CARD = "card", _("card")
        OTHER = "other", _("other")

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("invoice")
    )
    amount = models.DecimalField(
        _("amount (GEL)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    paid_on = models.DateField(_("payment date"))
    method = models.CharField(
        _("method"), max_length=10, choices=Method.choices, default=Method.BANK_TRANSFER
    )
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_is_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} ₾ ({self.paid_on})"
