"""Filters of the API's lists. Organisations, people, follow-ups and the directory use the
pages' own FilterSets (crm/filters.py, network/filters.py); the rest are here.

Filters on resources partners may read take plain ids, not model choices: a model choice
answers 400 for an id that does not exist, which would tell a partner which ids exist.
"""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from crm.filters import FollowUpFilter, OrganisationFilter
from crm.models import (
    Interaction,
    Invoice,
    InvoiceLine,
    Organisation,
    Payment,
    Service,
    ServiceDelivery,
    Theme,
)
from crm.revenue import HALF_TETRI, MONEY, ZERO, _line_gross
from network.filters import DirectoryFilter
from network.models import Municipality, Region


def _organisation_choice(field_name: str, label):
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=Organisation.objects.all(), label=label
    )


def _user_choice(field_name: str, label):
    return django_filters.ModelChoiceFilter(
        field_name=field_name, queryset=get_user_model().objects.all(), label=label
    )


class OrganisationApiFilter(OrganisationFilter):
    # The page sorts with ?sort=; the API orders every list the same way, with ?ordering=.
    sort = None


class DirectoryApiFilter(DirectoryFilter):
    """The directory page's FilterSet, unchanged; it only tells the schema that a theme is an id."""

    @extend_schema_field(OpenApiTypes.INT)
    def with_shared_theme(self, queryset, name, value):
        return super().with_shared_theme(queryset, name, value)


class FollowUpApiFilter(FollowUpFilter):
    organisation = _organisation_choice("organisation", _("organisation"))
    assignee = _user_choice("assignee", _("assignee"))
    due = django_filters.DateFromToRangeFilter(field_name="due_on", label=_("due date"))


class InteractionFilter(django_filters.FilterSet):
    organisation = _organisation_choice("organisation", _("organisation"))
    kind = django_filters.ChoiceFilter(choices=Interaction.Kind.choices, label=_("kind"))
    outcome = django_filters.ChoiceFilter(choices=Interaction.Outcome.choices, label=_("outcome"))
    staff = _user_choice("staff", _("staff member"))
    theme = django_filters.ModelChoiceFilter(
        field_name="themes", queryset=Theme.objects.all(), label=_("theme")
    )
    date = django_filters.DateFromToRangeFilter(field_name="occurred_on", label=_("date"))

    class Meta:
        model = Interaction
        fields: list[str] = []


class ServiceFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Service.Category.choices, label=_("category"))
    is_paid = django_filters.BooleanFilter(label=_("paid service"))
    is_active = django_filters.BooleanFilter(label=_("active"))

    class Meta:
        model = Service
        fields: list[str] = []


class DeliveryFilter(django_filters.FilterSet):
    service = django_filters.ModelChoiceFilter(queryset=Service.objects.all(), label=_("service"))
    client_organisation = _organisation_choice("client_organisation", _("client organisation"))
    client_municipality = django_filters.ModelChoiceFilter(
        queryset=Municipality.objects.all(), label=_("client municipality")
    )
    place = django_filters.ModelChoiceFilter(queryset=Municipality.objects.all(), label=_("place"))
    staff_lead = _user_choice("staff_lead", _("staff lead"))
    date = django_filters.DateFromToRangeFilter(field_name="start_date", label=_("start date"))

    class Meta:
        model = ServiceDelivery
        fields: list[str] = []


class InvoiceFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=Invoice.Status.choices, method="with_status", label=_("status")
    )
    kind = django_filters.ChoiceFilter(choices=Invoice.Kind.choices, label=_("kind"))
    client_organisation = _organisation_choice("client_organisation", _("client organisation"))
    client_municipality = django_filters.ModelChoiceFilter(
        queryset=Municipality.objects.all(), label=_("client municipality")
    )
    # A whole number: NumberFilter would take 2026.5 and find nothing.
    year = django_filters.NumberFilter(label=_("year"), decimal_places=0)
    issued = django_filters.DateFromToRangeFilter(field_name="issued_on", label=_("issue date"))
    due = django_filters.DateFromToRangeFilter(field_name="due_on", label=_("due date"))

    class Meta:
        model = Invoice
        fields: list[str] = []

    def with_status(self, queryset, name, value):
        return invoices_with_status(queryset, value, today=timezone.localdate())


def invoices_with_status(queryset: QuerySet[Invoice], status: str, *, today) -> QuerySet[Invoice]:
    """Invoices whose derived status (Invoice.status_on) is `status`, decided in SQL.

    The same steps as the model, in the same order: a draft has no number; an issued credit
    note is "issued"; an invoice cancelled by an issued credit note is "cancelled"; then paid
    in full, overdue, partly paid, issued. tests/api/test_filters.py checks the two agree.
    """
    lines = (
        InvoiceLine.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(sum=Sum(_line_gross()))
    )
    payments = Payment.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(sum=Sum("amount"))
    queryset = queryset.annotate(
        api_paid=Coalesce(Subquery(payments.values("sum"), output_field=MONEY), ZERO),
        api_owed=ExpressionWrapper(
            Coalesce(Subquery(lines.values("sum"), output_field=MONEY), ZERO)
            - Coalesce(Subquery(payments.values("sum"), output_field=MONEY), ZERO),
            output_field=MONEY,
        ),
        api_cancelled=Exists(Invoice.objects.filter(cancels=OuterRef("pk"), number__isnull=False)),
    )
    issued = Q(number__isnull=False)
    credit_note = Q(kind=Invoice.Kind.CREDIT_NOTE)
    live = issued & ~credit_note & Q(api_cancelled=False)
    # Half a tetri, not zero: SQLite adds money as floats (as in crm/revenue.py).
    paid_up = Q(api_owed__lt=HALF_TETRI)
    unpaid_not_due = live & ~paid_up & ~Q(due_on__lt=today)
    conditions = {
        Invoice.Status.DRAFT: ~issued,
        Invoice.Status.CANCELLED: issued & ~credit_note & Q(api_cancelled=True),
        Invoice.Status.PAID: live & paid_up,
        Invoice.Status.OVERDUE: live & ~paid_up & Q(due_on__lt=today),
        Invoice.Status.PARTLY_PAID: unpaid_not_due & Q(api_paid__gt=0),
        Invoice.Status.ISSUED: (issued & credit_note) | (unpaid_not_due & Q(api_paid__lte=0)),
    }
    return queryset.filter(conditions[status])


class PaymentFilter(django_filters.FilterSet):
    invoice = django_filters.ModelChoiceFilter(queryset=Invoice.objects.all(), label=_("invoice"))
    method = django_filters.ChoiceFilter(choices=Payment.Method.choices, label=_("method"))
    date = django_filters.DateFromToRangeFilter(field_name="paid_on", label=_("payment date"))

    class Meta:
        model = Payment
        fields: list[str] = []


class MunicipalityFilter(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), label=_("region"))
    kind = django_filters.ChoiceFilter(choices=Municipality.Kind.choices, label=_("kind"))

    class Meta:
        model = Municipality
        fields: list[str] = []
