"""Pages for the paid services: the catalogue, deliveries, invoices and payments.

Staff see the catalogue and deliveries without money; managers see prices, invoices and
payments. The rules are in crm/permissions.py."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm import exports, invoice_documents, revenue, revenue_tables, selectors, services
from crm.forms import PaymentForm, RevenuePeriodForm, ServiceDeliveryForm, ServiceForm
from crm.models import Invoice, Service, ServiceDelivery
from crm.paging import page_of, query_without_page
from crm.permissions import can_see_money, centre_staff_required, money_required

LIST_PAGE_SIZE = 50


@centre_staff_required
def service_list(request):
    return render(request, "crm/service_list.html", {"services": Service.objects.all()})


@money_required
def service_edit(request, pk=None):
    service = get_object_or_404(Service, pk=pk) if pk else None
    form = ServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved."))
        return redirect("service_list")
    return render(request, "crm/service_form.html", {"form": form, "service": service})


@centre_staff_required
def delivery_list(request):
    deliveries = selectors.delivery_list()
    return render(
        request,
        "crm/delivery_list.html",
        {"page": page_of(request, deliveries, LIST_PAGE_SIZE), "query": query_without_page(request)},
    )


@centre_staff_required
def delivery_edit(request, pk=None):
    delivery = get_object_or_404(ServiceDelivery, pk=pk) if pk else None
    form = ServiceDeliveryForm(
        request.POST or None, instance=delivery, with_money=can_see_money(request.user)
    )
    if request.method == "POST" and form.is_valid():
        delivery = form.save()
        messages.success(request, _("Saved."))
        return redirect("delivery_list")
    return render(request, "crm/delivery_form.html", {"form": form, "delivery": delivery})


@money_required
@require_POST
def delivery_invoice(request, pk):
    delivery = get_object_or_404(ServiceDelivery, pk=pk)
    try:
        invoice = services.invoice_draft_for_delivery(delivery=delivery, created_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("delivery_list")
    return redirect("invoice_detail", pk=invoice.pk)


@money_required
def invoice_list(request):
    invoices = selectors.invoice_list()
    return render(
        request,
        "crm/invoice_list.html",
        {"page": page_of(request, invoices, LIST_PAGE_SIZE), "query": query_without_page(request)},
    )


@money_required
def invoice_detail(request, pk):
    """The invoice page; ?lang=ka|en picks the document's language, ?format=pdf gives it as a PDF."""
    invoice = get_object_or_404(selectors.invoice_list(), pk=pk)
    language = invoice_documents.document_language(invoice, request.GET.get("lang"))
    if request.GET.get("format") == "pdf":
        response = HttpResponse(
            invoice_documents.invoice_pdf(invoice, language), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'inline; filename="{invoice_documents.pdf_filename(invoice, language)}"'
        )
        return response
    return render(
        request,
        "crm/invoice_detail.html",
        {
            "invoice": invoice,
            "payment_form": PaymentForm(),
            "document_language": language,
            "centre": invoice_documents.centre_details(language),
        },
    )


def _invoice_action(request, pk, action, done_message, **kwargs):
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        action(invoice=invoice, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done_message)
    return redirect("invoice_detail", pk=pk)


@money_required
@require_POST
def invoice_issue(request, pk):
    return _invoice_action(request, pk, services.invoice_issue, _("Issued."))


@money_required
@require_POST
def invoice_cancel(request, pk):
    return _invoice_action(
        request, pk, services.invoice_cancel, _("Cancelled by a credit note."), cancelled_by=request.user
    )


@money_required
@require_POST
def payment_add(request, pk):
    form = PaymentForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("invoice_detail", pk=pk)
    return _invoice_action(
        request,
        pk,
        services.payment_record,
        _("Payment recorded."),
        recorded_by=request.user,
        **form.cleaned_data,
    )


def _revenue_period(request) -> revenue.Period:
    """This year so far, unless the form asks for other dates; an invalid form keeps the default."""
    form = RevenuePeriodForm(request.GET or None)
    today = timezone.localdate()
    period = revenue.Period(date(today.year, 1, 1), today)
    if form.is_valid():
        period = revenue.Period(
            form.cleaned_data["start"] or period.start, form.cleaned_data["end"] or period.end
        )
    return form, period


@money_required
def revenue_dashboard(request):
    form, period = _revenue_period(request)
    tables = revenue_tables.dashboard_tables(period=period, today=timezone.localdate())
    period_query = urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})
    return render(
        request,
        "crm/revenue.html",
        {"form": form, "period": period, "tables": tables, "period_query": period_query},
    )


@money_required
def revenue_export(request, table):
    """One dashboard table as CSV (the default) or XLSX (?format=xlsx), for the same period."""
    if table not in revenue_tables.TABLES:
        raise Http404
    _form, period = _revenue_period(request)
    layout = revenue_tables.dashboard_table(table, period=period, today=timezone.localdate())
    rows = [layout.header, *layout.rows]
    filename = f"{table}-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}"
    if request.GET.get("format") == "xlsx":
        return exports.xlsx_response(rows, f"{filename}.xlsx", sheet_title=layout.title)
    return exports.csv_response(rows, f"{filename}.csv")
