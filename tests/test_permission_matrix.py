"""Every page and endpoint, for every role: the status each one gets.

Later issues add their rows here; a URL missing from this table is a URL nobody checked.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from crm import revenue_tables
from crm.models import EngagementPlan, EngagementStep, ImportBatch
from crm.services import invoice_issue
from tests import (
    permission_rows_accounts,
    permission_rows_api,
    permission_rows_directory,
    permission_rows_network,
    permission_rows_notifications,
    permission_rows_privacy,
)
from tests.crm.factories import (
    AffiliationFactory,
    FollowUpFactory,
    InvoiceLineFactory,
    OrganisationFactory,
    ServiceDeliveryFactory,
    ServiceFactory,
)
from tests.factories import ROLES

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
REDIRECT_TO_LOGIN = 302
ALL = (ANONYMOUS, *ROLES)

# url: {role: status}
MATRIX = {
    "/healthz": dict.fromkeys(ALL, 200),
    "/accounts/login/": dict.fromkeys(ALL, 200),
    "/": {ANONYMOUS: REDIRECT_TO_LOGIN, "partner": 200, "staff": 200, "manager": 200, "admin": 200},
    "/admin/": {ANONYMOUS: 302, "partner": 302, "staff": 200, "manager": 200, "admin": 200},
    "/admin/crm/organisation/": {ANONYMOUS: 302, "partner": 302, "staff": 200, "manager": 200, "admin": 200},
    "/admin/crm/contact/": {ANONYMOUS: 302, "partner": 302, "staff": 200, "manager": 200, "admin": 200},
    "/admin/crm/interaction/": {ANONYMOUS: 302, "partner": 302, "staff": 200, "manager": 200, "admin": 200},
    "/admin/crm/followup/": {ANONYMOUS: 302, "partner": 302, "staff": 200, "manager": 200, "admin": 200},
    "/admin/crm/servicedelivery/": {ANONYMOUS: 302, "partner": 302, "staff": 200, "manager": 200, "admin": 200},
    "/admin/crm/service/": {ANONYMOUS: 302, "partner": 302, "staff": 200, "manager": 200, "admin": 200},
    "/admin/crm/invoice/": {ANONYMOUS: 302, "partner": 302, "staff": 403, "manager": 200, "admin": 200},
    "/admin/crm/payment/": {ANONYMOUS: 302, "partner": 302, "staff": 403, "manager": 200, "admin": 200},
    "/admin/network/partnership/": {ANONYMOUS: 302, "partner": 302, "staff": 200, "manager": 200, "admin": 200},
    "/admin/network/partneraccount/": {ANONYMOUS: 302, "partner": 302, "staff": 200, "manager": 200, "admin": 200},
    "/admin/crm/engagementplan/": {ANONYMOUS: 302, "partner": 302, "staff": 200, "manager": 200, "admin": 200},
    "/admin/auth/user/": {ANONYMOUS: 302, "partner": 302, "staff": 403, "manager": 403, "admin": 200},
}
CENTRE_ONLY = {ANONYMOUS: REDIRECT_TO_LOGIN, "partner": 403, "staff": 200, "manager": 200, "admin": 200}
for url in [
    "/organisations/",
    "/organisations/?q=kutaisi&export=csv",
    "/organisations/?export=xlsx",
    "/organisations/new/",
    "/organisations/{organisation}/",
    "/organisations/{organisation}/edit/",
    "/people/",
    "/people/new/",
    "/people/{person}/",
    "/people/{person}/edit/",
    "/people/{person}/affiliations/",
    "/follow-ups/",
    "/import/",
    "/import/{batch}/",
]:
    MATRIX[url] = CENTRE_ONLY
for url in ["/services/", "/deliveries/", "/deliveries/new/", "/deliveries/{delivery}/edit/"]:
    MATRIX[url] = CENTRE_ONLY
MONEY_ONLY = {ANONYMOUS: REDIRECT_TO_LOGIN, "partner": 403, "staff": 403, "manager": 200, "admin": 200}
for url in ["/services/new/", "/services/{service}/edit/", "/invoices/", "/invoices/{invoice}/", "/revenue/"]:
    MATRIX[url] = MONEY_ONLY
for table in revenue_tables.TABLES:
    MATRIX[f"/revenue/export/{table}/?format=csv"] = MONEY_ONLY
    MATRIX[f"/revenue/export/{table}/?format=xlsx&start=2026-01-01&end=2026-12-31"] = MONEY_ONLY
MATRIX["/invoices/{issued_invoice}/?format=pdf"] = MONEY_ONLY
MATRIX["/invoices/{issued_invoice}/?lang=en"] = MONEY_ONLY
MATRIX["/organisations/{organisation}/merge/"] = {
    ANONYMOUS: REDIRECT_TO_LOGIN, "partner": 403, "staff": 403, "manager": 200, "admin": 200
}

# Actions that change state, posted: partners are refused, staff act (and are sent back, or
# shown the form again when the data is incomplete).
ACTED = {ANONYMOUS: REDIRECT_TO_LOGIN, "partner": 403, "staff": 302, "manager": 302, "admin": 302}
FORM_AGAIN = {ANONYMOUS: REDIRECT_TO_LOGIN, "partner": 403, "staff": 200, "manager": 200, "admin": 200}
MANAGERS_ONLY = {ANONYMOUS: REDIRECT_TO_LOGIN, "partner": 403, "staff": 403, "manager": 302, "admin": 302}
MANAGERS_ONLY_FORM = {ANONYMOUS: REDIRECT_TO_LOGIN, "partner": 403, "staff": 403, "manager": 200, "admin": 200}
POSTS = {
    "/organisations/{organisation}/interactions/": (
        {"kind": "call", "occurred_on": "2026-11-20", "subject": "ზარი"}, ACTED),
    "/organisations/{organisation}/plans/": ({"plan": "{plan}"}, ACTED),
    "/organisations/new/": ({"name": ""}, FORM_AGAIN),
    "/organisations/{organisation}/edit/": ({"name": ""}, FORM_AGAIN),
    "/people/new/": ({"first_name": ""}, FORM_AGAIN),
    "/people/{person}/edit/": ({"first_name": ""}, FORM_AGAIN),
    "/people/{person}/affiliations/": ({"organisation": "{organisation}", "role": "x"}, ACTED),
    "/import/": ({"kind": "organisations"}, FORM_AGAIN),
    "/import/{batch}/": ({}, ACTED),
    "/organisations/{organisation}/merge/": ({"duplicate": "{other_organisation}"}, MANAGERS_ONLY),
    "/follow-ups/{follow_up}/done/": ({}, ACTED),
    "/deliveries/new/": ({"service": ""}, FORM_AGAIN),
    "/services/new/": ({"name_ka": ""}, MANAGERS_ONLY_FORM),
    "/deliveries/{delivery}/invoice/": ({}, MANAGERS_ONLY),
    "/invoices/{invoice}/issue/": ({}, MANAGERS_ONLY),
    "/invoices/{issued_invoice}/cancel/": ({}, MANAGERS_ONLY),
    "/invoices/{issued_invoice}/payments/": ({"amount": "1.00", "paid_on": "2026-11-01", "method": "bank"}, MANAGERS_ONLY),
    "/follow-ups/{follow_up}/postpone/": ({"due_on": "2099-01-01"}, ACTED),
    "/follow-ups/{follow_up}/reassign/": ({"assignee": "{staff}"}, ACTED),
}

# Each area keeps its own rows; a row for a URL already above replaces it.
AREAS = (
    permission_rows_accounts,
    permission_rows_network,
    permission_rows_directory,
    permission_rows_api,
    permission_rows_notifications,
    permission_rows_privacy,
)
for rows in AREAS:
    MATRIX.update(rows.MATRIX_ROWS)
    POSTS.update(rows.POST_ROWS)

CASES = [(url, role, status) for url, row in MATRIX.items() for role, status in row.items()]


def test_every_row_names_every_role():
    for url, row in [*MATRIX.items(), *((url, statuses) for url, (_, statuses) in POSTS.items())]:
        assert set(row) == set(ALL), url


# Pages whose rules are not ours to test row by row: Django's admin checks its own model
# permissions (the rows above sample it), and the language switch and logout serve everyone.
NOT_IN_MATRIX = {"set_language", "logout"}


def _named_views(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":
                yield from _named_views(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_named_page_has_a_row():
    """Adding a page without saying who may see it fails here."""
    rows = [url.split("?")[0].format_map(_AnyNumber()) for url in [*MATRIX, *POSTS]]
    covered = {resolve(url).view_name for url in rows}
    missing = set(_named_views(get_resolver().url_patterns)) - covered - NOT_IN_MATRIX
    assert not missing, f"pages without a row in the permission matrix: {sorted(missing)}"


class _AnyNumber(dict):
    def __missing__(self, key):
        return "1"


@pytest.fixture
def objects(user_in_role):
    users = {role: user_in_role(role) for role in ROLES}
    staff = users["staff"]
    follow_up = FollowUpFactory(assignee=staff)
    person = AffiliationFactory(organisation=follow_up.organisation).contact
    batch = ImportBatch.objects.create(kind="organisations", filename="x.csv", rows=[], created_by=staff)
    plan = EngagementPlan.objects.create(name="plan")
    EngagementStep.objects.create(plan=plan, offset_working_days=2, assignee=staff, text="call")
    base = {
        "organisation": follow_up.organisation_id,
        "person": person.pk,
        "follow_up": follow_up.pk,
        "staff": staff.pk,
        "plan": plan.pk,
        "batch": batch.pk,
        "other_organisation": OrganisationFactory().pk,
        "delivery": ServiceDeliveryFactory().pk,
        "service": ServiceFactory().pk,
        "invoice": InvoiceLineFactory().invoice_id,
        "issued_invoice": invoice_issue(invoice=InvoiceLineFactory().invoice).pk,
        "own_organisation": users["partner"].partner_account.organisation_id,
        "users": users,
    }
    for rows in AREAS:
        base.update(rows.extra_objects(base))
    return base


@pytest.mark.parametrize(("url", "role", "status"), CASES)
def test_role_gets_expected_status(client, user_in_role, objects, url, role, status):
    if role != ANONYMOUS:
        client.force_login(objects["users"][role])
    response = client.get(url.format(**objects))
    assert response.status_code == status
    if status == 302:
        assert "login" in response["Location"]


@pytest.mark.parametrize(("url", "role"), [(url, role) for url in POSTS for role in ALL])
def test_role_posting_gets_expected_status(client, user_in_role, objects, url, role):
    if role != ANONYMOUS:
        client.force_login(objects["users"][role])
    payload, statuses = POSTS[url]
    data = {key: str(value).format(**objects) for key, value in payload.items()}
    response = client.post(url.format(**objects), data)
    assert response.status_code == statuses[role]
    if role == ANONYMOUS:
        assert "login" in response["Location"]
