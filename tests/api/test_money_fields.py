"""Staff read services and deliveries without money; managers and admins with it."""

import pytest

from crm.services import invoice_draft_for_delivery
from tests.crm.factories import ServiceDeliveryFactory

pytestmark = pytest.mark.django_db

MONEY_FIELDS = {"default_price", "vat_applies", "price_agreed", "invoice"}


@pytest.fixture
def delivery(user_in_role):
    delivery = ServiceDeliveryFactory()
    invoice_draft_for_delivery(delivery=delivery, created_by=user_in_role("manager"))
    return delivery


def _fields(client, url) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    data = response.json()
    return set(data["results"][0] if "results" in data else data)


@pytest.mark.parametrize("url", ["/api/v1/services/", "/api/v1/services/{service}/"])
def test_staff_get_services_without_prices(user_in_role, token_client, delivery, url):
    url = url.format(service=delivery.service_id)
    assert not _fields(token_client(user_in_role("staff")), url) & MONEY_FIELDS
    assert {"default_price", "vat_applies"} <= _fields(token_client(user_in_role("manager")), url)


@pytest.mark.parametrize("url", ["/api/v1/deliveries/", "/api/v1/deliveries/{delivery}/"])
def test_staff_get_deliveries_without_price_or_invoice(user_in_role, token_client, delivery, url):
    url = url.format(delivery=delivery.pk)
    assert not _fields(token_client(user_in_role("staff")), url) & MONEY_FIELDS
    assert {"price_agreed", "invoice"} <= _fields(token_client(user_in_role("admin")), url)


def test_a_manager_sees_the_agreed_price_and_the_invoice(user_in_role, token_client, delivery):
    data = token_client(user_in_role("manager")).get(f"/api/v1/deliveries/{delivery.pk}/").json()
    assert data["price_agreed"] == "100.00"
    assert data["invoice"] == delivery.invoice_lines.get().invoice_id
