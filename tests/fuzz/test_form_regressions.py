"""What the form fuzzing found, each kept as a plain test (tests/fuzz/test_form_fuzz.py)."""

import pytest

from crm.models import Organisation
from network.forms import InvitationAcceptForm
from notifications.models import Campaign, Segment
from tests.network.factories import PartnerInvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, user_in_role):
    client.force_login(user_in_role("staff"))
    client.cookies["django_language"] = "en"
    client.raise_request_exception = False
    return client


def test_a_choice_of_records_by_a_number_no_column_holds_is_an_unknown_choice(staff_client):
    # SQLite cannot bind 10**30 in the IN (…) Django asks for the chosen themes: was a 500.
    for url, data in [
        ("/organisations/new/", {"name": "ცენტრი", "legal_form": "nnle", "themes": ["1", "9" * 30]}),
        ("/newsletters/segments/new/", {"name": "სეგმენტი", "regions": ["-" + "9" * 25]}),
    ]:
        response = staff_client.post(url, data)
        assert response.status_code == 200
        assert "is not one of the available choices" in str(response.context["form"].errors)
    assert not Organisation.objects.exists() and not Segment.objects.exists()


def test_control_characters_are_not_stored_and_line_breaks_of_a_textarea_are(staff_client):
    response = staff_client.post(
        "/organisations/new/",
        {
            "name": "ᲥᲣᲗᲐᲘᲡᲘᲡ\x0bცენტრი\x07",  # Mtavruli stays as typed
            "address": "რუსთაველის\t1\r\nბინა 2",
            "description": "პირველი\x0bმეორე\r\nმესამე\x1b",
            "legal_form": "nnle",
        },
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get()
    assert organisation.name == "ᲥᲣᲗᲐᲘᲡᲘᲡ ცენტრი"
    assert organisation.address == "რუსთაველის 1  ბინა 2"
    assert organisation.description == "პირველი\nმეორე\r\nმესამე"


def test_a_name_of_nothing_but_control_characters_is_missing(staff_client):
    response = staff_client.post("/organisations/new/", {"name": "\x07\x0b\x1b", "legal_form": "nnle"})
    assert response.context["form"].errors["name"] == ["This field is required."]


def test_nul_in_a_long_text_is_refused_with_a_message(staff_client):
    # PostgreSQL stores no NUL: the form refuses it first, in every text field, long ones too.
    response = staff_client.post(
        "/newsletters/new/", {"name": "x", "subject_ka": "სათაური", "body_ka": "ტექსტი\x00"}
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.context["form"].errors["body_ka"]
    assert not Campaign.objects.exists()


def test_passwords_are_kept_exactly_as_typed():
    form = InvitationAcceptForm(
        {"username": "tamar\x07", "password1": "pass\x07phrase 42!", "password2": "pass\x07phrase 42!"},
        invitation=PartnerInvitationFactory(),
    )
    assert form.data["username"] == "tamar" and form.data["password1"] == "pass\x07phrase 42!"


def test_a_username_longer_than_any_is_a_form_error(client):
    # django-axes stored it in a varchar(255) before the form had a say: a 500 on PostgreSQL.
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/login/", {"username": "ა" * 300, "password": "whatever-it-is"})
    assert response.status_code == 200
    assert "Ensure this value has at most" in str(response.context["form"].errors)


def test_a_search_word_longer_than_any_name_finds_nothing(staff_client):
    # SQLite refused a LIKE pattern of 50,000 bytes and more: was a 503 ("too complex").
    Organisation.objects.create(name="ქუთაისის ცენტრი")
    response = staff_client.get("/organisations/", {"q": "ქ" * 60_000})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == []
