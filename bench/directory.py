"""Benchmark: the shared directory (/directory/ and /api/v1/directory/) against hand-written raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kavshiri_bench_directory \\
        .venv/bin/python -m bench.directory --organisations 100000

For a partner and for an anonymous visitor, one page of 50 organisations in Imereti found by
a Latin-script search is fetched through Django's test client, as the HTML page and as the
API, and timed against one raw SQL query returning the same 50 rows with what that viewer may
see of them (profile; contact details, themes and consenting people only where shared with
them or their own organisation). Before timing, the raw rows must equal the entries
network/directory.py builds, and the ids on the page and in the JSON must be the raw SQL's,
in the same order, so the baseline is honest. The name search alone is timed against a
lookup by identification code. Target: within 3× of the baseline; queries per request the
same for pages of 10 and of 50. A missed target is reported, never an error; a mismatch or
a failure exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any
from unittest import mock

from bench.common import (
    DEFAULT_REPEATS,
    DEFAULT_WARMUP,
    BenchError,
    Result,
    client_settings_apply,
    count_queries,
    database_label,
    database_settings,
    django_setup,
    format_table,
    git_revision,
    result_from,
    results_write,
    slowest_query_explained,
    time_against_baseline,
)

TARGET_RATIO = 3.0
DEFAULT_ORGANISATIONS = 100_000
QUICK_ORGANISATIONS = 3_000
PAGE_SIZE = 50
SMALL_PAGE_SIZE = 10
PAGE_PATH = "/directory/"
API_PATH = "/api/v1/directory/"
REGION_CODE = "GE-IM"  # Imereti
# Typed in Latin script for ახალგაზრდული ("youth"): it meets the Georgian name's transliteration.
DIRECTORY_QUERY = "akhalgazrduli"
SEARCHES = [("Georgian", "ახალგაზრდული ცენტრი"), ("Latin", "youth centre")]
SEARCH_LIMIT = 50
# The API throttles anonymous callers at 60 a minute; a benchmark sends more than that.
BENCH_THROTTLE_RATE = "1000000/minute"
_ENTRY_LINK = re.compile(r'href="/directory/(\d+)/"')


# -- the raw SQL ---------------------------------------------------------------------------------
def _shared(column: str) -> str:
    """The viewer may see this section: shared with their audience, or their own organisation."""
    return f"(p.{column} = ANY(%(shared)s) OR p.id = %(own)s)"


def raw_directory_sql(words: int) -> str:
    """One query for one page: the rows first (LIMIT before any aggregate), then what each
    row shows. `words` LIKE conditions, one per word of the search, as SearchKeyQuerySet
    filters; the search key holds only [0-9a-z ], so the words need no LIKE escaping."""
    search = "".join(f" AND o.search_key LIKE %(word{index})s" for index in range(words))
    return f"""
        WITH p AS (
            SELECT o.id, o.name, o.name_latin, o.legal_form, o.identification_code, o.founding_year,
                   o.description, o.website, o.address, o.phone, o.email,
                   o.share_profile, o.share_contact_details, o.share_themes, o.share_people,
                   m.name_ka AS municipality, r.name_ka AS region, COUNT(*) OVER () AS total
            FROM crm_organisation o
            JOIN network_municipality m ON m.id = o.municipality_id
            JOIN network_region r ON r.id = m.region_id
            WHERE o.is_active AND (o.share_profile = ANY(%(shared)s) OR o.id = %(own)s)
              AND m.region_id = %(region)s{search}
            ORDER BY o.name, o.id
            LIMIT %(limit)s
        )
        SELECT p.id, p.total, p.name, p.name_latin, p.legal_form, COALESCE(p.identification_code, ''),
               p.founding_year, p.municipality, p.region, p.description, p.website,
               CASE WHEN {_shared("share_contact_details")}
                    THEN jsonb_build_object('address', p.address, 'phone', p.phone, 'email', p.email)
               END AS contact_details,
               CASE WHEN {_shared("share_themes")} THEN COALESCE(
                   (SELECT array_agg(t.name_ka ORDER BY t.position, t.code)
                    FROM crm_organisation_themes ot JOIN crm_theme t ON t.id = ot.theme_id
                    WHERE ot.organisation_id = p.id), '{{}}')
               END AS themes,
               CASE WHEN {_shared("share_themes")} THEN COALESCE(
                   (SELECT array_agg(g.name_ka ORDER BY g.code)
                    FROM crm_organisation_target_groups og JOIN crm_targetgroup g ON g.id = og.targetgroup_id
                    WHERE og.organisation_id = p.id), '{{}}')
               END AS target_groups,
               CASE WHEN {_shared("share_people")} THEN COALESCE(
                   (SELECT jsonb_agg(jsonb_build_object(
                               'name', btrim(c.first_name || ' ' || c.last_name), 'name_latin', c.name_latin,
                               'role', a.role, 'email', c.email, 'phone', c.phone)
                           ORDER BY a.is_primary DESC, a.start_date DESC)
                    FROM crm_affiliation a JOIN crm_contact c ON c.id = a.contact_id
                    WHERE a.organisation_id = p.id AND a.end_date IS NULL
                      AND c.directory_consent AND c.is_active), '[]')
               END AS people,
               CASE WHEN p.id = %(own)s THEN jsonb_build_object(
                   'profile', p.share_profile, 'contact_details', p.share_contact_details,
                   'themes', p.share_themes, 'people', p.share_people)
               END AS sharing
        FROM p
        ORDER BY p.name, p.id"""


def raw_search_words(query: str) -> list[str]:
    from crm.search import search_key

    return search_key(query).split()


def raw_directory(visitor: Visitor, scenario: Scenario) -> list[tuple]:
    from django.db import connection

    from network.directory import visibilities_for

    words = raw_search_words(scenario.query)
    params = {
        "shared": visibilities_for(visitor.viewer.audience),
        "own": visitor.viewer.own_organisation_id,
        "region": scenario.region_id,
        "limit": PAGE_SIZE,
        **{f"word{index}": f"%{word}%" for index, word in enumerate(words)},
    }
    with connection.cursor() as cursor:
        cursor.execute(raw_directory_sql(len(words)), params)
        return cursor.fetchall()


def raw_exact_lookup(code: str) -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM crm_organisation WHERE identification_code = %s", [code])
        return [row[0] for row in cursor.fetchall()]


# -- who looks, and at what ----------------------------------------------------------------------
@dataclass
class Visitor:
    name: str
    client: Any  # django.test.Client, logged in or not
    viewer: Any  # network.directory.Viewer
    user: Any = None


@dataclass(frozen=True)
class Scenario:
    region_id: int
    query: str

    def params(self, **extra) -> dict:
        return {"region": self.region_id, "q": self.query, **extra}


def scenario_make() -> Scenario:
    from network.models import Region

    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None:
        raise BenchError(f"No region {REGION_CODE}: are the migrations applied?")
    return Scenario(region_id=region.pk, query=DIRECTORY_QUERY)


def own_organisation_pick(scenario: Scenario) -> int:
    """The partner's own organisation: the first, in directory order, among those the search
    finds that keep their profile to staff, so the page shows it only by the own-organisation
    rule (and, with the data bench.directory_seed writes, on the first page)."""
    from crm.models import Organisation, Visibility

    found = Organisation.objects.filter(is_active=True, municipality__region_id=scenario.region_id)
    own = found.filter(share_profile=Visibility.STAFF).search(scenario.query).order_by("name", "pk").first()
    own = own or found.order_by("name", "pk").first()
    if own is None:
        raise BenchError("No active organisation in the region to give the partner.")
    return own.pk


def visitors_make(own_organisation_id: int) -> list[Visitor]:
    from django.test import Client

    from bench.directory_seed import partner_ensure
    from network.directory import Audience, Viewer

    partner = partner_ensure(own_organisation_id)
    viewer = Viewer.of(partner)
    if viewer.audience != Audience.PARTNERS or viewer.own_organisation_id != own_organisation_id:
        raise BenchError(f"The bench partner is seen as {viewer}, not as a partner of {own_organisation_id}.")
    partner_client = Client()
    partner_client.force_login(partner)
    return [
        Visitor("partner", partner_client, viewer, partner),
        Visitor("anonymous", Client(), Viewer(Audience.PUBLIC)),
    ]


# -- what the page, the API and the selector answer -------------------------------------------
def page_get(visitor: Visitor, scenario: Scenario):
    return visitor.client.get(PAGE_PATH, scenario.params())


def api_get(visitor: Visitor, scenario: Scenario, page_size: int = PAGE_SIZE):
    return visitor.client.get(API_PATH, scenario.params(page_size=page_size), HTTP_ACCEPT="application/json")


def page_ids(response) -> list[int]:
    if response.status_code != 200:
        raise BenchError(f"{PAGE_PATH} answered {response.status_code}.")
    return [int(pk) for pk in _ENTRY_LINK.findall(response.content.decode())]


def api_results(response) -> list[dict]:
    """The organisations of an API page, in order: {"results": […]} or a bare list."""
    if response.status_code != 200:
        raise BenchError(f"{API_PATH} answered {response.status_code}: {response.content[:300]!r}")
    document = json.loads(response.content)
    rows = document.get("results") if isinstance(document, dict) else document
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise BenchError(f"{API_PATH} answered no list of results: {str(document)[:300]}")
    return rows


def api_ids(response) -> list[int]:
    return api_ids_of(api_results(response))


def api_ids_of(rows: list[dict]) -> list[int]:
    try:
        return [int(row["id"]) for row in rows]
    except (KeyError, TypeError, ValueError) as error:
        raise BenchError(f"{API_PATH}: no id in a result ({error!r}): {str(rows[:1])[:300]}") from None


def api_row(result: dict) -> tuple:
    """An API result as comparable data, in entry_row's shape."""

    def names(items):
        return None if items is None else [item["name_ka"] for item in items]

    def place(item):
        return None if item is None else item["name_ka"]

    try:
        people = result["people"]
        if people is not None:
            people = sorted((p["name"], p["name_latin"], p["role"], p["email"], p["phone"]) for p in people)
        return (
            result["id"],
            result["name"],
            result["name_latin"],
            result["legal_form"],
            result["identification_code"],
            result["founding_year"],
            place(result["municipality"]),
            place(result["region"]),
            result["description"],
            result["website"],
            result["contact_details"],
            names(result["themes"]),
            names(result["target_groups"]),
            people,
            result["sharing"],
        )
    except (KeyError, TypeError) as error:
        raise BenchError(f"{API_PATH}: a result lacks {error!r}: {str(result)[:300]}") from None


def api_unavailable(visitor: Visitor, scenario: Scenario) -> str | None:
    """Why /api/v1/directory/ cannot be timed for this visitor, or None when it can."""
    from django.urls import Resolver404, resolve

    try:
        resolve(API_PATH)
    except Resolver404:
        return f"{API_PATH} does not resolve"
    status = api_get(visitor, scenario).status_code
    if status == 404:
        return f"{API_PATH} answers 404"
    if status in (401, 403):
        return f"{API_PATH} answers {status} to this visitor"
    return None


def selector_entries(visitor: Visitor, scenario: Scenario) -> tuple[list, int]:
    """The first page as network/directory.py builds it for the view, and the total found."""
    from django.test import RequestFactory

    from network import directory
    from network.filters import DirectoryFilter

    request = RequestFactory().get(PAGE_PATH, scenario.params())
    request.user = visitor.user or _anonymous()
    filters = DirectoryFilter(
        request.GET, queryset=directory.organisations_for(visitor.viewer), request=request
    )
    if not filters.is_valid():
        raise BenchError(f"The directory's filters refuse {scenario.params()}: {filters.errors}")
    entries = [directory.entry(organisation, visitor.viewer) for organisation in filters.qs[:PAGE_SIZE]]
    return entries, filters.qs.count()


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


def entry_row(entry) -> tuple:
    """An Entry as comparable data; people sorted, as rows tied on start date may come in any order."""
    people = None
    if entry.people is not None:
        people = sorted((p.name, p.name_latin, p.role, p.email, p.phone) for p in entry.people)
    return (
        entry.pk,
        entry.name,
        entry.name_latin,
        entry.legal_form,
        entry.identification_code,
        entry.founding_year,
        entry.municipality.name_ka if entry.municipality else None,
        entry.region.name_ka if entry.region else None,
        entry.description,
        entry.website,
        entry.contact_details,
        [theme.name_ka for theme in entry.themes] if entry.themes is not None else None,
        [group.name_ka for group in entry.target_groups] if entry.target_groups is not None else None,
        people,
        entry.sharing or None,
    )


def raw_row(row: tuple) -> tuple:
    pk, _total, *profile, contact_details, themes, target_groups, people, sharing = row
    # Django leaves jsonb to JSONField to decode; a raw cursor gets the text.
    contact_details, people, sharing = (_json(value) for value in (contact_details, people, sharing))
    if people is not None:
        people = sorted((p["name"], p["name_latin"], p["role"], p["email"], p["phone"]) for p in people)
    return (pk, *profile, contact_details, themes, target_groups, people, sharing)


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


@dataclass
class Checked:
    """What the checks learnt about one visitor's page."""

    visitor: str
    total: int
    ids: list[int]
    own_on_page: bool
    sections_shown: dict[str, int]


def visitor_check(visitor: Visitor, scenario: Scenario, *, api: bool) -> Checked:
    """Raise unless the raw SQL, the selector, the page and (when there) the API agree."""
    raw = raw_directory(visitor, scenario)
    entries, total = selector_entries(visitor, scenario)
    ids = [row[0] for row in raw]
    if len(ids) != min(PAGE_SIZE, total):
        raise BenchError(f"{visitor.name}: the raw SQL returned {len(ids)} rows; the selector finds {total}.")
    if raw and raw[0][1] != total:
        raise BenchError(
            f"{visitor.name}: the raw SQL counts {raw[0][1]} organisations, the selector {total}."
        )
    for mine, theirs in zip((entry_row(e) for e in entries), (raw_row(r) for r in raw), strict=False):
        if mine != theirs:
            raise BenchError(
                f"{visitor.name}: an entry differs from its raw row:\n  entry: {mine!r}\n  SQL:   {theirs!r}"
            )
    if [entry.pk for entry in entries] != ids:
        raise BenchError(f"{visitor.name}: the selector's ids differ from the raw SQL's.")
    shown = page_ids(page_get(visitor, scenario))
    if shown != ids:
        raise BenchError(f"{visitor.name}: {PAGE_PATH} shows ids {shown[:5]}…, the raw SQL {ids[:5]}…")
    if api:
        answered = api_results(api_get(visitor, scenario))
        if api_ids_of(answered) != ids:
            raise BenchError(f"{visitor.name}: {API_PATH} answers other ids than the raw SQL.")
        for theirs, raw_one in zip((api_row(r) for r in answered), (raw_row(r) for r in raw), strict=True):
            if theirs != raw_one:
                raise BenchError(
                    f"{visitor.name}: an API result differs from its raw row:\n  API: {theirs!r}\n  SQL: {raw_one!r}"
                )
    return Checked(
        visitor=visitor.name,
        total=total,
        ids=ids,
        own_on_page=visitor.viewer.own_organisation_id in ids,
        sections_shown={
            section: sum(getattr(entry, section) is not None for entry in entries)
            for section in ("contact_details", "themes", "people")
        },
    )


# -- queries per request -------------------------------------------------------------------------
@dataclass
class QueryCount:
    figure: str
    small: int | None  # queries for a page of SMALL_PAGE_SIZE
    large: int | None  # … and of PAGE_SIZE
    rows_small: int = 0
    rows_large: int = 0

    @property
    def constant(self) -> bool:
        return self.small is not None and self.small == self.large


def queries_by_page_size(figure: str, fetch: Callable[[int], Any], ids: Callable[[Any], list]) -> QueryCount:
    """Queries one request sends for a page of SMALL_PAGE_SIZE and of PAGE_SIZE organisations."""
    counts, rows = [], []
    for size in (SMALL_PAGE_SIZE, PAGE_SIZE):
        responses: list = []
        counts.append(count_queries(lambda size=size, responses=responses: responses.append(fetch(size))))
        rows.append(len(ids(responses[0])))
    return QueryCount(figure, counts[0], counts[1], rows[0], rows[1])


def page_queries(visitor: Visitor, scenario: Scenario) -> QueryCount:
    from network import directory_views

    def fetch(size: int):
        # The page's size is fixed in the view; patched here, in this process only.
        with mock.patch.object(directory_views, "PAGE_SIZE", size):
            return page_get(visitor, scenario)

    return queries_by_page_size(f"directory page, {visitor.name}", fetch, page_ids)


def api_queries(visitor: Visitor, scenario: Scenario) -> QueryCount:
    return queries_by_page_size(
        f"API page, {visitor.name}", lambda size: api_get(visitor, scenario, size), api_ids
    )


def format_query_counts(counts: list[QueryCount]) -> str:
    headers = ["queries per request", f"page of {SMALL_PAGE_SIZE}", f"page of {PAGE_SIZE}", "constant"]
    rows = [
        [
            count.figure,
            f"{count.small} ({count.rows_small} rows)",
            f"{count.large} ({count.rows_large} rows)",
            "yes" if count.constant else "NO",
        ]
        for count in counts
    ]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


# -- the name search -----------------------------------------------------------------------------
def search_ids(query: str) -> list[int]:
    from crm.models import Organisation

    return list(Organisation.objects.search(query).values_list("pk", flat=True)[:SEARCH_LIMIT])


def exact_code() -> str:
    """An identification code in the middle of the table, for the indexed lookup."""
    from crm.models import Organisation

    codes = Organisation.objects.exclude(identification_code=None).order_by("pk")
    code = codes.values_list("identification_code", flat=True)[codes.count() // 2]
    if raw_exact_lookup(code) == []:
        raise BenchError(f"The exact lookup finds no organisation with code {code}.")
    return code


@dataclass
class Trigram:
    """Whether pg_trgm is installed, and its indexes on crm_organisation.search_key."""

    extension: bool
    indexes: list[str]

    def describe(self) -> str:
        if self.indexes:
            return "; ".join(self.indexes)
        installed = "installed" if self.extension else "not installed"
        return (
            f"none (pg_trgm {installed}): LIKE '%…%' can use no index, so a search reads every candidate row"
        )


def trigram_found() -> Trigram:
    from django.db import connection

    if connection.vendor != "postgresql":
        return Trigram(False, [])
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')")
        extension = cursor.fetchone()[0]
        cursor.execute(
            """SELECT indexdef FROM pg_indexes
               WHERE tablename = 'crm_organisation' AND indexdef LIKE '%%search_key%%'
                 AND indexdef LIKE '%%trgm_ops%%'"""
        )
        return Trigram(extension, [row[0] for row in cursor.fetchall()])


# -- the figures ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    name: str
    candidate: Callable[[], Any]
    baseline: Callable[[], Any]
    baseline_name: str


@dataclass
class Plan:
    figures: list[Figure] = field(default_factory=list)
    unavailable: dict[str, str] = field(default_factory=dict)


def figures_plan(visitors: list[Visitor], scenario: Scenario, code: str, api_missing: dict) -> Plan:
    plan = Plan()
    for visitor in visitors:

        def raw(visitor=visitor):
            return raw_directory(visitor, scenario)

        plan.figures.append(
            Figure(f"directory page, {visitor.name}", lambda v=visitor: page_get(v, scenario), raw, "raw SQL")
        )
        name = f"API page, {visitor.name}"
        if api_missing[visitor.name]:
            plan.unavailable[name] = api_missing[visitor.name]
        else:
            plan.figures.append(Figure(name, lambda v=visitor: api_get(v, scenario), raw, "raw SQL"))
    for script, query in SEARCHES:
        plan.figures.append(
            Figure(
                f"search {query!r} ({script})",
                lambda q=query: search_ids(q),
                lambda: raw_exact_lookup(code),
                "code lookup",
            )
        )
    return plan


def figures_time(figures: list[Figure], *, repeats: int, warmup: int) -> list[Result]:
    results = []
    for figure in figures:
        queries = count_queries(figure.candidate)
        candidate, baseline = time_against_baseline(
            figure.candidate, figure.baseline, repeats=repeats, warmup=warmup
        )
        results.append(
            result_from(figure.name, candidate, baseline, target_ratio=TARGET_RATIO, queries=queries)
        )
        print(
            f"  {figure.name}: {candidate.median_ms:.2f} ms against {baseline.median_ms:.2f} ms", flush=True
        )
    return results



# -- running it ----------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.directory", description=__doc__.split("\n\n")[0])
    scale = parser.add_mutually_exclusive_group()
    scale.add_argument(
        "--organisations",
        type=int,
        default=DEFAULT_ORGANISATIONS,
        help="Organisations to seed (default 100,000).",
    )
    scale.add_argument(
        "--quick", action="store_true", help=f"A smoke run with {QUICK_ORGANISATIONS:,} organisations."
    )
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help="Timed rounds (at least 5).")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="Untimed rounds first.")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query of each missed target."
    )
    parser.add_argument(
        "--allow-sqlite", action="store_true", help="Run on SQLite although the target is PostgreSQL."
    )
    parser.add_argument(
        "--any-database",
        action="store_true",
        help="Run even when the database's name lacks 'bench' (its organisations are replaced).",
    )
    return parser



@dataclass
class Run:
    results: list[Result]
    unavailable: dict[str, str]
    query_counts: list[QueryCount]
    trigram: Trigram
    explained: dict[str, str]
    meta: dict


def run(args: argparse.Namespace) -> Run:
    organisations = QUICK_ORGANISATIONS if args.quick else args.organisations
    for name in ("API_THROTTLE_ANON", "API_THROTTLE_USER"):
        os.environ.setdefault(name, BENCH_THROTTLE_RATE)
    database = django_setup(allow_sqlite=args.allow_sqlite, any_database=args.any_database)
    # Models can be imported only once Django is set up.
    import django

    from bench.directory_seed import directory_data_ensure

    client_settings_apply()
    server = database_settings()
    print(
        f"Database: {database_label(database)} ({', '.join(f'{k}={v}' for k, v in server.items())})",
        flush=True,
    )
    print(f"Organisations wanted: {organisations:,}", flush=True)
    seeded = directory_data_ensure(organisations=organisations)
    verb = "Reused" if seeded.reused else f"Seeded in {seeded.seconds:.1f}s"
    print(
        f"{verb}: {seeded.organisations:,} organisations ({seeded.active:,} active, {seeded.imereti:,} in "
        f"Imereti), {seeded.contacts:,} people ({seeded.consenting:,} consenting), "
        f"{seeded.affiliations:,} affiliations, {seeded.theme_links:,} theme links.",
        flush=True,
    )
    scenario = scenario_make()
    own = own_organisation_pick(scenario)
    visitors = visitors_make(own)
    api_missing = {visitor.name: api_unavailable(visitor, scenario) for visitor in visitors}
    checked = [visitor_check(v, scenario, api=not api_missing[v.name]) for v in visitors]
    for found in checked:
        print(
            f"{found.visitor}: {found.total:,} found; page 1 agrees with raw SQL "
            f"(shows contact details {found.sections_shown['contact_details']}, themes "
            f"{found.sections_shown['themes']}, people {found.sections_shown['people']} of "
            f"{len(found.ids)}; own organisation on it: {'yes' if found.own_on_page else 'no'}).",
            flush=True,
        )
    for name, reason in api_missing.items():
        if reason:
            print(f"API for {name}: not available ({reason}).", flush=True)
    code = exact_code()
    for _script, query in SEARCHES:
        if not search_ids(query):
            raise BenchError(f"Searching {query!r} finds nothing: the seed and the search disagree.")
    query_counts = [page_queries(visitor, scenario) for visitor in visitors]
    query_counts += [api_queries(v, scenario) for v in visitors if not api_missing[v.name]]
    plan = figures_plan(visitors, scenario, code, api_missing)
    print(
        f"Timing {len(plan.figures)} figures, {args.warmup} warm-up + {args.repeats} rounds each…",
        flush=True,
    )
    results = figures_time(plan.figures, repeats=args.repeats, warmup=args.warmup)
    explained = {}
    if args.explain:
        by_name = {figure.name: figure for figure in plan.figures}
        explained = {r.name: slowest_query_explained(by_name[r.name].candidate) for r in results if not r.met}
    trigram = trigram_found()
    meta = {
        "database": database_label(database),
        "server": server,
        "cpus": os.cpu_count(),
        "organisations_requested": organisations,
        "seed": asdict(seeded),
        "scenario": {**asdict(scenario), "page_size": PAGE_SIZE, "own_organisation_id": own},
        "checked": [asdict(found) for found in checked],
        "baselines": {figure.name: figure.baseline_name for figure in plan.figures},
        "unavailable": plan.unavailable,
        "queries_per_request": [{**asdict(count), "constant": count.constant} for count in query_counts],
        "exact_lookup_code": code,
        "trigram": asdict(trigram),
        "explained": explained,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "target_ratio": TARGET_RATIO,
        "python": platform.python_version(),
        "django": django.get_version(),
        "git_revision": git_revision(),
    }
    return Run(results, plan.unavailable, query_counts, trigram, explained, meta)


def report(outcome: Run) -> str:
    lines = [format_table(outcome.results)]
    lines += [f"{name}: not available ({reason})" for name, reason in outcome.unavailable.items()]
    lines += [
        "",
        "Baselines: one raw SQL query for the same page (pages and API); "
        "a lookup by identification code (search).",
        "",
        format_query_counts(outcome.query_counts),
        "",
        f"Trigram index on crm_organisation.search_key: {outcome.trigram.describe()}",
    ]
    for name, plan in outcome.explained.items():
        lines += ["", f"EXPLAIN ANALYZE, slowest query of {name}:", plan]
    met = sum(result.met for result in outcome.results)
    constant = sum(count.constant for count in outcome.query_counts)
    lines += [
        "",
        f"{met}/{len(outcome.results)} within {TARGET_RATIO:g}× of their baseline"
        + (f", {len(outcome.unavailable)} not available" if outcome.unavailable else "")
        + f"; queries constant in {constant}/{len(outcome.query_counts)}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()
    try:
        outcome = run(args)
    except BenchError as error:
        print(f"bench.directory: {error}", file=sys.stderr)
        return 1
    outcome.meta["total_seconds"] = round(time.monotonic() - started, 1)
    path = results_write("directory", outcome.results, meta=outcome.meta)
    print()
    print(report(outcome))
    print(f"Total {outcome.meta['total_seconds']}s. Written to {path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
