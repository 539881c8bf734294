import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import translation
from openpyxl import Workbook

from crm.importing import import_apply, import_preview
from crm.models import Contact, ImportBatch, Organisation
from tests.crm.factories import ContactFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

HEADER = "name,name_latin,legal_form,identification_code,municipality,phone,email\n"


def csv_file(body, name="orgs.csv"):
    return SimpleUploadedFile(name, (HEADER + body).encode("utf-8"), content_type="text/csv")


def test_preview_says_what_each_row_would_do_and_writes_nothing(user_in_role):
    known = OrganisationFactory(name="ვანის ქალთა კავშირი", name_latin="", identification_code="212345678")
    OrganisationFactory(name="ტყიბულის თემის ფონდი", name_latin="", identification_code="212345679")
    before = Organisation.objects.count()
    batch = import_preview(
        kind="organisations",
        upload=csv_file(
            "ხონის ახალგაზრდული ცენტრი,Khoni Youth Centre,ა(ა)იპ,212345600,ხონი,+995599111222,info@khoni.example.ge\n"
            "ვანის ქალთა კავშირი,,ა(ა)იპ,212345678,Vani,,\n"
            "ტყიბულის თემის ფონდი,,,,Tkibuli,,\n"
            "ცუდი ხაზი,,,123,ქუთაისი,12,not-an-email\n"
        ),
        user=user_in_role("staff"),
    )
    assert [row["action"] for row in batch.rows] == ["new", "update", "duplicate", "error"]
    assert batch.rows[1]["match_id"] == known.pk
    assert len(batch.rows[3]["errors"]) == 3  # identification code, phone, email
    assert [row["line"] for row in batch.rows] == [2, 3, 4, 5]
    assert Organisation.objects.count() == before


def test_a_file_with_errors_cannot_be_imported(user_in_role):
    user = user_in_role("staff")
    batch = import_preview(kind="organisations", upload=csv_file("ცუდი,,,123,,,\n"), user=user)
    with pytest.raises(ValidationError):
        import_apply(batch=batch, user=user)
    assert not Organisation.objects.filter(name="ცუდი").exists()


def test_confirming_creates_updates_and_skips_duplicates_unless_asked(user_in_role):
    user = user_in_role("staff")
    known = OrganisationFactory(name="ვანის ქალთა კავშირი", name_latin="", identification_code="212345678", address="ძველი")
    known.themes.set([1])
    OrganisationFactory(name="ტყიბულის თემის ფონდი", name_latin="")
    batch = import_preview(
        kind="organisations",
        upload=csv_file(
            "ხონის ცენტრი,,,212345600,Khoni,,\n"
            "ვანის ქალთა კავშირი,Vani Women's Union,შპს,212345678,,,\n"
            "ტყიბულის თემის ფონდი,,,,,,\n"
            "ტყიბულის თემის ფონდი,,,,,,\n"
        ),
        user=user,
    )
    done = import_apply(batch=batch, user=user, create_duplicate_lines={5})
    assert done == {"created": 2, "updated": 1, "skipped": 1}
    known.refresh_from_db()
    assert known.name_latin == "Vani Women's Union" and known.legal_form == "llc"
    assert known.address == "ძველი"  # not a column of the file: left alone
    assert list(known.themes.values_list("pk", flat=True)) == [1]
    assert Organisation.objects.filter(name="ტყიბულის თემის ფონდი").count() == 2
    assert ImportBatch.objects.get().status == ImportBatch.Status.IMPORTED
    with pytest.raises(ValidationError):
        import_apply(batch=batch, user=user)  # never twice


def test_a_row_that_became_invalid_rolls_back_the_whole_import(user_in_role):
    user = user_in_role("staff")
    batch = import_preview(
        kind="organisations", upload=csv_file("პირველი,,,212345601,,,\nმეორე,,,212345602,,,\n"), user=user
    )
    OrganisationFactory(identification_code="212345602")  # someone takes the code meanwhile
    with pytest.raises(ValidationError, match="3"):
        import_apply(batch=batch, user=user)
    assert not Organisation.objects.filter(name="პირველი").exists()


def test_xlsx_with_numbers_as_excel_stores_them(user_in_role):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "identification_code", "municipality"])
    sheet.append(["ზესტაფონის კლუბი", 212345611.0, "Zestaponi"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("orgs.xlsx", buffer.getvalue())
    batch = import_preview(kind="organisations", upload=upload, user=user_in_role("staff"))
    assert batch.rows[0]["action"] == "new" and batch.rows[0]["data"]["identification_code"] == "212345611"


def test_people_match_by_email(user_in_role):
    ContactFactory(email="nino@example.ge", first_name="ნინო")
    upload = SimpleUploadedFile(
        "people.csv", "first_name,last_name,email\nნინო,ბერიძე,NINO@example.ge\nლევან,ლომიძე,levan@example.ge\n".encode()
    )
    user = user_in_role("staff")
    batch = import_preview(kind="people", upload=upload, user=user)
    assert [row["action"] for row in batch.rows] == ["update", "new"]
    assert import_apply(batch=batch, user=user) == {"created": 1, "updated": 1, "skipped": 0}
    assert Contact.objects.get(email="levan@example.ge").search_key == "levan lomidze"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("orgs.txt", b"name\nx\n", "CSV"),
        ("orgs.csv", "name\nვანი\n".encode("cp1251", errors="ignore") + b"\xff\xfe", "UTF-8"),
        ("orgs.xlsx", b"not a zip", "XLSX"),
        ("orgs.csv", b"title,code\nx,1\n", "name"),
    ],
)
def test_unreadable_files_get_a_message_not_a_500(client, user_in_role, name, content, message):
    client.force_login(user_in_role("staff"))
    client.cookies["django_language"] = "en"
    response = client.post("/import/", {"kind": "organisations", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_the_pages_show_the_preview_and_import_on_confirmation(client, user_in_role):
    client.force_login(user_in_role("staff"))
    response = client.post("/import/", {"kind": "organisations", "file": csv_file("ხონის ცენტრი,,,212345600,Khoni,,\n")})
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "ხონის ცენტრი" in preview and not Organisation.objects.filter(name="ხონის ცენტრი").exists()
    client.post(response["Location"])
    assert Organisation.objects.filter(name="ხონის ცენტრი").exists()


def test_repeats_within_one_file_are_flagged(user_in_role):
    upload = SimpleUploadedFile(
        "people.csv", "first_name,last_name,email\nნინო,ბერიძე,n@x.ge\nნანა,ლომიძე,N@x.ge\nნინო,ბერიძე,\n".encode()
    )
    batch = import_preview(kind="people", upload=upload, user=user_in_role("staff"))
    assert [row["action"] for row in batch.rows] == ["new", "duplicate", "duplicate"]
    assert "2" in batch.rows[1]["match_reason"] and "2" in batch.rows[2]["match_reason"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,identification_code\n", "no rows"),
        (b"title,foo\n", "no rows"),
        (b"name\n\"" + b"x" * 200_000 + b"\"\n", "cannot be read"),
    ],
)
def test_files_without_rows_or_with_monstrous_cells_are_refused(user_in_role, content, message):
    with pytest.raises(ValidationError, match=message):
        with translation.override("en"):
            import_preview(kind="organisations", upload=SimpleUploadedFile("x.csv", content), user=user_in_role("staff"))


def test_a_file_longer_than_allowed_is_refused_early(user_in_role, settings):
    from crm import importing

    rows = "".join(f"org {index}\n" for index in range(importing.MAX_ROWS + 50))
    with pytest.raises(ValidationError, match=str(importing.MAX_ROWS)), translation.override("en"):
        import_preview(kind="organisations", upload=SimpleUploadedFile("x.csv", f"name\n{rows}".encode()), user=user_in_role("staff"))


@pytest.mark.parametrize("blank", ["\n", ",\n", " ,  \n"], ids=["empty", "commas", "spaces"])
def test_blank_lines_do_not_hide_rows_past_the_limit(user_in_role, monkeypatch, blank):
    # Blank lines were counted towards the rows read: the last rows of a full file went missing.
    from crm import importing

    monkeypatch.setattr(importing, "MAX_ROWS", 20)
    rows = "".join(f"org {index},\n" for index in range(21))
    content = f"name,address\n{blank * 5}{rows}".encode()
    with pytest.raises(ValidationError, match="20"), translation.override("en"):
        import_preview(kind="organisations", upload=SimpleUploadedFile("x.csv", content), user=user_in_role("staff"))


def test_a_full_file_with_blank_lines_keeps_its_line_numbers(user_in_role, monkeypatch):
    from crm import importing

    monkeypatch.setattr(importing, "MAX_ROWS", 20)
    rows = "".join(f"org {index},\n" for index in range(20))
    content = f"name,address\n\n\n{rows}".encode()
    batch = import_preview(kind="organisations", upload=SimpleUploadedFile("x.csv", content), user=user_in_role("staff"))
    assert [row["line"] for row in batch.rows] == list(range(4, 24))


def test_an_update_whose_record_was_merged_away_stops_the_import(user_in_role):
    user = user_in_role("staff")
    known = OrganisationFactory(identification_code="212345678")
    batch = import_preview(kind="organisations", upload=csv_file("ვანის კავშირი,,,212345678,,,\n"), user=user)
    known.delete()
    with pytest.raises(ValidationError, match="no longer exists"), translation.override("en"):
        import_apply(batch=batch, user=user)


def test_odd_line_numbers_in_the_confirmation_are_ignored(client, user_in_role):
    user = user_in_role("staff")
    client.force_login(user)
    batch = import_preview(kind="organisations", upload=csv_file("ხონის ცენტრი,,,212345600,Khoni,,\n"), user=user)
    response = client.post(f"/import/{batch.pk}/", {"create_duplicate": ["²", "abc", "3"]})
    assert response.status_code == 302


def test_a_code_taken_between_the_check_and_the_insert_writes_nothing_and_says_why(
    client, user_in_role, monkeypatch
):
    from crm import importing

    user = user_in_role("staff")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    batch = import_preview(
        kind="organisations", upload=csv_file("პირველი,,,212345601,,,\nმეორე,,,212345602,,,\n"), user=user
    )
    write = importing._write

    def another_save_first(model, fields, *, created, updated, user):
        OrganisationFactory(identification_code="212345602")  # in life, another transaction's
        write(model, fields, created=created, updated=updated, user=user)

    monkeypatch.setattr(importing, "_write", another_save_first)
    response = client.post(f"/import/{batch.pk}/")
    assert response.status_code == 200  # was a 500 (IntegrityError)
    assert "someone else saved a record with one of its identification codes" in str(
        list(response.context["messages"])[0]
    )
    assert not Organisation.objects.filter(name__in=["პირველი", "მეორე"]).exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW


@pytest.mark.django_db(transaction=True)
def test_a_code_committed_by_another_transaction_during_the_insert_is_a_message(user_in_role):
    """The real race, on PostgreSQL: the insert waits on the other transaction's row in the unique
    index, and fails when it commits."""
    import threading
    import time

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one transaction write at a time: the race cannot happen there")
    user = user_in_role("staff")
    batch = import_preview(kind="organisations", upload=csv_file("პირველი,,,212345601,,,\n"), user=user)
    inserted, commit = threading.Event(), threading.Event()
    outcome = {}

    def other_transaction():
        with transaction.atomic():
            Organisation.objects.create(name="სხვისი", identification_code="212345601")
            inserted.set()
            commit.wait(10)
        connections.close_all()

    def importer():
        try:
            with translation.override("en"):  # a new thread starts in Georgian, the default
                import_apply(batch=batch, user=user)
        except ValidationError as refused:
            outcome["refused"] = refused.messages
        finally:
            connections.close_all()

    other = threading.Thread(target=other_transaction)
    other.start()
    inserted.wait(10)
    importing_thread = threading.Thread(target=importer)
    importing_thread.start()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not _someone_waits_on_a_lock():
        time.sleep(0.05)
    commit.set()
    other.join(10)
    importing_thread.join(10)
    assert "someone else saved a record" in outcome["refused"][0]
    assert list(Organisation.objects.values_list("name", flat=True)) == ["სხვისი"]


def _someone_waits_on_a_lock() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0
