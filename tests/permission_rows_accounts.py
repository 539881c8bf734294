"""Permission-matrix rows for the account pages: the login's code step, two-factor, and the admin
pages of login lockouts and two-factor devices (merged by tests/test_permission_matrix.py).

MATRIX_ROWS: {url: {role: status}} for GET; POST_ROWS: {url: (payload, {role: status})}.

The code step belongs to a login in progress; without one, everyone is sent back to the login
page. Two-factor is offered to managers and administrators. Only administrators see (and may
lift) lockouts and remove a lost device in the admin. The login flows themselves are tested in
tests/test_security_lockout.py and tests/test_security_two_factor.py.
"""

ANONYMOUS = "anonymous"
TWO_FACTOR = {ANONYMOUS: 302, "partner": 403, "staff": 403, "manager": 200, "admin": 200}
ADMINS_ONLY = {ANONYMOUS: 302, "partner": 302, "staff": 403, "manager": 403, "admin": 200}

MATRIX_ROWS: dict = {
    "/accounts/login/code/": {ANONYMOUS: 302, "partner": 302, "staff": 302, "manager": 302, "admin": 302},
    "/accounts/two-factor/": TWO_FACTOR,
    "/admin/axes/accessattempt/": ADMINS_ONLY,
    "/admin/axes/accesslog/": ADMINS_ONLY,
    "/admin/otp_totp/totpdevice/": ADMINS_ONLY,
}
POST_ROWS: dict = {
    # A wrong code: the form again, with its error.
    "/accounts/two-factor/": ({"code": "not-a-code"}, TWO_FACTOR),
}


def extra_objects(base: dict) -> dict:
    return {}
