"""The shared directory: which organisations, and which parts of them, a viewer may see.

One rule set for the directory pages, its exports and the API. Nothing outside this module
reads an organisation's sharing choices; everything shown outside the centre is an `Entry`
built here, which carries only the sections the viewer may see. Interactions, notes,
follow-ups, invoices, revenue, funders and grants have no section: they never leave staff.

Sections and what they hold:
- profile: name (both scripts), legal form, identification code, founding year,
  municipality and region, description, website. An organisation whose profile a viewer may
  not see is not in that viewer's directory at all.
- contact_details: address, phone, email.
- themes: themes and target groups ("themes and services").
- people: the people affiliated now, and only those who consented to be shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

from django.db.models import Count, Prefetch, Q, QuerySet

from crm.models import Affiliation, Organisation, Visibility
from crm.permissions import is_centre_staff
from network.models import Municipality, Region
from network.permissions import partner_organisation_id

SECTIONS = ("profile", "contact_details", "themes", "people")
SHARE_FIELD = {section: f"share_{section}" for section in SECTIONS}


class Audience(IntEnum):
    """Who is looking, from the least trusted up."""

    PUBLIC = 0
    PARTNERS = 1
    STAFF = 2


# The least trusted audience each sharing choice reaches.
_REACHES = {
    Visibility.PUBLIC: Audience.PUBLIC,
    Visibility.PARTNERS: Audience.PARTNERS,
    Visibility.STAFF: Audience.STAFF,
}


def audience_of(user) -> Audience:
    if is_centre_staff(user):
        return Audience.STAFF
    if partner_organisation_id(user) is not None:
        return Audience.PARTNERS
    # Anyone else, including a suspended partner or a user without a role, is the public.
    return Audience.PUBLIC


def visibilities_for(audience: Audience) -> list[str]:
    """The sharing choices whose sections this audience may see."""
    return [choice for choice, reaches in _REACHES.items() if reaches <= audience]


@dataclass(frozen=True)
class Viewer:
    """A user as the directory sees them: their audience and, for a partner, their organisation."""

    audience: Audience
    own_organisation_id: int | None = None

    @classmethod
    def of(cls, user) -> Viewer:
        return cls(audience_of(user), partner_organisation_id(user))

    @property
    def is_staff(self) -> bool:
        return self.audience == Audience.STAFF

    def section_visible(self, section: str) -> Q:
        """Organisations whose `section` this viewer may see, as a filter."""
        if self.is_staff:
            return Q()
        visible = Q(**{f"{SHARE_FIELD[section]}__in": visibilities_for(self.audience)})
        if self.own_organisation_id is not None:
            visible |= Q(pk=self.own_organisation_id)
        return visible

    def sees_section(self, organisation: Organisation, section: str) -> bool:
        if self.is_staff or organisation.pk == self.own_organisation_id:
            return True
        return getattr(organisation, SHARE_FIELD[section]) in visibilities_for(self.audience)


def organisations_for(viewer: Viewer) -> QuerySet[Organisation]:
    """The viewer's directory: active organisations whose profile reaches them, with what an
    entry needs fetched in a fixed number of queries whatever the page size."""
    people = Affiliation.objects.filter(end_date__isnull=True).select_related("contact")
    if not viewer.is_staff:
        # Consent is checked in SQL too, so a person who did not consent never leaves the database.
        people = people.filter(contact__directory_consent=True, contact__is_active=True)
    return (
        Organisation.objects.filter(is_active=True)
        .filter(viewer.section_visible("profile"))
        .select_related("municipality__region")
        .prefetch_related(
            "themes", "target_groups", Prefetch("affiliations", queryset=people, to_attr="current_people")
        )
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class Person:
    name: str
    name_latin: str
    role: str
    email: str
    phone: str


@dataclass(frozen=True)
class Entry:
    """An organisation as one viewer may see it. A section the viewer may not see is None."""

    pk: int
    name: str
    name_latin: str
    legal_form: str
    legal_form_label: str
    identification_code: str
    founding_year: int | None
    municipality: object | None
    region: object | None
    description: str
    website: str
    contact_details: dict | None = None
    themes: list | None = None
    target_groups: list | None = None
    people: list[Person] | None = None
    sharing: dict = field(default_factory=dict)

    @property
    def legal_form_short(self) -> str:
        """ა(ა)იპ, შპს…: the abbreviation every Georgian reader knows."""
        return self.legal_form_label.split(" — ")[0]

    @property
    def sections(self) -> list[str]:
        shown = ["profile"]
        shown += [name for name in ("contact_details", "themes", "people") if getattr(self, name) is not None]
        return shown


def entry(organisation: Organisation, viewer: Viewer) -> Entry:
    """`organisation` (from `organisations_for`) cut down to what `viewer` may see."""
    municipality = organisation.municipality
    sees = {section: viewer.sees_section(organisation, section) for section in SECTIONS}
    return Entry(
        pk=organisation.pk,
        name=organisation.name,
        name_latin=organisation.name_latin,
        legal_form=organisation.legal_form,
        legal_form_label=str(organisation.get_legal_form_display()),
        identification_code=organisation.identification_code or "",
        founding_year=organisation.founding_year,
        municipality=municipality,
        region=municipality.region if municipality else None,
        description=organisation.description,
        website=organisation.website,
        contact_details=_contact_details(organisation) if sees["contact_details"] else None,
        themes=list(organisation.themes.all()) if sees["themes"] else None,
        target_groups=list(organisation.target_groups.all()) if sees["themes"] else None,
        people=_people(organisation) if sees["people"] else None,
        # Only the organisation itself and staff learn how it chose to share.
        sharing=_sharing(organisation)
        if viewer.is_staff or organisation.pk == viewer.own_organisation_id
        else {},
    )


def _contact_details(organisation: Organisation) -> dict:
    return {
        "address": organisation.address,
        "phone": str(organisation.phone) if organisation.phone else "",
        "email": organisation.email,
    }


def _people(organisation: Organisation) -> list[Person]:
    affiliations = getattr(organisation, "current_people", None)
    if affiliations is None:  # not fetched through organisations_for: never guess consent
        return []
    return [
        Person(
            name=affiliation.contact.full_name,
            name_latin=affiliation.contact.name_latin,
            role=affiliation.role,
            email=affiliation.contact.email,
            phone=str(affiliation.contact.phone) if affiliation.contact.phone else "",
        )
        for affiliation in affiliations
    ]


def _sharing(organisation: Organisation) -> dict:
    return {section: getattr(organisation, SHARE_FIELD[section]) for section in SECTIONS}


def entry_for(user, pk: int) -> Entry | None:
    """One organisation as `user` may see it, or None when it is not in their directory."""
    viewer = Viewer.of(user)
    organisation = organisations_for(viewer).filter(pk=pk).first()
    return entry(organisation, viewer) if organisation else None


def home_region() -> Region | None:
    """Imereti, where the centre works: the coverage page opens on it."""
    return Region.objects.filter(name_en="Imereti").first()


def coverage(viewer: Viewer, region: Region | None) -> list[dict]:
    """Each municipality of `region` with how many organisations of the viewer's directory
    are registered there, zeros included: the gaps are the point of the page."""
    if region is None:
        return []
    counts = dict(
        Organisation.objects.filter(is_active=True, municipality__region=region)
        .filter(viewer.section_visible("profile"))
        .values("municipality")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("municipality", "count")
    )
    return [
        {"municipality": municipality, "count": counts.get(municipality.pk, 0)}
        for municipality in Municipality.objects.filter(region=region).order_by("name_ka")
    ]


def own_organisation(pk: int) -> Organisation:
    return Organisation.objects.prefetch_related("themes", "target_groups").get(pk=pk)
