"""What the schema says of each operation beyond drf-spectacular's guess: every answer it may give.

Every operation documents its refusals, each one JSON: 401 (no token, or a token that does not
open the API), 403 (a role the resource refuses), 404 (no such object or page), 429 (too many
requests), 503 (the database out of reach for a moment; config/database_unavailable.py) and,
for a list with filters, 400 (a filter's value not accepted). The variants of a
resource without money are closed: the schema promises that no price is among their fields.
A client generated from the schema can rely on every answer, and tests/api/test_schemathesis.py
checks them all.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_array_type, build_basic_type, build_object_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers as drf_serializers
from rest_framework.permissions import AllowAny

from api import serializers


class ErrorSerializer(drf_serializers.Serializer):
    """Why the request was refused: every refusal but a filter's."""

    detail = drf_serializers.CharField(read_only=True)


# DRF's answer to filters whose values the FilterSet refused: {"filter": ["why", …], …}.
FILTER_ERRORS = build_object_type(additionalProperties=build_array_type(build_basic_type(OpenApiTypes.STR)))

# Services and deliveries come with or without money (ServiceForCaller is one of ServiceWithMoney
# and Service): closed objects tell the two apart, and say that staff never get a price.
CLOSED = (serializers.ServiceSerializer, serializers.DeliverySerializer)


class ApiSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the refusals and the closed objects. It has no public
    hook for either: these are the two methods it calls (test_schemathesis.py fails if they change)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in self._refusals().items():
            responses.setdefault(code, self._get_response_for_code(response, code, direction=direction))
        return responses

    def _refusals(self) -> dict[str, OpenApiResponse]:
        refusals = {}
        if self._is_list_view() and getattr(self.view, "filterset_class", None):
            refusals["400"] = OpenApiResponse(
                FILTER_ERRORS, _("A filter's value was not accepted: each filter named, with why.")
            )
        refusals["401"] = OpenApiResponse(
            ErrorSerializer, _("No credentials, or a token that is wrong or revoked.")
        )
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            refusals["403"] = OpenApiResponse(ErrorSerializer, _("The caller's role may not read this."))
        refusals["404"] = OpenApiResponse(
            ErrorSerializer, _("No such object for this caller, or no such page.")
        )
        refusals["429"] = OpenApiResponse(
            ErrorSerializer, _("Too many requests: the Retry-After header says how many seconds to wait.")
        )
        refusals["503"] = OpenApiResponse(
            ErrorSerializer,
            _("The database cannot be reached for a moment: the Retry-After header says when to try again."),
        )
        return refusals

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if isinstance(serializer, CLOSED):
            schema["additionalProperties"] = False
        return schema
