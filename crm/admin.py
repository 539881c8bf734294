from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from crm import models
from crm.search import search_key
from crm.selectors import centre_staff_users
from crm.services import payment_check, payment_record


class SearchKeyAdminMixin:
    """Admin search through search keys, so `kutaisi` finds `ქუთაისი`.

    Fields ending in `search_key` (the model's own or a related one) are matched with the typed
    text normalised the same way the key was; other search fields work as usual.
    """

    def get_search_results(self, request, queryset, search_term):
        key_fields = [f for f in self.search_fields if f.endswith("search_key")]
        words = search_key(search_term).split()
        if not search_term or not key_fields or not words:
            return super().get_search_results(request, queryset, search_term)
        other_fields = [f for f in self.search_fields if f not in key_fields]
        matches = queryset.none()
        for field in key_fields:
            by_key = queryset
            for word in words:
                by_key = by_key.filter(**{f"{field}__contains": word})
            matches = matches | by_key
        if other_fields:
            self.search_fields, original = other_fields, self.search_fields
            try:
                by_other, _ = super().get_search_results(request, queryset, search_term)
            finally:
                self.search_fields = original
            matches = matches | by_other
        return matches.distinct(), True


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
class InteractionAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    list_display = ["occurred_on", "subject", "organisation", "kind", "staff", "outcome"]
    list_filter = ["kind", "outcome", "themes"]
    list_select_related = ["organisation", "staff"]
    search_fields = ["subject", "organisation__search_key"]
    autocomplete_fields = ["organisation", "contacts"]
    date_hierarchy = "occurred_on"


@admin.register(models.FollowUp)
class FollowUpAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "organisation", "assignee", "due_on", "status"]
    list_filter = ["status"]
    list_select_related = ["organisation", "assignee"]
    search_fields = ["title", "organisation__search_key"]
    autocomplete_fields = ["organisation", "interaction"]
    date_hierarchy = "due_on"


class EngagementStepInline(admin.TabularInline):
    model = models.EngagementStep
    extra = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A plain list of colleagues: the user autocomplete needs auth.view_user, which
        # managers do not have.
        if db_field.name == "assignee":
            kwargs["queryset"] = centre_staff_users()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(models.EngagementPlan)
class EngagementPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    search_fields = ["name"]
    inlines = [EngagementStepInline]


@admin.register(models.Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name_ka", "name_en", "category", "is_paid", "default_price", "vat_applies", "is_active"]
    list_filter = ["category", "is_paid", "is_active"]
    search_fields = ["name_ka", "name_en"]


@admin.register(models.ServiceDelivery)
class ServiceDeliveryAdmin(SearchKeyAdminMixin, admin.ModelAdmin):
    list_display = ["service", "client_organisation", "client_municipality", "start_date", "participants"]
    list_filter = ["service__category"]
    list_select_related = ["service", "client_organisation", "client_municipality"]
    search_fields = ["service__name_ka", "service__name_en", "client_organisation__search_key"]
    autocomplete_fields = ["client_organisation", "interactions"]
    date_hierarchy = "start_date"


class InvoiceLineInline(admin.TabularInline):
    model = models.InvoiceLine
    extra = 0

    # The lines of an issued invoice are as final as the invoice itself.
    def has_add_permission(self, request, obj=None):
        return (obj is None or not obj.is_issued) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return (obj is None or not obj.is_issued) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or not obj.is_issued) and super().has_delete_permission(request, obj)


class PaymentInline(admin.TabularInline):
    """Payments shown on their invoice; they are recorded on the payment page, which checks them."""

    model = models.Payment
    extra = 0
    fields = ["amount", "paid_on", "method", "reference", "recorded_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Invoice)
class InvoiceAdmin(SearchKeyAdminMixin, SimpleHistoryAdmin):
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


class PaymentAdminForm(forms.ModelForm):
    class Meta:
        model = models.Payment
        fields = ["invoice", "amount", "paid_on", "method", "reference"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("invoice") and cleaned.get("amount") is not None:
            payment_check(invoice=cleaned["invoice"], amount=cleaned["amount"])
        return cleaned


@admin.register(models.Payment)
class PaymentAdmin(SimpleHistoryAdmin):
    """Payments are added through payment_record and never changed: a mistake is corrected
    by a credit note, as accountants do."""

    form = PaymentAdminForm

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = payment_record(
            invoice=obj.invoice,
            amount=obj.amount,
            paid_on=obj.paid_on,
            method=obj.method,
            reference=obj.reference,
            recorded_by=request.user,
        )
        obj.pk = saved.pk

    list_display = ["invoice", "amount", "paid_on", "method", "reference"]
    list_filter = ["method"]
    list_select_related = ["invoice"]
    search_fields = ["invoice__number", "reference"]
    autocomplete_fields = ["invoice"]


@admin.register(models.Erasure)
class ErasureAdmin(admin.ModelAdmin):
    """The log of erasures, read-only: only crm/privacy.py writes it, and nobody rewrites it."""

    list_display = ["contact_pk", "erased_at", "erased_by"]
    list_select_related = ["erased_by"]
    search_fields = ["=contact_pk"]
    date_hierarchy = "erased_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
