"""Reading the files people really have: each case here was a 500, a wrong reading or a wrong
message before (found by tests/fuzz/test_import_fuzz.py)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from crm import importing
from crm.importing import import_apply, import_preview
from crm.models import ImportBatch, Organisation

pytestmark = pytest.mark.django_db


def preview(content: bytes, *, user, name="orgs.csv", kind="organisations") -> ImportBatch:
    with translation.override("en"):
        return import_preview(kind=kind, upload=SimpleUploadedFile(name, content), user=user)


def test_a_nul_in_a_cell_refuses_the_file_with_a_message(client, user_in_role):
    # PostgreSQL stores no NUL, in text or in the preview's JSON: this was a 500 there.
    client.force_login(user_in_role("staff"))
    client.cookies["django_language"] = "en"
    upload = SimpleUploadedFile("orgs.csv", "name,address\nკავშირი\x00,x\n".encode())
    response = client.post("/import/", {"kind": "organisations", "file": upload})
    assert response.status_code == 200
    assert "NUL characters" in response.context["form"].errors["file"][0]
    assert not ImportBatch.objects.exists()


def test_a_file_saved_as_utf16_is_read(user_in_role):
    batch = preview("name\tphone\nხონის ცენტრი\t+995599123456\n".encode("utf-16"), user=user_in_role("staff"))
    assert batch.rows[0]["data"] == {"name": "ხონის ცენტრი", "phone": "+995599123456"}


def test_the_separator_is_the_header_rows_not_the_cells(user_in_role):
    # csv.Sniffer took the semicolons between quoted words for the separator: "no name column".
    content = 'name,address\n"ალფა";"ბეტა",ქუთაისი\n'.encode()
    batch = preview(content, user=user_in_role("staff"))
    assert batch.rows[0]["data"] == {"name": 'ალფა;"ბეტა"', "address": "ქუთაისი"}


def test_a_file_of_one_column_keeps_commas_in_its_cells(user_in_role):
    batch = preview("name\nალფა, ბეტა და გამა\n".encode(), user=user_in_role("staff"))
    assert batch.rows[0]["data"] == {"name": "ალფა, ბეტა და გამა"}


def test_lines_may_end_in_a_carriage_return_alone(user_in_role):
    batch = preview(b'name,address\r"a\rb",c\r', user=user_in_role("staff"))
    assert batch.rows[0]["data"] == {"name": "a\rb", "address": "c"}


def test_a_column_named_twice_is_refused(user_in_role):
    with pytest.raises(ValidationError, match="“name” appears twice"):
        preview(b"name,Name \nx,y\n", user=user_in_role("staff"))


def test_a_short_row_has_empty_cells_not_missing_columns(user_in_role):
    # The first row's missing name read as "the file has no name column".
    batch = preview(b"address,name\nsomewhere\n", user=user_in_role("staff"))
    assert batch.rows[0]["action"] == "error"
    assert batch.rows[0]["errors"] == ["Name: This field is required."]


def test_line_numbers_are_the_files_empty_rows_counted(user_in_role):
    batch = preview("name\nპირველი\n\n\nმეორე\n".encode(), user=user_in_role("staff"))
    assert [row["line"] for row in batch.rows] == [2, 5]


def test_a_cell_too_long_to_read_names_its_line_in_our_words(user_in_role):
    content = b'name\nx\n"' + b"y" * 200_000 + b'"\n'
    with pytest.raises(ValidationError) as refused:
        preview(content, user=user_in_role("staff"))
    assert refused.value.messages == ["The CSV file cannot be read near line 3."]


def test_a_sheet_as_wide_as_excel_allows_is_read_only_as_far_as_imports_go(user_in_role):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "identification_code"])
    for row in range(2, 1002):
        sheet.cell(row=row, column=1, value=f"ორგანიზაცია {row}")
        sheet.cell(row=row, column=16_384, value="the last column Excel has")
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = importing._read_xlsx(buffer.getvalue())
    assert len(table) == 1001 and max(len(row) for row in table) == importing.MAX_COLUMNS


def test_control_characters_are_not_stored_and_mtavruli_is_kept(user_in_role):
    user = user_in_role("staff")
    batch = preview("name,address\nᲥᲣᲗᲐᲘᲡᲘᲡ ᲪᲔᲜᲢᲠᲘ\x07,სადღაც\x0bიქ\n".encode(), user=user)
    import_apply(batch=batch, user=user)
    saved = Organisation.objects.get()
    assert (saved.name, saved.address) == ("ᲥᲣᲗᲐᲘᲡᲘᲡ ᲪᲔᲜᲢᲠᲘ", "სადღაც იქ")
    assert saved.search_key == "kutaisis tsentri"  # meets ქუთაისის ცენტრი


def test_a_file_as_wide_as_another_systems_export_keeps_our_columns(user_in_role):
    header = ",".join(["name", *(f"column {index}" for index in range(5_000)), "address"])
    rows = "".join(f"ორგანიზაცია {index}\n" for index in range(2_000))
    table = importing.read_rows(SimpleUploadedFile("wide.csv", f"{header}\n{rows}".encode()))
    assert len(table) == 2_000
    assert table[0] == (2, {"name": "ორგანიზაცია 0"})  # read up to MAX_COLUMNS: the address is past it
