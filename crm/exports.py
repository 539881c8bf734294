"""Exports as CSV or XLSX: the organisation list (exactly the rows the user filtered, nothing
hidden) and any table of rows, such as the revenue dashboard's."""

from __future__ import annotations

import csv
import re
from io import BytesIO

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def _columns():
    return [
        (_("name"), lambda o: o.name),
        (_("name in Latin script"), lambda o: o.name_latin),
        (_("legal form"), lambda o: o.get_legal_form_display()),
        (_("identification code"), lambda o: o.identification_code or ""),
        (_("region"), lambda o: o.municipality.region.name if o.municipality else ""),
        (_("municipality"), lambda o: o.municipality.name if o.municipality else ""),
        (_("address"), lambda o: o.address),
        (_("phone"), lambda o: str(o.phone) if o.phone else ""),
        (_("email"), lambda o: o.email),
        (_("website"), lambda o: o.website),
        (_("themes"), lambda o: ", ".join(theme.name for theme in o.themes.all())),
        (_("partner"), lambda o: _("yes") if o.is_partner else _("no")),
        (_("active"), lambda o: _("yes") if o.is_active else _("no")),
    ]


def _rows(organisations):
    columns = _columns()
    yield [title for title, _value in columns]
    for organisation in organisations.iterator(chunk_size=1000):
        yield [value(organisation) for _title, value in columns]


def _filename(extension: str) -> str:
    return f"organisations-{timezone.localdate():%Y-%m-%d}.{extension}"


def organisations_csv(organisations) -> StreamingHttpResponse:
    return csv_response(_rows(organisations), _filename("csv"))


def organisations_xlsx(organisations) -> HttpResponse:
    return xlsx_response(_rows(organisations), _filename("xlsx"), sheet_title=_("organisations"))


# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): a partner's address of
# "=HYPERLINK(...)" must reach other people's spreadsheets as text. Phone numbers and signed
# amounts ("+995…", "-12.50") stay as they are.
_SIGNED_NUMBER = re.compile(r"[+-][\d\s().,-]*")


def inert(value):
    if isinstance(value, str) and value:
        if value[0] in "=@\t\r" or (value[0] in "+-" and not _SIGNED_NUMBER.fullmatch(value)):
            return "'" + value
    return value


def _for_a_cell(value):
    # Lazy translations (choice labels) are strings to us but unknown objects to openpyxl, which
    # also refuses control characters: text saved through the API or the admin may hold some.
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return inert(value)


class _Echo:
    def write(self, value):
        return value


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    """Rows (the first one the header) streamed as CSV, so a long export never sits in memory."""
    writer = csv.writer(_Echo())
    # A byte-order mark lets Excel open Georgian text in UTF-8.
    body = (
        ("\ufeff" if index == 0 else "") + writer.writerow([inert(value) for value in row])
        for index, row in enumerate(rows)
    )
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(rows, filename: str, *, sheet_title: str) -> HttpResponse:
    """Rows (the first one the header) as a one-sheet workbook; numbers stay numbers."""
    workbook = Workbook(write_only=True)
    # Excel refuses sheet names longer than 31 characters.
    sheet = workbook.create_sheet(sheet_title[:31])
    for row in rows:
        # Lazy translations (choice labels) are strings to us but unknown objects to openpyxl.
        sheet.append([_for_a_cell(value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
