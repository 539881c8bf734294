"""Mailing lists and consent, segments, campaigns, and the per-recipient ledger of a send.

The ledger (`Delivery`) is the source of truth of a send: one row per recipient, written when
the send starts, claimed and marked one message at a time. Everything a worker needs to send or
re-send a message (address, language, Message-ID) is frozen on the row.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from network.models import BilingualName

LANGUAGES = [("ka", _("Georgian")), ("en", _("English"))]


class MailingList(BilingualName):
    """A list people subscribe to, e.g. "Imereti CSO news"."""

    slug = models.SlugField(_("address name"), max_length=60, unique=True)
    description_ka = models.TextField(_("description (Georgian)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Anyone may subscribe through the public form.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name_ka"]
        verbose_name = _("mailing list")
        verbose_name_plural = _("mailing lists")

    @property
    def description(self) -> str:
        if (get_language() or "ka").startswith("en"):
            return self.description_en or self.description_ka
        return self.description_ka or self.description_en


class ConsentSource(models.TextChoices):
    FORM = "form", _("subscription form")
    IMPORT = "import", _("import")
    STAFF = "staff", _("entered by staff")


class Subscription(models.Model):
    """A person on a list, and the record of their consent to it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        SUBSCRIBED = "subscribed", _("subscribed")
        UNSUBSCRIBED = "unsubscribed", _("unsubscribed")
        BOUNCED = "bounced", _("bounced")
        COMPLAINED = "complained", _("complained")

    contact = models.ForeignKey(
        "crm.Contact", on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("person")
    )
    mailing_list = models.ForeignKey(
        MailingList, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("mailing list")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES, default="ka")
    consent_source = models.CharField(
        _("consent given through"), max_length=10, choices=ConsentSource.choices, blank=True
    )
    consent_given_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_note = models.CharField(
        _("consent note"), max_length=255, blank=True, help_text=_("For staff entry: the reason.")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["contact", "mailing_list"], name="subscription_unique_per_list"),
            # A subscriber without a record of consent is a subscriber nobody can defend.
            models.CheckConstraint(
                condition=~models.Q(status="subscribed")
                | (models.Q(consent_given_at__isnull=False) & ~models.Q(consent_source="")),
                name="subscription_consent_is_recorded",
            ),
            models.CheckConstraint(
                condition=~models.Q(consent_source="staff") | ~models.Q(consent_note=""),
                name="subscription_staff_entry_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["mailing_list", "status"])]

    def __str__(self) -> str:
        return f"{self.contact} — {self.mailing_list}"


class Segment(models.Model):
    """A saved audience: filters evaluated when a send starts, never a stored list of people.

    `filters` keys (each a list; AND across keys, OR within one): regions, municipalities,
    themes, tags (ids); legal_forms, languages (codes); roles (words found in the role).
    """

    FILTER_KEYS = ("regions", "municipalities", "themes", "legal_forms", "tags", "languages", "roles")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A newsletter: what is said, in which languages, to whom, and where its send stands."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        SENDING = "sending", _("sending")
        PAUSED = "paused", _("paused")
        SENT = "sent", _("sent")
        CANCELLED = "cancelled", _("cancelled")

    name = models.CharField(_("name"), max_length=200, help_text=_("For the centre's own lists only."))
    subject_ka = models.CharField(_("subject (Georgian)"), max_length=200, blank=True)
    body_ka = models.TextField(_("text (Georgian)"), blank=True, help_text=_("Markdown."))
    subject_en = models.CharField(_("subject (English)"), max_length=200, blank=True)
    body_en = models.TextField(_("text (English)"), blank=True, help_text=_("Markdown."))
    mailing_lists = models.ManyToManyField(
        MailingList, blank=True, related_name="campaigns", verbose_name=_("mailing lists")
    )
    segments = models.ManyToManyField(
        Segment, blank=True, related_name="campaigns", verbose_name=_("segments")
    )
    sender_name = models.CharField(_("sender name"), max_length=120, blank=True)
    sender_email = models.EmailField(
        _("sender address"), blank=True, help_text=_("Empty: the centre's usual sending address.")
    )
    reply_to = models.EmailField(_("replies to"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("sending finished"), null=True, blank=True)
    paused_reason = models.CharField(_("why paused"), max_length=255, blank=True)
    # Shared by every worker sending this campaign: the circuit breaker's count.
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    # Set only by the circuit breaker's pause, which newsletter_tick ends by itself once this is
    # conf.breaker_cooldown() old; a person's pause leaves it empty and lasts until a person acts.
    breaker_paused_at = models.DateTimeField(
        _("paused by the circuit breaker at"), null=True, blank=True, editable=False
    )
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        permissions = [("send_campaign", _("Can schedule and send a campaign"))]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_editable(self) -> bool:
        """Only a draft changes: what was sent, or is being sent, stays what people received."""
        return self.status == self.Status.DRAFT

    @property
    def languages(self) -> list[str]:
        """The languages this campaign is written in, Georgian first."""
        return [
            code
            for code in ("ka", "en")
            if getattr(self, f"subject_{code}") and getattr(self, f"body_{code}")
        ]

    def language_for(self, preferred: str) -> str:
        """The recipient's language when the campaign has it, else the other one."""
        available = self.languages
        if preferred in available or not available:
            return preferred
        return available[0]

    def subject_in(self, language: str) -> str:
        return getattr(self, f"subject_{language}")

    def body_in(self, language: str) -> str:
        return getattr(self, f"body_{language}")


class Delivery(models.Model):
    """One recipient of one campaign: the ledger row a worker claims, sends and marks."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SUPPRESSED = "suppressed", _("not sent (no consent)")

    class Report(models.TextChoices):
        BOUNCED = "bounced", _("bounced")
        COMPLAINED = "complained", _("complained (marked as spam)")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("campaign")
    )
    contact = models.ForeignKey(
        "crm.Contact", on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("person")
    )
    email = models.EmailField(_("address"))
    language = models.CharField(_("language"), max_length=2, choices=LANGUAGES)
    # Reached through a segment (newsletter consent) rather than a list subscription.
    via_segment = models.BooleanField(_("through a segment"), default=False)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # When a task was last handed this row; the periodic task hands it again only much later.
    dispatched_at = models.DateTimeField(_("handed to a worker at"), null=True, blank=True)
    resent_after_stall = models.PositiveSmallIntegerField(_("re-sent after a stopped worker"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # What the mail provider reported after the send; `status` stays what the pipeline did.
    reported = models.CharField(
        _("reported afterwards as"), max_length=10, choices=Report.choices, blank=True
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "contact"], name="delivery_unique_per_campaign"),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "id"]),
            models.Index(fields=["status", "claimed_at"]),
            models.Index(fields=["campaign", "claimed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.email}"


class Suppression(models.Model):
    """An address the centre must not mail again, whatever list or segment it is in."""

    class Reason(models.TextChoices):
        STOPPED = "stopped", _("asked for no mail at all")
        BOUNCED = "bounced", _("bounced")
        COMPLAINED = "complained", _("complained (marked as spam)")

    # Stored lower-cased (services.normalise_email), so that lookups can use the index. Empty
    # only on the row of a person erased on request, which keeps the address's hash instead.
    email = models.EmailField(_("address"), db_index=True)
    email_sha256 = models.CharField(
        _("SHA-256 of an erased address"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "Only for a person erased on request: the address is gone, its hash keeps it from being mailed again."
        ),
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="suppression_unique_address"
            ),
            # An address, or (after an erasure) only its hash: never both, never neither.
            models.CheckConstraint(
                condition=(~models.Q(email="") & models.Q(email_sha256__isnull=True))
                | (models.Q(email="") & models.Q(email_sha256__isnull=False)),
                name="suppression_address_or_hash",
            ),
        ]

    def __str__(self) -> str:
        shown = self.email or f"sha256:{(self.email_sha256 or '')[:12]}…"
        return f"{shown} ({self.get_reason_display()})"


def address_digest(email: str) -> str:
    """The SHA-256 (hex) of an address, normalised as the suppression list stores addresses
    (services.normalise_email: trimmed, lower-cased), so that the same address always gives
    the same hash."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class MailEvent(models.Model):
    """A bounce or complaint reported by the mail provider, kept once per provider event id.

    Providers retry a report until they get an answer, and may send it twice anyway: the
    unique (provider, event id) makes a repeat find its row instead of acting again.
    """

    class Kind(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("bounced (address does not work)")
        SOFT_BOUNCE = "soft_bounce", _("bounced for now (mailbox full, server away)")
        COMPLAINT = "complaint", _("complained (marked as spam)")

    provider = models.CharField(_("mail provider"), max_length=50, blank=True)
    event_id = models.CharField(_("provider's event id"), max_length=255)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # Stored lower-cased, like Suppression.email.
    email = models.EmailField(_("address"), db_index=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mail_events",
        verbose_name=_("delivery"),
    )
    follow_up = models.ForeignKey(
        "crm.FollowUp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up"),
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("bounce or complaint")
        verbose_name_plural = _("bounces and complaints")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="mail_event_unique_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_kind_display()})"
