"""Permission-matrix rows for a person's data: shown, downloaded and erased (merged by
tests/test_permission_matrix.py).

MATRIX_ROWS: {url: {role: status}} for GET; POST_ROWS: {url: (payload, {role: status})}.
Placeholders such as {person} are filled from the objects fixture.

Anyone at the centre may show or download everything held about a person (to answer their
request); only managers and admins erase. Partners and anonymous visitors reach none of it.
"""

CENTRE_ONLY = {"anonymous": 302, "admin": 200, "manager": 200, "staff": 200, "partner": 403}
ERASERS_ONLY = {"anonymous": 302, "admin": 200, "manager": 200, "staff": 403, "partner": 403}
ERASED = {"anonymous": 302, "admin": 302, "manager": 302, "staff": 403, "partner": 403}
ADMIN_LOG = {"anonymous": 302, "admin": 200, "manager": 200, "staff": 403, "partner": 302}

MATRIX_ROWS: dict = {
    "/people/{person}/personal-data/": CENTRE_ONLY,
    "/people/{person}/personal-data/?format=json": CENTRE_ONLY,
    "/people/{person}/erase/": ERASERS_ONLY,
    "/admin/crm/erasure/": ADMIN_LOG,
}
POST_ROWS: dict = {
    "/people/{person}/erase/": ({"confirm": "on", "reason": "asked by email"}, ERASED),
}


def extra_objects(base: dict) -> dict:
    """Nothing more: the rows use the matrix's own {person}."""
    return {}
