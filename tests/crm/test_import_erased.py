"""A person erased at their request does not come back with an old spreadsheet."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crm import privacy
from crm.importing import import_apply, import_preview
from crm.models import Contact, ImportBatch
from tests.crm.factories import ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def erased(user_in_role):
    person = ContactFactory(first_name="თამარ", last_name="გელაშვილი", email="tamar@example.ge")
    privacy.contact_erase(contact=person, by=user_in_role("manager"), reason="asked by email")
    return person


def people_file(body: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("people.csv", f"first_name,last_name,email\n{body}".encode())


def test_a_row_with_an_erased_address_is_refused_and_not_stored(user_in_role, erased):
    with translation.override("en"):
        batch = import_preview(
            kind="people",
            upload=people_file("ნინო,ბერიძე,nino@example.ge\nთამარ,გელაშვილი, Tamar@Example.ge \n"),
            user=user_in_role("staff"),
        )
    assert [row["action"] for row in batch.rows] == ["new", "error"]
    refused = batch.rows[1]
    assert refused["line"] == 3 and "erased at their request" in refused["errors"][0]
    # Not even the preview keeps what the file says about them.
    assert refused["data"] == {} and "values" not in refused
    assert "tamar" not in str(ImportBatch.objects.get().rows).lower()
    assert "გელაშვილი" not in str(ImportBatch.objects.get().rows)


def test_the_file_imports_once_the_row_is_removed(user_in_role, erased):
    user = user_in_role("staff")
    batch = import_preview(kind="people", upload=people_file("თამარ,გელაშვილი,tamar@example.ge\n"), user=user)
    with pytest.raises(ValidationError):
        import_apply(batch=batch, user=user)
    assert not Contact.objects.filter(email__iexact="tamar@example.ge").exists()
    batch = import_preview(kind="people", upload=people_file("ნინო,ბერიძე,nino@example.ge\n"), user=user)
    assert import_apply(batch=batch, user=user)["created"] == 1


def test_the_preview_page_says_why(client, user_in_role, erased):
    client.force_login(user_in_role("staff"))
    client.cookies["django_language"] = "en"
    response = client.post(
        "/import/", {"kind": "people", "file": people_file("თამარ,გელაშვილი,tamar@example.ge\n")}
    )
    page = client.get(response["Location"]).content.decode()
    assert "This address belonged to a person erased at their request" in page
    assert "გელაშვილი" not in page
