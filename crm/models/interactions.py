"""What staff did with an organisation, and what they promised to do next."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Interaction(models.Model):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("meeting")
        CALL = "call", _("phone call")
        EMAIL = "email", _("email")
        VISIT = "visit", _("site visit")
        TRAINING = "training", _("training")
        CONSULTATION = "consultation", _("consultation")
        EVENT = "event", _("event")
        OTHER = "other", _("other")

    class Outcome(models.TextChoices):
        POSITIVE = "positive", _("positive")
        NEUTRAL = "neutral", _("neutral")
        NEEDS_FOLLOW_UP = "follow_up", _("needs follow-up")
        NO_RESPONSE = "no_response", _("no response")

    organisation = models.ForeignKey(
        "crm.Organisation",
        on_delete=models.CASCADE,
        related_name="interactions",
        verbose_name=_("organisation"),
    )
    contacts = models.ManyToManyField(
        "crm.Contact", blank=True, related_name="interactions", verbose_name=_("people")
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="interactions",
        verbose_name=_("staff member"),
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    occurred_on = models.DateField(_("date"), default=timezone.localdate)
    subject = models.CharField(_("subject"), max_length=255)
    notes = models.TextField(_("private notes"), blank=True)
    themes = models.ManyToManyField(
        "crm.Theme", blank=True, related_name="interactions", verbose_name=_("themes")
    )
    outcome = models.CharField(_("outcome"), max_length=15, choices=Outcome.choices, blank=True)
    outcome_notes = models.TextField(_("outcome notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [models.Index(fields=["organisation", "-occurred_on"])]

    def __str__(self) -> str:
        return f"{self.occurred_on:%Y-%m-%d} {self.subject}"


class FollowUp(models.Model):
    """Something to do for an organisation by a date; closed ones never remind again."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")
        CANCELLED = "cancelled", _("cancelled")

    organisation = models.ForeignKey(
        "crm.Organisation",
        on_delete=models.CASCADE,
        related_name="follow_ups",
        verbose_name=_("organisation"),
    )
    interaction = models.ForeignKey(
        Interaction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("interaction"),
    )
    title = models.CharField(_("what to do"), max_length=255)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("assignee"),
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
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
        ordering = ["due_on", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [models.Index(fields=["assignee", "status", "due_on"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_on < timezone.localdate()
