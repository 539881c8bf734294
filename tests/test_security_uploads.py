"""Request bodies: an import of 5 MB still goes through, anything larger than the whole-request
limit gets a 413 page, too much form data or too many fields a 400 page; never a 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def staff_client(client, user_in_role):
    client.force_login(user_in_role("staff"))
    return client


def _upload(client, size):
    file = SimpleUploadedFile("organisations.csv", b"name\n" + b"x" * (size - 5), content_type="text/csv")
    return client.post("/import/", {"kind": "organisations", "file": file})


def test_an_import_of_five_megabytes_reaches_the_import(staff_client):
    response = _upload(staff_client, 5 * MB)
    assert response.status_code == 200  # the import's own checks answer, on its form
    assert "413.html" not in [template.name for template in response.templates]


def test_a_body_over_the_limit_gets_a_413_page(staff_client):
    response = _upload(staff_client, 7 * MB)
    assert response.status_code == 413
    assert response.templates[0].name == "413.html"
    assert "6 MB" in response.content.decode()


def test_the_limit_follows_the_setting(staff_client, settings):
    settings.REQUEST_MAX_BYTES = 1 * MB
    assert _upload(staff_client, 2 * MB).status_code == 413


def test_too_much_form_data_gets_a_400_page(client):
    response = client.post("/accounts/login/", {"username": "x" * (3 * MB), "password": "x"})
    assert response.status_code == 400
    assert response.templates[0].name == "400.html"


def test_too_many_fields_get_a_400_page(client):
    fields = {f"field{number}": "x" for number in range(1001)}
    response = client.post("/accounts/login/", fields)
    assert response.status_code == 400
    assert response.templates[0].name == "400.html"
