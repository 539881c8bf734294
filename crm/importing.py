"""Importing organisations and people from CSV or XLSX, in two steps.

1. `import_preview` reads the file, validates every row with the same form staff use, and says
   what each row would do: new, update (the row names a record we know by its identification
   code, or a person by email), possible duplicate (same email, or a name whose search key is
   close to one we have), or error. Nothing is written but the preview itself.
2. `import_apply` writes the rows in one transaction once a person confirms. It refuses a file
   with errors, skips possible duplicates unless the person asked for them, and rolls back
   everything if any row fails on the way.
"""

from __future__ import annotations

import csv
import io
from difflib import SequenceMatcher
from itertools import islice
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from crm.forms import ContactImportForm, OrganisationImportForm
from crm.models import Contact, ImportBatch, LegalForm, Organisation
from crm.search import search_key
from network.models import Municipality

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Two names whose keys are this alike are probably one organisation written twice.
CLOSE_NAME_RATIO = 0.9

ORGANISATION_COLUMNS = OrganisationImportForm._meta.fields
PEOPLE_COLUMNS = ContactImportForm._meta.fields
COLUMNS = {ImportBatch.Kind.ORGANISATIONS: ORGANISATION_COLUMNS, ImportBatch.Kind.PEOPLE: PEOPLE_COLUMNS}
REQUIRED = {ImportBatch.Kind.ORGANISATIONS: "name", ImportBatch.Kind.PEOPLE: "first_name"}


class ImportFileError(ValidationError):
    """The file as a whole cannot be read."""


# -- reading ------------------------------------------------------------------------------


def read_rows(upload) -> list[dict[str, str]]:
    """The file's rows as {header: text}, headers lower-cased; line numbers start at 2."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ImportFileError(_("The file is larger than 5 MB."))
    extension = Path(upload.name).suffix.lower()
    if extension == ".csv":
        table = _read_csv(upload.read())
    elif extension == ".xlsx":
        table = _read_xlsx(upload.read())
    else:
        raise ImportFileError(_("Upload a CSV or XLSX file."))
    if len(table) < 2:
        raise ImportFileError(_("The file has no rows to import."))
    headers = [str(cell or "").strip().lower() for cell in table[0]]
    rows = [dict(zip(headers, (_as_text(cell) for cell in row), strict=False)) for row in table[1:]]
    rows = [row for row in rows if any(row.values())]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("A file may hold at most %(max)s rows.") % {"max": MAX_ROWS})
    return rows


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_("The CSV file is not in UTF-8. Save it as “CSV UTF-8” and try again.")) from error
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        # One more row than allowed is enough to know the file is too long.
        return list(islice(csv.reader(io.StringIO(text), dialect), MAX_ROWS + 2))
    except csv.Error as error:
        raise ImportFileError(_("The CSV file cannot be read: %(reason)s") % {"reason": error}) from error


def _read_xlsx(content: bytes) -> list[list[object]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = workbook.active.iter_rows(values_only=True)
        return [list(row) for row in islice(rows, MAX_ROWS + 2)]
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("The XLSX file cannot be read.")) from error


def _as_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # Excel stores 212345678 as 212345678.0
    return str(cell).strip()


# -- validating and matching -------------------------------------------------------------------


def _municipality_ids() -> dict[str, int]:
    """Municipalities by either name, as people write them."""
    names = {}
    for pk, name_ka, name_en in Municipality.objects.values_list("pk", "name_ka", "name_en"):
        names[name_ka.casefold()] = pk
        names[name_en.casefold()] = pk
    return names


def _legal_forms() -> dict[str, str]:
    forms = {}
    for value, label in LegalForm.choices:
        forms[value] = value
        forms[str(label).split(" — ")[0].casefold()] = value
    return forms


def _organisation_form_data(row: dict, municipalities: dict, legal_forms: dict) -> tuple[dict, list[str]]:
    """The row as form data: only the columns the file has, names turned into ids."""
    # An empty cell in a column with a default (legal form) means "the default", not "blank".
    data = {column: row[column] for column in ORGANISATION_COLUMNS if column in row}
    if not data.get("legal_form"):
        data.pop("legal_form", None)
    problems = []
    municipality = data.get("municipality")
    if municipality:
        data["municipality"] = municipalities.get(municipality.casefold())
        if data["municipality"] is None:
            problems.append(_("Unknown municipality “%(name)s”.") % {"name": municipality})
    if data.get("legal_form"):
        data["legal_form"] = legal_forms.get(data["legal_form"].casefold(), data["legal_form"])
    return data, problems


def _bound_form(form_class, data: dict, instance=None):
    """A form for a new record (defaults for missing columns) or an update (the record's own
    values for the columns the file does not have)."""
    if instance is None:
        defaults = {"legal_form": LegalForm.NNLE, "preferred_language": "ka"}
        base = {field: defaults[field] for field in form_class._meta.fields if field in defaults}
    else:
        base = {key: "" if value is None else value for key, value in model_to_dict(instance, form_class._meta.fields).items()}
    return form_class(data={**base, **data}, instance=instance)


def _errors(form) -> list[str]:
    return [f"{form.fields[field].label if field in form.fields else ''}: {message}".lstrip(": ")
            for field, messages in form.errors.items() for message in messages]


def _close_organisation(key: str, context: dict) -> tuple[int, str] | None:
    """(pk, name) of an organisation whose name key is the same or nearly the same as `key`.

    Candidates share the key's first four letters; they are loaded once per prefix and
    compared with difflib's cheap upper bounds before the real ratio."""
    if not key:
        return None
    prefix = key[:4]
    if prefix not in context["by_prefix"]:
        context["by_prefix"][prefix] = list(
            Organisation.objects.filter(search_key__startswith=prefix).values_list("pk", "name", "search_key")[:500]
        )
    for pk, name, candidate_key in context["by_prefix"][prefix]:
        if candidate_key == key:
            return pk, name
        matcher = SequenceMatcher(None, candidate_key, key)
        if (
            matcher.real_quick_ratio() >= CLOSE_NAME_RATIO
            and matcher.quick_ratio() >= CLOSE_NAME_RATIO
            and matcher.ratio() >= CLOSE_NAME_RATIO
        ):
            return pk, name
    return None


def _preview_organisation(row: dict, context: dict) -> dict:
    data, problems = _organisation_form_data(row, context["municipalities"], context["legal_forms"])
    code = data.get("identification_code") or ""
    existing = Organisation.objects.filter(identification_code=code).first() if code else None
    form = _bound_form(OrganisationImportForm, data, existing)
    if not form.is_valid() or problems:
        return {"action": "error", "errors": problems + _errors(form), "data": data}
    if code and code in context["seen_codes"]:
        return {"action": "error", "errors": [_("This identification code appears twice in the file.")], "data": data}
    if code:
        context["seen_codes"].add(code)
    if existing:
        return {"action": "update", "match_id": existing.pk, "match_name": existing.name,
                "match_reason": _("same identification code"), "data": data}
    email = (data.get("email") or "").casefold()
    key = search_key(data["name"], data.get("name_latin"))
    repeated = _repeated_in_file(context, email=email, key=key)
    if repeated:
        return {"action": "duplicate", "match_reason": repeated, "data": data}
    same_email = Organisation.objects.filter(email__iexact=email).first() if email else None
    if same_email:
        return {"action": "duplicate", "match_id": same_email.pk, "match_name": same_email.name,
                "match_reason": _("same email"), "data": data}
    close = _close_organisation(key, context)
    if close:
        return {"action": "duplicate", "match_id": close[0], "match_name": close[1],
                "match_reason": _("a very similar name"), "data": data}
    return {"action": "new", "data": data}


def _repeated_in_file(context: dict, *, email: str, key: str) -> str:
    """Why this row repeats an earlier row of the same file, or ""; remembers the row."""
    reason = ""
    if email and email in context["seen_emails"]:
        reason = _("same email as line %(line)s") % {"line": context["seen_emails"][email]}
    elif key and key in context["seen_keys"]:
        reason = _("same name as line %(line)s") % {"line": context["seen_keys"][key]}
    if email:
        context["seen_emails"].setdefault(email, context["line"])
    if key:
        context["seen_keys"].setdefault(key, context["line"])
    return reason


def _preview_person(row: dict, context: dict) -> dict:
    data = {column: row[column] for column in PEOPLE_COLUMNS if column in row}
    if not data.get("preferred_language"):
        data.pop("preferred_language", None)
    email = data.get("email")
    existing = Contact.objects.filter(email__iexact=email).first() if email else None
    form = _bound_form(ContactImportForm, data, existing)
    if not form.is_valid():
        return {"action": "error", "errors": _errors(form), "data": data}
    repeated = _repeated_in_file(
        context, email=(email or "").casefold(), key=search_key(data["first_name"], data.get("last_name"))
    )
    if repeated:
        return {"action": "duplicate", "match_reason": repeated, "data": data}
    if existing:
        return {"action": "update", "match_id": existing.pk, "match_name": existing.full_name,
                "match_reason": _("same email"), "data": data}
    key = search_key(data["first_name"], data.get("last_name"))
    same_name = Contact.objects.filter(search_key__startswith=key).first() if key else None
    if same_name:
        return {"action": "duplicate", "match_id": same_name.pk, "match_name": same_name.full_name,
                "match_reason": _("the same name"), "data": data}
    return {"action": "new", "data": data}


def import_preview(*, kind: str, upload, user) -> ImportBatch:
    """Read and check an upload; store what each row would do. Writes nothing else."""
    rows = read_rows(upload)
    required = REQUIRED[kind]
    if not rows:
        raise ImportFileError(_("The file has no rows to import."))
    if required not in rows[0]:
        raise ImportFileError(
            _("The file has no “%(column)s” column. The first row must name the columns: %(columns)s.")
            % {"column": required, "columns": ", ".join(COLUMNS[kind])}
        )
    context = {
        "municipalities": _municipality_ids(),
        "legal_forms": _legal_forms(),
        "seen_codes": set(),
        "seen_emails": {},
        "seen_keys": {},
        "by_prefix": {},
    }
    preview = _preview_organisation if kind == ImportBatch.Kind.ORGANISATIONS else _preview_person
    checked = []
    for line, row in enumerate(rows, start=2):
        context["line"] = line
        checked.append({"line": line, **preview(row, context)})
    return ImportBatch.objects.create(kind=kind, filename=upload.name[:255], rows=checked, created_by=user)


# -- writing --------------------------------------------------------------------------------


@transaction.atomic
def import_apply(*, batch: ImportBatch, user, create_duplicate_lines: set[int] = frozenset()) -> dict[str, int]:
    """Write a previewed import: new rows created, updates applied, possible duplicates
    skipped unless their line is in `create_duplicate_lines`. All rows or none."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.PREVIEW:
        raise ValidationError(_("This file has already been imported."))
    if batch.has_errors:
        raise ValidationError(_("Correct the rows with errors in the file and upload it again."))
    form_class = OrganisationImportForm if batch.kind == ImportBatch.Kind.ORGANISATIONS else ContactImportForm
    model = form_class._meta.model
    done = {"created": 0, "updated": 0, "skipped": 0}
    for row in batch.rows:
        if row["action"] == "duplicate" and row["line"] not in create_duplicate_lines:
            done["skipped"] += 1
            continue
        instance = None
        if row["action"] == "update":
            instance = model.objects.filter(pk=row["match_id"]).first()
            if instance is None:  # merged or removed since the preview
                raise ValidationError(
                    _("Line %(line)s would update a record that no longer exists. Nothing was imported; upload the file again.")
                    % {"line": row["line"]}
                )
        form = _bound_form(form_class, row["data"], instance)
        if not form.is_valid():
            # The database changed since the preview (e.g. someone took this code meanwhile).
            raise ValidationError(
                _("Line %(line)s is no longer valid: %(errors)s. Nothing was imported; upload the file again.")
                % {"line": row["line"], "errors": "; ".join(_errors(form))}
            )
        form.save()
        done["updated" if instance else "created"] += 1
    batch.status = ImportBatch.Status.IMPORTED
    batch.imported_at = timezone.now()
    batch.save(update_fields=["status", "imported_at"])
    return done
