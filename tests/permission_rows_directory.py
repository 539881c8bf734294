"""Permission-matrix rows for the directory pages and exports (merged by tests/test_permission_matrix.py).

MATRIX_ROWS: {url: {role: status}} for GET; POST_ROWS: {url: (payload, {role: status})}.
Placeholders such as {organisation} are filled from the objects fixture; extra_objects adds more.
The directory is open to everyone; what each role sees in it is tested in tests/network/test_directory.py.
"""

from crm.models import Visibility
from tests.crm.factories import OrganisationFactory

EVERYONE = dict.fromkeys(("anonymous", "admin", "manager", "staff", "partner"), 200)
PARTNERS_AND_STAFF = {"anonymous": 404, "admin": 200, "manager": 200, "staff": 200, "partner": 200}
STAFF_ONLY = {"anonymous": 404, "admin": 200, "manager": 200, "staff": 200, "partner": 404}
PARTNER_ONLY = {"anonymous": 302, "admin": 403, "manager": 403, "staff": 403, "partner": 200}

MATRIX_ROWS: dict = {
    "/directory/": EVERYONE,
    "/directory/?q=kutaisi&format=csv": EVERYONE,
    "/directory/?format=json": EVERYONE,
    "/directory/?format=vcf": EVERYONE,
    "/directory/coverage/": EVERYONE,
    "/directory/{public_organisation}/": EVERYONE,
    "/directory/{public_organisation}/?format=vcf": EVERYONE,
    "/directory/{partners_organisation}/": PARTNERS_AND_STAFF,
    "/directory/{partners_organisation}/?format=json": PARTNERS_AND_STAFF,
    "/directory/{staff_organisation}/": STAFF_ONLY,
    "/directory/{staff_organisation}/?format=csv": STAFF_ONLY,
    "/directory/mine/": PARTNER_ONLY,
}
POST_ROWS: dict = {
    "/directory/mine/": ({"email": "not-an-email"}, PARTNER_ONLY),
}


def extra_objects(base: dict) -> dict:
    return {
        f"{name}_organisation": OrganisationFactory(share_profile=visibility).pk
        for name, visibility in (
            ("public", Visibility.PUBLIC),
            ("partners", Visibility.PARTNERS),
            ("staff", Visibility.STAFF),
        )
    }
