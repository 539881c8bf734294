from django.contrib import admin

from notifications import models, services


@admin.register(models.MailingList)
class MailingListAdmin(admin.ModelAdmin):
    list_display = ["name_ka", "name_en", "slug", "is_public", "is_active"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(models.Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["contact", "mailing_list", "status", "language", "consent_source", "consent_given_at"]
    list_filter = ["mailing_list", "status", "consent_source"]
    search_fields = ["contact__email", "contact__search_key"]
    raw_id_fields = ["contact"]
    readonly_fields = ["added_by", "unsubscribed_at"]


@admin.register(models.Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "scheduled_at", "started_at", "finished_at", "recipient_count"]
    list_filter = ["status"]
    readonly_fields = [
        "status",
        "started_at",
        "finished_at",
        "consecutive_failures",
        "recipient_count",
        "created_by",
    ]

    def has_change_permission(self, request, obj=None):
        # What was sent, or is being sent, stays what people received.
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)


@admin.register(models.Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The ledger, read-only: only the pipeline writes it."""

    list_display = ["campaign", "email", "language", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "campaign"]
    search_fields = ["email", "message_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    """Staff mark an address bounced or complained here (e.g. from a provider's report)."""

    list_display = ["email", "reason", "created_at", "note"]
    list_filter = ["reason"]
    search_fields = ["email"]
    raw_id_fields = ["delivery"]

    def has_change_permission(self, request, obj=None):
        # The entry of a person erased on request is only a hash: nothing in it to correct.
        if obj is not None and obj.email_sha256:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # Through the service, so the address's subscriptions are marked too.
        saved = services.address_suppress(email=obj.email, reason=obj.reason, note=obj.note)
        obj.pk = saved.pk
