"""Forms of the partnership and partner-account pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import BaseUserManager
from django.utils.translation import gettext_lazy as _

from crm.forms import CleanInputMixin, DateInput
from crm.models import Contact, Organisation
from network.models import PartnerInvitation, Partnership


class PickerWidget(forms.Widget):
    """Checkboxes (or radio buttons) in a scrolling box, with a box that narrows them as one types.

    A plain <select> of several hundred organisations is unusable and a multiple one loses
    everything on a click without Ctrl. The options are rendered in one template loop, not
    one template per option, so a few thousand stay cheap; each carries the record's search
    key, so `kutaisi` finds `ქუთაისი`. Without JavaScript the box still scrolls and works.
    """

    template_name = "network/partnership_picker.html"

    def __init__(self, *, multiple: bool = True, attrs=None):
        super().__init__(attrs)
        self.allow_multiple_selected = multiple

    def format_value(self, value) -> list[str]:
        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            value = [value]
        return [str(item) for item in value if item not in (None, "")]

    def value_from_datadict(self, data, files, name):
        if self.allow_multiple_selected:
            return data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return False  # an empty set of checkboxes is a choice, not an omission

    def id_for_label(self, id_):
        return f"{id_}_filter" if id_ else id_

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = set(context["widget"]["value"])
        options = [
            {
                "value": str(option_value),
                "label": label,
                "key": f"{str(label).casefold()} {getattr(option_value.instance, 'search_key', '')}",
                "checked": str(option_value) in chosen,
            }
            for option_value, label in self.choices
            if option_value != ""
        ]
        options.sort(key=lambda option: not option["checked"])  # stable: the chosen first, in order
        context["widget"].update(
            options=options, input_type="checkbox" if self.allow_multiple_selected else "radio"
        )
        return context


class PartnershipForm(CleanInputMixin, forms.ModelForm):
    class Meta:
        model = Partnership
        fields = [
            "name",
            "kind",
            "status",
            "organisations",
            "regions",
            "start_date",
            "end_date",
            "description",
            "links",
            "people",
        ]
        widgets = {
            "organisations": PickerWidget(),
            "people": PickerWidget(),
            "regions": forms.CheckboxSelectMultiple,
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
            "links": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"links": _("One address or document reference per line.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.order_by("name", "pk")
        self.fields["people"].queryset = Contact.objects.order_by("last_name", "first_name", "pk")
        # Namesakes are common; the address tells them apart.
        self.fields["people"].label_from_instance = _person_label


def _person_label(contact: Contact) -> str:
    return f"{contact.full_name} · {contact.email}" if contact.email else contact.full_name


class PartnerInviteForm(CleanInputMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("organisation"), queryset=Organisation.objects.none(), widget=PickerWidget(multiple=False)
    )
    email = forms.EmailField(label=_("email"), max_length=254)
    name = forms.CharField(label=_("full name"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(is_active=True).order_by(
            "name", "pk"
        )

    def clean_email(self):
        return BaseUserManager.normalize_email(self.cleaned_data["email"].strip())


class InvitationAcceptForm(CleanInputMixin, UserCreationForm):
    """The invited person chooses a login and a password; the email is the invitation's."""

    class Meta(UserCreationForm.Meta):
        fields = ("username", "first_name", "last_name")

    def __init__(self, *args, invitation: PartnerInvitation, **kwargs):
        first_name, _space, last_name = invitation.name.partition(" ")
        kwargs.setdefault(
            "initial", {"username": invitation.email, "first_name": first_name, "last_name": last_name}
        )
        super().__init__(*args, **kwargs)
        # Known before saving, so that the password validators can refuse a password like it.
        self.instance.email = invitation.email
