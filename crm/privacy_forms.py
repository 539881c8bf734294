"""The confirmation asked before a person is erased."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import CleanInputMixin


class ErasureForm(CleanInputMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that the erasure cannot be undone."),
        required=True,
    )
    reason = forms.CharField(
        label=_("reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: “the person asked by email on 3 March”. Do not repeat their name or address: "
            "the log of erasures keeps this text."
        ),
    )
