"""Every page and endpoint, for every role: the status each one gets.

Later issues add their rows here; a URL missing from this table is a URL nobody checked.
"""

import pytest

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
    "/admin/auth/user/": {ANONYMOUS: 302, "partner": 302, "staff": 403, "manager": 403, "admin": 200},
}

CASES = [(url, role, status) for url, row in MATRIX.items() for role, status in row.items()]


def test_every_row_names_every_role():
    for url, row in MATRIX.items():
        assert set(row) == set(ALL), url


@pytest.mark.parametrize(("url", "role", "status"), CASES)
def test_role_gets_expected_status(client, user_in_role, url, role, status):
    if role != ANONYMOUS:
        client.force_login(user_in_role(role))
    response = client.get(url)
    assert response.status_code == status
    if status == 302:
        assert "login" in response["Location"]
