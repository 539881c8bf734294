from __future__ import annotations

from django import forms
from django.utils import timezone

from crm.models import Contact, Organisation


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "name",
            "name_latin",
            "legal_form",
            "identification_code",
            "founding_year",
            "municipality",
            "address",
            "phone",
            "email",
            "website",
            "description",
            "themes",
            "target_groups",
            "tags",
            "is_partner",
            "is_active",
        ]


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "first_name",
            "last_name",
            "name_latin",
            "email",
            "phone",
            "preferred_language",
            "newsletter_consent",
            "consent_source",
            "consent_note",
            "directory_consent",
        ]

    def clean(self):
        cleaned = super().clean()
        # Staff ticking the box is the moment consent is recorded, a renewed consent included.
        if cleaned.get("newsletter_consent") and (
            "newsletter_consent" in self.changed_data or not self.instance.consent_given_at
        ):
            self.instance.consent_given_at = timezone.now()
        return cleaned
