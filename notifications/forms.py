from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.forms import CleanInputMixin
from crm.models import Contact, LegalForm, Tag, Theme
from network.models import Municipality, Region
from notifications.models import LANGUAGES, Campaign, ConsentSource, MailingList, Segment


class CampaignForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "name",
            "subject_ka",
            "body_ka",
            "subject_en",
            "body_en",
            "mailing_lists",
            "segments",
            "sender_name",
            "sender_email",
            "reply_to",
        ]
        widgets = {
            "body_ka": forms.Textarea(attrs={"rows": 14, "lang": "ka"}),
            "body_en": forms.Textarea(attrs={"rows": 14, "lang": "en"}),
            "mailing_lists": forms.CheckboxSelectMultiple,
            "segments": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "body_ka": _(
                "Markdown. Merge fields: {{ first_name }}, {{ last_name }}, {{ full_name }}, {{ organisation }}."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mailing_lists"].queryset = MailingList.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        written = 0
        for code, name in LANGUAGES:
            subject, body = data.get(f"subject_{code}"), data.get(f"body_{code}")
            if bool(subject) != bool(body):
                self.add_error(
                    f"body_{code}" if subject else f"subject_{code}",
                    _("Write both the subject and the text in %(language)s, or neither.")
                    % {"language": name},
                )
            written += bool(subject and body)
        if not written and not self.errors:
            raise forms.ValidationError(_("Write the newsletter in Georgian, in English, or in both."))
        return data


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def clean_scheduled_at(self):
        at = self.cleaned_data["scheduled_at"]
        if at <= timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return at


class TestSendForm(CleanInputMixin, forms.Form):
    email = forms.EmailField(label=_("Send the test to"))


class MailingListForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = MailingList
        fields = ["name_ka", "name_en", "slug", "description_ka", "description_en", "is_public", "is_active"]


class SubscriptionAddForm(CleanInputMixin, forms.Form):
    """Staff add someone who gave their consent to them, or came from an imported list."""

    email = forms.EmailField(
        label=_("Person's email"), help_text=_("The person must already be in Kavshiri.")
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    source = forms.ChoiceField(
        label=_("Consent given through"),
        choices=[
            (ConsentSource.STAFF, ConsentSource.STAFF.label),
            (ConsentSource.IMPORT, ConsentSource.IMPORT.label),
        ],
    )
    reason = forms.CharField(
        label=_("How and when they agreed"),
        max_length=255,
        help_text=_("For example: asked at the training in Zestaponi on 12 May."),
    )

    def clean_email(self):
        email = self.cleaned_data["email"]
        contact = Contact.objects.filter(email__iexact=email).order_by("pk").first()
        if contact is None:
            raise forms.ValidationError(
                _("No person with this address in Kavshiri. Add them under People first.")
            )
        self.contact = contact
        return email


def _ids(values) -> list[int]:
    return [value.pk for value in values]


class SegmentForm(CleanInputMixin, forms.ModelForm):
    """The segment's filters as fields; stored as JSON of ids and codes."""

    regions = forms.ModelMultipleChoiceField(Region.objects.all(), required=False, label=_("Regions"))
    municipalities = forms.ModelMultipleChoiceField(
        Municipality.objects.all(), required=False, label=_("Municipalities")
    )
    themes = forms.ModelMultipleChoiceField(Theme.objects.all(), required=False, label=_("Themes"))
    legal_forms = forms.MultipleChoiceField(choices=LegalForm.choices, required=False, label=_("Legal forms"))
    tags = forms.ModelMultipleChoiceField(Tag.objects.all(), required=False, label=_("Tags"))
    languages = forms.MultipleChoiceField(choices=LANGUAGES, required=False, label=_("Languages"))
    roles = forms.CharField(
        required=False,
        label=_("Role in the organisation"),
        help_text=_("Words found in the role, separated by commas, e.g. director, accountant."),
    )

    class Meta:
        model = Segment
        fields = ["name", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        filters = self.instance.filters or {}
        for key in ("regions", "municipalities", "themes", "legal_forms", "tags", "languages"):
            self.initial.setdefault(key, filters.get(key, []))
        self.initial.setdefault("roles", ", ".join(filters.get("roles", [])))

    def save(self, commit=True):
        data = self.cleaned_data
        self.instance.filters = {
            "regions": _ids(data["regions"]),
            "municipalities": _ids(data["municipalities"]),
            "themes": _ids(data["themes"]),
            "legal_forms": list(data["legal_forms"]),
            "tags": _ids(data["tags"]),
            "languages": list(data["languages"]),
            "roles": [word.strip() for word in data["roles"].split(",") if word.strip()],
        }
        return super().save(commit)


class SubscribeForm(CleanInputMixin, forms.Form):
    """The public form. `website` is a trap for robots: people never see it."""

    # 254: what the Contact model stores (Django's form field alone would accept 320).
    email = forms.EmailField(label=_("Email"), max_length=254)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    language = forms.ChoiceField(label=_("Language of the newsletter"), choices=LANGUAGES)
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))
