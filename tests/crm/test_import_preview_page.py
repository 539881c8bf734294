"""The preview page of a large file: light, and every choice still possible."""

import pytest
from django.conf import settings

from crm import importing
from crm.models import ImportBatch, Organisation

pytestmark = pytest.mark.django_db


def batch_of(user, **counts) -> ImportBatch:
    """A previewed file of organisations with `counts` rows of each kind, as the preview stores them."""
    rows = []
    for action, count in counts.items():
        for _ in range(count):
            line = len(rows) + 2
            row = {"line": line, "action": action, "data": {"name": f"ორგანიზაცია {line}"}}
            if action == "error":
                row["errors"] = ["Name: Ensure this value has at most 255 characters (it has 300)."]
            else:
                row["values"] = {"name": f"ორგანიზაცია {line}"}
            if action == "duplicate":
                row |= {"match_reason": "a very similar name", "match_name": "ორგანიზაცია"}
            rows.append(row)
    return ImportBatch.objects.create(kind="organisations", filename="big.csv", rows=rows, created_by=user)


@pytest.fixture
def staff_client(client, user_in_role):
    client.force_login(user_in_role("staff"))
    client.cookies["django_language"] = "en"
    return client


def test_a_page_of_10000_rows_lists_what_needs_a_decision_and_a_sample_of_the_rest(
    staff_client, user_in_role
):
    batch = batch_of(user_in_role("staff"), new=9_000, duplicate=800, update=200)
    page = staff_client.get(f"/import/{batch.pk}/").content.decode()
    listed = importing.LISTED
    assert page.count('class="row-new"') == listed["new"]
    assert page.count('class="row-duplicate"') == listed["duplicate"]
    assert page.count('class="row-update"') == listed["update"]
    assert "Not listed here: 8950 new, 150 updates, 300 possible duplicates, 0 with errors." in page
    assert len(page) < 500_000  # was 3 MB
    # Every box the form can send fits under Django's limit on the number of fields.
    assert page.count("<input") < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS


def test_every_possible_duplicate_can_be_created_at_once_however_many(staff_client, user_in_role):
    # Ticking more than ~1,000 boxes was refused with a 400 (DATA_UPLOAD_MAX_NUMBER_FIELDS).
    batch = batch_of(user_in_role("staff"), new=3, duplicate=1_500)
    assert (
        "Create all 1500 possible duplicates anyway"
        in staff_client.get(f"/import/{batch.pk}/").content.decode()
    )
    response = staff_client.post(f"/import/{batch.pk}/", {"create_all_duplicates": "1"})
    assert response.status_code == 302
    assert Organisation.objects.count() == 1_503


def test_duplicates_ticked_one_by_one_are_still_the_only_ones_created(staff_client, user_in_role):
    batch = batch_of(user_in_role("staff"), new=1, duplicate=3)
    staff_client.post(f"/import/{batch.pk}/", {"create_duplicate": ["4"]})
    assert sorted(Organisation.objects.values_list("name", flat=True)) == ["ორგანიზაცია 2", "ორგანიზაცია 4"]


def test_rows_with_errors_are_listed_up_to_the_limit(staff_client, user_in_role):
    batch = batch_of(user_in_role("staff"), new=5, error=250)
    page = staff_client.get(f"/import/{batch.pk}/").content.decode()
    assert page.count('class="row-error"') == importing.LISTED["error"]
    assert "50 with errors" in page
    assert "create_all_duplicates" not in page and "Correct the rows with errors" in page
