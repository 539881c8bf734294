from django.contrib import admin

from crm.admin import SearchKeyAdminMixin
from network import models


@admin.register(models.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ka", "name_en"]
    search_fields = ["code", "name_ka", "name_en"]


@admin.register(models.Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name_ka", "name_en", "kind", "region"]
    list_filter = ["region", "kind"]
    list_select_related = ["region"]
    search_fields = ["name_ka", "name_en"]


@admin.register(models.Partnership)
class PartnershipAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "status", "start_date", "end_date"]
    list_filter = ["kind", "status", "regions"]
    search_fields = ["name", "organisations__search_key"]
    autocomplete_fields = ["organisations", "people"]
    filter_horizontal = ["regions"]


@admin.register(models.PartnerAccount)
class PartnerAccountAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "organisation", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__username", "user__email", "organisation__search_key"]
    autocomplete_fields = ["organisation"]
    raw_id_fields = ["user"]


@admin.register(models.PartnerInvitation)
class PartnerInvitationAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    """For looking up what happened to an invitation. Staff invite and revoke on /partners/,
    where the mail is sent and the rules are kept; so nothing here is editable."""

    list_display = ["email", "organisation", "created_at", "sent_at", "accepted_at", "revoked_at"]
    list_filter = ["accepted_at", "revoked_at"]
    list_select_related = ["organisation"]
    search_fields = ["email", "organisation__search_key"]
    readonly_fields = [field.name for field in models.PartnerInvitation._meta.fields]

    def has_add_permission(self, request):
        return False
