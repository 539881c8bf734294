"""The partner network's pages: the shared directory, partnerships and partner accounts."""

from django.urls import include, path

urlpatterns = [
    path("", include("network.directory_urls")),
    path("", include("network.partnership_urls")),
]
