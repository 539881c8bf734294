"""What each API resource shows. All read-only: writes go through the pages, whose forms and
services validate them (crm/services.py); the API does not repeat that half-way.

Money has its own serializers (`…WithMoney`): a view picks them only for a user who may see
money, so prices never reach staff, in a list, a detail or a nested object.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crm.models import (
    Affiliation,
    Contact,
    FollowUp,
    Interaction,
    Invoice,
    InvoiceLine,
    LegalForm,
    Organisation,
    Payment,
    Service,
    ServiceDelivery,
    Visibility,
)
from network.directory import SECTIONS
from network.models import Municipality, Partnership, Region

MONEY = {"max_digits": 14, "decimal_places": 2, "read_only": True}


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name_ka", "name_en"]


class MunicipalitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Municipality
        fields = ["id", "region", "kind", "name_ka", "name_en"]


class PlaceSerializer(serializers.Serializer):
    """A region or municipality named in both scripts, inside another object."""

    id = serializers.IntegerField(read_only=True)
    name_ka = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)


class ThemeSerializer(serializers.Serializer):
    """A theme or target group, inside another object."""

    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name_ka = serializers.CharField(read_only=True)
    name_en = serializers.CharField(read_only=True)


class NamedSerializer(serializers.Serializer):
    """An organisation, person or invoice inside another object: its id and name."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True, source="__str__")


def _choice_or_blank(model, name: str) -> serializers.ChoiceField:
    """A model's choice that may be left blank. ModelSerializer drops `allow_blank` from read-only
    fields, and the schema would then promise a choice where the API may answer ""."""
    field = model._meta.get_field(name)
    return serializers.ChoiceField(
        choices=field.choices, allow_blank=True, read_only=True, label=field.verbose_name
    )


class CentreUserSerializer(serializers.Serializer):
    """One of the centre's people (who logged an interaction, who is assigned a follow-up)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


# --- Organisations and people (centre staff) -------------------------------------------------


class OrganisationSerializer(serializers.ModelSerializer):
    municipality = PlaceSerializer(read_only=True, allow_null=True)
    region = PlaceSerializer(read_only=True, allow_null=True, source="municipality.region")
    themes = ThemeSerializer(many=True, read_only=True)
    target_groups = ThemeSerializer(many=True, read_only=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    phone = serializers.CharField(read_only=True)
    # Plain strings, as in the directory: either may be blank, which the formats email and uri refuse.
    email = serializers.CharField(read_only=True)
    website = serializers.CharField(read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "name_latin",
            "legal_form",
            "identification_code",
            "founding_year",
            "municipality",
            "region",
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
            "share_profile",
            "share_contact_details",
            "share_themes",
            "share_people",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AffiliationSerializer(serializers.ModelSerializer):
    organisation = NamedSerializer(read_only=True)

    class Meta:
        model = Affiliation
        fields = ["organisation", "role", "start_date", "end_date", "is_primary"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)  # may be blank, which the format email refuses
    affiliations = AffiliationSerializer(many=True, read_only=True)
    consent_source = _choice_or_blank(Contact, "consent_source")

    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "full_name",
            "name_latin",
            "email",
            "phone",
            "preferred_language",
            "affiliations",
            "newsletter_consent",
            "consent_given_at",
            "consent_source",
            "directory_consent",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InteractionSerializer(serializers.ModelSerializer):
    organisation = NamedSerializer(read_only=True)
    staff = CentreUserSerializer(read_only=True)
    contacts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    themes = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    outcome = _choice_or_blank(Interaction, "outcome")

    class Meta:
        model = Interaction
        fields = [
            "id",
            "organisation",
            "contacts",
            "staff",
            "kind",
            "occurred_on",
            "subject",
            "notes",
            "themes",
            "outcome",
            "outcome_notes",
            "created_at",
        ]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    organisation = NamedSerializer(read_only=True)
    assignee = CentreUserSerializer(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "organisation",
            "interaction",
            "title",
            "assignee",
            "due_on",
            "status",
            "is_overdue",
            "completed_at",
            "created_at",
        ]
        read_only_fields = fields


# --- Services and deliveries: staff without money, managers with it -------------------------


class ServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ["id", "name_ka", "name_en", "category", "is_paid", "is_active"]
        read_only_fields = fields


class ServiceWithMoneySerializer(ServiceSerializer):
    class Meta(ServiceSerializer.Meta):
        fields = [*ServiceSerializer.Meta.fields, "default_price", "vat_applies"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    service = NamedSerializer(read_only=True)
    client_organisation = NamedSerializer(read_only=True, allow_null=True)
    client_municipality = PlaceSerializer(read_only=True, allow_null=True)
    place = PlaceSerializer(read_only=True, allow_null=True)
    staff_lead = CentreUserSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ServiceDelivery
        fields = [
            "id",
            "service",
            "client_organisation",
            "client_municipality",
            "start_date",
            "end_date",
            "place",
            "participants",
            "staff_lead",
            "notes",
            "created_at",
        ]
        read_only_fields = fields


class DeliveryWithMoneySerializer(DeliverySerializer):
    invoice = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        source="invoice_id",
        help_text=_("The invoice that bills this delivery, unless cancelled."),
    )

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "price_agreed", "invoice"]
        read_only_fields = fields


# --- Invoices and payments (managers and admins) ---------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    net_amount = serializers.DecimalField(**MONEY)
    vat_amount = serializers.DecimalField(**MONEY)
    gross_amount = serializers.DecimalField(**MONEY)

    class Meta:
        model = InvoiceLine
        fields = [
            "id",
            "delivery",
            "description",
            "quantity",
            "unit_price",
            "vat_rate",
            "net_amount",
            "vat_amount",
            "gross_amount",
        ]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(choices=Invoice.Status.choices, read_only=True)
    credit_note = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        source="credit_note.pk",
        help_text=_("The credit note that cancels it."),
    )
    total_net = serializers.DecimalField(**MONEY)
    total_vat = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    amount_paid = serializers.DecimalField(**MONEY)
    amount_outstanding = serializers.DecimalField(**MONEY)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "kind",
            "number",
            "status",
            "year",
            "sequence",
            "cancels",
            "credit_note",
            "client_organisation",
            "client_municipality",
            "client_name",
            "client_identification_code",
            "client_address",
            "language",
            "issued_on",
            "due_on",
            "notes",
            "lines",
            "total_net",
            "total_vat",
            "total",
            "amount_paid",
            "amount_outstanding",
            "created_at",
        ]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    invoice = NamedSerializer(read_only=True)
    recorded_by = CentreUserSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Payment
        fields = ["id", "invoice", "amount", "paid_on", "method", "reference", "recorded_by", "created_at"]
        read_only_fields = fields


# --- Partnerships ---------------------------------------------------------------------------


class PartnershipSerializer(serializers.ModelSerializer):
    organisations = NamedSerializer(many=True, read_only=True)
    regions = PlaceSerializer(many=True, read_only=True)
    people = NamedSerializer(
        many=True,
        read_only=True,
        source="visible_people",
        help_text=_("The people involved; outside the centre, only those who agreed to be shown."),
    )

    class Meta:
        model = Partnership
        fields = [
            "id",
            "name",
            "kind",
            "status",
            "organisations",
            "regions",
            "people",
            "start_date",
            "end_date",
            "description",
            "links",
            "created_at",
        ]
        read_only_fields = fields


# --- The shared directory: an `Entry` (network/directory.py), never an Organisation ----------


class DirectoryContactDetailsSerializer(serializers.Serializer):
    address = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)


class DirectoryPersonSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    name_latin = serializers.CharField(read_only=True)
    role = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)


class DirectorySharingSerializer(serializers.Serializer):
    """How the organisation chose to share each section; told only to itself and to staff."""

    profile = serializers.ChoiceField(choices=Visibility.choices, read_only=True)
    contact_details = serializers.ChoiceField(choices=Visibility.choices, read_only=True)
    themes = serializers.ChoiceField(choices=Visibility.choices, read_only=True)
    people = serializers.ChoiceField(choices=Visibility.choices, read_only=True)


class DirectoryEntrySerializer(serializers.Serializer):
    """An organisation as the caller may see it. A section the caller may not see is null."""

    id = serializers.IntegerField(read_only=True, source="pk")
    name = serializers.CharField(read_only=True)
    name_latin = serializers.CharField(read_only=True)
    legal_form = serializers.ChoiceField(choices=LegalForm.choices, read_only=True)
    legal_form_label = serializers.CharField(read_only=True)
    identification_code = serializers.CharField(read_only=True)
    founding_year = serializers.IntegerField(read_only=True, allow_null=True)
    municipality = PlaceSerializer(read_only=True, allow_null=True)
    region = PlaceSerializer(read_only=True, allow_null=True)
    description = serializers.CharField(read_only=True)
    website = serializers.CharField(read_only=True)
    contact_details = DirectoryContactDetailsSerializer(read_only=True, allow_null=True)
    themes = ThemeSerializer(many=True, read_only=True, allow_null=True)
    target_groups = ThemeSerializer(many=True, read_only=True, allow_null=True)
    people = DirectoryPersonSerializer(many=True, read_only=True, allow_null=True)
    sharing = serializers.SerializerMethodField()
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=[(section, section) for section in SECTIONS]), read_only=True
    )

    @extend_schema_field(DirectorySharingSerializer(allow_null=True))
    def get_sharing(self, entry) -> dict | None:
        return entry.sharing or None
