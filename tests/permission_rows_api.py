"""Permission-matrix rows for the api pages and endpoints (merged by tests/test_permission_matrix.py).

MATRIX_ROWS: {url: {role: status}} for GET; POST_ROWS: {url: (payload, {role: status})}.
Placeholders such as {organisation} are filled from the objects fixture; extra_objects adds more.

The matrix logs in with the browser's session; tests/api/test_access.py asks the same of tokens.
An endpoint refuses the anonymous with 401 (authenticate first) and the logged-in with 403.
"""

from datetime import date
from decimal import Decimal

from django.core.cache import cache

from api.services import token_create
from crm.models import Invoice, Visibility
from crm.services import payment_record
from network.models import Region
from tests.crm.factories import InteractionFactory, OrganisationFactory
from tests.network.factories import PartnershipFactory, municipality

ANONYMOUS = "anonymous"
EVERYONE = {ANONYMOUS: 200, "partner": 200, "staff": 200, "manager": 200, "admin": 200}
CENTRE_ONLY = {ANONYMOUS: 401, "partner": 403, "staff": 200, "manager": 200, "admin": 200}
MONEY_ONLY = {ANONYMOUS: 401, "partner": 403, "staff": 403, "manager": 200, "admin": 200}
PARTNERS_AND_CENTRE = {ANONYMOUS: 401, "partner": 200, "staff": 200, "manager": 200, "admin": 200}
NOT_THE_PARTNERS = {ANONYMOUS: 401, "partner": 404, "staff": 200, "manager": 200, "admin": 200}
LOGGED_IN = {ANONYMOUS: 302, "partner": 200, "staff": 200, "manager": 200, "admin": 200}

MATRIX_ROWS: dict = {
    "/api/v1/": EVERYONE,
    "/api/schema/": EVERYONE,
    "/api/docs/": EVERYONE,
    "/api/tokens/": LOGGED_IN,
    # Tokens are their owners' business; only admins list them (and may revoke one) in the admin.
    "/admin/api/apitoken/": {ANONYMOUS: 302, "partner": 302, "staff": 403, "manager": 403, "admin": 200},
    "/api/v1/organisations/": CENTRE_ONLY,
    "/api/v1/organisations/?q=kutaisi&region={region}": CENTRE_ONLY,
    "/api/v1/organisations/{organisation}/": CENTRE_ONLY,
    "/api/v1/contacts/": CENTRE_ONLY,
    "/api/v1/contacts/{person}/": CENTRE_ONLY,
    "/api/v1/interactions/": CENTRE_ONLY,
    "/api/v1/interactions/{interaction}/": CENTRE_ONLY,
    "/api/v1/follow-ups/": CENTRE_ONLY,
    "/api/v1/follow-ups/{follow_up}/": CENTRE_ONLY,
    "/api/v1/services/": CENTRE_ONLY,
    "/api/v1/services/{service}/": CENTRE_ONLY,
    "/api/v1/deliveries/": CENTRE_ONLY,
    "/api/v1/deliveries/{delivery}/": CENTRE_ONLY,
    "/api/v1/invoices/": MONEY_ONLY,
    "/api/v1/invoices/?status=issued": MONEY_ONLY,
    "/api/v1/invoices/{invoice}/": MONEY_ONLY,
    "/api/v1/payments/": MONEY_ONLY,
    "/api/v1/payments/{payment}/": MONEY_ONLY,
    "/api/v1/partnerships/": PARTNERS_AND_CENTRE,
    "/api/v1/partnerships/{own_partnership}/": PARTNERS_AND_CENTRE,
    "/api/v1/partnerships/{other_partnership}/": NOT_THE_PARTNERS,
    "/api/v1/regions/": EVERYONE,
    "/api/v1/regions/{region}/": EVERYONE,
    "/api/v1/municipalities/": EVERYONE,
    "/api/v1/municipalities/{municipality}/": EVERYONE,
    "/api/v1/directory/": EVERYONE,
    "/api/v1/directory/?q=kutaisi&region={region}": EVERYONE,
    "/api/v1/directory/{public_entry}/": EVERYONE,
    # Not in the public's directory; a partner's and staff's.
    "/api/v1/directory/{partners_entry}/": {
        ANONYMOUS: 404,
        "partner": 200,
        "staff": 200,
        "manager": 200,
        "admin": 200,
    },
    "/api/v1/directory/{staff_entry}/": {
        ANONYMOUS: 404,
        "partner": 404,
        "staff": 200,
        "manager": 200,
        "admin": 200,
    },
}

# The tokens page: the answer to a creation is the page showing the secret once (200); a
# revocation goes back to the list, and only the token's owner (the partner here) may revoke it.
POST_ROWS: dict = {
    "/api/tokens/": ({"name": "our website"}, LOGGED_IN),
    "/api/tokens/{partner_token}/revoke/": (
        {},
        {ANONYMOUS: 302, "partner": 302, "staff": 404, "manager": 404, "admin": 404},
    ),
}


def extra_objects(base: dict) -> dict:
    """More placeholders, made from the base objects (users: base["users"][role])."""
    # Each case is a new client; forget earlier cases' requests, so that the anonymous rows
    # see the rules and never the rate limit (the cache is per test process, not per test).
    cache.clear()
    users = base["users"]
    own = base["own_organisation"]
    payment = payment_record(
        invoice=Invoice.objects.get(pk=base["issued_invoice"]),
        amount=Decimal("10.00"),
        paid_on=date(2026, 11, 1),
        recorded_by=users["manager"],
    )
    return {
        "interaction": InteractionFactory(organisation_id=base["organisation"], staff=users["staff"]).pk,
        "payment": payment.pk,
        "own_partnership": PartnershipFactory(organisations=[own, base["organisation"]]).pk,
        "other_partnership": PartnershipFactory(
            organisations=[base["organisation"], base["other_organisation"]]
        ).pk,
        "region": Region.objects.get(code="GE-IM").pk,
        "municipality": municipality("Kutaisi").pk,
        "public_entry": OrganisationFactory(share_profile=Visibility.PUBLIC).pk,
        "partners_entry": OrganisationFactory(share_profile=Visibility.PARTNERS).pk,
        "staff_entry": OrganisationFactory(share_profile=Visibility.STAFF).pk,
        "partner_token": token_create(user=users["partner"], name="partner's system")[0].pk,
    }
