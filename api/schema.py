"""The OpenAPI schema and its docs page, both readable by anyone, and how the schema names
Kavshiri's token authentication."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.viewsets import ExplainedThrottling


class SchemaView(ExplainedThrottling, SpectacularAPIView):
    pass


class DocsView(ExplainedThrottling, SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served as a file, not inline (ready for a CSP)."""

    title = _("Kavshiri API")


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Registered by being defined: drf-spectacular finds extensions by their target class."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": _(
                "A token from /api/tokens/, sent as `Authorization: Token <token>` "
                "or `Authorization: Bearer <token>`. It can read what its user can see, nothing more."
            ),
        }
