"""Permission-matrix rows for newsletters, lists, subscribe and unsubscribe (merged by tests/test_permission_matrix.py).

MATRIX_ROWS: {url: {role: status}} for GET; POST_ROWS: {url: (payload, {role: status})}.
Placeholders such as {organisation} are filled from the objects fixture; extra_objects adds more.
"""

MATRIX_ROWS: dict = {}
POST_ROWS: dict = {}


def extra_objects(base: dict) -> dict:
    """More placeholders, made from the base objects (users: base["users"][role])."""
    return {}
