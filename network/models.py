"""Georgia's regions and municipalities, partnerships, and partner accounts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualName(models.Model):
    """A thing named in both scripts; the name shown follows the active language."""

    name_ka = models.CharField(_("name (Georgian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "ka").startswith("en"):
            return self.name_en or self.name_ka
        return self.name_ka or self.name_en


class Region(BilingualName):
    """A first-level unit of Georgia (ISO 3166-2:GE)."""

    code = models.CharField(_("ISO 3166-2 code"), max_length=5, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Municipality(BilingualName):
    """A self-governing city or municipality. Names in both scripts are data, never generated."""

    class Kind(models.TextChoices):
        CITY = "city", _("self-governing city")
        MUNICIPALITY = "municipality", _("municipality")

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)

    class Meta:
        ordering = ["region__code", "name_en"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [models.UniqueConstraint(fields=["region", "name_en"], name="municipality_unique_name")]


class Partnership(models.Model):
    """A partnership between organisations, often an Imereti CSO and one in another region."""

    class Kind(models.TextChoices):
        MOU = "mou", _("memorandum of understanding")
        COALITION = "coalition", _("coalition")
        JOINT_PROJECT = "joint_project", _("joint project")
        NETWORK_MEMBERSHIP = "network_membership", _("network membership")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        ENDED = "ended", _("ended")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    organisations = models.ManyToManyField(
        "crm.Organisation", related_name="partnerships", verbose_name=_("organisations")
    )
    regions = models.ManyToManyField(
        Region, blank=True, related_name="partnerships", verbose_name=_("regions involved")
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    links = models.TextField(_("documents and links"), blank=True)
    people = models.ManyToManyField(
        "crm.Contact", blank=True, related_name="partnerships", verbose_name=_("people involved")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="partnership_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})


class PartnerAccount(models.Model):
    """A user who acts for one partner organisation, and only for it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_account",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        "crm.Organisation",
        on_delete=models.CASCADE,
        related_name="partner_accounts",
        verbose_name=_("organisation"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner account")
        verbose_name_plural = _("partner accounts")

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE and self.user.is_active


def invitation_max_age() -> timedelta:
    """How long an invitation link works; PARTNER_INVITATION_MAX_AGE in settings overrides it."""
    return getattr(settings, "PARTNER_INVITATION_MAX_AGE", timedelta(days=7))


class PartnerInvitation(models.Model):
    """An invitation, by email, to act for a partner organisation.

    The row is what makes the signed link single-use: a link works only while its invitation
    is neither accepted nor revoked, and only until it expires. Its state is derived from
    these dates, never typed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        EXPIRED = "expired", _("expired")
        ACCEPTED = "accepted", _("accepted")
        REVOKED = "revoked", _("revoked")

    organisation = models.ForeignKey(
        "crm.Organisation",
        on_delete=models.CASCADE,
        related_name="partner_invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    account = models.OneToOneField(
        PartnerAccount,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
        verbose_name=_("partner account"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("partner invitation")
        verbose_name_plural = _("partner invitations")
        constraints = [
            # Two open invitations to one address would give one person two links to two
            # organisations; the service revokes an expired one before inviting again.
            models.UniqueConstraint(
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="partner_invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="partner_invitation_accepted_or_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def expires_at(self) -> datetime:
        return self.created_at + invitation_max_age()

    def status_on(self, now: datetime | None = None) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if (now or timezone.now()) >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> str:
        return self.status_on()

    def get_status_display(self) -> str:
        return self.Status(self.status).label
