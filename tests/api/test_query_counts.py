"""Every list answers a page of 50 with a fixed number of queries: the same as a page of 5."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Payment, TargetGroup, Theme, Visibility
from crm.services import invoice_issue
from network.models import Region
from tests.crm.factories import (
    AffiliationFactory,
    ContactFactory,
    FollowUpFactory,
    InteractionFactory,
    InvoiceLineFactory,
    OrganisationFactory,
    ServiceDeliveryFactory,
)
from tests.network.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

ROWS = 55
# resource: most queries for one page, authentication included (token, roles), whatever its size.
BUDGET = {
    # token and roles, count, page: the rest are the prefetches each resource names
    "organisations": 7,  # + themes, tags, target groups
    "contacts": 5,  # + affiliations with their organisations
    "interactions": 6,  # + people, themes
    "follow-ups": 4,
    "services": 4,
    "deliveries": 4,  # the invoice comes in the page's query, as a subquery
    "invoices": 6,  # + lines, payments
    "payments": 4,
    "partnerships": 7,  # + organisations, regions, people
    "regions": 3,  # public: no role to look up
    "municipalities": 3,
    "directory": 7,  # + themes, target groups, people
}


@pytest.fixture
def many(user_in_role):
    manager = user_in_role("manager")
    themes, target_groups = list(Theme.objects.all()[:3]), list(TargetGroup.objects.all()[:2])
    regions = list(Region.objects.all()[:2])
    for n in range(ROWS):
        organisation = OrganisationFactory(share_profile=Visibility.PUBLIC, share_people=Visibility.PUBLIC)
        organisation.themes.set(themes)
        organisation.target_groups.set(target_groups)
        people = [AffiliationFactory(organisation=organisation, contact__directory_consent=True).contact]
        interaction = InteractionFactory(organisation=organisation, staff=manager)
        interaction.contacts.set(people)
        interaction.themes.set(themes)
        FollowUpFactory(organisation=organisation, assignee=manager, interaction=interaction)
        delivery = ServiceDeliveryFactory(client_organisation=organisation, staff_lead=manager)
        line = InvoiceLineFactory(invoice__client_organisation=organisation, delivery=delivery)
        invoice = invoice_issue(invoice=line.invoice)
        InvoiceLineFactory(invoice=invoice)
        Payment.objects.create(
            invoice=invoice, amount=Decimal("1.00"), paid_on=date(2026, 1, 1) + timedelta(days=n)
        )
        PartnershipFactory(organisations=[organisation], regions=regions, people=[*people, ContactFactory()])
    return manager


@pytest.fixture
def manager_api(many, token_client):
    client = token_client(many)
    client.get("/api/v1/regions/")  # the token's first use is noted once; later requests only read
    return client


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("resource", BUDGET)
def test_a_page_of_fifty_runs_a_fixed_number_of_queries(manager_api, django_assert_max_num_queries, resource):
    with django_assert_max_num_queries(BUDGET[resource]):
        response = manager_api.get(f"/api/v1/{resource}/", {"page_size": 50})
    results = response.json()["results"]
    assert len(results) == min(50, response.json()["count"])
    assert _queries(manager_api, f"/api/v1/{resource}/?page_size=5") == _queries(
        manager_api, f"/api/v1/{resource}/?page_size=50"
    )


def test_the_directory_of_a_partner_and_of_the_public_too(many, user_in_role, token_client, api):
    partner = token_client(user_in_role("partner"))
    partner.get("/api/v1/regions/")
    for client in (partner, api):
        assert _queries(client, "/api/v1/directory/?page_size=5") == _queries(
            client, "/api/v1/directory/?page_size=50"
        )
        assert len(client.get("/api/v1/directory/?page_size=50").json()["results"]) == 50


def test_page_size_stops_at_a_hundred(user_in_role, token_client):
    OrganisationFactory.create_batch(101)
    client = token_client(user_in_role("staff"))
    data = client.get("/api/v1/organisations/", {"page_size": 1000}).json()
    assert data["count"] == 101 and len(data["results"]) == 100
    assert len(client.get("/api/v1/organisations/").json()["results"]) == 50
