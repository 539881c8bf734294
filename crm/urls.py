from django.urls import path

from crm import views

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_edit, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/interactions/", views.interaction_log, name="interaction_log"),
    path("organisations/<int:pk>/merge/", views.organisation_merge_view, name="organisation_merge"),
    path("organisations/<int:pk>/plans/", views.engagement_plan_apply, name="engagement_plan_apply"),
    path("people/", views.contact_list, name="contact_list"),
    path("people/new/", views.contact_edit, name="contact_create"),
    path("people/<int:pk>/", views.contact_detail, name="contact_detail"),
    path("people/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("people/<int:pk>/affiliations/", views.contact_affiliate, name="contact_affiliate"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("follow-ups/", views.follow_up_list, name="follow_up_list"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
    path("follow-ups/<int:pk>/postpone/", views.follow_up_postpone, name="follow_up_postpone"),
    path("follow-ups/<int:pk>/reassign/", views.follow_up_reassign, name="follow_up_reassign"),
]
