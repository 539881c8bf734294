from django.urls import path

from network import directory_views

urlpatterns = [
    path("directory/", directory_views.directory_list, name="directory"),
    path("directory/coverage/", directory_views.directory_coverage, name="directory_coverage"),
    path("directory/mine/", directory_views.own_organisation, name="directory_own"),
    path("directory/<int:pk>/", directory_views.directory_entry, name="directory_entry"),
]
