"""The API's lists filter like their pages, and the invoice status filter agrees with the model."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Interaction, Invoice
from crm.services import invoice_cancel, invoice_issue, payment_record
from tests.crm.factories import (
    FollowUpFactory,
    InteractionFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    OrganisationFactory,
    ServiceDeliveryFactory,
    ServiceFactory,
)
from tests.network.factories import municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_api(user_in_role, token_client):
    return token_client(user_in_role("manager"))


def _ids(client, url, **params) -> list[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _issued(*, due_in_days=14, paid=None, lines=1):
    today = timezone.localdate()
    invoice = InvoiceFactory()
    for _ in range(lines):
        InvoiceLineFactory(invoice=invoice, unit_price=Decimal("33.33"))
    invoice = invoice_issue(
        invoice=invoice, issued_on=today - timedelta(days=30), due_on=today + timedelta(days=due_in_days)
    )
    if paid:
        payment_record(invoice=invoice, amount=Decimal(paid), paid_on=today)
    return invoice


@pytest.fixture
def invoices(user_in_role):
    manager = user_in_role("manager")
    cancelled = _issued()
    invoice_cancel(invoice=cancelled, cancelled_by=manager)
    with_draft_note = _issued()
    InvoiceFactory(kind=Invoice.Kind.CREDIT_NOTE, cancels=with_draft_note)
    return [
        InvoiceLineFactory().invoice,  # draft
        _issued(),  # issued
        _issued(paid="10.00"),  # partly paid
        _issued(paid="39.33", lines=1),  # 33.33 + 18% VAT (6.00) = 39.33: paid
        _issued(
            paid="117.99", lines=3
        ),  # 3 × 39.33, paid in full: floats on SQLite must not leave a tetri owed
        _issued(due_in_days=-1),  # overdue
        _issued(due_in_days=-1, paid="5.00"),  # overdue, partly paid
        _issued(due_in_days=-1, paid="39.33"),  # paid after the due date
        cancelled,
        with_draft_note,  # a draft credit note cancels nothing
    ]


@pytest.mark.parametrize("status", Invoice.Status.values)
def test_the_status_filter_agrees_with_the_model(manager_api, invoices, status):
    expected = {invoice.pk for invoice in Invoice.objects.all() if invoice.status == status}
    assert set(_ids(manager_api, "/api/v1/invoices/", status=status, page_size=100)) == expected


def test_every_invoice_has_exactly_one_status(manager_api, invoices):
    found = [
        pk for status in Invoice.Status.values for pk in _ids(manager_api, "/api/v1/invoices/", status=status)
    ]
    assert sorted(found) == sorted(Invoice.objects.values_list("pk", flat=True))
    assert {Invoice.objects.get(pk=pk).status for pk in found} >= {
        "draft",
        "issued",
        "partly_paid",
        "paid",
        "overdue",
        "cancelled",
    }


def test_invoices_by_client_and_issue_date(manager_api):
    mine = _issued()
    other = _issued()
    assert _ids(manager_api, "/api/v1/invoices/", client_organisation=mine.client_organisation_id) == [
        mine.pk
    ]
    assert other.pk in _ids(manager_api, "/api/v1/invoices/", issued_after=mine.issued_on.isoformat())
    assert (
        _ids(manager_api, "/api/v1/invoices/", issued_before=(mine.issued_on - timedelta(days=1)).isoformat())
        == []
    )


def test_invoice_lines_are_nested_with_rounded_amounts(manager_api):
    invoice = _issued(lines=2)
    data = manager_api.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert [line["gross_amount"] for line in data["lines"]] == ["39.33", "39.33"]
    assert data["total"] == "78.66" and data["status"] == "issued"


def test_interactions_by_organisation_kind_and_date(manager_api):
    today = timezone.localdate()
    call = InteractionFactory(kind=Interaction.Kind.CALL, occurred_on=today)
    meeting = InteractionFactory(
        organisation=call.organisation, kind=Interaction.Kind.MEETING, occurred_on=today - timedelta(days=10)
    )
    InteractionFactory()
    assert _ids(manager_api, "/api/v1/interactions/", organisation=call.organisation_id) == [
        call.pk,
        meeting.pk,
    ]
    assert _ids(manager_api, "/api/v1/interactions/", organisation=call.organisation_id, kind="meeting") == [
        meeting.pk
    ]
    after = (today - timedelta(days=1)).isoformat()
    assert _ids(
        manager_api, "/api/v1/interactions/", organisation=call.organisation_id, date_after=after
    ) == [call.pk]


def test_deliveries_by_service_and_date(manager_api):
    today = timezone.localdate()
    service = ServiceFactory()
    recent = ServiceDeliveryFactory(service=service, start_date=today)
    ServiceDeliveryFactory(service=service, start_date=today - timedelta(days=40))
    ServiceDeliveryFactory(start_date=today)
    found = _ids(
        manager_api,
        "/api/v1/deliveries/",
        service=service.pk,
        date_after=(today - timedelta(days=7)).isoformat(),
    )
    assert found == [recent.pk]


def test_organisations_filter_like_their_page(manager_api):
    vani = OrganisationFactory(
        name="ვანის ქალთა კავშირი", name_latin="Vani Women's Union", municipality=municipality("Vani")
    )
    OrganisationFactory(name="სხვა")
    assert _ids(manager_api, "/api/v1/organisations/", q="vani") == [vani.pk]
    assert _ids(manager_api, "/api/v1/organisations/", q="ვანის") == [vani.pk]
    assert _ids(manager_api, "/api/v1/organisations/", municipality=vani.municipality_id) == [vani.pk]


def test_my_follow_ups(user_in_role, token_client):
    staff = user_in_role("staff")
    mine = FollowUpFactory(assignee=staff)
    FollowUpFactory()
    assert _ids(token_client(staff), "/api/v1/follow-ups/", mine="true") == [mine.pk]


def test_municipalities_by_region(api):
    imereti = municipality("Kutaisi").region_id
    names = [
        row["name_en"] for row in api.get("/api/v1/municipalities/", {"region": imereti}).json()["results"]
    ]
    assert len(names) == 12 and "Kutaisi" in names


def test_ordering_with_a_default_and_on_request(manager_api):
    older = OrganisationFactory(name="ა ორგანიზაცია")
    newer = OrganisationFactory(name="ბ ორგანიზაცია")
    assert _ids(manager_api, "/api/v1/organisations/") == [older.pk, newer.pk]
    assert _ids(manager_api, "/api/v1/organisations/", ordering="-name") == [newer.pk, older.pk]


def test_a_filter_value_that_makes_no_sense_is_a_400(manager_api):
    assert manager_api.get("/api/v1/invoices/", {"status": "lost"}).status_code == 400
    assert manager_api.get("/api/v1/interactions/", {"date_after": "yesterday"}).status_code == 400
