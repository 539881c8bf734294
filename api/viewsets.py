"""The /api/v1/ resources: thin, read-only viewsets over the same selectors, FilterSets and
permission rules as the pages. Each list is paginated (50, `page_size` up to 100), filtered
like its page and ordered with `?ordering=`."""

from __future__ import annotations

from functools import cached_property

from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import APIRootView

from api import filters, selectors, serializers
from api.openapi import ApiSchema
from api.pagination import StableOrdering
from api.permissions import CanSeeMoney, CanSeePartnerships, IsCentreStaff
from crm import selectors as crm_selectors
from crm.filters import ContactFilter
from crm.permissions import can_see_money
from network import directory
from network.selectors import PartnershipFilter


class ExplainedThrottling:
    """Says in the caller's language why they must wait (DRF adds how long)."""

    def throttled(self, request, wait):
        raise exceptions.Throttled(wait, detail=_("Too many requests. Please wait before trying again."))


class Root(ExplainedThrottling, APIRootView):
    """The list of resources; what each answers is decided resource by resource."""

    permission_classes = [AllowAny]


class ReadOnlyViewSet(ExplainedThrottling, viewsets.ReadOnlyModelViewSet):
    # Ids only: anything else is a 404 (views.not_found), never a database error.
    lookup_value_regex = "[0-9]+"
    filter_backends = [DjangoFilterBackend, StableOrdering]
    schema = ApiSchema()


# --- Centre staff ------------------------------------------------------------------------------


class OrganisationViewSet(ReadOnlyViewSet):
    """Organisations with everything the centre records about them (centre staff only)."""

    permission_classes = [IsCentreStaff]
    serializer_class = serializers.OrganisationSerializer
    filterset_class = filters.OrganisationApiFilter
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]

    def get_queryset(self):
        # The organisation list page's queryset; the filter backend applies its FilterSet.
        return crm_selectors.organisation_list().queryset.prefetch_related("target_groups")


class ContactViewSet(ReadOnlyViewSet):
    """People and where they work (centre staff only)."""

    permission_classes = [IsCentreStaff]
    serializer_class = serializers.ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["last_name", "first_name", "created_at"]
    ordering = ["last_name", "first_name"]

    def get_queryset(self):
        return crm_selectors.contact_list().queryset


class InteractionViewSet(ReadOnlyViewSet):
    """Meetings, calls, trainings… logged with organisations, private notes included (centre staff only)."""

    permission_classes = [IsCentreStaff]
    serializer_class = serializers.InteractionSerializer
    filterset_class = filters.InteractionFilter
    ordering_fields = ["occurred_on", "created_at"]
    ordering = ["-occurred_on", "-id"]

    def get_queryset(self):
        return selectors.interaction_list()


class FollowUpViewSet(ReadOnlyViewSet):
    """What is to be done for an organisation, by whom and when (centre staff only)."""

    permission_classes = [IsCentreStaff]
    serializer_class = serializers.FollowUpSerializer
    filterset_class = filters.FollowUpApiFilter
    ordering_fields = ["due_on", "created_at"]
    ordering = ["due_on", "id"]

    def get_queryset(self):
        return crm_selectors.follow_up_list(user=self.request.user).queryset


def _with_or_without_money(name: str, with_money, without_money):
    """The schema of a resource whose prices only managers and admins receive."""
    response = PolymorphicProxySerializer(
        component_name=name, serializers=[with_money, without_money], resource_type_field_name=None
    )
    return extend_schema_view(
        list=extend_schema(responses=response), retrieve=extend_schema(responses=response)
    )


class MoneyByRole:
    """Picks the serializer with prices only for a user who may see money."""

    serializer_class_with_money: type

    def get_serializer_class(self):
        if can_see_money(self.request.user):
            return self.serializer_class_with_money
        return self.serializer_class


@_with_or_without_money(
    "ServiceForCaller", serializers.ServiceWithMoneySerializer, serializers.ServiceSerializer
)
class ServiceViewSet(MoneyByRole, ReadOnlyViewSet):
    """The service catalogue. Prices and VAT are given to managers and admins only."""

    permission_classes = [IsCentreStaff]
    serializer_class = serializers.ServiceSerializer
    serializer_class_with_money = serializers.ServiceWithMoneySerializer
    filterset_class = filters.ServiceFilter
    ordering_fields = ["category", "name_ka", "name_en"]
    ordering = ["category", "name_en"]

    def get_queryset(self):
        return selectors.service_list()


@_with_or_without_money(
    "DeliveryForCaller", serializers.DeliveryWithMoneySerializer, serializers.DeliverySerializer
)
class DeliveryViewSet(MoneyByRole, ReadOnlyViewSet):
    """Services delivered. The agreed price and the invoice are given to managers and admins only."""

    permission_classes = [IsCentreStaff]
    serializer_class = serializers.DeliverySerializer
    serializer_class_with_money = serializers.DeliveryWithMoneySerializer
    filterset_class = filters.DeliveryFilter
    ordering_fields = ["start_date", "participants", "created_at"]
    ordering = ["-start_date", "-id"]

    def get_queryset(self):
        return crm_selectors.delivery_list()


# --- Money: managers and admins ----------------------------------------------------------------


class InvoiceViewSet(ReadOnlyViewSet):
    """Invoices and credit notes with their lines; status and totals are derived (managers and admins only)."""

    permission_classes = [CanSeeMoney]
    serializer_class = serializers.InvoiceSerializer
    filterset_class = filters.InvoiceFilter
    ordering_fields = ["issued_on", "due_on", "created_at"]
    ordering = ["-year", "-sequence", "-id"]

    def get_queryset(self):
        return crm_selectors.invoice_list()


class PaymentViewSet(ReadOnlyViewSet):
    """Payments received against invoices (managers and admins only)."""

    permission_classes = [CanSeeMoney]
    serializer_class = serializers.PaymentSerializer
    filterset_class = filters.PaymentFilter
    ordering_fields = ["paid_on", "amount", "created_at"]
    ordering = ["-paid_on", "-id"]

    def get_queryset(self):
        return selectors.payment_list()


# --- The partner network -----------------------------------------------------------------------


class PartnershipViewSet(ReadOnlyViewSet):
    """Partnerships: all of them for centre staff; for a partner, those their organisation is part of."""

    permission_classes = [CanSeePartnerships]
    serializer_class = serializers.PartnershipSerializer
    filterset_class = PartnershipFilter
    ordering_fields = ["start_date", "end_date", "name"]
    ordering = ["-start_date", "name"]

    def get_queryset(self):
        return selectors.partnership_list(user=self.request.user)


class RegionViewSet(ReadOnlyViewSet):
    """Georgia's regions: public."""

    permission_classes = [AllowAny]
    serializer_class = serializers.RegionSerializer
    ordering_fields = ["code", "name_ka", "name_en"]
    ordering = ["code"]

    def get_queryset(self):
        return selectors.region_list()


class MunicipalityViewSet(ReadOnlyViewSet):
    """Georgia's self-governing cities and municipalities: public."""

    permission_classes = [AllowAny]
    serializer_class = serializers.MunicipalitySerializer
    filterset_class = filters.MunicipalityFilter
    ordering_fields = ["name_ka", "name_en"]
    ordering = ["region__code", "name_en"]

    def get_queryset(self):
        return selectors.municipality_list()


class DirectoryViewSet(ExplainedThrottling, viewsets.GenericViewSet):
    """The shared directory as the caller may see it: the public, a partner and staff each get
    the organisations and sections shared with them (network/directory.py decides). A section
    the caller may not see is null; filters only match what the caller may see."""

    permission_classes = [AllowAny]
    serializer_class = serializers.DirectoryEntrySerializer
    filterset_class = filters.DirectoryApiFilter
    filter_backends = [DjangoFilterBackend, StableOrdering]
    schema = ApiSchema()
    # Profile fields only: ordering by a hidden section would reveal it.
    ordering_fields = ["name", "name_latin", "founding_year"]
    ordering = ["name"]
    lookup_value_regex = "[0-9]+"

    @cached_property
    def viewer(self) -> directory.Viewer:
        return directory.Viewer.of(self.request.user)

    def get_queryset(self):
        return directory.organisations_for(self.viewer)

    def list(self, request, *args, **kwargs):
        organisations = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        entries = [directory.entry(organisation, self.viewer) for organisation in organisations]
        return self.get_paginated_response(self.get_serializer(entries, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        found = directory.entry_for(request.user, int(kwargs["pk"]))
        if found is None:
            raise exceptions.NotFound
        return Response(self.get_serializer(found).data)
