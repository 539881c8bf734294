"""/api/: the REST API, versioned under /api/v1/, with its OpenAPI schema, docs and tokens page."""

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from api import views, viewsets
from api.schema import DocsView, SchemaView


class Router(DefaultRouter):
    APIRootView = viewsets.Root
    # JSON only: `.json` suffixes would only double every URL.
    include_format_suffixes = False


router = Router()
router.register("organisations", viewsets.OrganisationViewSet, basename="organisation")
router.register("contacts", viewsets.ContactViewSet, basename="contact")
router.register("interactions", viewsets.InteractionViewSet, basename="interaction")
router.register("follow-ups", viewsets.FollowUpViewSet, basename="follow-up")
router.register("services", viewsets.ServiceViewSet, basename="service")
router.register("deliveries", viewsets.DeliveryViewSet, basename="delivery")
router.register("invoices", viewsets.InvoiceViewSet, basename="invoice")
router.register("payments", viewsets.PaymentViewSet, basename="payment")
router.register("partnerships", viewsets.PartnershipViewSet, basename="partnership")
router.register("regions", viewsets.RegionViewSet, basename="region")
router.register("municipalities", viewsets.MunicipalityViewSet, basename="municipality")
router.register("directory", viewsets.DirectoryViewSet, basename="directory")

urlpatterns = [
    # The namespace is the version (NamespaceVersioning): v2 would sit beside it.
    path("v1/", include((router.urls, "v1"))),
    path("schema/", SchemaView.as_view(), name="api_schema"),
    path("docs/", DocsView.as_view(url_name="api_schema"), name="api_docs"),
    path("tokens/", views.token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
    # Last: any other URL of a version is a 404 in JSON. Only URLs that end in a slash, so that
    # Django still redirects /api/v1/regions to /api/v1/regions/ (APPEND_SLASH).
    re_path(r"^v[0-9]+/[\s\S]*/$", views.not_found),
]
