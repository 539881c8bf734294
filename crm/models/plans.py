"""Engagement plans: named templates of dated steps that become follow-ups for an organisation."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class EngagementPlan(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("engagement plan")
        verbose_name_plural = _("engagement plans")

    def __str__(self) -> str:
        return self.name


class EngagementStep(models.Model):
    """One step: `offset` working days after the plan is applied, for a role or a person."""

    class Role(models.TextChoices):
        STAFF = "staff", _("staff")
        MANAGER = "manager", _("manager")

    plan = models.ForeignKey(
        EngagementPlan, on_delete=models.CASCADE, related_name="steps", verbose_name=_("engagement plan")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    offset_working_days = models.PositiveSmallIntegerField(_("working days after the start"))
    assignee_role = models.CharField(_("assignee role"), max_length=10, choices=Role.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    text = models.CharField(_("what to do"), max_length=255)

    class Meta:
        ordering = ["plan", "position", "offset_working_days", "id"]
        verbose_name = _("engagement step")
        verbose_name_plural = _("engagement steps")

    def __str__(self) -> str:
        return self.text

    def clean(self):
        if not self.assignee_id and not self.assignee_role:
            raise ValidationError(_("Give the step a person or a role."))
