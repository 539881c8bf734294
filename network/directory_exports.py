"""The directory as files: CSV, JSON close to Open Referral HSDS 3.0, and vCard 4.0.

Every export is built from `Entry` objects (network/directory.py), never from organisations,
so a file can hold no more than the viewer sees on the page. A section the viewer may not
see is left empty (CSV) or out (JSON, vCard).
"""

from __future__ import annotations

import json
import uuid

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exports import csv_response
from network.directory import Entry

# HSDS identifies records by UUID; ours are stable, derived from the organisation's id.
_HSDS_NAMESPACE = uuid.UUID("6f1d3c52-5b8e-4f0b-9a53-0d7f6c0e4a11")


def _filename(extension: str) -> str:
    return f"directory-{timezone.localdate():%Y-%m-%d}.{extension}"


def _names(items) -> str:
    return ", ".join(item.name for item in items or [])


def _contact(entry: Entry, key: str) -> str:
    return entry.contact_details[key] if entry.contact_details else ""


def directory_csv(entries: list[Entry], request) -> HttpResponse:
    header = [
        _("name"),
        _("name in Latin script"),
        _("legal form"),
        _("identification code"),
        _("region"),
        _("municipality"),
        _("website"),
        _("address"),
        _("phone"),
        _("email"),
        _("themes"),
        _("target groups"),
    ]
    rows = (
        [
            entry.name,
            entry.name_latin,
            entry.legal_form_label,
            entry.identification_code,
            str(entry.region or ""),
            str(entry.municipality or ""),
            entry.website,
            _contact(entry, "address"),
            _contact(entry, "phone"),
            _contact(entry, "email"),
            _names(entry.themes),
            _names(entry.target_groups),
        ]
        for entry in entries
    )
    return csv_response([header, *rows], _filename("csv"))


# -- Open Referral HSDS 3.0 -------------------------------------------------------------------


def _hsds_id(kind: str, pk) -> str:
    return str(uuid.uuid5(_HSDS_NAMESPACE, f"{kind}:{pk}"))


def hsds_organization(entry: Entry, request) -> dict:
    organization = {
        "id": _hsds_id("organization", entry.pk),
        "name": entry.name,
        "alternate_name": entry.name_latin or None,
        "description": entry.description,
        "website": entry.website or None,
        "legal_status": entry.legal_form_label,
        "year_incorporated": entry.founding_year,
        "uri": request.build_absolute_uri(reverse("directory_entry", args=[entry.pk])),
        "organization_identifiers": (
            [
                {
                    "id": _hsds_id("identifier", entry.pk),
                    # The Public Registry's code (საიდენტიფიკაციო კოდი).
                    "identifier_scheme": "GE-NAPR",
                    "identifier_type": "identification code",
                    "identifier": entry.identification_code,
                }
            ]
            if entry.identification_code
            else []
        ),
        "locations": _hsds_locations(entry),
        "attributes": [
            {
                "id": _hsds_id(f"attribute:{entry.pk}", f"{kind}:{item.pk}"),
                "taxonomy_term": {
                    "id": _hsds_id(kind, item.pk),
                    "name": item.name,
                    "taxonomy": f"kavshiri-{kind}",
                },
            }
            for kind, items in (("theme", entry.themes), ("target-group", entry.target_groups))
            for item in items or []
        ],
    }
    if entry.contact_details is not None:
        organization["email"] = entry.contact_details["email"] or None
        organization["phones"] = (
            [{"id": _hsds_id("phone", entry.pk), "number": entry.contact_details["phone"]}]
            if entry.contact_details["phone"]
            else []
        )
    if entry.people is not None:
        organization["contacts"] = [
            {
                "id": _hsds_id(f"contact:{entry.pk}", index),
                "name": person.name,
                "title": person.role or None,
                "email": person.email or None,
                "phones": [{"number": person.phone}] if person.phone else [],
            }
            for index, person in enumerate(entry.people)
        ]
    return organization


def _hsds_locations(entry: Entry) -> list[dict]:
    if entry.municipality is None:
        return []
    address = {
        "id": _hsds_id("address", entry.pk),
        "address_type": "physical",
        "address_1": _contact(entry, "address"),
        "city": entry.municipality.name,
        "region": str(entry.region or ""),
        "state_province": str(entry.region or ""),
        "postal_code": "",
        "country": "GE",
    }
    return [{"id": _hsds_id("location", entry.pk), "location_type": "physical", "addresses": [address]}]


def directory_json(entries: list[Entry], request) -> HttpResponse:
    """One page in HSDS API style: the organizations and how many there are."""
    contents = [hsds_organization(entry, request) for entry in entries]
    body = {
        "total_items": len(contents),
        "total_pages": 1,
        "page_number": 1,
        "size": len(contents),
        "first_page": True,
        "last_page": True,
        "empty": not contents,
        "contents": contents,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("json")}"'
    return response


# -- vCard 4.0 (RFC 6350) -----------------------------------------------------------------------


def _escape(value: str) -> str:
    """Text values escape backslash, comma, semicolon and newlines (RFC 6350, 3.4)."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never inside a
    UTF-8 character (a Georgian letter takes three octets)."""
    parts, current = [], ""
    for character in line:
        limit = 75 if not parts else 74  # a continuation line starts with its space
        if len((current + character).encode()) > limit:
            parts.append(current)
            current = ""
        current += character
    parts.append(current)
    return "\r\n ".join(parts)


def _card(properties: list[tuple[str, str]]) -> str:
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        *(f"{name}:{value}" for name, value in properties if value),
        "END:VCARD",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def organisation_vcard(entry: Entry) -> str:
    properties = [
        ("KIND", "org"),
        ("FN", _escape(entry.name)),
        ("ORG", _escape(entry.name)),
        ("URL", entry.website),
    ]
    if entry.contact_details is not None:
        municipality = _escape(entry.municipality.name) if entry.municipality else ""
        region = _escape(str(entry.region or ""))
        # ADR's seven parts: PO box; extended; street; locality; region; postal code; country.
        country = _escape(_("Georgia"))
        address = f";;{_escape(entry.contact_details['address'])};{municipality};{region};;{country}"
        properties += [
            (
                "TEL;TYPE=work;VALUE=uri",
                f"tel:{entry.contact_details['phone']}" if entry.contact_details["phone"] else "",
            ),
            ("EMAIL;TYPE=work", entry.contact_details["email"]),
            ("ADR;TYPE=work", address if entry.contact_details["address"] or municipality else ""),
        ]
    return _card(properties)


def person_vcards(entry: Entry) -> list[str]:
    return [
        _card(
            [
                ("KIND", "individual"),
                ("FN", _escape(person.name)),
                ("ORG", _escape(entry.name)),
                ("TITLE", _escape(person.role)),
                ("EMAIL;TYPE=work", person.email),
                ("TEL;TYPE=work;VALUE=uri", f"tel:{person.phone}" if person.phone else ""),
            ]
        )
        for person in entry.people or []
    ]


def directory_vcard(entries: list[Entry], request) -> HttpResponse:
    cards = [card for entry in entries for card in [organisation_vcard(entry), *person_vcards(entry)]]
    response = HttpResponse("".join(cards), content_type="text/vcard; charset=utf-8")
    name = f"organisation-{entries[0].pk}.vcf" if len(entries) == 1 else _filename("vcf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


EXPORTS = {"csv": directory_csv, "json": directory_json, "vcf": directory_vcard}
