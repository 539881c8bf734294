"""Benchmark: importing organisations from CSV (preview + apply) against bulk_create.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kavshiri_bench_s100000 \\
        .venv/bin/python -m bench.importing --organisations 100000 --rows 10000

A CSV file of 10,000 organisations goes through the two steps staff use, crm.importing's
`import_preview` (the bytes read through a SimpleUploadedFile, every row validated and matched
against the database) and `import_apply` (the rows written, with their history), against
`Organisation.objects.bulk_create` of the rows the import creates, with the same field values,
and `bulk_update` of the ones it updates. Most rows are new; about 7 % meet organisations the
database holds (same identification code: an update; same email or a very similar name: a
possible duplicate, skipped) and about 1 % repeat an earlier row of the file. Before timing,
the preview must give every row the action the file was written for, the import must create,
update and skip exactly those rows, and what it writes must equal what the baseline writes,
so the baseline is honest. Each side runs in a transaction that is rolled back: the database
stays as it was. Target: the import within 5× of bulk_create's time (at least 0.2× its rows
per second). A missed target is reported, never an error; a mismatch or a failure exits 1.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

from bench.common import (
    DEFAULT_REPEATS,
    DEFAULT_WARMUP,
    BenchError,
    Result,
    count_queries,
    database_label,
    database_settings,
    django_setup,
    format_table,
    git_revision,
    result_from,
    results_write,
    time_against_baseline,
)

TARGET_RATIO = 5.0
DEFAULT_ORGANISATIONS = 100_000
QUICK_ORGANISATIONS = 2_000
DEFAULT_ROWS = 10_000
QUICK_ROWS = 500
# Rows of a small file, to show the preview sends as many queries for it as for the whole file
# (at least: the small file is the whole file's head, long enough to hold every kind of row).
SMALL_FILE_ROWS = 100
SEED = 4242
IMPORTER_USERNAME = "staff"  # a demo user crm.demo.demo_seed creates
FILENAME = "organisations.csv"
# Shares of the file's rows that meet the database or an earlier row; the rest are new.
UPDATE_SHARE = 0.03  # same identification code
SAME_EMAIL_SHARE = 0.02  # no code, the email of an organisation we hold
CLOSE_NAME_SHARE = 0.02  # no code, the name of one we hold, written slightly differently
REPEAT_SHARE = 0.01  # the email or the name of an earlier new row of the file
# What the import writes, compared with what the baseline writes (the search key too).
WRITTEN = [
    "name",
    "name_latin",
    "legal_form",
    "identification_code",
    "founding_year",
    "municipality_id",
    "address",
    "phone",
    "email",
    "website",
    "search_key",
]
# How a file names legal forms: the Georgian abbreviation, the stored value, or nothing.
LEGAL_FORM_CELLS = {
    "nnle": ["ა(ა)იპ", "ა(ა)იპ", "nnle", ""],
    "llc": ["შპს", "llc"],
    "ie": ["ი/მ"],
    "informal": ["informal"],
}
LEGAL_FORM_WEIGHTS = {"nnle": 85, "llc": 8, "ie": 3, "informal": 4}
STREETS = ["რუსთაველის", "ჭავჭავაძის", "წერეთლის", "თამარ მეფის", "აღმაშენებლის", "ნინოშვილის"]
MOBILE_PREFIXES = ["555", "557", "558", "568", "571", "574", "577", "591", "593", "595", "597", "598", "599"]


# -- the file ------------------------------------------------------------------------------------
@dataclass
class PlannedRow:
    """One row of the file: its cells, what the preview should say, and what the import
    should write (for new rows and updates)."""

    cells: dict[str, str]
    action: str  # "new", "update" or "duplicate"
    why: str  # new, update, same email, close name, repeated email, repeated name
    values: dict | None = None  # the fields written, as WRITTEN names them (search_key aside)
    match_pk: int | None = None  # the organisation an update changes


@dataclass
class PlannedFile:
    rows: list[PlannedRow]
    content: bytes = b""
    expected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.content = csv_bytes(self.rows)
        actions = Counter(row.action for row in self.rows)
        self.expected = {
            "created": actions["new"],
            "updated": actions["update"],
            "skipped": actions["duplicate"],
        }

    @property
    def created(self) -> list[dict]:
        return [row.values for row in self.rows if row.action == "new"]

    @property
    def updated(self) -> dict[int, dict]:
        return {row.match_pk: row.values for row in self.rows if row.action == "update"}

    def head(self, count: int) -> PlannedFile:
        """The file's first rows, at least `count`, and as many more as it takes to hold
        every kind of row the file holds: a file of its own (a repeat follows its first row)."""
        kinds = {row.why for row in self.rows}
        seen = {row.why for row in self.rows[:count]}
        while seen != kinds:
            seen.add(self.rows[count].why)
            count += 1
        return PlannedFile(self.rows[:count])


def csv_bytes(rows: list[PlannedRow]) -> bytes:
    import csv
    import io

    from crm.forms import ORGANISATION_PROFILE_FIELDS  # the columns a file carries, as exports give them

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ORGANISATION_PROFILE_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(row.cells for row in rows)
    return buffer.getvalue().encode("utf-8")


class FilePlanner:
    """Writes a realistic file: Georgian names with their Latin forms, municipalities by
    either name, legal forms as people write them, identification codes, emails and phones in
    the formats people type. New rows are named for a person ("… „ნინო ბერიძე“"), half of
    them after a municipality too, so their keys share their first letters with the demo's
    names (and are compared with them) without being close to any."""

    def __init__(self, *, rng: random.Random):
        from crm import demo
        from crm.models import Organisation
        from network.models import Municipality

        self.rng = rng
        self.vocabulary = demo
        self.municipalities = list(Municipality.objects.order_by("pk"))
        self.organisations = list(
            Organisation.objects.exclude(identification_code=None)
            .exclude(email="")
            .exclude(name_latin="")
            .order_by("pk")
            .values_list("pk", "name", "name_latin", "identification_code", "email", "municipality_id")
        )
        self.codes_taken = set(
            Organisation.objects.exclude(identification_code=None).values_list(
                "identification_code", flat=True
            )
        )
        self.keys_used: set[str] = set()

    def plan(self, rows: int) -> PlannedFile:
        rng = self.rng
        counts = {
            "update": round(rows * UPDATE_SHARE),
            "same email": round(rows * SAME_EMAIL_SHARE),
            "close name": round(rows * CLOSE_NAME_SHARE),
        }
        repeats = round(rows * REPEAT_SHARE)
        meeting = sum(counts.values())
        if meeting > len(self.organisations):
            raise BenchError(
                f"The file meets {meeting:,} organisations; the database holds {len(self.organisations):,} with "
                "a code, an email and a Latin name. Seed more organisations or import fewer rows."
            )
        chosen = iter(rng.sample(self.organisations, meeting))
        planned = [self._update(next(chosen)) for _ in range(counts["update"])]
        planned += [self._same_email(next(chosen)) for _ in range(counts["same email"])]
        planned += [self._close_name(next(chosen)) for _ in range(counts["close name"])]
        planned += [self._new() for _ in range(rows - meeting - repeats)]
        rng.shuffle(planned)
        # Each repeat goes somewhere after the row it repeats.
        for _ in range(repeats):
            at = rng.choice([index for index, row in enumerate(planned) if row.why == "new"])
            planned.insert(rng.randrange(at + 1, len(planned) + 1), self._repeat(planned[at]))
        return PlannedFile(planned)

    # -- cells -----------------------------------------------------------------------------------
    def _municipality_cell(self, municipality) -> str:
        return self.rng.choice([municipality.name_ka, municipality.name_en, municipality.name_en.upper()])

    def _legal_form(self) -> tuple[str, str]:
        value = self.rng.choices(list(LEGAL_FORM_WEIGHTS), list(LEGAL_FORM_WEIGHTS.values()))[0]
        return value, self.rng.choice(LEGAL_FORM_CELLS[value])

    def _phone(self, municipality) -> tuple[str, str]:
        """(as typed, as stored): mobiles in three spellings, some Kutaisi landlines."""
        rng = self.rng
        if municipality.name_en == "Kutaisi" and rng.random() < 0.3:
            number = f"{rng.randrange(200000, 300000)}"
            return rng.choice(
                [f"0431 {number[:2]} {number[2:4]} {number[4:]}", f"+995431{number}"]
            ), f"+995431{number}"
        prefix, number = rng.choice(MOBILE_PREFIXES), f"{rng.randrange(10**6):06d}"
        typed = rng.choice(
            [
                f"+995{prefix}{number}",
                f"{prefix} {number[:2]} {number[2:4]} {number[4:]}",
                f"+995 {prefix} {number}",
            ]
        )
        return typed, f"+995{prefix}{number}"

    def _code(self) -> str:
        while True:
            code = str(self.rng.randrange(450_000_000, 460_000_000))
            if code not in self.codes_taken:
                self.codes_taken.add(code)
                return code

    def _profile(self, municipality, *, code: str | None, email: str) -> tuple[dict, dict]:
        """Cells and values of everything but the names."""
        rng = self.rng
        legal_form, legal_form_cell = self._legal_form()
        typed_phone, phone = self._phone(municipality) if rng.random() < 0.8 else ("", "")
        year = rng.randrange(1995, 2026) if rng.random() < 0.6 else None
        address = (
            f"{municipality.name_ka}, {rng.choice(STREETS)} ქ. {rng.randrange(1, 150)}"
            if rng.random() < 0.7
            else ""
        )
        website = f"https://{email.split('@')[1]}" if email and rng.random() < 0.4 else ""
        cells = {
            "legal_form": legal_form_cell,
            "identification_code": code or "",
            "founding_year": str(year or ""),
            "municipality": self._municipality_cell(municipality),
            "address": address,
            "phone": typed_phone,
            "email": email,
            "website": website,
        }
        values = {
            "legal_form": legal_form,
            "identification_code": code,
            "founding_year": year,
            "municipality_id": municipality.pk,
            "address": address,
            "phone": phone,
            "email": email,
            "website": website,
        }
        return cells, values

    def _person_names(self) -> tuple[str, str, str]:
        """(Georgian, Latin, slug) of a new organisation's name, never used before in the file."""
        from crm.search import search_key

        demo, rng = self.vocabulary, self.rng
        while True:
            quality_ka, quality_en = rng.choice(demo.ORG_QUALITIES)
            kind_ka, kind_en = rng.choice(demo.ORG_KINDS)
            first_ka, first_en = rng.choice(demo.FIRST_NAMES)
            last_ka, last_en = rng.choice(demo.LAST_NAMES)
            name = f"{quality_ka} {kind_ka} „{first_ka} {last_ka}“"
            latin = f"{quality_en} {kind_en} “{first_en} {last_en}”"
            if rng.random() < 0.5:
                municipality = rng.choice(self.municipalities)
                name = f"{demo.genitive(municipality.name_ka)} {name}"
                latin = f"{municipality.name_en} {latin}"
            key = search_key(name, latin)
            if key not in self.keys_used:
                self.keys_used.add(key)
                return name, latin, key.replace(" ", "-")

    # -- rows ------------------------------------------------------------------------------------
    def _new(self) -> PlannedRow:
        rng = self.rng
        name, latin, slug = self._person_names()
        municipality = rng.choice(self.municipalities)
        code = self._code() if rng.random() < 0.9 else None  # informal groups have none
        email = f"info@{slug[:40]}-{rng.randrange(10**6)}.ge" if rng.random() < 0.85 else ""
        cells, values = self._profile(municipality, code=code, email=email)
        if values["identification_code"] is None and values["legal_form"] != "informal":
            values["legal_form"] = "informal"
            cells["legal_form"] = "informal"
        return PlannedRow(
            {"name": name, "name_latin": latin, **cells},
            "new",
            "new",
            {"name": name, "name_latin": latin, **values},
        )

    def _update(self, organisation) -> PlannedRow:
        """A row of an organisation we hold, by its code: new phone, address, year…; same names."""
        pk, name, latin, code, email, municipality_id = organisation
        municipality = (
            next(m for m in self.municipalities if m.pk == municipality_id)
            if municipality_id
            else self.rng.choice(self.municipalities)
        )
        cells, values = self._profile(municipality, code=code, email=email)
        if not cells["legal_form"]:  # in an update, an empty cell keeps what we hold
            cells["legal_form"] = LEGAL_FORM_CELLS[values["legal_form"]][0]
        row_values = {"name": name, "name_latin": latin, **values}
        return PlannedRow(
            {"name": name, "name_latin": latin, **cells}, "update", "update", row_values, match_pk=pk
        )

    def _same_email(self, organisation) -> PlannedRow:
        """Another name, no code, the email of an organisation we hold (in capitals, sometimes)."""
        _, _, _, _, email, _ = organisation
        name, latin, _ = self._person_names()
        cells, _ = self._profile(self.rng.choice(self.municipalities), code=None, email=email)
        if self.rng.random() < 0.3:
            cells["email"] = email.upper()
        return PlannedRow({"name": name, "name_latin": latin, **cells}, "duplicate", "same email")

    def _close_name(self, organisation) -> PlannedRow:
        """The name of an organisation we hold, its Latin form in capitals or with one letter
        wrong; no code, another email."""
        _, name, latin, _, _, _ = organisation
        rng = self.rng
        if rng.random() < 0.5:
            latin = latin.upper()
        else:
            at = rng.randrange(len(latin) // 2, len(latin))
            latin = latin[:at] + ("x" if latin[at] != "x" else "y") + latin[at + 1 :]
        email = f"office{rng.randrange(10**6)}@mail.example.ge"
        cells, _ = self._profile(rng.choice(self.municipalities), code=None, email=email)
        return PlannedRow({"name": f" {name} ", "name_latin": latin, **cells}, "duplicate", "close name")

    def _repeat(self, original: PlannedRow) -> PlannedRow:
        """An earlier new row again: its email with another name, or its name with no email."""
        if original.cells["email"] and self.rng.random() < 0.5:
            name, latin, _ = self._person_names()
            cells = {**original.cells, "name": name, "name_latin": latin, "identification_code": ""}
            cells["email"] = cells["email"].upper()
            return PlannedRow(cells, "duplicate", "repeated email")
        cells = {**original.cells, "identification_code": "", "email": "", "website": ""}
        return PlannedRow(cells, "duplicate", "repeated name")


# -- the two sides -------------------------------------------------------------------------------
def rolled_back(fn):
    """Run fn() in a transaction that is rolled back; return what it returned."""
    from django.db import transaction

    outcome = {}
    with transaction.atomic():
        outcome["value"] = fn()
        transaction.set_rollback(True)
    return outcome["value"]


@dataclass
class FileImport:
    """What staff do: upload the file, look at the preview, confirm. Each call also keeps
    how long the preview and the confirmation took, to say where the time goes."""

    plan: PlannedFile
    user: object
    splits: list[tuple[float, float]] = field(default_factory=list)

    def __call__(self) -> dict[str, int]:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from crm.importing import import_apply, import_preview

        started = time.perf_counter()
        upload = SimpleUploadedFile(FILENAME, self.plan.content, content_type="text/csv")
        batch = import_preview(kind="organisations", upload=upload, user=self.user)
        previewed = time.perf_counter()
        done = import_apply(batch=batch, user=self.user)
        self.splits.append((previewed - started, time.perf_counter() - previewed))
        return done


def bulk_write(plan: PlannedFile) -> int:
    """The hand-written minimum: the new rows with bulk_create, the updates with bulk_update."""
    from django.utils import timezone

    from crm.models import Organisation

    created = Organisation.objects.bulk_create([Organisation(**values) for values in plan.created])
    updated = plan.updated
    organisations = list(Organisation.objects.filter(pk__in=updated))
    now = timezone.now()
    for organisation in organisations:
        for name, value in updated[organisation.pk].items():
            setattr(organisation, name, value)
        organisation.updated_at = now
    fields = [name for name in WRITTEN if name != "search_key"] + ["updated_at"]
    Organisation.objects.bulk_update(organisations, fields)
    return len(created) + len(organisations)


# -- checks --------------------------------------------------------------------------------------
@dataclass
class Written:
    created: Counter
    updated: dict[int, tuple]
    history_rows: int


def _written_since(last_pk: int, history_before: int, updated: list[int]) -> Written:
    from crm.models import Organisation

    created = Counter(
        _as_compared(row) for row in Organisation.objects.filter(pk__gt=last_pk).values_list(*WRITTEN)
    )
    changed = {
        row[0]: _as_compared(row[1:])
        for row in Organisation.objects.filter(pk__in=updated).values_list("pk", *WRITTEN)
    }
    return Written(created, changed, Organisation.history.count() - history_before)


def _as_compared(row: tuple) -> tuple:
    return tuple(
        "" if value is None and name == "phone" else str(value) if name == "phone" else value
        for name, value in zip(WRITTEN, row, strict=True)
    )


def _last_pk() -> int:
    from django.db.models import Max

    from crm.models import Organisation

    return Organisation.objects.aggregate(last=Max("pk"))["last"] or 0


def plan_check(plan: PlannedFile, user) -> dict:
    """Raise unless the preview says what the file was written for, the import does it, and
    it writes what the baseline writes. Returns the preview's actions, counted."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.importing import import_apply, import_preview
    from crm.models import Organisation

    def imported():
        last_pk, history_before = _last_pk(), Organisation.history.count()
        upload = SimpleUploadedFile(FILENAME, plan.content, content_type="text/csv")
        batch = import_preview(kind="organisations", upload=upload, user=user)
        wrong = [
            f"line {row['line']} ({planned.why}): {row['action']}, expected {planned.action}"
            + (f" {row.get('errors') or row.get('match_reason') or ''}")
            for row, planned in zip(batch.rows, plan.rows, strict=True)
            if row["action"] != planned.action
        ]
        if wrong:
            raise BenchError(
                f"The preview says otherwise than the file was written for ({len(wrong)} rows):\n  "
                + "\n  ".join(wrong[:20])
            )
        done = import_apply(batch=batch, user=user)
        if done != plan.expected:
            raise BenchError(f"The import did {done}; the file was written for {plan.expected}.")
        return batch.counts, _written_since(last_pk, history_before, list(plan.updated))

    def baseline():
        last_pk, history_before = _last_pk(), Organisation.history.count()
        bulk_write(plan)
        return _written_since(last_pk, history_before, list(plan.updated))

    counts, ours = rolled_back(imported)
    theirs = rolled_back(baseline)
    if ours.created != theirs.created:
        only_ours = list((ours.created - theirs.created).elements())[:3]
        only_theirs = list((theirs.created - ours.created).elements())[:3]
        raise BenchError(
            f"The import created other rows than bulk_create:\n  import: {only_ours}\n  bulk_create: {only_theirs}"
        )
    if ours.updated != theirs.updated:
        differ = [pk for pk in ours.updated if ours.updated[pk] != theirs.updated.get(pk)][:3]
        raise BenchError(
            "The import updated rows otherwise than bulk_update:\n"
            + "\n".join(
                f"  {pk}: import {ours.updated[pk]}, bulk_update {theirs.updated.get(pk)}" for pk in differ
            )
        )
    expected_history = plan.expected["created"] + plan.expected["updated"]
    if ours.history_rows != expected_history:
        raise BenchError(
            f"The import wrote {ours.history_rows:,} history rows; {expected_history:,} rows changed."
        )
    return counts


def preview_queries(plan: PlannedFile, user) -> int:
    """Queries one preview of the file sends."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from crm.importing import import_preview

    def preview():
        import_preview(kind="organisations", upload=SimpleUploadedFile(FILENAME, plan.content), user=user)

    return rolled_back(lambda: count_queries(preview))


# -- running it ----------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.importing", description=__doc__.split("\n\n")[0])
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument(
        "--organisations",
        type=int,
        default=DEFAULT_ORGANISATIONS,
        help="Organisations in the database (bench.seed's main data; default 100,000).",
    )
    scale.add_argument(
        "--quick",
        action="store_true",
        help=f"A smoke run: {QUICK_ORGANISATIONS:,} organisations, a file of {QUICK_ROWS:,} rows.",
    )
    parser.add_argument(
        "--rows", type=int, default=None, help=f"Rows of the file (default {DEFAULT_ROWS:,})."
    )
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help="Timed rounds (at least 5).")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="Untimed rounds first.")
    parser.add_argument(
        "--allow-sqlite", action="store_true", help="Run on SQLite although the target is PostgreSQL."
    )
    parser.add_argument(
        "--any-database", action="store_true", help="Run even when the database's name lacks 'bench'."
    )
    return parser


def run(args: argparse.Namespace) -> tuple[list[Result], dict]:
    organisations = QUICK_ORGANISATIONS if args.quick else args.organisations
    rows = args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)
    database = django_setup(allow_sqlite=args.allow_sqlite, any_database=args.any_database)
    # Models can be imported only once Django is set up.
    import django
    from django.contrib.auth import get_user_model

    from bench.seed import main_data_ensure
    from crm.importing import MAX_ROWS

    if not SMALL_FILE_ROWS < rows <= MAX_ROWS:
        raise BenchError(
            f"--rows must be more than {SMALL_FILE_ROWS} and at most {MAX_ROWS:,} (crm.importing.MAX_ROWS)."
        )
    server = database_settings()
    print(
        f"Database: {database_label(database)} ({', '.join(f'{k}={v}' for k, v in server.items())})",
        flush=True,
    )
    print(f"Organisations wanted: {organisations:,}; rows in the file: {rows:,}", flush=True)
    seeded = main_data_ensure(organisations=organisations)
    verb = "Reused" if seeded.reused else f"Seeded in {seeded.seconds:.1f}s"
    print(f"{verb}: {seeded.organisations:,} organisations, {seeded.contacts:,} people.", flush=True)
    user = get_user_model().objects.filter(username=IMPORTER_USERNAME).first()
    if user is None:
        raise BenchError(
            f"The database has no user {IMPORTER_USERNAME!r} (crm.demo's staff user): seed it again."
        )

    started = time.perf_counter()
    plan = FilePlanner(rng=random.Random(SEED)).plan(rows)
    why = Counter(row.why for row in plan.rows)
    print(
        f"File: {len(plan.content) / 1024:,.0f} KB, {len(plan.rows):,} rows ({', '.join(f'{n:,} {w}' for w, n in why.items())}), "
        f"written in {time.perf_counter() - started:.1f}s.",
        flush=True,
    )
    counts = plan_check(plan, user)
    print(
        f"Checked: the preview says {counts}; the import does {plan.expected} and writes what bulk_create writes.",
        flush=True,
    )
    candidate = FileImport(plan, user)
    queries = rolled_back(lambda: count_queries(candidate))
    head = plan.head(SMALL_FILE_ROWS)
    small, large = preview_queries(head, user), preview_queries(plan, user)
    print(
        f"Queries: {queries} for the whole import; the preview sends {small} for the first {len(head.rows):,} rows "
        f"(every kind of row), {large} for {rows:,}.",
        flush=True,
    )
    print(f"Timing: {args.warmup} warm-up + {args.repeats} rounds of each side, rolled back…", flush=True)
    candidate.splits.clear()
    ours, theirs = time_against_baseline(
        lambda: rolled_back(candidate),
        lambda: rolled_back(lambda: bulk_write(plan)),
        repeats=args.repeats,
        warmup=args.warmup,
    )
    name = f"CSV import of {rows:,} organisations (preview + apply)"
    result = result_from(name, ours, theirs, target_ratio=TARGET_RATIO, queries=queries)
    rates = {
        "import": round(rows / (result.median_ms / 1000)),
        "bulk_create": round(rows / (result.baseline_median_ms / 1000)),
    }
    timed = candidate.splits[-args.repeats :]  # the warm-up rounds came first
    split_ms = {
        "preview": round(statistics.median(preview for preview, _apply in timed) * 1000, 1),
        "apply": round(statistics.median(apply for _preview, apply in timed) * 1000, 1),
    }
    meta = {
        "database": database_label(database),
        "server": server,
        "cpus": os.cpu_count(),
        "organisations_requested": organisations,
        "seed": asdict(seeded),
        "rows": rows,
        "file_bytes": len(plan.content),
        "rows_by_kind": dict(why),
        "preview": counts,
        **plan.expected,
        "rows_per_second": rates,
        "median_ms_of_each_step": split_ms,
        "throughput_ratio": round(rates["import"] / rates["bulk_create"], 3),
        "queries_per_request": [
            {
                "figure": "import preview",
                "small": small,
                "large": large,
                "rows_small": len(head.rows),
                "rows_large": rows,
                "constant": small == large,
            }
        ],
        "repeats": args.repeats,
        "warmup": args.warmup,
        "target_ratio": TARGET_RATIO,
        "python": platform.python_version(),
        "django": django.get_version(),
        "git_revision": git_revision(),
    }
    return [result], meta


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()
    try:
        results, meta = run(args)
    except BenchError as error:
        print(f"bench.importing: {error}", file=sys.stderr)
        return 1
    meta["total_seconds"] = round(time.monotonic() - started, 1)
    path = results_write("importing", results, meta=meta)
    rates = meta["rows_per_second"]
    print()
    print(format_table(results, baseline_header="bulk_create"))
    print()
    print(
        f"Rows per second: import {rates['import']:,}, bulk_create {rates['bulk_create']:,} "
        f"({meta['throughput_ratio']:.2f}×; target ≥ {1 / TARGET_RATIO:g}×). "
        f"Created {meta['created']:,}, updated {meta['updated']:,}, skipped {meta['skipped']:,}."
    )
    split = meta["median_ms_of_each_step"]
    print(
        f"Of the import: preview {split['preview'] / 1000:.2f} s, apply {split['apply'] / 1000:.2f} s (medians)."
    )
    print(f"Total {meta['total_seconds']}s. Written to {path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
