"""What a partner may change about their own organisation."""

from __future__ import annotations

from django import forms

from crm.forms import CleanInputMixin
from crm.models import Organisation


class OwnOrganisationForm(CleanInputMixin, forms.ModelForm):
    """The profile fields the centre lets partners keep, and the sharing choices.

    The name, legal form and identification code stay with the centre: they identify the
    organisation in the registry and on invoices."""

    class Meta:
        model = Organisation
        fields = [
            "name_latin",
            "founding_year",
            "municipality",
            "description",
            "website",
            "address",
            "phone",
            "email",
            "themes",
            "target_groups",
            "share_profile",
            "share_contact_details",
            "share_themes",
            "share_people",
        ]
        widgets = {
            "themes": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
        }
