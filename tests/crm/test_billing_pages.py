import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from crm.models import Invoice, Payment, ServiceDelivery
from crm.services import invoice_cancel, invoice_issue
from tests.crm.factories import (
    InvoiceLineFactory,
    OrganisationFactory,
    ServiceDeliveryFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, user_in_role):
    client.user = user_in_role("manager")
    client.force_login(client.user)
    return client


def test_from_a_delivery_to_an_invoice_paid_in_two_parts(manager_client):
    service = ServiceFactory(default_price=Decimal("500.00"), vat_applies=True)
    delivery = ServiceDeliveryFactory(service=service, price_agreed=Decimal("500.00"))
    response = manager_client.post(f"/deliveries/{delivery.pk}/invoice/")
    invoice = Invoice.objects.get()
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    manager_client.post(f"/invoices/{invoice.pk}/issue/")
    invoice.refresh_from_db()
    assert invoice.number and invoice.total == Decimal("590.00")
    for amount in ["200.00", "100.00"]:
        manager_client.post(
            f"/invoices/{invoice.pk}/payments/", {"amount": amount, "paid_on": "2026-11-20", "method": "bank"}
        )
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.amount_outstanding == Decimal("290.00")
    assert invoice.status in (Invoice.Status.PARTLY_PAID, Invoice.Status.OVERDUE)
    page = manager_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "290,00" in page and invoice.number in page  # Georgian decimal comma


def test_an_overpayment_is_refused_with_a_message(manager_client):
    invoice = invoice_issue(invoice=InvoiceLineFactory(unit_price=Decimal("100.00"), vat_rate=0).invoice)
    response = manager_client.post(
        f"/invoices/{invoice.pk}/payments/",
        {"amount": "150.00", "paid_on": "2026-11-20", "method": "bank"},
        follow=True,
    )
    assert response.status_code == 200 and "150.00" in response.content.decode()
    assert not Payment.objects.exists()


def test_a_delivery_is_invoiced_once(manager_client):
    delivery = ServiceDeliveryFactory()
    manager_client.post(f"/deliveries/{delivery.pk}/invoice/")
    manager_client.post(f"/deliveries/{delivery.pk}/invoice/")
    assert Invoice.objects.count() == 1


def test_cancelling_issues_a_credit_note_and_leaves_the_invoice_as_it_was(manager_client):
    invoice = invoice_issue(invoice=InvoiceLineFactory(unit_price=Decimal("100.00")).invoice)
    before = (invoice.number, invoice.issued_on, [line.unit_price for line in invoice.lines.all()])
    manager_client.post(f"/invoices/{invoice.pk}/cancel/")
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status == Invoice.Status.CANCELLED
    assert (invoice.number, invoice.issued_on, [line.unit_price for line in invoice.lines.all()]) == before
    credit_note = invoice.credit_note
    assert credit_note.is_issued and credit_note.total == -invoice.total
    with pytest.raises(ValidationError):
        invoice_cancel(invoice=invoice, cancelled_by=None)


def test_staff_record_deliveries_without_seeing_money(client, user_in_role):
    client.force_login(user_in_role("staff"))
    ServiceDeliveryFactory(price_agreed=Decimal("777.00"))
    page = client.get("/deliveries/").content.decode()
    assert "777" not in page
    form_page = client.get("/deliveries/new/").content.decode()
    assert "price_agreed" not in form_page
    service = ServiceFactory()
    response = client.post(
        "/deliveries/new/",
        {
            "service": service.pk,
            "client_organisation": OrganisationFactory().pk,
            "start_date": "2026-11-01",
            "participants": "12",
            "price_agreed": "1.00",
        },
    )
    assert response.status_code == 302
    assert ServiceDelivery.objects.latest("id").price_agreed is None  # the field was not theirs to set


# Row locks are PostgreSQL's; the in-memory SQLite test database locks whole tables at once
# (CI runs this file on both, so this test runs on every PostgreSQL pass).
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent issuing needs row locks (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True)
def test_two_managers_issuing_at_once_get_consecutive_numbers():
    drafts = [InvoiceLineFactory().invoice for _ in range(6)]
    numbers, errors = [], []

    def issue(invoice):
        try:
            numbers.append(invoice_issue(invoice=invoice, issued_on=date(2026, 6, 1)).sequence)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(draft,)) for draft in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_invoice_and_delivery_lists_run_the_same_queries_whatever_their_length(
    manager_client, django_assert_max_num_queries
):
    for _ in range(30):
        invoice = invoice_issue(invoice=InvoiceLineFactory().invoice)
        ServiceDeliveryFactory()
    invoice_cancel(invoice=invoice, cancelled_by=None)
    with django_assert_max_num_queries(10):
        assert manager_client.get("/invoices/").status_code == 200
    with django_assert_max_num_queries(10):
        assert manager_client.get("/deliveries/").status_code == 200


def test_an_invoiced_delivery_links_to_its_invoice_instead_of_offering_another(manager_client):
    delivery = ServiceDeliveryFactory()
    manager_client.post(f"/deliveries/{delivery.pk}/invoice/")
    invoice = Invoice.objects.get()
    page = manager_client.get("/deliveries/").content.decode()
    assert f'href="/invoices/{invoice.pk}/"' in page
    assert f'action="/deliveries/{delivery.pk}/invoice/"' not in page


def test_a_paid_invoice_offers_no_cancellation(manager_client):
    invoice = invoice_issue(invoice=InvoiceLineFactory(unit_price=Decimal("100.00"), vat_rate=0).invoice)
    assert (
        f'action="/invoices/{invoice.pk}/cancel/"'
        in manager_client.get(f"/invoices/{invoice.pk}/").content.decode()
    )
    manager_client.post(
        f"/invoices/{invoice.pk}/payments/", {"amount": "40.00", "paid_on": "2026-11-20", "method": "bank"}
    )
    assert (
        f'action="/invoices/{invoice.pk}/cancel/"'
        not in manager_client.get(f"/invoices/{invoice.pk}/").content.decode()
    )
