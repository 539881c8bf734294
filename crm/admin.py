from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from crm import models


class SearchKeyAdminMixin:
    """Admin search through the search key, so `kutaisi` finds `ქუთაისი`."""

    search_help_text = None

    def get_search_results(self, request, queryset, search_term):
        if not search_term:
            return queryset, False
        return queryset.search(search_term), False


class AffiliationInline(admin.TabularInline):
    model = models.Affiliation
    extra = 0
    autocomplete_fields = ["contact", "organisation"]


@admin.register(models.Organisation)
class OrganisationAdmin(SearchKeyAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "name_latin", "legal_form", "identification_code", "municipality", "is_partner", "is_active"]
    list_filter = ["is_active", "is_partner", "legal_form", "municipality__region", "themes"]
    list_select_related = ["municipality"]
    search_fields = ["search_key"]
    autocomplete_fields = ["municipality"]
    filter_horizontal = ["themes", "target_groups", "tags"]
    inlines = [AffiliationInline]


@admin.register(models.Contact)
class ContactAdmin(SearchKeyAdminMixin, SimpleHistoryAdmin):
    list_display = ["full_name", "email", "phone", "preferred_language", "newsletter_consent", "is_active"]
    list_filter = ["preferred_language", "newsletter_consent", "directory_consent", "is_active"]
    search_fields = ["search_key"]
    inlines = [AffiliationInline]


@admin.register(models.Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name_ka", "name_en", "code", "is_priority", "position"]
    search_fields = ["name_ka", "name_en", "code"]


@admin.register(models.TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name_ka", "name_en", "code"]
    search_fields = ["name_ka", "name_en", "code"]


@admin.register(models.Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(models.Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["occurred_on", "subject", "organisation", "kind", "staff", "outcome"]
    list_filter = ["kind", "outcome", "themes"]
    list_select_related = ["organisation", "staff"]
    search_fields = ["subject", "organisation__search_key"]
    autocomplete_fields = ["organisation", "contacts"]
    date_hierarchy = "occurred_on"


@admin.register(models.FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["title", "organisation", "assignee", "due_on", "status"]
    list_filter = ["status"]
    list_select_related = ["organisation", "assignee"]
    search_fields = ["title", "organisation__search_key"]
    autocomplete_fields = ["organisation", "interaction"]
    date_hierarchy = "due_on"


@admin.register(models.Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name_ka", "name_en", "category", "is_paid", "default_price", "vat_applies", "is_active"]
    list_filter = ["category", "is_paid", "is_active"]
    search_fields = ["name_ka", "name_en"]


@admin.register(models.ServiceDelivery)
class ServiceDeliveryAdmin(admin.ModelAdmin):
    list_display = ["service", "client_organisation", "client_municipality", "start_date", "participants"]
    list_filter = ["service__category"]
    list_select_related = ["service", "client_organisation", "client_municipality"]
    search_fields = ["service__name_ka", "service__name_en", "client_organisation__search_key"]
    autocomplete_fields = ["client_organisation", "interactions"]
    date_hierarchy = "start_date"


class InvoiceLineInline(admin.TabularInline):
    model = models.InvoiceLine
    extra = 0


class PaymentInline(admin.TabularInline):
    model = models.Payment
    extra = 0


@admin.register(models.Invoice)
class InvoiceAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "kind", "client_name", "issued_on", "due_on"]
    list_filter = ["kind", "year"]
    search_fields = ["number", "client_name", "client_organisation__search_key"]
    autocomplete_fields = ["client_organisation"]
    inlines = [InvoiceLineInline, PaymentInline]

    def get_readonly_fields(self, request, obj=None):
        # An issued invoice is never edited: corrections are credit notes.
        if obj is not None and obj.is_issued:
            return [field.name for field in obj._meta.fields]
        return ["number", "year", "sequence"]

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_issued:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(models.Payment)
class PaymentAdmin(SimpleHistoryAdmin):
    list_display = ["invoice", "amount", "paid_on", "method", "reference"]
    list_filter = ["method"]
    list_select_related = ["invoice"]
    search_fields = ["invoice__number", "reference"]
    autocomplete_fields = ["invoice"]
