"""A file of 10,000 rows: the import asks the database per file, not per row, and writes in bulk."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from crm import importing
from crm.importing import import_apply, import_preview
from crm.models import Contact, ImportBatch, Organisation
from network.models import Municipality, Region
from tests.crm.factories import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

HEADER = "name,name_latin,legal_form,identification_code,municipality,phone,email\n"


def organisations_file(
    count: int, *, first_code: int = 212300000, update_codes=("212345678",)
) -> SimpleUploadedFile:
    """`count` rows of every kind the preview tells apart, in turn: new (with a municipality
    by either name), an update by code, the email of an organisation we hold, a name close
    to one we hold, and a repeat of an earlier row."""
    lines = []
    for index in range(count):
        match index % 5:
            case 0:
                lines.append(
                    f"ხონის ცენტრი {index},Khoni Centre {index},ა(ა)იპ,{first_code + index},ხონი,599 12 34 56,c{index}@x.ge"
                )
            case 1:
                lines.append(
                    f"ვანის კავშირი {index},,შპს,{update_codes[index // 5 % len(update_codes)]},Vani,,"
                )
            case 2:
                lines.append(f"სხვა სახელი {index},Another Name {index},,,,,known@centre.example.ge")
            case 3:
                lines.append(f"ტყიბულის თემის ფონდი,Tkibuli Community Fund,,,tkibuli,,f{index}@x.ge")
            case 4:
                lines.append(f"ხონის ცენტრი {index - 4},Khoni Centre {index - 4},,,,,")
    return SimpleUploadedFile("orgs.csv", (HEADER + "\n".join(lines) + "\n").encode())


@pytest.fixture
def known():
    return [
        OrganisationFactory(name="ვანის ქალთა კავშირი", name_latin="", identification_code="212345678"),
        OrganisationFactory(email="known@centre.example.ge"),
        OrganisationFactory(name="ტყიბულის თემის ფონდი", name_latin="Tkibuli Community Fund", email=""),
    ]


def queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_preview_sends_as_many_queries_for_100_rows_as_for_10(user_in_role, known):
    user = user_in_role("staff")
    small = queries(lambda: import_preview(kind="organisations", upload=organisations_file(10), user=user))
    large = queries(lambda: import_preview(kind="organisations", upload=organisations_file(100), user=user))
    assert small == large
    actions = ImportBatch.objects.order_by("pk").last().counts
    assert actions == {"new": 20, "update": 1, "duplicate": 60, "error": 19}  # the code repeats: an error


def test_apply_sends_as_many_queries_for_100_rows_as_for_10(user_in_role, known):
    user = user_in_role("staff")
    codes = [OrganisationFactory(identification_code=f"2129000{n:02}").identification_code for n in range(20)]
    small = import_preview(kind="organisations", upload=organisations_file(10, update_codes=codes), user=user)
    large = import_preview(
        kind="organisations",
        upload=organisations_file(100, first_code=212400000, update_codes=codes),
        user=user,
    )
    assert not small.has_errors and not large.has_errors
    everything = {row["line"] for row in large.rows}
    assert queries(
        lambda: import_apply(batch=small, user=user, create_duplicate_lines=everything)
    ) == queries(lambda: import_apply(batch=large, user=user, create_duplicate_lines=everything))
    assert Organisation.objects.count() == len(known) + len(codes) + 8 + 80


def test_people_preview_sends_as_many_queries_for_100_rows_as_for_10(user_in_role):
    user = user_in_role("staff")
    ContactFactory(email="nino@example.ge", first_name="ნინო", last_name="ბერიძე")

    def people(count):
        body = "".join(f"ნინო,ბერიძე {index},p{index}@example.ge\n" for index in range(count))
        return SimpleUploadedFile(
            "people.csv", f"first_name,last_name,email\nნინო,,NINO@example.ge\n{body}".encode()
        )

    small = queries(lambda: import_preview(kind="people", upload=people(10), user=user))
    assert small == queries(lambda: import_preview(kind="people", upload=people(100), user=user))
    assert ImportBatch.objects.order_by("pk").last().counts == {
        "new": 100,
        "update": 1,
        "duplicate": 0,
        "error": 0,
    }


def test_a_file_may_hold_10000_rows(user_in_role):
    assert importing.MAX_ROWS == 10_000
    rows = "".join(f"ორგანიზაცია {index}\n" for index in range(10_000))
    batch = import_preview(
        kind="organisations",
        upload=SimpleUploadedFile("x.csv", f"name\n{rows}".encode()),
        user=user_in_role("staff"),
    )
    assert batch.counts["new"] == 10_000


def test_a_close_name_is_found_however_many_names_share_its_first_letters(user_in_role):
    # More organisations share "kuta" than the old 500 candidates per prefix; the close one sorts last.
    Organisation.objects.bulk_create(Organisation(name=f"ქუთაისის ცენტრი {index:04}") for index in range(600))
    Organisation.objects.create(name="ქუთაისის ცენტრი „ჰორიზონტი“", name_latin="Kutaisi Centre Horizon")
    batch = import_preview(
        kind="organisations",
        upload=SimpleUploadedFile(
            "x.csv", "name,name_latin\nქუთაისის ცენტრი ჰორიზონტი,Kutaisi Center Horizon\n".encode()
        ),
        user=user_in_role("staff"),
    )
    assert batch.rows[0]["action"] == "duplicate"
    assert batch.rows[0]["match_name"] == "ქუთაისის ცენტრი „ჰორიზონტი“"


def test_written_in_bulk_as_save_would_write_them(user_in_role, known):
    user = user_in_role("staff")
    before = known[0].updated_at
    batch = import_preview(
        kind="organisations",
        upload=SimpleUploadedFile(
            "x.csv",
            (
                HEADER
                + "ხონის ცენტრი,Khoni Centre,,,Khoni,599 12 34 56,\nვანის ქალთა კავშირი,Vani Women's Union,,212345678,,,\n"
            ).encode(),
        ),
        user=user,
    )
    assert import_apply(batch=batch, user=user) == {"created": 1, "updated": 1, "skipped": 0}
    created = Organisation.objects.get(name="ხონის ცენტრი")
    assert created.search_key == "khonis tsentri khoni centre"
    assert (
        created.identification_code is None
        and created.legal_form == "nnle"
        and str(created.phone) == "+995599123456"
    )
    assert created.municipality.name_en == "Khoni" and created.share_profile == "partners"
    updated = Organisation.objects.get(pk=known[0].pk)
    assert updated.search_key.endswith("vani womens union")
    assert updated.updated_at > before  # a form opened before the import sees it as changed
    for organisation, kind in [(created, "+"), (updated, "~")]:
        latest = organisation.history.latest()
        assert (latest.history_type, latest.history_user) == (kind, user)
        assert latest.name == organisation.name


def test_an_import_previewed_before_values_were_kept_is_still_validated_and_written(user_in_role):
    user = user_in_role("staff")
    batch = import_preview(
        kind="organisations",
        upload=SimpleUploadedFile("x.csv", (HEADER + "ხონის ცენტრი,,,212345600,Khoni,,\n").encode()),
        user=user,
    )
    for row in batch.rows:
        del row["values"]
    batch.save(update_fields=["rows"])
    assert import_apply(batch=batch, user=user)["created"] == 1
    assert Organisation.objects.get(identification_code="212345600").municipality.name_en == "Khoni"


def test_a_municipality_gone_since_the_preview_stops_the_import(user_in_role):
    user = user_in_role("staff")
    Municipality.objects.create(region=Region.objects.first(), name_ka="ახალი", name_en="Akhali")
    batch = import_preview(
        kind="organisations",
        upload=SimpleUploadedFile("x.csv", (HEADER + "პირველი,,,,Khoni,,\nმეორე,,,,Akhali,,\n").encode()),
        user=user,
    )
    Municipality.objects.filter(name_en="Akhali").delete()
    with pytest.raises(ValidationError, match="Line 3 is no longer valid"), translation.override("en"):
        import_apply(batch=batch, user=user)
    assert not Organisation.objects.filter(name="პირველი").exists()


def test_people_are_written_in_bulk_with_their_history(user_in_role):
    user = user_in_role("staff")
    known = ContactFactory(email="nino@example.ge", first_name="ნინო", last_name="")
    upload = SimpleUploadedFile(
        "people.csv",
        "first_name,last_name,email,phone\nნინო,ბერიძე,NINO@example.ge,\nლევან,ლომიძე,levan@example.ge,599 12 34 56\n".encode(),
    )
    batch = import_preview(kind="people", upload=upload, user=user)
    assert import_apply(batch=batch, user=user) == {"created": 1, "updated": 1, "skipped": 0}
    known.refresh_from_db()
    assert known.last_name == "ბერიძე" and known.search_key.startswith("nino beridze")
    levan = Contact.objects.get(email="levan@example.ge")
    assert str(levan.phone) == "+995599123456" and levan.preferred_language == "ka"
    assert levan.history.get().history_user == user
