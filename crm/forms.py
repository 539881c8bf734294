from __future__ import annotations

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from crm.models import (
    Affiliation,
    Contact,
    EngagementPlan,
    FollowUp,
    ImportBatch,
    Interaction,
    Organisation,
    Payment,
    Service,
    ServiceDelivery,
    Theme,
)
from crm.selectors import centre_staff_users
from crm.validators import plain_text


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class StaffMemberField(forms.ModelChoiceField):
    """A colleague, shown by name rather than login."""

    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class CleanInputMixin:
    """A form that cleans what it receives before any field sees it, so that what is validated
    is what is stored:

    - text without control characters (crm.validators.plain_text): a name of nothing but control
      characters is still missing, and a length is counted as stored. Passwords (kept exactly)
      and hidden fields (the form's own values) are left alone;
    - choices of several records by numbers no database integer holds refused as unknown
      choices (in posted data, a QueryDict: the only kind a multiple choice arrives in). Django would ask SQLite for them in one `IN (…)`, which SQLite cannot even bind
      (an OverflowError, a 500); one number at a time, Django already answers "no such record".
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.impossible_choices: dict[str, str] = {}
        if self.is_bound:
            self.data = self._cleaned_input(self.data)

    def _cleaned_input(self, data):
        data = data.copy()  # a QueryDict's copy is mutable; a dict's, a dict
        for name, field in self.fields.items():
            key = self.add_prefix(name)
            if key not in data:
                continue
            if _is_typed_text(field):
                multiline = isinstance(field.widget, forms.Textarea)
                if hasattr(data, "setlist"):
                    data.setlist(key, [_plain(value, multiline) for value in data.getlist(key)])
                else:
                    data[key] = _plain(data[key], multiline)
            elif _chooses_records_by_number(field) and hasattr(data, "setlist"):
                values = data.getlist(key)
                impossible = [value for value in values if not _fits_an_integer_column(value)]
                if impossible:
                    self.impossible_choices[name] = impossible[0]
                    data.setlist(key, [value for value in values if value not in impossible])
        return data

    def clean(self):
        cleaned = super().clean()
        for name, value in self.impossible_choices.items():
            self.add_error(
                name,
                forms.ValidationError(
                    self.fields[name].error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": value},
                ),
            )
        return cleaned


def _is_typed_text(field) -> bool:
    return isinstance(field, forms.CharField) and not isinstance(
        field.widget, forms.PasswordInput | forms.HiddenInput
    )


def _chooses_records_by_number(field) -> bool:
    return (
        isinstance(field, forms.ModelMultipleChoiceField)
        and field.to_field_name is None
        and isinstance(field.queryset.model._meta.pk, models.IntegerField)
    )


def _fits_an_integer_column(value) -> bool:
    try:
        number = int(str(value).strip())
    except ValueError:  # not a number at all: Django refuses it with its own message
        return True
    return -(2**63) <= number < 2**63


def _plain(value, multiline: bool):
    return plain_text(value, multiline=multiline) if isinstance(value, str) else value


class VersionedForm(CleanInputMixin, forms.ModelForm):
    """Carries the `updated_at` the user saw, so a save over someone else's newer one is refused."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.updated_at.isoformat()

    @property
    def opened_version(self):
        try:
            return parse_datetime(self.cleaned_data.get("version") or "")
        except ValueError:  # well-formed but impossible, e.g. month 13: treated as stale
            return None


# What a file can carry about an organisation: the profile without classifications.
ORGANISATION_PROFILE_FIELDS = [
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
]


class OrganisationForm(VersionedForm):
    class Meta:
        model = Organisation
        fields = [
            *ORGANISATION_PROFILE_FIELDS,
            "description",
            "themes",
            "target_groups",
            "tags",
            "is_partner",
            "is_active",
        ]
        widgets = {
            "themes": forms.CheckboxSelectMultiple,
            "target_groups": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 3}),
        }


class ContactForm(VersionedForm):
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


class AffiliationForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Affiliation
        fields = ["organisation", "role", "start_date", "end_date", "is_primary"]
        widgets = {"start_date": DateInput(), "end_date": DateInput(), "organisation": forms.HiddenInput}


class InteractionForm(CleanInputMixin, forms.ModelForm):
    """One short form: what happened, and optionally what must happen next."""

    follow_up_title = forms.CharField(label=_("Next step"), max_length=255, required=False)
    follow_up_assignee = StaffMemberField(label=_("assignee"), queryset=centre_staff_users(), required=False)
    follow_up_due_on = forms.DateField(label=_("due date"), required=False, widget=DateInput())

    class Meta:
        model = Interaction
        fields = ["kind", "occurred_on", "subject", "contacts", "themes", "notes", "outcome"]
        widgets = {
            "occurred_on": DateInput(),
            "contacts": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = organisation.contacts.order_by("last_name", "first_name").distinct()
        self.fields["themes"].queryset = Theme.objects.all()
        self.fields["follow_up_assignee"].queryset = centre_staff_users()
        self.fields["outcome"].choices = [("", "—"), *Interaction.Outcome.choices]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("follow_up_title") and not cleaned.get("follow_up_due_on"):
            self.add_error("follow_up_due_on", _("When is the next step due?"))
        return cleaned


class FollowUpPostponeForm(forms.Form):
    due_on = forms.DateField(label=_("new due date"), widget=DateInput())

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(_("A follow-up cannot be postponed into the past."))
        return due_on


class FollowUpReassignForm(forms.Form):
    assignee = StaffMemberField(label=_("assignee"), queryset=FollowUp.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = centre_staff_users()


class EngagementPlanApplyForm(forms.Form):
    plan = forms.ModelChoiceField(label=_("engagement plan"), queryset=EngagementPlan.objects.none())
    start = forms.DateField(
        label=_("start"), required=False, widget=DateInput(), help_text=_("Today if left empty.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = EngagementPlan.objects.filter(is_active=True)

    def clean_start(self):
        start = self.cleaned_data["start"]
        today = timezone.localdate()
        if start and not (today.replace(year=today.year - 1) <= start <= today.replace(year=today.year + 5)):
            raise forms.ValidationError(_("Start within a year ago and five years from now."))
        return start


class OrganisationImportForm(CleanInputMixin, forms.ModelForm):
    """A row of an imported file: only the columns a file can carry, so an update never
    touches themes, tags or sharing choices."""

    class Meta:
        model = Organisation
        fields = ORGANISATION_PROFILE_FIELDS


class ContactImportForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "name_latin", "email", "phone", "preferred_language"]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("what the file holds"), choices=ImportBatch.Kind.choices)
    file = forms.FileField(label=_("CSV or XLSX file"))


class ServiceForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name_ka", "name_en", "category", "is_paid", "default_price", "vat_applies", "is_active"]


class ServiceDeliveryForm(CleanInputMixin, forms.ModelForm):
    """Staff record deliveries too; the agreed price is a manager's field."""

    class Meta:
        model = ServiceDelivery
        fields = [
            "service",
            "client_organisation",
            "client_municipality",
            "start_date",
            "end_date",
            "place",
            "participants",
            "staff_lead",
            "price_agreed",
            "notes",
        ]
        widgets = {"start_date": DateInput(), "end_date": DateInput(), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, with_money: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_money:
            del self.fields["price_agreed"]
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.fields["staff_lead"] = StaffMemberField(
            label=_("staff lead"), queryset=centre_staff_users(), required=False
        )
        # A select of every organisation would be enormous; the id comes from the search box.
        self.fields["client_organisation"].widget = forms.NumberInput()

    def clean(self):
        cleaned = super().clean()
        service = cleaned.get("service")
        if "price_agreed" in self.fields and service and service.is_paid and cleaned.get("price_agreed") is None:
            cleaned["price_agreed"] = service.default_price
        return cleaned


class PaymentForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Payment
        fields = ["amount", "paid_on", "method", "reference"]
        widgets = {"paid_on": DateInput()}


class RevenuePeriodForm(forms.Form):
    start = forms.DateField(label=_("from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("to"), required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            raise forms.ValidationError(_("The end date cannot be before the start date."))
        return cleaned
