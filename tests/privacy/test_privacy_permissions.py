"""Who may show, download and erase a person's data: the rules in crm/permissions.py."""

import pytest
from django.contrib.auth.models import AnonymousUser

from crm.permissions import can_erase_personal_data, can_export_personal_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "export", "erase"),
    [
        ("admin", True, True),
        ("manager", True, True),
        ("staff", True, False),
        ("partner", False, False),
    ],
)
def test_centre_staff_export_and_managers_erase(user_in_role, role, export, erase):
    user = user_in_role(role)

    assert (can_export_personal_data(user), can_erase_personal_data(user)) == (export, erase)


def test_anonymous_visitors_do_neither():
    assert not can_export_personal_data(AnonymousUser())
    assert not can_erase_personal_data(AnonymousUser())


def test_a_deactivated_manager_erases_nothing(user_in_role):
    assert not can_erase_personal_data(user_in_role("manager", is_active=False))


def test_managers_read_the_log_of_erasures_in_the_admin_and_nobody_edits_it(client, user_in_role):
    client.force_login(user_in_role("manager"))

    assert client.get("/admin/crm/erasure/").status_code == 200
    assert client.get("/admin/crm/erasure/add/").status_code == 403
