"""The record of each erasure on request: who, when, why and how much; never what was erased."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Erasure(models.Model):
    """A person's data was erased (crm/privacy.py: contact_erase).

    The person's record stays, anonymised, under the same id; this row keeps the id, not a
    foreign key, so that the log outlives the record should it ever be deleted. `counts` says
    how many rows of each kind were changed, so that the erasure can be shown to have happened
    without keeping anything of what it removed.
    """

    contact_pk = models.PositiveIntegerField(_("person's record number"), unique=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("erased by")
    )
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    counts = models.JSONField(_("what was changed"), default=dict)

    class Meta:
        ordering = ["-erased_at", "-id"]
        verbose_name = _("erasure of personal data")
        verbose_name_plural = _("erasures of personal data")

    def __str__(self) -> str:
        return f"#{self.contact_pk} ({self.erased_at:%Y-%m-%d})"
