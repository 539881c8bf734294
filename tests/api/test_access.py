"""Every resource, every role, through a token: the statuses the browser's session gets in the
permission matrix, because the same permission classes decide."""

from datetime import date
from decimal import Decimal

import pytest

from crm.models import Visibility
from crm.services import invoice_issue, payment_record
from network.models import Region
from tests.crm.factories import (
    AffiliationFactory,
    FollowUpFactory,
    InteractionFactory,
    InvoiceLineFactory,
    OrganisationFactory,
    ServiceDeliveryFactory,
)
from tests.factories import ROLES
from tests.network.factories import PartnershipFactory, municipality

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
ALL = (ANONYMOUS, *ROLES)
EVERYONE = dict.fromkeys(ALL, 200)
CENTRE_ONLY = {ANONYMOUS: 401, "partner": 403, "staff": 200, "manager": 200, "admin": 200}
MONEY_ONLY = {ANONYMOUS: 401, "partner": 403, "staff": 403, "manager": 200, "admin": 200}
PARTNERS_AND_CENTRE = {ANONYMOUS: 401, "partner": 200, "staff": 200, "manager": 200, "admin": 200}

# resource: (the placeholder of one of its objects, statuses for its list and that object)
RESOURCES = {
    "organisations": ("organisation", CENTRE_ONLY),
    "contacts": ("person", CENTRE_ONLY),
    "interactions": ("interaction", CENTRE_ONLY),
    "follow-ups": ("follow_up", CENTRE_ONLY),
    "services": ("service", CENTRE_ONLY),
    "deliveries": ("delivery", CENTRE_ONLY),
    "invoices": ("invoice", MONEY_ONLY),
    "payments": ("payment", MONEY_ONLY),
    "partnerships": ("partnership", PARTNERS_AND_CENTRE),
    "regions": ("region", EVERYONE),
    "municipalities": ("municipality", EVERYONE),
    "directory": ("public_entry", EVERYONE),
}


@pytest.fixture
def clients(user_in_role, api, token_client):
    users = {role: user_in_role(role) for role in ROLES}
    return users, {ANONYMOUS: api, **{role: token_client(user) for role, user in users.items()}}


@pytest.fixture
def objects(clients):
    users, _ = clients
    own = users["partner"].partner_account.organisation
    organisation = OrganisationFactory()
    delivery = ServiceDeliveryFactory(client_organisation=organisation)
    invoice = invoice_issue(invoice=InvoiceLineFactory(invoice__client_organisation=organisation).invoice)
    payment = payment_record(invoice=invoice, amount=Decimal("5.00"), paid_on=date(2026, 11, 2))
    return {
        "organisation": organisation.pk,
        "person": AffiliationFactory(organisation=organisation).contact_id,
        "interaction": InteractionFactory(organisation=organisation, staff=users["staff"]).pk,
        "follow_up": FollowUpFactory(organisation=organisation, assignee=users["staff"]).pk,
        "service": delivery.service_id,
        "delivery": delivery.pk,
        "invoice": invoice.pk,
        "payment": payment.pk,
        "partnership": PartnershipFactory(organisations=[own, organisation]).pk,
        "region": Region.objects.get(code="GE-IM").pk,
        "municipality": municipality("Zestaponi").pk,
        "public_entry": OrganisationFactory(share_profile=Visibility.PUBLIC).pk,
    }


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", ALL)
def test_list_and_detail_statuses_with_a_token(clients, objects, resource, role):
    placeholder, statuses = RESOURCES[resource]
    client = clients[1][role]
    assert client.get(f"/api/v1/{resource}/").status_code == statuses[role]
    assert client.get(f"/api/v1/{resource}/{objects[placeholder]}/").status_code == statuses[role]


@pytest.mark.parametrize("resource", RESOURCES)
def test_the_api_only_reads(clients, objects, resource):
    """Writes go through the pages' forms and services; the API answers 405 to those allowed to
    read, and the same 401/403 as for reading to everyone else."""
    placeholder, statuses = RESOURCES[resource]
    for role, client in clients[1].items():
        refused = statuses[role] if statuses[role] != 200 else 405
        assert client.post(f"/api/v1/{resource}/", {}, format="json").status_code == refused
        detail = f"/api/v1/{resource}/{objects[placeholder]}/"
        assert client.patch(detail, {}, format="json").status_code == refused
        assert client.delete(detail).status_code == refused


def test_the_anonymous_are_told_how_to_authenticate(api):
    response = api.get("/api/v1/organisations/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_partner_sees_only_their_own_partnerships(clients, objects):
    users, by_role = clients
    other = PartnershipFactory(organisations=[OrganisationFactory(), OrganisationFactory()])
    listed = [row["id"] for row in by_role["partner"].get("/api/v1/partnerships/").json()["results"]]
    assert listed == [objects["partnership"]]
    assert by_role["partner"].get(f"/api/v1/partnerships/{other.pk}/").status_code == 404
    assert by_role["staff"].get(f"/api/v1/partnerships/{other.pk}/").status_code == 200


def test_a_suspended_partner_is_the_public(clients, objects):
    users, by_role = clients
    account = users["partner"].partner_account
    account.status = account.Status.SUSPENDED
    account.save(update_fields=["status"])
    partner = by_role["partner"]
    assert partner.get("/api/v1/partnerships/").status_code == 403
    assert partner.get("/api/v1/regions/").status_code == 200
    listed = {row["id"] for row in partner.get("/api/v1/directory/").json()["results"]}
    # Only what the public sees: not even their own organisation, whose profile reaches partners.
    assert listed == {objects["public_entry"]}


def test_a_session_needs_the_csrf_token_to_write(user_in_role):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user_in_role("manager"))
    assert client.get("/api/v1/services/").status_code == 200
    response = client.post("/api/v1/services/", {}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
