"""Newsletters and mail: campaigns, lists, segments, the public subscribe and unsubscribe pages,
and the mail provider's bounce and complaint reports."""

from django.urls import path

from notifications import views, webhooks

urlpatterns = [
    path("newsletters/", views.campaign_list, name="campaign_list"),
    path("newsletters/new/", views.campaign_edit, name="campaign_create"),
    path("newsletters/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("newsletters/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("newsletters/<int:pk>/preview/<str:language>/", views.campaign_preview, name="campaign_preview"),
    path("newsletters/<int:pk>/progress/", views.campaign_progress, name="campaign_progress"),
    path("newsletters/<int:pk>/test/", views.campaign_test, name="campaign_test"),
    path("newsletters/<int:pk>/schedule/", views.campaign_schedule, name="campaign_schedule"),
    path("newsletters/<int:pk>/send/", views.campaign_action, {"action": "send"}, name="campaign_send"),
    path(
        "newsletters/<int:pk>/unschedule/",
        views.campaign_action,
        {"action": "unschedule"},
        name="campaign_unschedule",
    ),
    path("newsletters/<int:pk>/pause/", views.campaign_action, {"action": "pause"}, name="campaign_pause"),
    path("newsletters/<int:pk>/resume/", views.campaign_action, {"action": "resume"}, name="campaign_resume"),
    path("newsletters/<int:pk>/cancel/", views.campaign_action, {"action": "cancel"}, name="campaign_cancel"),
    path("newsletters/<int:pk>/held/", views.campaign_resolve_held, name="campaign_resolve_held"),
    path("newsletters/segments/", views.segment_list, name="segment_list"),
    path("newsletters/segments/new/", views.segment_edit, name="segment_create"),
    path("newsletters/segments/<int:pk>/edit/", views.segment_edit, name="segment_edit"),
    path("lists/", views.mailing_list_list, name="mailing_list_list"),
    path("lists/new/", views.mailing_list_edit, name="mailing_list_create"),
    path("lists/<int:pk>/", views.mailing_list_detail, name="mailing_list_detail"),
    path("lists/<int:pk>/edit/", views.mailing_list_edit, name="mailing_list_edit"),
    path("lists/<int:pk>/subscriptions/", views.subscription_add, name="subscription_add"),
    path("subscribe/confirm/<str:token>/", views.subscription_confirm, name="subscription_confirm"),
    path("subscribe/<slug:slug>/", views.subscribe, name="subscribe"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/mail/", webhooks.mail_events, name="mail_webhook"),
]
