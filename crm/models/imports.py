"""An uploaded file waiting for confirmation: the rows as read and what each would do."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    class Kind(models.TextChoices):
        ORGANISATIONS = "organisations", _("organisations")
        PEOPLE = "people", _("people")

    class Status(models.TextChoices):
        PREVIEW = "preview", _("waiting for confirmation")
        IMPORTED = "imported", _("imported")

    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    filename = models.CharField(_("file"), max_length=255)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW)
    # [{"line": 2, "data": {...}, "action": "new|update|duplicate|error", "errors": [...],
    #   "match_id": 12, "match_reason": "..."}]
    rows = models.JSONField(_("rows"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.filename

    @property
    def counts(self) -> dict[str, int]:
        """How many rows would be new, updates, possible duplicates and errors."""
        counts = dict.fromkeys(["new", "update", "duplicate", "error"], 0)
        for row in self.rows:
            counts[row["action"]] += 1
        return counts

    @property
    def has_errors(self) -> bool:
        return self.counts["error"] > 0
