"""Importing organisations and people from CSV or XLSX, in two steps.

1. `import_preview` reads the file, validates every row with the same form staff use, and says
   what each row would do: new, update (the row names a record we know by its identification
   code, or a person by email), possible duplicate (same email, or a name whose search key is
   close to one we have), or error. A person whose address was erased at their request is an
   error, and what the file says of them is not kept. Nothing is written but the preview itself.
2. `import_apply` writes the rows in one transaction once a person confirms. It refuses a file
   with errors, skips possible duplicates unless the person asked for them, and rolls back
   everything if any row fails on the way, or if the database refuses the writing (a code
   someone else saved meanwhile): then it says so, and the same preview may be confirmed again.

A file is read as people save them (`read_rows`): CSV in UTF-8 or UTF-16 with any
of three separators, or XLSX; a file that cannot be read is refused whole, with a message.

A file may hold 10,000 rows, so neither step asks the database anything per row. What the
rows need from it is loaded once per file (`_Loaded`): the records the file's identification
codes and emails name, the search keys that share their first letters with the file's names,
the municipalities. Each row is then validated by the staff form told what was loaded
(`_RowForm`), and the rows are written with bulk inserts and updates, history included.
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import logging
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import islice
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import Min, Q
from django.db.models.functions import Lower, Substr
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from crm.forms import ContactImportForm, OrganisationImportForm
from crm.models import ImportBatch, LegalForm, Organisation
from crm.search import search_key
from crm.validators import plain_text
from network.models import Municipality
from notifications.models import address_digest
from notifications.selectors import erased_address_digests

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# Columns read from a spreadsheet: ours and many others', never the whole grid.
MAX_COLUMNS = 200
# Two names whose keys are this alike are probably one organisation written twice.
CLOSE_NAME_RATIO = 0.9
# Names are compared with the keys we hold that begin with the same letters.
KEY_PREFIX = 4
# Rows per UPDATE statement: Django's bulk_update writes one CASE per field with a branch per
# row, so its cost grows with the square of the batch.
UPDATE_BATCH = 200

ORGANISATION_COLUMNS = OrganisationImportForm._meta.fields
PEOPLE_COLUMNS = ContactImportForm._meta.fields
COLUMNS = {ImportBatch.Kind.ORGANISATIONS: ORGANISATION_COLUMNS, ImportBatch.Kind.PEOPLE: PEOPLE_COLUMNS}
KNOWN_COLUMNS = frozenset(ORGANISATION_COLUMNS) | frozenset(PEOPLE_COLUMNS)
REQUIRED = {ImportBatch.Kind.ORGANISATIONS: "name", ImportBatch.Kind.PEOPLE: "first_name"}


class ImportFileError(ValidationError):
    """The file as a whole cannot be read."""


# -- reading ------------------------------------------------------------------------------


def read_rows(upload) -> list[tuple[int, dict[str, str]]]:
    """The file's rows that hold anything, as (line, {column: text}) for the columns we know,
    headers lower-cased; the line is the row's number in a spreadsheet (the header's is 1),
    empty rows counted. The cells of a short row that are not there are empty, as in a
    spreadsheet; only the first MAX_COLUMNS columns are read."""
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
    headers = _headers(table[0][:MAX_COLUMNS])
    known = [(position, header) for position, header in enumerate(headers) if header in KNOWN_COLUMNS]
    rows = []
    for line, row in enumerate(table[1:], start=2):
        cells = [_as_text(cell) for cell in row[: len(headers)]]
        if any(cells):
            cells += [""] * (len(headers) - len(cells))
            rows.append((line, {header: cells[position] for position, header in known}))
    if any("\x00" in text for _line, row in rows for text in row.values()):
        _refuse_nul()  # an XLSX file made by hand: no program writes one there
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("A file may hold at most %(max)s rows.") % {"max": MAX_ROWS})
    return rows


def _refuse_nul():
    # No text holds one (PostgreSQL refuses it): a file saved in another way, or not text.
    raise ImportFileError(
        _("The file contains NUL characters (zero bytes). Save it as “CSV UTF-8” or XLSX and try again.")
    )


def _headers(cells) -> list[str]:
    """The first row's column names, as the columns are named: trimmed, lower-cased, without
    invisible characters. A column we know, named twice, would leave it unclear which to take."""
    headers = [plain_text(str(cell if cell is not None else "")).strip().lower() for cell in cells]
    for header in headers:
        if header in KNOWN_COLUMNS and headers.count(header) > 1:
            raise ImportFileError(
                _("The column “%(column)s” appears twice in the first row. Keep one.") % {"column": header}
            )
    return headers


def _read_csv(content: bytes) -> list[list[str]]:
    text = _decoded(content)
    if "\x00" in text:
        _refuse_nul()
    # newline="": a line break inside a quoted cell is part of the cell, and lines may end in \r.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), skipinitialspace=True)
    try:
        return _head(reader)
    except csv.Error as error:  # a cell longer than csv.field_size_limit(), mostly
        raise ImportFileError(
            _("The CSV file cannot be read near line %(line)s.") % {"line": reader.line_num}
        ) from error


def _decoded(content: bytes) -> str:
    """The text of a CSV saved as UTF-8 (with a byte-order mark or without, as Excel's “CSV
    UTF-8” does), or as UTF-16 with its mark (what other programs call “Unicode”)."""
    encoding = "utf-16" if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("The CSV file is not in UTF-8. Save it as “CSV UTF-8” and try again.")
        ) from error


def _delimiter(text: str) -> str:
    """The separator of the first row, which names our columns: the one that splits it into
    the most column names we know, a comma among equals. Guessing from the whole text, as
    csv.Sniffer does, is misled by cells full of commas or semicolons. A first row with none
    of them names one column, and every line is then one cell, whatever it holds: NUL, which
    no file that got this far contains, separates nothing."""
    first_line = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    candidates = [delimiter for delimiter in ",;\t" if delimiter in first_line]
    if not candidates:
        return "\x00"

    def names_found(delimiter: str) -> int:
        return sum(
            cell.strip().strip('"').strip().lower() in KNOWN_COLUMNS for cell in first_line.split(delimiter)
        )

    return max(candidates, key=names_found)  # max keeps the first of equals


def _head(rows) -> list[list]:
    """The file's rows until one more than allowed holds anything, which is enough to know the
    file is too long. Empty rows are kept, for the line numbers, but not counted: a file with
    blank lines in it must not lose its last rows under the limit."""
    head, filled = [], 0
    for row in rows:
        head.append(list(row))
        if any(_as_text(cell) for cell in row):
            filled += 1
            if filled > MAX_ROWS + 1:  # the header, and one row too many
                break
    return head


def _read_xlsx(content: bytes) -> list[list[object]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        # A sheet's declared size may be the whole grid (16,384 columns): read what an import uses.
        rows = workbook.active.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        return _head(rows)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("The XLSX file cannot be read.")) from error


def _as_text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)  # Excel stores 212345678 as 212345678.0
    return str(cell).strip()


# -- the staff forms, for a file's rows ----------------------------------------------------------


class _LoadedChoiceField(forms.ModelChoiceField):
    """A foreign key's choice found among rows loaded once per file (`loaded`, by id) rather
    than with a query per row; otherwise ModelChoiceField, with its messages."""

    loaded: dict[int, models.Model] | None = None

    def to_python(self, value):
        by_id = self.to_field_name in (None, self.queryset.model._meta.pk.name)
        if self.loaded is None or not by_id or value in self.empty_values:
            return super().to_python(value)
        try:
            return self.loaded[int(value)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


def _loaded_foreign_keys(db_field, **kwargs):
    if isinstance(db_field, models.ForeignKey):
        kwargs["form_class"] = _LoadedChoiceField
    return db_field.formfield(**kwargs)


class _SharedFields(dict):
    """The fields of a file's row forms, made once for the file. A form deep-copies its
    fields as it is made (a third of the time a row takes); validation changes no field, so
    the rows' forms share one set: copying it gives itself."""

    def __deepcopy__(self, memo):
        return self


def _row_fields(form_class, loaded: dict[str, dict]) -> _SharedFields:
    """The form's fields for one file, the foreign keys told what rows were loaded for it."""
    fields = _SharedFields(copy.deepcopy(form_class.base_fields))
    for name, rows in loaded.items():
        if isinstance(fields.get(name), _LoadedChoiceField):
            fields[name].loaded = rows
    return fields


class _RowForm:
    """The staff form for one row of a file, made with `fields` from `_row_fields`: its
    foreign keys are found among rows loaded for the whole file, and `unique_checked` says
    the file's lookups already know that the row's unique fields clash with no other
    record. Neither check then costs a query per row; the fields, rules and messages stay
    the staff form's."""

    def __init__(self, *args, fields: _SharedFields, unique_checked: bool = False, **kwargs):
        self.base_fields = fields  # what BaseForm.__init__ copies into self.fields
        super().__init__(*args, **kwargs)
        self.unique_checked = unique_checked

    def _get_validation_exclusions(self):
        # The model would check again, with a query, that a foreign key's row exists: the
        # form field has just found it among the loaded ones.
        loaded = {name for name, field in self.fields.items() if getattr(field, "loaded", None) is not None}
        return super()._get_validation_exclusions() | loaded

    def validate_unique(self):
        if not self.unique_checked:
            super().validate_unique()


class _OrganisationRowForm(_RowForm, OrganisationImportForm):
    class Meta(OrganisationImportForm.Meta):
        formfield_callback = _loaded_foreign_keys


class _ContactRowForm(_RowForm, ContactImportForm):
    class Meta(ContactImportForm.Meta):
        formfield_callback = _loaded_foreign_keys


ROW_FORMS = {ImportBatch.Kind.ORGANISATIONS: _OrganisationRowForm, ImportBatch.Kind.PEOPLE: _ContactRowForm}


def _bound_form(form_class, data: dict, instance=None, **kwargs):
    """A form for a new record (defaults for missing columns) or an update (the record's own
    values for the columns the file does not have)."""
    if instance is None:
        defaults = {"legal_form": LegalForm.NNLE, "preferred_language": "ka"}
        base = {field: defaults[field] for field in form_class._meta.fields if field in defaults}
    else:
        base = {
            key: "" if value is None else value
            for key, value in model_to_dict(instance, form_class._meta.fields).items()
        }
    return form_class(data={**base, **data}, instance=instance, **kwargs)


def _errors(form) -> list[str]:
    return [
        f"{form.fields[field].label if field in form.fields else ''}: {message}".lstrip(": ")
        for field, messages in form.errors.items()
        for message in messages
    ]


# -- what the database holds, loaded once per file -------------------------------------------------


def _in_chunks(values) -> list[list]:
    """The distinct values, in as few `IN (…)` lists as the database allows (SQLite caps the
    parameters of a query; PostgreSQL does not)."""
    values = sorted(set(values))
    limit = connection.features.max_query_params
    size = max(1, limit - 100) if limit else max(1, len(values))
    return [values[start : start + size] for start in range(0, len(values), size)]


def _municipalities() -> tuple[dict[str, int], dict[int, Municipality]]:
    """Municipalities by either name, as people write them, and by id."""
    ids, by_id = {}, {}
    for municipality in Municipality.objects.all():
        ids[municipality.name_ka.casefold()] = municipality.pk
        ids[municipality.name_en.casefold()] = municipality.pk
        by_id[municipality.pk] = municipality
    return ids, by_id


def _legal_forms() -> dict[str, str]:
    forms = {}
    for value, label in LegalForm.choices:
        forms[value] = value
        forms[str(label).split(" — ")[0].casefold()] = value
    return forms


def _by_code(codes) -> dict[str, Organisation]:
    found = {}
    for chunk in _in_chunks(code for code in codes if code):
        for organisation in Organisation.objects.filter(identification_code__in=chunk):
            found[organisation.identification_code] = organisation
    return found


def _by_email(model, emails) -> dict[str, models.Model]:
    """The first record, in the model's order, with each email (compared case-insensitively)."""
    found = {}
    for chunk in _in_chunks(email.lower() for email in emails if email):
        records = (
            model.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .order_by(*model._meta.ordering, "pk")
        )
        for record in records:
            found.setdefault(record.email_lower, record)
    return found


# What a search key is made of (crm.search): two keys share at most, of each letter, the
# fewer of their counts; the sum is the bound difflib's quick_ratio computes, letter by letter.
_KEY_LETTERS = "0123456789abcdefghijklmnopqrstuvwxyz "


def _letter_counts(key: str) -> tuple[int, ...]:
    """How often each letter occurs in `key`; anything else counts in one more slot, which
    can only raise the bound."""
    counts = [key.count(letter) for letter in _KEY_LETTERS]
    counts.append(len(key) - sum(counts))
    return tuple(counts)


class _HeldKeys:
    """The search keys we hold that begin as a file's names begin, each with the lowest id
    holding it: one query for the file, then lookups in memory."""

    def __init__(self, model, keys):
        self.ids: dict[str, int] = {}
        for chunk in _in_chunks(key[:KEY_PREFIX] for key in keys if key):
            prefixes = [prefix for prefix in chunk if len(prefix) == KEY_PREFIX]
            condition = Q(prefix__in=prefixes)
            for short in (prefix for prefix in chunk if len(prefix) < KEY_PREFIX):
                condition |= Q(search_key__startswith=short)
            held = (
                model.objects.alias(prefix=Substr("search_key", 1, KEY_PREFIX))
                .filter(condition)
                .order_by()
                .values_list("search_key")
                .annotate(first=Min("pk"))
            )
            self.ids.update(held)
        self.sorted_keys = sorted(self.ids)
        # By first letters, then length: a close key has nearly the same length.
        self.by_prefix: dict[str, list[tuple[int, str, tuple[int, ...]]]] = defaultdict(list)
        for key in self.sorted_keys:
            self.by_prefix[key[:KEY_PREFIX]].append((len(key), key, _letter_counts(key)))
        for candidates in self.by_prefix.values():
            candidates.sort()

    def starting_with(self, key: str) -> int | None:
        """A record whose key starts with `key` (the first such key in order)."""
        at = bisect_left(self.sorted_keys, key)
        if key and at < len(self.sorted_keys) and self.sorted_keys[at].startswith(key):
            return self.ids[self.sorted_keys[at]]
        return None

    def close_to(self, key: str) -> int | None:
        """A record whose key is `key` or nearly: the same first letters, and difflib's ratio
        at least CLOSE_NAME_RATIO (the most alike wins). Only keys whose length and letters
        allow that ratio are compared (difflib's real_quick_ratio and quick_ratio bounds,
        computed ahead), since most rows resemble nothing we hold."""
        if not key:
            return None
        if key in self.ids:
            return self.ids[key]
        candidates = self.by_prefix.get(key[:KEY_PREFIX], [])
        # ratio ≤ 2·min(a, b) / (a + b): outside these lengths it cannot reach the threshold.
        shortest = len(key) * CLOSE_NAME_RATIO / (2 - CLOSE_NAME_RATIO)
        longest = len(key) * (2 - CLOSE_NAME_RATIO) / CLOSE_NAME_RATIO
        counts = _letter_counts(key)
        matcher = None  # made for the first candidate that passes: most rows have none
        best, best_ratio = None, CLOSE_NAME_RATIO
        for length, candidate, candidate_counts in islice(
            candidates, bisect_left(candidates, (int(shortest),)), None
        ):
            if length > longest:
                break
            if 2.0 * sum(map(min, counts, candidate_counts)) / (length + len(key)) < best_ratio:
                continue
            if matcher is None:
                # The key is seq2: difflib keeps what it learns of it for every candidate.
                matcher = SequenceMatcher(None, "", key)
            matcher.set_seq1(candidate)
            ratio = matcher.ratio()
            if ratio >= best_ratio and (best is None or ratio > best_ratio):
                best, best_ratio = candidate, ratio
        return self.ids[best] if best is not None else None


@dataclass
class _Loaded:
    """What a file's rows need from the database, loaded once for the whole file."""

    municipality_ids: dict[str, int] = field(default_factory=dict)  # by either name, casefolded
    municipalities: dict[int, Municipality] = field(default_factory=dict)
    legal_forms: dict[str, str] = field(default_factory=dict)
    by_code: dict[str, Organisation] = field(default_factory=dict)
    by_email: dict[str, models.Model] = field(default_factory=dict)  # lower-cased email
    keys: _HeldKeys | None = None
    erased: set[str] = field(default_factory=set)  # digests of the addresses of people erased
    fields: _SharedFields | None = None  # the row forms', once the rest is loaded

    def fields_make(self, kind: str) -> None:
        self.fields = _row_fields(ROW_FORMS[kind], {"municipality": self.municipalities})


def _names(model, ids) -> dict[int, str]:
    """What the preview shows of the records matched by their names."""
    found = {}
    for chunk in _in_chunks(ids):
        for record in model.objects.filter(pk__in=chunk):
            found[record.pk] = str(record)
    return found


# -- previewing --------------------------------------------------------------------------------


def _organisation_form_data(row: dict, loaded: _Loaded) -> tuple[dict, list[str]]:
    """The row as form data: only the columns the file has, names turned into ids."""
    # An empty cell in a column with a default (legal form) means "the default", not "blank".
    data = {column: row[column] for column in ORGANISATION_COLUMNS if column in row}
    if not data.get("legal_form"):
        data.pop("legal_form", None)
    problems = []
    municipality = data.get("municipality")
    if municipality:
        data["municipality"] = loaded.municipality_ids.get(municipality.casefold())
        if data["municipality"] is None:
            problems.append(_("Unknown municipality “%(name)s”.") % {"name": municipality})
    if data.get("legal_form"):
        data["legal_form"] = loaded.legal_forms.get(data["legal_form"].casefold(), data["legal_form"])
    return data, problems


def _person_form_data(row: dict) -> dict:
    data = {column: row[column] for column in PEOPLE_COLUMNS if column in row}
    if not data.get("preferred_language"):
        data.pop("preferred_language", None)
    return data


def _values(form, data: dict) -> dict:
    """The row's cleaned values for the file's columns, as the database stores them (a phone
    in E.164, a municipality by id): what `import_apply` writes unless the database changed."""
    instance = form.instance
    values = {}
    for name in data:
        model_field = instance._meta.get_field(name)
        value = model_field.get_prep_value(model_field.value_from_object(instance))
        if value is not None and not isinstance(value, str | int | float | bool):
            value = model_field.value_to_string(instance)
        values[name] = value
    return values


def _preview_organisation(data: dict, problems: list[str], key: str, loaded: _Loaded, context: dict) -> dict:
    code = data.get("identification_code") or ""
    existing = loaded.by_code.get(code) if code else None
    # The record holding this code, if any, is `existing`, the form's own instance: no clash.
    form = _bound_form(_OrganisationRowForm, data, existing, fields=loaded.fields, unique_checked=True)
    if not form.is_valid() or problems:
        return {"action": "error", "errors": problems + _errors(form), "data": data}
    if code and code in context["seen_codes"]:
        return {
            "action": "error",
            "errors": [_("This identification code appears twice in the file.")],
            "data": data,
        }
    if code:
        context["seen_codes"].add(code)
    return {
        **_organisation_match(data, key, existing, loaded, context),
        "data": data,
        "values": _values(form, data),
    }


def _organisation_match(data: dict, key: str, existing, loaded: _Loaded, context: dict) -> dict:
    if existing:
        return {
            "action": "update",
            "match_id": existing.pk,
            "match_name": existing.name,
            "match_reason": _("same identification code"),
        }
    email = (data.get("email") or "").casefold()
    repeated = _repeated_in_file(context, email=email, key=key)
    if repeated:
        return {"action": "duplicate", "match_reason": repeated}
    same_email = loaded.by_email.get(email.lower()) if email else None
    if same_email:
        return {
            "action": "duplicate",
            "match_id": same_email.pk,
            "match_name": same_email.name,
            "match_reason": _("same email"),
        }
    close = loaded.keys.close_to(key)
    if close:
        # The name is filled in once every row is known (_names): one query for the file.
        return {
            "action": "duplicate",
            "match_id": close,
            "match_name": None,
            "match_reason": _("a very similar name"),
        }
    return {"action": "new"}


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


def _preview_person(data: dict, problems: list[str], key: str, loaded: _Loaded, context: dict) -> dict:
    email = data.get("email")
    if email and address_digest(plain_text(email)) in loaded.erased:
        # Their data is not stored again, not even in the preview: the line number says which.
        return {"action": "error", "errors": [_erased_message()], "data": {}}
    existing = loaded.by_email.get(email.lower()) if email else None
    form = _bound_form(_ContactRowForm, data, existing, fields=loaded.fields)
    if not form.is_valid():
        return {"action": "error", "errors": _errors(form), "data": data}
    return {
        **_person_match(email, key, existing, loaded, context),
        "data": data,
        "values": _values(form, data),
    }


def _erased_message() -> str:
    return _(
        "This address belonged to a person erased at their request, so the row is not imported. "
        "Remove it from the file (and from wherever the file came from). If the person asks to be "
        "added again, add them by hand."
    )


def _person_match(email: str | None, key: str, existing, loaded: _Loaded, context: dict) -> dict:
    repeated = _repeated_in_file(context, email=(email or "").casefold(), key=key)
    if repeated:
        return {"action": "duplicate", "match_reason": repeated}
    if existing:
        return {
            "action": "update",
            "match_id": existing.pk,
            "match_name": existing.full_name,
            "match_reason": _("same email"),
        }
    same_name = loaded.keys.starting_with(key) if key else None
    if same_name:
        return {
            "action": "duplicate",
            "match_id": same_name,
            "match_name": None,
            "match_reason": _("the same name"),
        }
    return {"action": "new"}


def import_preview(*, kind: str, upload, user) -> ImportBatch:
    """Read and check an upload; store what each row would do. Writes nothing else.

    Steps: read the rows; turn each into form data (municipality names into ids) and its
    names into a search key; load what the rows need from the database at once (records by
    code and by email, search keys by their first letters); validate and match each row in
    memory, keeping a valid row's cleaned values; fill in the names of the records matched by
    name (one query); store the preview."""
    numbered = read_rows(upload)
    rows = [row for _line, row in numbered]
    required = REQUIRED[kind]
    if not rows:
        raise ImportFileError(_("The file has no rows to import."))
    if required not in rows[0]:
        raise ImportFileError(
            _("The file has no “%(column)s” column. The first row must name the columns: %(columns)s.")
            % {"column": required, "columns": ", ".join(COLUMNS[kind])}
        )
    model = ROW_FORMS[kind]._meta.model
    if kind == ImportBatch.Kind.ORGANISATIONS:
        loaded = _Loaded(legal_forms=_legal_forms())
        loaded.municipality_ids, loaded.municipalities = _municipalities()
        prepared = [_organisation_form_data(row, loaded) for row in rows]
        keys = [search_key(data.get("name"), data.get("name_latin")) for data, _problems in prepared]
        loaded.by_code = _by_code(data.get("identification_code") for data, _problems in prepared)
        preview = _preview_organisation
    else:
        loaded = _Loaded(erased=erased_address_digests())
        prepared = [(_person_form_data(row), []) for row in rows]
        keys = [search_key(data.get("first_name"), data.get("last_name")) for data, _problems in prepared]
        preview = _preview_person
    loaded.keys = _HeldKeys(model, keys)
    loaded.by_email = _by_email(model, (data.get("email") or "" for data, _problems in prepared))
    loaded.fields_make(kind)
    context = {"seen_codes": set(), "seen_emails": {}, "seen_keys": {}}
    checked = []
    for (line, _row), (data, problems), key in zip(numbered, prepared, keys, strict=True):
        context["line"] = line
        checked.append({"line": line, **preview(data, problems, key, loaded, context)})
    named = _names(model, (row["match_id"] for row in checked if row.get("match_name", "") is None))
    for row in checked:
        if row.get("match_name", "") is None:
            row["match_name"] = named.get(row["match_id"], "")
    return ImportBatch.objects.create(kind=kind, filename=upload.name[:255], rows=checked, created_by=user)


# What the preview page lists of a file, in the file's order: the rows that need a correction or
# a decision, up to limits that keep a page of 10,000 rows light (and its "create anyway" boxes
# under DATA_UPLOAD_MAX_NUMBER_FIELDS), and the first of the others as a sample.
LISTED = {"error": 200, "duplicate": 500, "update": 50, "new": 50}


def preview_listing(batch: ImportBatch) -> tuple[list[dict], dict[str, int]]:
    """The rows the preview lists, and how many of each kind it leaves out."""
    seen = dict.fromkeys(LISTED, 0)
    listed = []
    for row in batch.rows:
        seen[row["action"]] += 1
        if seen[row["action"]] <= LISTED[row["action"]]:
            listed.append(row)
    return listed, {action: max(0, count - LISTED[action]) for action, count in seen.items()}


# -- writing --------------------------------------------------------------------------------


@transaction.atomic
def import_apply(
    *,
    batch: ImportBatch,
    user,
    create_duplicate_lines: set[int] = frozenset(),
    create_all_duplicates: bool = False,
) -> dict[str, int]:
    """Write a previewed import: new rows created, updates applied, possible duplicates
    skipped unless their line is in `create_duplicate_lines` (or `create_all_duplicates`).
    All rows or none.

    Steps: lock the batch; load the records the updates change, and what the rows' values
    rely on (the municipalities, the records holding the rows' identification codes); build
    each record from the values the preview validated, unless the database changed under
    them (a code now someone else's, a municipality gone: the staff form then validates the
    row again and says why it no longer holds) and stop at the first row that fails; insert
    the new records and update the others in bulk, each with its history row; mark the batch
    imported."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.PREVIEW:
        raise ValidationError(_("This file has already been imported."))
    if batch.has_errors:
        raise ValidationError(_("Correct the rows with errors in the file and upload it again."))
    form_class = ROW_FORMS[batch.kind]
    model = form_class._meta.model
    rows = [
        row
        for row in batch.rows
        if row["action"] != "duplicate" or create_all_duplicates or row["line"] in create_duplicate_lines
    ]
    targets = {}
    for chunk in _in_chunks(row["match_id"] for row in rows if row["action"] == "update"):
        targets.update(model.objects.in_bulk(chunk))
    loaded = _Loaded()
    if batch.kind == ImportBatch.Kind.ORGANISATIONS:
        loaded.municipalities = _municipalities()[1]
        loaded.by_code = _by_code(row["data"].get("identification_code") for row in rows)
    loaded.fields_make(batch.kind)
    created, updated = [], []
    for row in rows:
        instance = None
        if row["action"] == "update":
            instance = targets.get(row["match_id"])
            if instance is None:  # merged or removed since the preview
                raise ValidationError(
                    _(
                        "Line %(line)s would update a record that no longer exists. Nothing was imported; upload the file again."
                    )
                    % {"line": row["line"]}
                )
        code = row["data"].get("identification_code")
        holder = loaded.by_code.get(code) if code else None
        code_free = holder is None or (instance is not None and holder.pk == instance.pk)
        municipality = (row.get("values") or {}).get("municipality")
        if "values" in row and code_free and (municipality is None or municipality in loaded.municipalities):
            record = _from_values(model, row["values"], instance)
        else:
            # Previewed before values were kept, or the database changed: the form decides.
            form = _bound_form(
                form_class, row["data"], instance, fields=loaded.fields, unique_checked=code_free
            )
            if not form.is_valid():
                raise ValidationError(
                    _(
                        "Line %(line)s is no longer valid: %(errors)s. Nothing was imported; upload the file again."
                    )
                    % {"line": row["line"], "errors": "; ".join(_errors(form))}
                )
            record = form.instance
        (updated if instance else created).append(record)
    try:
        with transaction.atomic():
            _write(model, form_class._meta.fields, created=created, updated=updated, user=user)
    except IntegrityError as clash:
        # Someone saved the same identification code between the checks above and the insert.
        raise ValidationError(
            _(
                "While the file was being imported, someone else saved a record with one of its "
                "identification codes. Nothing was imported; upload the file again to see which."
            )
        ) from clash
    except DatabaseError as failure:  # a lost connection, a lock timeout: logged, and said plainly
        logger.exception("Import %s could not be written", batch.pk)
        raise ValidationError(
            _("The database could not write the import, so nothing was imported. Try again in a moment.")
        ) from failure
    batch.status = ImportBatch.Status.IMPORTED
    batch.imported_at = timezone.now()
    batch.save(update_fields=["status", "imported_at"])
    return {"created": len(created), "updated": len(updated), "skipped": len(batch.rows) - len(rows)}


def _from_values(model, values: dict, instance=None):
    """A new record (the model's defaults for the columns the file lacks) or `instance`,
    with the values `_values` kept."""
    record = instance if instance is not None else model()
    for name, value in values.items():
        model_field = model._meta.get_field(name)
        setattr(record, model_field.attname, model_field.to_python(value))
    return record


def _write(model, fields: list[str], *, created: list, updated: list, user) -> None:
    """Insert and update in bulk, with a history row each, as save() would have written one.
    On inserts the model's manager fills the search keys (SearchKeyQuerySet) and bulk_create
    the auto_now fields; updates get both here."""
    for instance in created + updated:
        if isinstance(instance, Organisation):
            # What Organisation.save() does: an empty code is unknown, not a duplicate of others.
            instance.identification_code = instance.identification_code or None
    if created:
        bulk_create_with_history(created, model, default_user=user)
    if updated:
        now = timezone.now()
        for instance in updated:
            instance.updated_at = now
            instance.search_key = instance.build_search_key()  # as save() does
        # Through the base manager: the keys are filled above, with the rest of save()'s work,
        # so SearchKeyQuerySet.bulk_update would only build them a second time.
        bulk_update_with_history(
            updated,
            model,
            [*fields, "search_key", "updated_at"],
            batch_size=UPDATE_BATCH,
            default_user=user,
            manager=model._base_manager,
        )
