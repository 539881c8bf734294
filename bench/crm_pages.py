"""Benchmark: the staff's organisation list and organisation page against hand-written raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kavshiri_bench \\
        .venv/bin/python -m bench.crm_pages --organisations 100000

Both pages are fetched through Django's test client, logged in as the demo staff user, so
middleware, session, role checks, selectors, filters, forms and templates are all in the figure.

- The organisation list (/organisations/): organisations in Imereti found by a Latin-script
  search (region=<Imereti>&q=akhalgazrduli, which meets ახალგაზრდული through the search key),
  first page. Baseline: one query returning the page's rows with what the page shows of them
  (name in both scripts, partner and active flags, legal form, municipality, region, themes)
  and the total found (COUNT(*) OVER ()).
- The organisation page (/organisations/<id>/) of the organisation with the most interactions.
  Baseline: three queries: the profile (municipality, region, themes, target groups, tags and
  people with their roles); the first timeline page (interactions with their people and staff
  member, follow-ups, service deliveries, partnerships and changes to the record with the
  fields each changed, newest first, and how many entries there are in all); what the
  interaction form offers (the organisation's people, themes, centre staff, whether an active
  engagement plan exists).
- Neither baseline looks up the session, the user, their role or permissions, nor the list's
  filter choices (regions, municipalities, themes, tags): the pages pay for those, their
  baselines do not.

Before timing, the list page's ids (its /organisations/<id>/ links) must be the raw SQL's in
order, with the same total, and its rows must equal the selector's; the organisation's profile,
timeline and form choices must equal what crm/selectors.py and crm/forms.py give, and the page
must show the same timeline entries, interactions by date and subject. Target: within 3× of
the baseline; as many queries per request for a page of 10 as of 50, and for an organisation
with few interactions as for the one with the most. A missed target is reported, never an
error; a mismatch or a failure exits 1.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
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
QUICK_ORGANISATIONS = 2_000
SMALL_PAGE_SIZE = 10
LIST_PATH = "/organisations/"
REGION_CODE = "GE-IM"  # Imereti
# Typed in Latin script for ახალგაზრდული ("youth"), one of the demo's 14 name qualities.
LIST_QUERY = "akhalgazrduli"
STAFF_USERNAME = "staff"
# Rounds of the "where the time goes" measure: medians of this many requests.
SQL_SHARE_ROUNDS = 5
# Fields a change to the record is not reported for (crm/selectors.py, _UNTRACKED).
UNTRACKED_FIELDS = {"id", "search_key", "updated_at", "created_at"}
_ORGANISATION_LINK = re.compile(r'href="/organisations/(\d+)/"')
_SUMMARY_COUNT = re.compile(r'class="summary">\s*(\d[\d\s.,]*)')
_TIMELINE_ENTRY = re.compile(
    r'<li class="entry (\w+)">\s*<span class="date">([^<]*)</span>\s*<strong>([^<]*)</strong>'
)


def organisation_path(pk: int) -> str:
    return f"/organisations/{pk}/"


def list_page_size() -> int:
    """The list's page size, read from the view so the baseline follows it."""
    from crm import views

    return views.LIST_PAGE_SIZE


def timeline_page_size() -> int:
    from crm import views

    return views.TIMELINE_PAGE_SIZE


# -- the raw SQL: the organisation list ----------------------------------------------------------
def raw_list_sql(words: int) -> str:
    """One query for one page: the rows first (LIMIT before any aggregate), then their themes.
    `words` LIKE conditions, one per word of the search, as SearchKeyQuerySet.search filters;
    the search key holds only [0-9a-z ], so the words need no LIKE escaping."""
    search = "".join(f" AND o.search_key LIKE %(word{index})s" for index in range(words))
    return f"""
        WITH page AS (
            SELECT o.id, o.name, o.name_latin, o.is_partner, o.is_active, o.legal_form,
                   m.name_ka AS municipality, r.name_ka AS region, COUNT(*) OVER () AS total
            FROM crm_organisation o
            JOIN network_municipality m ON m.id = o.municipality_id
            JOIN network_region r ON r.id = m.region_id
            WHERE m.region_id = %(region)s{search}
            ORDER BY o.name, o.id
            LIMIT %(limit)s
        )
        SELECT page.id, page.total, page.name, page.name_latin, page.is_partner, page.is_active,
               page.legal_form, page.municipality, page.region,
               COALESCE((SELECT array_agg(t.name_ka ORDER BY t.position, t.code)
                         FROM crm_organisation_themes ot JOIN crm_theme t ON t.id = ot.theme_id
                         WHERE ot.organisation_id = page.id), '{{}}') AS themes
        FROM page
        ORDER BY page.name, page.id"""


def raw_list(scenario: Scenario) -> list[tuple]:
    from django.db import connection

    from crm.search import search_key

    words = search_key(scenario.query).split()
    params = {
        "region": scenario.region_id,
        "limit": list_page_size(),
        **{f"word{index}": f"%{word}%" for index, word in enumerate(words)},
    }
    with connection.cursor() as cursor:
        cursor.execute(raw_list_sql(len(words)), params)
        return cursor.fetchall()


# -- the raw SQL: the organisation page ----------------------------------------------------------
PROFILE_SQL = """
    SELECT o.id, o.name, o.name_latin, o.legal_form, o.identification_code, o.founding_year,
           o.address, o.phone, o.email, o.website, o.description,
           m.name_ka AS municipality, r.name_ka AS region,
           COALESCE((SELECT array_agg(t.name_ka ORDER BY t.position, t.code)
                     FROM crm_organisation_themes ot JOIN crm_theme t ON t.id = ot.theme_id
                     WHERE ot.organisation_id = o.id), '{}') AS themes,
           COALESCE((SELECT array_agg(g.name_ka ORDER BY g.code)
                     FROM crm_organisation_target_groups og JOIN crm_targetgroup g ON g.id = og.targetgroup_id
                     WHERE og.organisation_id = o.id), '{}') AS target_groups,
           COALESCE((SELECT array_agg(tg.name ORDER BY tg.name)
                     FROM crm_organisation_tags otg JOIN crm_tag tg ON tg.id = otg.tag_id
                     WHERE otg.organisation_id = o.id), '{}') AS tags,
           COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                'contact_id', a.contact_id, 'name', btrim(c.first_name || ' ' || c.last_name),
                                'role', a.role, 'end_date', a.end_date)
                            ORDER BY a.is_primary DESC, c.last_name)
                     FROM crm_affiliation a JOIN crm_contact c ON c.id = a.contact_id
                     WHERE a.organisation_id = o.id), '[]') AS people
    FROM crm_organisation o
    LEFT JOIN network_municipality m ON m.id = o.municipality_id
    LEFT JOIN network_region r ON r.id = m.region_id
    WHERE o.id = %(pk)s"""

FORM_OPTIONS_SQL = """
    SELECT COALESCE((SELECT jsonb_agg(c.id ORDER BY c.last_name, c.first_name, c.id)
                     FROM crm_contact c
                     WHERE c.id IN (SELECT a.contact_id FROM crm_affiliation a
                                    WHERE a.organisation_id = %(pk)s)), '[]') AS people,
           (SELECT array_agg(t.name_ka ORDER BY t.position, t.code) FROM crm_theme t) AS themes,
           COALESCE((SELECT jsonb_agg(jsonb_build_object(
                                'id', u.id,
                                'name', COALESCE(NULLIF(btrim(u.first_name || ' ' || u.last_name), ''), u.username))
                            ORDER BY u.first_name, u.last_name, u.username)
                     FROM auth_user u
                     WHERE u.is_active AND EXISTS (
                         SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
                         WHERE ug.user_id = u.id AND g.name = ANY(%(staff_groups)s))), '[]') AS staff,
           EXISTS (SELECT 1 FROM crm_engagementplan p WHERE p.is_active) AS plans"""


def history_changes_sql() -> str:
    """The names of the fields each version of the record changed against the one before, as
    organisation_timeline compares them: every concrete field but UNTRACKED_FIELDS."""
    from crm.models import Organisation

    columns = [
        field.column for field in Organisation._meta.concrete_fields if field.attname not in UNTRACKED_FIELDS
    ]
    changes = ",\n".join(
        f"CASE WHEN h.{column} IS DISTINCT FROM LAG(h.{column}) OVER w THEN '{column}' END"
        for column in columns
    )
    return f"CASE WHEN ROW_NUMBER() OVER w > 1 THEN concat_ws(',', {changes}) ELSE '' END"


def timeline_sql() -> str:
    """The first timeline page in one query, in organisation_timeline's order.

    Steps: `entries` gathers the five kinds of entry with a sort time (a date counts as its
    last microsecond, a timestamp in the centre's time zone), the kind's rank in the order the
    selector appends them and each row's place in its kind's own ordering: Python's sort is
    stable, so entries at the same moment keep that order. `page` sorts and cuts the page and
    counts every entry. Only then are the page's interactions given their people and every
    entry its staff member's name."""
    return f"""
        WITH history AS (
            SELECT h.history_id, h.history_date, h.history_type, h.history_user_id,
                   ROW_NUMBER() OVER w AS position, {history_changes_sql()} AS changed
            FROM crm_historicalorganisation h
            WHERE h.id = %(pk)s
            WINDOW w AS (ORDER BY h.history_date, h.history_id)
        ),
        entries AS (
            SELECT 'interaction' AS kind, 0 AS rank,
                   ROW_NUMBER() OVER (ORDER BY i.occurred_on DESC, i.id DESC) AS position,
                   i.occurred_on AS on_day, NULL::timestamptz AS at, i.kind AS code, i.subject AS title,
                   i.outcome AS detail, i.staff_id AS user_id, i.id AS ref_id
            FROM crm_interaction i WHERE i.organisation_id = %(pk)s
            UNION ALL
            SELECT 'follow_up', 1, ROW_NUMBER() OVER (ORDER BY f.due_on, f.id),
                   f.due_on, NULL, f.status, f.title, NULL, f.assignee_id, f.id
            FROM crm_followup f WHERE f.organisation_id = %(pk)s
            UNION ALL
            SELECT 'delivery', 2, ROW_NUMBER() OVER (ORDER BY d.start_date DESC, d.id DESC),
                   d.start_date, NULL, NULL, COALESCE(NULLIF(s.name_ka, ''), s.name_en),
                   d.participants::text, NULL, d.id
            FROM crm_servicedelivery d JOIN crm_service s ON s.id = d.service_id
            WHERE d.client_organisation_id = %(pk)s
            UNION ALL
            SELECT 'partnership', 3, ROW_NUMBER() OVER (ORDER BY p.start_date DESC, p.name),
                   p.start_date, CASE WHEN p.start_date IS NULL THEN p.created_at END, p.kind, p.name,
                   NULL, NULL, p.id
            FROM network_partnership p
            JOIN network_partnership_organisations po ON po.partnership_id = p.id
            WHERE po.organisation_id = %(pk)s
            UNION ALL
            SELECT 'change', 4, position, NULL, history_date, history_type, NULL, changed,
                   history_user_id, history_id
            FROM history WHERE history_type = '+' OR changed <> ''
        ),
        page AS (
            SELECT e.*, COALESCE(e.on_day + TIME '23:59:59.999999', e.at AT TIME ZONE %(tz)s) AS sort_at,
                   COUNT(*) OVER () AS total
            FROM entries e
            ORDER BY sort_at DESC, e.rank, e.position
            LIMIT %(limit)s
        )
        SELECT p.kind, p.on_day, p.at, p.code, p.title, p.detail,
               CASE WHEN p.kind = 'interaction' THEN
                   (SELECT string_agg(btrim(c.first_name || ' ' || c.last_name), ', '
                                      ORDER BY c.last_name, c.first_name)
                    FROM crm_interaction_contacts ic JOIN crm_contact c ON c.id = ic.contact_id
                    WHERE ic.interaction_id = p.ref_id)
               END AS people,
               COALESCE(NULLIF(btrim(u.first_name || ' ' || u.last_name), ''), u.username) AS by,
               p.ref_id, p.total
        FROM page p LEFT JOIN auth_user u ON u.id = p.user_id
        ORDER BY p.sort_at DESC, p.rank, p.position"""


@dataclass
class RawOrganisation:
    profile: tuple
    timeline: list[tuple]
    form_options: tuple


def raw_organisation(pk: int) -> RawOrganisation:
    from django.conf import settings
    from django.db import connection

    from config.roles import MANAGER, STAFF

    params = {
        "pk": pk,
        "tz": settings.TIME_ZONE,
        "limit": timeline_page_size(),
        "staff_groups": [STAFF, MANAGER],
    }
    with connection.cursor() as cursor:
        cursor.execute(PROFILE_SQL, params)
        profile = cursor.fetchone()
        cursor.execute(timeline_sql(), params)
        timeline = cursor.fetchall()
        cursor.execute(FORM_OPTIONS_SQL, params)
        form_options = cursor.fetchone()
    if profile is None:
        raise BenchError(f"The raw SQL finds no organisation {pk}.")
    return RawOrganisation(profile, timeline, form_options)


# -- what is looked at, and by whom --------------------------------------------------------------
@dataclass(frozen=True)
class Scenario:
    region_id: int
    query: str

    def params(self) -> dict:
        return {"region": self.region_id, "q": self.query}


def scenario_make() -> Scenario:
    from network.models import Region

    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None:
        raise BenchError(f"No region {REGION_CODE}: are the migrations applied?")
    return Scenario(region_id=region.pk, query=LIST_QUERY)


def staff_client():
    """A test client logged in as the demo staff user (crm.demo makes it, with its role)."""
    from django.test import Client

    from crm.demo import demo_users_ensure
    from crm.permissions import is_centre_staff

    user = demo_users_ensure()[STAFF_USERNAME]
    if not is_centre_staff(user):
        raise BenchError(f"The demo user {STAFF_USERNAME!r} is not centre staff.")
    client = Client()
    client.force_login(user)
    return client


@dataclass(frozen=True)
class Chosen:
    """An organisation the page is timed or counted for, and how many interactions it has."""

    pk: int
    interactions: int


def organisations_by_interactions() -> tuple[Chosen, Chosen]:
    """The organisation with the most interactions, and one with the fewest (at least one, so
    that the page sends its query for interactions' people too)."""
    from django.db.models import Count

    from crm.models import Interaction

    counted = Interaction.objects.values("organisation_id").annotate(count=Count("id"))
    most = counted.order_by("-count", "organisation_id").first()
    fewest = counted.order_by("count", "organisation_id").first()
    if most is None:
        raise BenchError("No organisation has any interaction: is the data seeded?")
    return (
        Chosen(most["organisation_id"], most["count"]),
        Chosen(fewest["organisation_id"], fewest["count"]),
    )


# Over HTTPS, as production serves the pages: with SECURE_SSL_REDIRECT plain HTTP gets a 301.
def list_get(client, scenario: Scenario):
    return client.get(LIST_PATH, scenario.params(), secure=True)


def organisation_get(client, pk: int):
    return client.get(organisation_path(pk), secure=True)


def page_text(response, path: str) -> str:
    if response.status_code != 200:
        raise BenchError(f"{path} answered {response.status_code}.")
    return response.content.decode()


def list_page_ids(response) -> list[int]:
    return [int(pk) for pk in _ORGANISATION_LINK.findall(page_text(response, LIST_PATH))]


def list_page_total(response) -> int:
    found = _SUMMARY_COUNT.search(page_text(response, LIST_PATH))
    if found is None:
        raise BenchError(f"{LIST_PATH} shows no count of organisations found.")
    return int(re.sub(r"\D", "", found.group(1)))


def timeline_shown(response) -> list[tuple[str, str, str]]:
    """The timeline as the page shows it: (kind, date as printed, title) per entry."""
    text = page_text(response, "the organisation page")
    section = text[text.find('id="timeline"') :]
    return [
        (kind, day.strip(), html.unescape(title)) for kind, day, title in _TIMELINE_ENTRY.findall(section)
    ]


# -- checks: the list ----------------------------------------------------------------------------
def list_row(organisation) -> tuple:
    """What the list shows of an organisation the selector found, as comparable data."""
    municipality = organisation.municipality
    return (
        organisation.pk,
        organisation.name,
        organisation.name_latin,
        organisation.is_partner,
        organisation.is_active,
        organisation.legal_form,
        municipality.name_ka if municipality else None,
        municipality.region.name_ka if municipality else None,
        [theme.name_ka for theme in organisation.themes.all()],
    )


def raw_list_row(row: tuple) -> tuple:
    pk, _total, *shown = row
    return (pk, *shown)


@dataclass
class ListChecked:
    total: int
    ids: list[int]


def list_check(client, scenario: Scenario) -> ListChecked:
    """Raise unless the raw SQL, the selector and the page agree on the first page."""
    from crm import selectors

    size = list_page_size()
    raw = raw_list(scenario)
    ids = [row[0] for row in raw]
    listing = selectors.organisation_list(filters=scenario.params())
    if not listing.is_valid():
        raise BenchError(f"The organisation filter refuses {scenario.params()}: {listing.errors}")
    total = listing.qs.count()
    if len(ids) != min(size, total) or (raw and raw[0][1] != total):
        found = raw[0][1] if raw else 0
        raise BenchError(
            f"The raw SQL finds {found} organisations ({len(ids)} on the page); the selector {total}."
        )
    for mine, theirs in zip((list_row(o) for o in listing.qs[:size]), map(raw_list_row, raw), strict=True):
        if mine != theirs:
            raise BenchError(
                f"A row of the list differs from its raw row:\n  ORM: {mine!r}\n  SQL: {theirs!r}"
            )
    response = list_get(client, scenario)
    shown = list_page_ids(response)
    if shown != ids:
        raise BenchError(f"{LIST_PATH} shows ids {shown[:5]}…, the raw SQL {ids[:5]}…")
    if list_page_total(response) != total:
        raise BenchError(f"{LIST_PATH} says {list_page_total(response)} organisations, the raw SQL {total}.")
    return ListChecked(total, ids)


# -- checks: the organisation page ---------------------------------------------------------------
def profile_row(organisation) -> tuple:
    """The organisation page's profile and people as selectors.organisation_detail gives them."""
    municipality = organisation.municipality
    people = sorted(
        (a.contact_id, a.contact.full_name, a.role, a.end_date.isoformat() if a.end_date else None)
        for a in organisation.affiliations.all()
    )
    return (
        organisation.pk,
        organisation.name,
        organisation.name_latin,
        organisation.legal_form,
        organisation.identification_code,
        organisation.founding_year,
        organisation.address,
        organisation.phone.as_e164 if organisation.phone else "",
        organisation.email,
        organisation.website,
        organisation.description,
        municipality.name_ka if municipality else None,
        municipality.region.name_ka if municipality else None,
        [theme.name_ka for theme in organisation.themes.all()],
        [group.name_ka for group in organisation.target_groups.all()],
        [tag.name for tag in organisation.tags.all()],
        people,
    )


def raw_profile_row(row: tuple) -> tuple:
    *profile, people = row
    people = _json(people)
    # People tied on primary and surname may come in any order: compared sorted.
    people = sorted((p["contact_id"], p["name"], p["role"], p["end_date"]) for p in people)
    return (*profile, people)


def _json(value):
    # Django leaves jsonb to JSONField to decode; a raw cursor gets the text.
    return json.loads(value) if isinstance(value, str) else value


def timeline_row(entry) -> tuple:
    return (
        entry.kind,
        entry.when,
        entry.title,
        entry.detail,
        entry.by,
        entry.follow_up.pk if entry.follow_up else None,
    )


def raw_timeline_row(row: tuple) -> tuple:
    """A raw timeline row as the TimelineEntry organisation_timeline builds from the same data:
    the labels are the models' (in the active language), the data is the SQL's."""
    from django.utils.translation import gettext as _

    from crm.models import FollowUp, Interaction, Organisation
    from network.models import Partnership

    kind, on_day, at, code, title, detail, people, by, ref_id, _total = row
    when, follow_up = on_day or at, None
    if kind == "interaction":
        title = f"{_label(Interaction.Kind, code)}: {title}"
        detail = " · ".join(part for part in [people or "", _label(Interaction.Outcome, detail)] if part)
    elif kind == "follow_up":
        detail, follow_up = _label(FollowUp.Status, code), ref_id
    elif kind == "delivery":
        detail = _("%(count)s participants") % {"count": int(detail)}
    elif kind == "partnership":
        detail = _label(Partnership.Kind, code)
    elif kind == "change":
        title = _("Record created") if code == "+" else _("Record changed")
        names = {field.column: str(field.verbose_name) for field in Organisation._meta.concrete_fields}
        detail = ", ".join(names[column] for column in detail.split(",") if column)
    return (kind, when, title, detail, by or "", follow_up)


def _label(choices, value) -> str:
    """What get_FOO_display() shows: the choice's label, or the value when it is not a choice."""
    return str(dict(choices.choices).get(value, value))


def shown_expected(row: tuple) -> tuple[str, str, str | None]:
    """What the page should print of a raw timeline row: kind, date, and for an interaction
    the subject its title ends with (other titles are checked against the selector)."""
    from django.utils import formats, timezone

    kind, on_day, at, _code, title, *_rest = row
    if on_day is not None:
        day = formats.date_format(on_day, "SHORT_DATE_FORMAT")
    else:
        day = formats.date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")
    return kind, day, title if kind == "interaction" else None


@dataclass
class OrganisationChecked:
    pk: int
    interactions: int
    timeline_entries: int
    interactions_on_page: int
    people: int


def organisation_check(client, chosen: Chosen) -> OrganisationChecked:
    """Raise unless the raw SQL, the selectors, the interaction form and the page agree."""
    from django.conf import settings
    from django.utils import translation

    from crm import selectors
    from crm.forms import InteractionForm

    raw = raw_organisation(chosen.pk)
    organisation = selectors.organisation_detail(pk=chosen.pk)
    if profile_row(organisation) != raw_profile_row(raw.profile):
        raise BenchError(
            f"Organisation {chosen.pk}: the profile differs from its raw row:\n"
            f"  ORM: {profile_row(organisation)!r}\n  SQL: {raw_profile_row(raw.profile)!r}"
        )
    with translation.override(settings.LANGUAGE_CODE):
        entries = selectors.organisation_timeline(organisation)
        total = raw.timeline[0][-1] if raw.timeline else 0
        if len(entries) != total:
            raise BenchError(
                f"Organisation {chosen.pk}: the timeline has {len(entries)} entries, the raw SQL {total}."
            )
        for mine, theirs in zip(
            map(timeline_row, entries[: timeline_page_size()]),
            map(raw_timeline_row, raw.timeline),
            strict=True,
        ):
            if mine != theirs:
                raise BenchError(
                    f"Organisation {chosen.pk}: a timeline entry differs from its raw row:\n"
                    f"  ORM: {mine!r}\n  SQL: {theirs!r}"
                )
        shown = timeline_shown(organisation_get(client, chosen.pk))
        timeline_shown_check(chosen.pk, shown, list(map(shown_expected, raw.timeline)))
    form_options_check(chosen.pk, InteractionForm(organisation=organisation), raw.form_options)
    return OrganisationChecked(
        pk=chosen.pk,
        interactions=chosen.interactions,
        timeline_entries=total,
        interactions_on_page=sum(row[0] == "interaction" for row in raw.timeline),
        people=len(_json(raw.profile[-1])),
    )


def timeline_shown_check(pk: int, shown: list[tuple], expected: list[tuple]) -> None:
    if [entry[:2] for entry in shown] != [entry[:2] for entry in expected]:
        raise BenchError(
            f"{organisation_path(pk)} shows timeline entries {shown[:3]}…, the raw SQL {expected[:3]}…"
        )
    for (_kind, day, title), (_same, _day, subject) in zip(shown, expected, strict=True):
        if subject is not None and not title.endswith(f": {subject}"):
            raise BenchError(
                f"{organisation_path(pk)} shows the interaction of {day} as {title!r}, not {subject!r}."
            )


def form_options_check(pk: int, form, options: tuple) -> None:
    from crm.models import EngagementPlan

    people, themes, staff, plans = options
    people, staff = _json(people), _json(staff)
    offered = {
        "people": set(form.fields["contacts"].queryset.values_list("pk", flat=True)),
        "themes": [theme.name_ka for theme in form.fields["themes"].queryset],
        "staff": [
            {"id": user.pk, "name": form.fields["follow_up_assignee"].label_from_instance(user)}
            for user in form.fields["follow_up_assignee"].queryset
        ],
        "plans": EngagementPlan.objects.filter(is_active=True).exists(),
    }
    raw = {"people": set(people), "themes": themes or [], "staff": staff, "plans": plans}
    for name, value in offered.items():
        if value != raw[name]:
            raise BenchError(
                f"Organisation {pk}: the interaction form offers {name} {value!r}, the raw SQL {raw[name]!r}."
            )


# -- queries per request -------------------------------------------------------------------------
@dataclass
class QueryCount:
    """Queries one request sends for a smaller and a larger page; `rows` are what makes it
    larger (`unit`), as bench/__main__.py reads them."""

    figure: str
    unit: str
    small: int
    large: int
    rows_small: int
    rows_large: int

    @property
    def constant(self) -> bool:
        return self.small == self.large


def list_queries(client, scenario: Scenario) -> QueryCount:
    """For a page of SMALL_PAGE_SIZE organisations and of the view's size (patched in this
    process only: the view fixes it)."""
    from crm import views

    counts, shown = [], []
    for size in (SMALL_PAGE_SIZE, views.LIST_PAGE_SIZE):
        responses: list = []
        with mock.patch.object(views, "LIST_PAGE_SIZE", size):
            counts.append(
                count_queries(lambda responses=responses: responses.append(list_get(client, scenario)))
            )
        shown.append(len(list_page_ids(responses[0])))
    return QueryCount("organisation list", "organisations on the page", *counts, *shown)


def organisation_queries(client, few: Chosen, most: Chosen) -> QueryCount:
    """For the organisation with the fewest interactions (at least one) and the most."""
    counts = [
        count_queries(lambda pk=chosen.pk: page_text(organisation_get(client, pk), organisation_path(pk)))
        for chosen in (few, most)
    ]
    return QueryCount("organisation page", "interactions", *counts, few.interactions, most.interactions)


def format_query_counts(counts: list[QueryCount]) -> str:
    headers = ["queries per request", "smaller", "larger", "constant"]
    rows = [
        [
            count.figure,
            f"{count.small} ({count.rows_small} {count.unit})",
            f"{count.large} ({count.rows_large} {count.unit})",
            "yes" if count.constant else "NO",
        ]
        for count in counts
    ]
    return _aligned(headers, rows)


def _aligned(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(row) for row in rows)])


# -- where the time goes -------------------------------------------------------------------------
@dataclass
class SqlShare:
    """How much of one request is spent waiting for SQL (medians of SQL_SHARE_ROUNDS requests)."""

    figure: str
    request_ms: float
    sql_ms: float
    queries: int

    @property
    def outside_sql_ms(self) -> float:
        return self.request_ms - self.sql_ms


def sql_share(figure: str, fn: Callable[[], Any]) -> SqlShare:
    """Time `fn` whole and its queries alone, through connection.execute_wrapper. A query's
    time is execute()'s: sending, the server's work and, for Django's plain cursors, the rows'
    transfer; a server-side cursor's later FETCHes are counted as Python."""
    from django.db import connection

    requests, in_sql, counts = [], [], []
    for _ in range(SQL_SHARE_ROUNDS):
        spent: list[float] = []

        def timed(execute, sql, params, many, context, spent=spent):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append(time.perf_counter() - started)

        started = time.perf_counter()
        with connection.execute_wrapper(timed):
            fn()
        requests.append((time.perf_counter() - started) * 1000)
        in_sql.append(sum(spent) * 1000)
        counts.append(len(spent))
    return SqlShare(figure, statistics.median(requests), statistics.median(in_sql), max(counts))


def format_sql_shares(shares: list[SqlShare]) -> str:
    headers = ["where the time goes", "request ms", "in SQL ms", "outside SQL ms", "outside SQL", "queries"]
    rows = [
        [
            share.figure,
            f"{share.request_ms:.2f}",
            f"{share.sql_ms:.2f}",
            f"{share.outside_sql_ms:.2f}",
            f"{share.outside_sql_ms / share.request_ms:.0%}",
            str(share.queries),
        ]
        for share in shares
    ]
    return _aligned(headers, rows)


# -- the figures ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    name: str
    candidate: Callable[[], Any]
    baseline: Callable[[], Any]


def figures_plan(client, scenario: Scenario, most: Chosen) -> list[Figure]:
    return [
        Figure(
            "organisation list",
            lambda: page_text(list_get(client, scenario), LIST_PATH),
            lambda: raw_list(scenario),
        ),
        Figure(
            f"organisation page ({most.interactions} interactions)",
            lambda: page_text(organisation_get(client, most.pk), organisation_path(most.pk)),
            lambda: raw_organisation(most.pk),
        ),
    ]


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
    parser = argparse.ArgumentParser(prog="python -m bench.crm_pages", description=__doc__.split("\n\n")[0])
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
    return parser



@dataclass
class Run:
    results: list[Result]
    query_counts: list[QueryCount]
    shares: list[SqlShare]
    explained: dict[str, str]
    meta: dict


def run(args: argparse.Namespace) -> Run:
    organisations = QUICK_ORGANISATIONS if args.quick else args.organisations
    database = django_setup()
    # Models can be imported only once Django is set up.
    import django

    client_settings_apply()
    server = database_settings()
    print(
        f"Database: {database_label(database)} ({', '.join(f'{k}={v}' for k, v in server.items())})",
        flush=True,
    )
    print(f"Organisations wanted: {organisations:,}", flush=True)
    from bench.seed import main_data_ensure

    seeded = main_data_ensure(organisations=organisations)
    verb = "Reused" if seeded.reused else f"Seeded in {seeded.seconds:.1f}s"
    print(
        f"{verb}: {seeded.organisations:,} organisations, {seeded.contacts:,} people, "
        f"{seeded.interactions:,} interactions.",
        flush=True,
    )
    scenario = scenario_make()
    client = staff_client()
    most, few = organisations_by_interactions()
    listed = list_check(client, scenario)
    print(
        f"List: {listed.total:,} organisations in Imereti match {scenario.query!r}; page 1 agrees with raw SQL.",
        flush=True,
    )
    checked = organisation_check(client, most)
    print(
        f"Organisation {most.pk}: {most.interactions} interactions, {checked.timeline_entries} timeline entries "
        f"({checked.interactions_on_page} interactions on page 1), {checked.people} people; the page agrees "
        "with raw SQL.",
        flush=True,
    )
    query_counts = [list_queries(client, scenario), organisation_queries(client, few, most)]
    figures = figures_plan(client, scenario, most)
    print(f"Timing {len(figures)} figures, {args.warmup} warm-up + {args.repeats} rounds each…", flush=True)
    results = figures_time(figures, repeats=args.repeats, warmup=args.warmup)
    shares = [sql_share(figure.name, figure.candidate) for figure in figures]
    explained = {}
    if args.explain:
        by_name = {figure.name: figure for figure in figures}
        explained = {r.name: slowest_query_explained(by_name[r.name].candidate) for r in results if not r.met}
    meta = {
        "database": database_label(database),
        "server": server,
        "cpus": os.cpu_count(),
        "organisations_requested": organisations,
        "seed": asdict(seeded),
        "list": {**asdict(scenario), "page_size": list_page_size(), "total": listed.total, "ids": listed.ids},
        "organisation": asdict(checked),
        "few_interactions_organisation": asdict(few),
        "baselines": {
            figures[0].name: "one raw SQL query: the page's rows, their themes and the total",
            figures[1].name: "three raw SQL queries: profile with people; first timeline page with the "
            "total; the interaction form's choices",
        },
        "queries_per_request": [{**asdict(count), "constant": count.constant} for count in query_counts],
        "where_the_time_goes": [asdict(share) for share in shares],
        "explained": explained,
        "repeats": args.repeats,
        "warmup": args.warmup,
        "target_ratio": TARGET_RATIO,
        "python": platform.python_version(),
        "django": django.get_version(),
        "git_revision": git_revision(),
    }
    return Run(results, query_counts, shares, explained, meta)


def report(outcome: Run) -> str:
    lines = [
        format_table(outcome.results),
        "",
        "Baselines: one raw SQL query for the list's page (rows, themes, total); three for the "
        "organisation page (profile with people; first timeline page; the interaction form's choices). "
        "Neither looks up the session, the user or their role.",
        "",
        format_query_counts(outcome.query_counts),
        "",
        format_sql_shares(outcome.shares),
    ]
    for name, plan in outcome.explained.items():
        lines += ["", f"EXPLAIN ANALYZE, slowest query of {name}:", plan]
    met = sum(result.met for result in outcome.results)
    constant = sum(count.constant for count in outcome.query_counts)
    lines += [
        "",
        f"{met}/{len(outcome.results)} within {TARGET_RATIO:g}× of their baseline; "
        f"queries constant in {constant}/{len(outcome.query_counts)}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()
    try:
        outcome = run(args)
    except BenchError as error:
        print(f"bench.crm_pages: {error}", file=sys.stderr)
        return 1
    outcome.meta["total_seconds"] = round(time.monotonic() - started, 1)
    path = results_write("crm_pages", outcome.results, meta=outcome.meta)
    print()
    print(report(outcome))
    print(f"Total {outcome.meta['total_seconds']}s. Written to {path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
