"""Newsletters and mail: campaigns, lists, public subscribe and unsubscribe, the mail webhook."""

urlpatterns: list = []
