"""/api/: the REST API, versioned under /api/v1/, with its OpenAPI schema and docs."""

urlpatterns: list = []
