"""Files people make, and files nobody should, through the import pages as a staff member.

hypothesis writes CSV files (any of three separators, any line ending, quoted or not, in UTF-8
with or without a byte-order mark, UTF-16, cp1251, cut short), XLSX files (text, numbers huge
and small, dates, booleans, formulas) and plain junk, with headers in any case and order, unknown
and repeated, rows short and long, and cells of Georgian, Mtavruli, Latin, Cyrillic, Arabic and
Hebrew with their direction marks, zero-width and control characters, formulas and 100,000
characters. Whatever the file:

- uploading answers 200 with a message we wrote (the form says what is wrong with the file) or
  302 to the preview, never 500, and writes nothing but the preview;
- the preview page opens; confirming writes every row, each with its history row and search key
  as a normal save does, or nothing, with a message;
- what is stored is the cell as typed, without control characters (tests.fuzz.strategies.
  typed_text): Georgian as typed, Mtavruli too (names are stored as written; the search key
  folds it, so that it still meets the same name in Mkhedruli).

A second property breaks the write midway (a code taken meanwhile, a database error after the
inserts, in the history, in the updates): nothing is written, the page says so, and the same
preview imports once the database behaves.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, OperationalError
from hypothesis import event, example, given, note
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from crm import importing, privacy
from crm.models import Affiliation, Contact, ImportBatch, Organisation
from notifications.models import address_digest
from tests.crm.factories import ContactFactory, OrganisationFactory
from tests.fuzz.strategies import ANY_TEXT, TEXT, answer, fuzz_settings, messages_of, rolled_back, typed_text

pytestmark = pytest.mark.django_db

KNOWN_CODE = "212345678"
KNOWN_EMAIL = "known@centre.example.ge"
KNOWN_PERSON_EMAIL = "nino@example.ge"
ERASED_EMAIL = "erased.person@example.ge"

# The messages the upload form may give about a file (English, with their placeholders).
FILE_ERRORS = [
    "The file is larger than 5 MB.",
    "Upload a CSV or XLSX file.",
    "The file has no rows to import.",
    "The file contains NUL characters (zero bytes). Save it as “CSV UTF-8” or XLSX and try again.",
    "The column “%(column)s” appears twice in the first row. Keep one.",
    "A file may hold at most %(max)s rows.",
    "The CSV file cannot be read near line %(line)s.",
    "The CSV file is not in UTF-8. Save it as “CSV UTF-8” and try again.",
    "The XLSX file cannot be read.",
    "The file has no “%(column)s” column. The first row must name the columns: %(columns)s.",
    "The submitted file is empty.",  # Django's own, for a file of no bytes
]
APPLY_ERRORS = [
    "Correct the rows with errors in the file and upload it again.",
    "While the file was being imported, someone else saved a record with one of its identification "
    "codes. Nothing was imported; upload the file again to see which.",
    "The database could not write the import, so nothing was imported. Try again in a moment.",
]


def _pattern(message: str) -> re.Pattern:
    return re.compile(re.sub(r"%\\\(\w+\\\)s", "(?s:.*)", re.escape(message)))


FILE_ERROR_PATTERNS = [_pattern(message) for message in FILE_ERRORS]

# The text columns whose stored value is checked against the cell.
TEXT_COLUMNS = {
    "organisations": ("name", "name_latin", "address"),
    "people": ("first_name", "last_name", "name_latin"),
}


# -- files ---------------------------------------------------------------------------------------


class Formula(str):
    """A cell written into an XLSX file as a formula (never calculated: read back, it is empty)."""


@dataclass
class UploadedFile:
    kind: str
    name: str
    content: bytes
    # The header and rows as a reader gets them back, when the file is well formed and its
    # text survives the encoding: then the stored values can be checked against the cells.
    table: list[list] | None
    xml: bool = False  # XLSX: its XML turned \r into \n

    def upload(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.name, self.content)


def one_in(count: int) -> st.SearchStrategy[bool]:
    """True once in `count` draws (hypothesis draws small integers far more often than that)."""
    return st.sampled_from([True] + [False] * (count - 1))


def _cells(column: str) -> st.SearchStrategy:
    plausible = {
        "name": st.sampled_from(
            ["ქუთაისის ახალგაზრდული ცენტრი", "ტყიბულის თემის ფონდი", "ᲕᲐᲜᲘᲡ ᲥᲐᲚᲗᲐ ᲙᲐᲕᲨᲘᲠᲘ", "Zestaponi Club"]
        )
        | TEXT,
        "name_latin": st.sampled_from(["", "Kutaisi Youth Centre", "Tkibuli Community Fund"]) | TEXT,
        "legal_form": st.sampled_from(
            ["", "შპს", "ა(ა)იპ", "სს", "სსიპ", "ი/მ", "llc", "NNLE", "other", "junk"]
        ),
        "identification_code": st.integers(200_000_000, 499_999_999).map(str)
        | st.sampled_from(["", KNOWN_CODE, "123", " 212345601 "]),
        "founding_year": st.integers(1840, 2030).map(str) | st.sampled_from(["", "1999.0", "ორი"]),
        "municipality": st.sampled_from(["", "ხონი", "Khoni", "vani", "ქუთაისი", "Atlantis", "ᲮᲝᲜᲘ"]),
        "address": TEXT,
        "phone": st.sampled_from(
            ["", "+995599123456", "599 12 34 56", "0431 24 56 78", "12", "+1 202 555 0100"]
        ),
        "email": st.sampled_from(
            ["", KNOWN_EMAIL, KNOWN_PERSON_EMAIL, ERASED_EMAIL.upper(), "ნინო@მაგალითი.გე"]
        )
        | st.from_regex(r"[a-z0-9._-]{1,20}@[a-z0-9-]{1,20}\.(ge|com|org)", fullmatch=True)
        | st.emails(),
        "website": st.sampled_from(
            ["", "https://example.ge", "example.ge", "http://ქუთაისი.გე", "javascript:alert(1)"]
        ),
        "first_name": st.sampled_from(["ნინო", "Ნინო", "ᲜᲘᲜᲝ", "Levan", "سارة"]) | TEXT,
        "last_name": TEXT,
        "preferred_language": st.sampled_from(["", "ka", "en", "EN", "fr"]),
    }[column]
    if column in ("name", "name_latin", "address", "first_name", "last_name"):
        return st.one_of(plausible, ANY_TEXT)
    return st.one_of(*[plausible] * 8, ANY_TEXT)  # mostly a row that imports


_ODD_HEADERS = (
    st.sampled_from(["", "id", "notes", "შენიშვნა", "Name ", " NAME", "\ufeffname", "name\x00"]) | TEXT
)


@st.composite
def _headers(draw, kind: str) -> list[str]:
    columns = importing.COLUMNS[kind]
    required = importing.REQUIRED[kind]
    chosen = draw(st.lists(st.sampled_from(columns), unique=True, max_size=len(columns)))
    if required not in chosen and not draw(one_in(10)):  # mostly a file we can read
        chosen.insert(0, required)
    header = list(draw(st.permutations(chosen)))
    header = [draw(st.sampled_from([name, name, name.upper(), f" {name} "])) for name in header]
    for odd in draw(st.lists(_ODD_HEADERS, max_size=2)):
        header.insert(draw(st.integers(0, len(header))), odd)
    if draw(one_in(20)):  # a wide export from another system
        header += [f"extra {index}" for index in range(250)]
    return header


def _meaning(header) -> str:
    return typed_text(str(header)).lower()


@st.composite
def _rows(draw, kind: str, header: list[str]) -> list[list]:
    def row():
        cells = [
            draw(_cells(_meaning(name)))
            if _meaning(name) in importing.COLUMNS[kind]
            else draw(ANY_TEXT)
            if index < 20
            else ""
            for index, name in enumerate(header)
        ]
        ragged = draw(st.integers(-2, 12))
        if ragged < 0:  # a short row
            cells = cells[: max(0, len(cells) + ragged)]
        elif ragged == 12:  # a long one
            cells += [draw(TEXT)]
        return cells

    return [
        row()
        for _ in range(draw(st.sampled_from(range(6)) if draw(one_in(10)) else st.sampled_from(range(1, 6))))
    ]


@st.composite
def csv_files(draw, kind: str | None = None) -> UploadedFile:
    kind = kind or draw(st.sampled_from(["organisations", "people"]))
    header = draw(_headers(kind))
    table = [header, *draw(_rows(kind, header))]
    delimiter = draw(st.sampled_from(",;\t"))
    terminator = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONE]))
    text = io.StringIO()
    try:
        csv.writer(
            text, delimiter=delimiter, lineterminator=terminator, quoting=quoting, escapechar="\\"
        ).writerows(table)
    except csv.Error:  # QUOTE_NONE and a cell it cannot write: joined by hand, broken as in life
        text = io.StringIO(terminator.join(delimiter.join(map(str, row)) for row in table) + terminator)
    written = text.getvalue()
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "cp1251", "latin-1"]))
    content = written.encode(encoding, errors="replace")
    cut = draw(one_in(20))
    if cut and content:  # a file cut short
        content = content[: draw(st.integers(0, len(content) - 1))]
    read_back = None
    if (
        not cut
        and encoding in ("utf-8", "utf-8-sig", "utf-16")
        and importing._delimiter(written) == delimiter
    ):
        # Read as the import reads; the stored values are checked when that gives the cells back.
        rows = list(csv.reader(io.StringIO(written, newline=""), delimiter=delimiter, skipinitialspace=True))
        if [list(map(str, row)) for row in table if row] == [row for row in rows if row]:
            read_back = rows
    return UploadedFile(
        kind, draw(st.sampled_from(["file.csv", "FILE.CSV", "ფაილი.csv"])), content, read_back
    )


_XLSX_VALUES = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=datetime.date(1900, 3, 1)),
    st.datetimes(min_value=datetime.datetime(1900, 3, 1)),
    st.none(),
    st.builds(Formula, st.sampled_from(["=1+1", '=HYPERLINK("http://x","y")', "=A1"])),
)


@st.composite
def xlsx_files(draw, kind: str | None = None) -> UploadedFile:
    kind = kind or draw(st.sampled_from(["organisations", "people"]))
    header = draw(_headers(kind))
    rows = draw(_rows(kind, header))
    rows = [[draw(_XLSX_VALUES) if draw(one_in(6)) else cell for cell in row] for row in rows]
    table = [header, *rows]
    workbook = Workbook()
    sheet = workbook.active
    written = []
    for row_index, row in enumerate(table, start=1):
        written_row = []
        for column_index, value in enumerate(row, start=1):
            if isinstance(value, str) and not isinstance(value, Formula):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)  # Excel cannot hold them either
            cell = sheet.cell(row=row_index, column=column_index, value=value)
            if isinstance(value, str) and not isinstance(value, Formula):
                cell.data_type = "s"  # text, even when it starts with "="
            written_row.append(value)
        written.append(written_row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    content = buffer.getvalue()
    if draw(one_in(20)):
        content = content[: draw(st.integers(0, len(content) - 1))]
        written = None
    return UploadedFile(kind, "file.xlsx", content, written, xml=True)


@st.composite
def junk_files(draw) -> UploadedFile:
    kind = draw(st.sampled_from(["organisations", "people"]))
    name = draw(st.sampled_from(["file.csv", "file.xlsx", "file.txt", "file", "file.csv.exe", ".csv"]))
    maker = draw(st.sampled_from(["bytes", "zip", "empty"]))
    if maker == "bytes":
        content = draw(st.binary(min_size=1, max_size=3000))
    elif maker == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", draw(st.binary(max_size=200)))
            archive.writestr("xl/workbook.xml", b"<workbook/>")
        content = buffer.getvalue()
    else:
        content = codecs.BOM_UTF8 if draw(st.booleans()) else b"\n\n"
    return UploadedFile(kind, name, content, None)


ANY_FILE = st.one_of(csv_files(), csv_files(), csv_files(), xlsx_files(), junk_files())


# -- the property --------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, user_in_role):
    client.force_login(user_in_role("staff"))
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def known_records(user_in_role):
    """Records a file's rows can meet: by code, by email, by a close name, an erased person."""
    OrganisationFactory(name="ვანის ქალთა კავშირი", name_latin="", identification_code=KNOWN_CODE)
    OrganisationFactory(name="სხვა", name_latin="", email=KNOWN_EMAIL)
    OrganisationFactory(name="ტყიბულის თემის ფონდი", name_latin="Tkibuli Community Fund", email="")
    ContactFactory(email=KNOWN_PERSON_EMAIL, first_name="ნინო", last_name="ბერიძე")
    erased = ContactFactory(email=ERASED_EMAIL)
    privacy.contact_erase(contact=erased, by=user_in_role("manager"), reason="asked by email")


def row_counts() -> dict[str, int]:
    models = [
        Organisation,
        Organisation.history.model,
        Contact,
        Contact.history.model,
        Affiliation,
        ImportBatch,
    ]
    return {model._meta.label: model.objects.count() for model in models}


def _upload(client, file: UploadedFile):
    before = row_counts()
    response = answer(client, "post", "/import/", data={"kind": file.kind, "file": file.upload()})
    if response.status_code == 200:
        errors = response.context["form"].errors.get("file", [])
        assert errors, response.context["form"].errors
        for error in errors:
            assert any(pattern.fullmatch(error) for pattern in FILE_ERROR_PATTERNS), error
        assert row_counts() == before
        return None
    assert response.status_code == 302, response.status_code
    batch = ImportBatch.objects.latest("pk")
    assert row_counts() == {**before, "crm.ImportBatch": before["crm.ImportBatch"] + 1}
    assert answer(client, "get", response["Location"]).status_code == 200
    return batch


def _check_erased_rows_are_refused(batch: ImportBatch, file: UploadedFile) -> None:
    if batch.kind != "people" or file.table is None:
        return
    header = [_meaning(name) for name in file.table[0]]
    if "email" not in header:
        return
    for row in batch.rows:
        cells = file.table[row["line"] - 1]
        position = header.index("email")
        email = (
            typed_text(str(cells[position])) if position < len(cells) and cells[position] is not None else ""
        )
        if email and address_digest(email) == address_digest(ERASED_EMAIL):
            assert row["action"] == "error" and row["data"] == {}, row


def _expected_text(file: UploadedFile, row: dict) -> dict[str, str] | None:
    """The stored text of the row's text columns, from its cells; None if a cell is not text."""
    header = [_meaning(name) for name in file.table[0]]
    cells = file.table[row["line"] - 1]
    expected = {}
    for column in TEXT_COLUMNS[file.kind]:
        if column not in header:
            continue
        position = header.index(column)
        cell = cells[position] if position < len(cells) else ""
        if cell is None:
            cell = ""
        if not isinstance(cell, str) or isinstance(cell, Formula):
            return None
        if file.xml:
            cell = cell.replace("\r\n", "\n").replace("\r", "\n")
        expected[column] = typed_text(cell)
    return expected


def _check_written(
    batch: ImportBatch, file: UploadedFile, before: dict, written: list[dict], last_pk: int
) -> None:
    model = Organisation if batch.kind == "organisations" else Contact
    created = [row for row in written if row["action"] in ("new", "duplicate")]
    updated = [row for row in written if row["action"] == "update"]
    label, history = model._meta.label, model.history.model._meta.label
    after = row_counts()
    assert after[label] == before[label] + len(created)
    assert after[history] == before[history] + len(created) + len(updated)
    assert after["crm.Affiliation"] == before["crm.Affiliation"]
    new_records = list(model.objects.filter(pk__gt=last_pk))
    for record in new_records + [model.objects.get(pk=row["match_id"]) for row in updated]:
        assert record.search_key == record.build_search_key()
        assert record.history.exists()
    if file.table is None:
        return
    columns = [
        column for column in TEXT_COLUMNS[batch.kind] if column in {_meaning(h) for h in file.table[0]}
    ]
    expected_created = [_expected_text(file, row) for row in created]
    if None not in expected_created:
        stored = Counter(tuple(getattr(record, column) for column in columns) for record in new_records)
        assert stored == Counter(tuple(values[column] for column in columns) for values in expected_created)
    for row in updated:
        expected = _expected_text(file, row)
        if expected is not None:
            record = model.objects.get(pk=row["match_id"])
            assert {column: getattr(record, column) for column in expected} == expected


def _confirm(client, batch: ImportBatch, file: UploadedFile, data) -> None:
    before = row_counts()
    model = Organisation if batch.kind == "organisations" else Contact
    last_pk = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    duplicates = [row["line"] for row in batch.rows if row["action"] == "duplicate"]
    create_all = bool(duplicates) and data is not None and data.draw(one_in(4))
    chosen = set()
    if duplicates and data is not None and not create_all:
        chosen = data.draw(st.sets(st.sampled_from(duplicates)))
    posted = {"create_duplicate": [str(line) for line in sorted(chosen)]}
    if create_all:
        posted["create_all_duplicates"] = "1"
    response = answer(client, "post", f"/import/{batch.pk}/", data=posted)
    batch.refresh_from_db()
    if batch.has_errors:
        assert response.status_code == 200
        assert messages_of(response) == [APPLY_ERRORS[0]]
        assert row_counts() == before and batch.status == ImportBatch.Status.PREVIEW
        return
    assert response.status_code == 302, messages_of(response)
    assert batch.status == ImportBatch.Status.IMPORTED
    written = [
        row for row in batch.rows if row["action"] in ("new", "update") or create_all or row["line"] in chosen
    ]
    _check_written(batch, file, before, written, last_pk)


@fuzz_settings(60)
@given(file=ANY_FILE, data=st.data())
@example(
    file=UploadedFile("organisations", "nul.csv", "name,address\nკავშირი\x00,x\n".encode(), None), data=None
)
@example(
    file=UploadedFile("people", "long.csv", ("first_name\n" + "ა" * 100_000 + "\n").encode(), None), data=None
)
@example(
    file=UploadedFile(
        "organisations",
        "mtavruli.csv",
        "name,address\nᲥᲣᲗᲐᲘᲡᲘᲡ ᲪᲔᲜᲢᲠᲘ,\u202eabc\nשלום \u200fعالم,x\x0by\x07\n".encode(),
        [["name", "address"], ["ᲥᲣᲗᲐᲘᲡᲘᲡ ᲪᲔᲜᲢᲠᲘ", "\u202eabc"], ["שלום \u200fعالم", "x\x0by\x07"]],
    ),
    data=None,
)
@example(
    file=UploadedFile("organisations", "utf16.csv", "name\tphone\nხონი\t\n".encode("utf-16"), None), data=None
)
@example(file=UploadedFile("organisations", "twice.csv", b"name,Name\nx,y\n", None), data=None)
def test_any_file_is_refused_with_a_message_or_imported_whole(staff_client, known_records, file, data):
    note(f"{file.kind} {file.name} {file.content[:300]!r}")
    with rolled_back():
        batch = _upload(staff_client, file)
        outcome = "refused" if batch is None else "errors in rows" if batch.has_errors else "importable"
        event(f"{outcome}, cells checked: {file.table is not None}")
        if batch is None:
            return
        note(f"preview: {batch.counts}")
        _check_erased_rows_are_refused(batch, file)
        _confirm(staff_client, batch, file, data)


def test_the_examples_give_what_they_promise(staff_client, known_records):
    """The explicit examples above, with what each must give."""
    nul = _upload(
        staff_client, UploadedFile("organisations", "nul.csv", "name\nკავ\x00შირი\n".encode(), None)
    )
    assert nul is None
    batch = _upload(
        staff_client,
        UploadedFile(
            "organisations", "mtavruli.csv", "name,address\nᲥᲣᲗᲐᲘᲡᲘᲡ ᲪᲔᲜᲢᲠᲘ,x\x0by\x07\n".encode(), None
        ),
    )
    assert staff_client.post(f"/import/{batch.pk}/").status_code == 302
    saved = Organisation.objects.get(name="ᲥᲣᲗᲐᲘᲡᲘᲡ ᲪᲔᲜᲢᲠᲘ")  # as typed
    assert saved.address == "x y" and saved.search_key == "kutaisis tsentri"
    assert _upload(
        staff_client, UploadedFile("organisations", "u.csv", "name;phone\nხონი;\n".encode("utf-16"), None)
    )


# -- breaking the write midway -------------------------------------------------------------------


@st.composite
def importable_files(draw) -> UploadedFile:
    """A CSV of organisations every row of which imports: new ones, and an update."""
    names = draw(
        st.lists(
            st.tuples(st.sampled_from(["ა", "Kav", "Ქ", "ש"]), TEXT).map("".join), min_size=1, max_size=5
        )
    )
    codes = draw(
        st.lists(st.integers(213_000_000, 213_999_999), min_size=len(names), max_size=len(names), unique=True)
    )
    table = [["name", "identification_code", "address"]]
    table += [[name, str(code), draw(TEXT)] for name, code in zip(names, codes, strict=True)]
    if draw(st.booleans()):
        table.append(["ვანის ქალთა კავშირი ახალი", KNOWN_CODE, "ახალი მისამართი"])
    text = io.StringIO()
    csv.writer(text).writerows(table)
    return UploadedFile("organisations", "file.csv", text.getvalue().encode(), table)


def _fail_after(original, error):
    def failing(*args, **kwargs):
        original(*args, **kwargs)
        raise error

    return failing


def _take_a_code_first(original):
    """Another transaction saves one of the file's codes just before the insert."""

    def taking(model, fields, *, created, updated, user):
        code = next((record.identification_code for record in created if record.identification_code), None)
        if code:
            OrganisationFactory(identification_code=code)
        original(model, fields, created=created, updated=updated, user=user)

    return taking


@fuzz_settings(25)
@given(
    file=importable_files(),
    failure=st.sampled_from(
        ["code taken", "after inserts", "in the history", "in the updates", "lost connection"]
    ),
)
def test_a_write_that_fails_midway_leaves_nothing_and_says_so(
    staff_client, known_records, monkeypatch, file, failure
):
    history_manager = type(Organisation.history.model.objects)
    with rolled_back(), monkeypatch.context() as patch:
        batch = _upload(staff_client, file)
        assert batch is not None and not batch.has_errors, batch.rows
        if failure == "code taken":
            patch.setattr(importing, "_write", _take_a_code_first(importing._write))
        elif failure == "after inserts":
            patch.setattr(
                importing,
                "bulk_create_with_history",
                _fail_after(importing.bulk_create_with_history, IntegrityError("injected")),
            )
        elif failure == "in the history":
            patch.setattr(
                history_manager,
                "bulk_create",
                _fail_after(history_manager.bulk_create, OperationalError("injected")),
                raising=False,
            )
        elif failure == "in the updates":
            patch.setattr(
                importing,
                "bulk_update_with_history",
                _fail_after(importing.bulk_update_with_history, OperationalError("injected")),
            )
        else:
            patch.setattr(
                importing,
                "bulk_create_with_history",
                _fail_after(lambda *args, **kwargs: None, OperationalError("server closed the connection")),
            )
        before = row_counts()
        response = answer(staff_client, "post", f"/import/{batch.pk}/")
        batch.refresh_from_db()
        if failure == "in the updates" and not any(row["action"] == "update" for row in batch.rows):
            assert response.status_code == 302  # nothing to update: nothing broke
            return
        assert response.status_code == 200
        assert messages_of(response) and messages_of(response)[0] in APPLY_ERRORS[1:]
        assert row_counts() == before
        assert batch.status == ImportBatch.Status.PREVIEW
        patch.undo()
        # The database behaves again: the same preview imports, whole.
        assert answer(staff_client, "post", f"/import/{batch.pk}/").status_code == 302
        assert row_counts()["crm.Organisation"] == before["crm.Organisation"] + batch.counts["new"]
