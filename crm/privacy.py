"""A person's rights over what the centre holds about them: a copy of all of it, and erasure.

Georgia's Law on Personal Data Protection of 2023 (close to the GDPR) gives a person the right
to know and receive the data processed about them and to have it deleted. Here:

- `personal_data_export(contact)`: everything held about one person, as one dict that the JSON
  download and the readable page both show.
- `contact_erase(contact=…, by=…, reason=…)`: the person anonymised everywhere, in one
  transaction, and the erasure logged (`Erasure`) without any of the erased data.

Both start from `Footprint`, the one place that knows where a person's data lives, so that what
is shown and what is erased never disagree. `RELATIONS` and `EMAIL_FIELDS` declare every
relation to Contact and every email field of the project;
tests/privacy/test_export_completeness.py fails when a model gains one they do not name.

What an erasure keeps, and why:
- The record itself, under its id, renamed "Erased person #id", inactive, with no details:
  interactions, newsletter counts and the log still add up, and nothing points at a hole.
- Interactions keep their organisation, date, kind and subject (the centre's work with the
  organisation); the person is taken off them, and their name or address is replaced in texts.
- Newsletter deliveries keep their row and status, so a campaign's counts stay true; the
  address and the error text (which often repeats the address) go.
- The address stays on the suppression list only as its SHA-256, so that if it comes back
  (an import, another record) it is still never mailed. A hash of an address is still a
  pseudonym of it, not an anonymisation: someone who already knows the address can confirm it
  is there. That is the least the centre needs to keep its promise to stop writing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import Affiliation, Contact, Erasure, FollowUp, ImportBatch, Interaction
from network.models import PartnerInvitation, Partnership
from notifications.models import Delivery, MailEvent, Subscription, Suppression, address_digest

#: Every relation to Contact (`Contact._meta.related_objects`) and the export section showing it.
RELATIONS = {
    "crm.Affiliation.contact": "affiliations",
    "crm.Interaction.contacts": "interactions",
    "network.Partnership.people": "partnerships",
    "notifications.Subscription.contact": "newsletter_subscriptions",
    "notifications.Delivery.contact": "newsletter_deliveries",
}

#: Every email field of the project: the section that shows the person's address there, or
#: None with the reason it never holds a person's address in this sense.
EMAIL_FIELDS = {
    "crm.Contact.email": "person",
    "crm.HistoricalContact.email": "history",
    "notifications.Delivery.email": "newsletter_deliveries",
    "notifications.Suppression.email": "suppressions",
    "notifications.MailEvent.email": "mail_events",
    "network.PartnerInvitation.email": "partner_invitations",
    "auth.User.email": "user_accounts",
    # An organisation's own address (info@…), the centre's sending and reply addresses.
    "crm.Organisation.email": None,
    "crm.HistoricalOrganisation.email": None,
    "notifications.Campaign.sender_email": None,
    "notifications.Campaign.reply_to": None,
}

#: What `Erasure.counts` holds, in the order pages show it.
COUNT_LABELS = {
    "interactions": gettext_lazy("interactions the person was taken off"),
    "interaction_texts": gettext_lazy("interactions whose text named them, rewritten"),
    "follow_ups": gettext_lazy("follow-ups whose title named them, rewritten"),
    "affiliations": gettext_lazy("affiliations removed"),
    "partnerships": gettext_lazy("partnerships the person was taken off"),
    "subscriptions": gettext_lazy("newsletter subscriptions removed"),
    "deliveries": gettext_lazy("newsletter deliveries kept without the address"),
    "mail_events": gettext_lazy("bounce and complaint reports kept without the address"),
    "suppression": gettext_lazy("suppression list entries kept only as a hash"),
    "partner_invitations": gettext_lazy("partner invitations kept without the address"),
    "import_rows": gettext_lazy("rows of imported files cleared"),
    "admin_log": gettext_lazy("entries of the administration's log rewritten"),
    "history": gettext_lazy("history records removed"),
}

_INTERACTION_TEXTS = ("subject", "notes", "outcome_notes")
# Contact fields shown in the profile and in each history record; the rest is bookkeeping.
_PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "name_latin",
    "email",
    "phone",
    "preferred_language",
    "newsletter_consent",
    "consent_given_at",
    "consent_source",
    "consent_note",
    "directory_consent",
    "is_active",
)


def placeholder_name(contact_pk: int) -> str:
    """The name an erased record is left with, in the centre's language (it is data, like the
    rest of the record, not a label of the page that shows it)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("Erased person #%(number)s") % {"number": contact_pk}


def _erased_on_request() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("erased on request")


def _erased_address_text() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("[address erased]")


# -- where a person's data lives ------------------------------------------------------------


@dataclass
class ImportRowMatch:
    batch: ImportBatch
    index: int
    # "own": the row's data is this person's (same address, or an update of this record);
    # "named": another row that only names this record as its possible duplicate.
    relation: str


class Footprint:
    """Where one person's data lives: a query per place, shared by the export, the erasure and
    its preview. Free texts are found by the person's full name (either order, either script)
    and address; a first name alone is too common to search for."""

    def __init__(self, contact: Contact):
        self.contact = contact
        self.address = contact.email.strip().lower()
        self.names = _names(contact)

    @property
    def needles(self) -> list[str]:
        return [*self.names, *([self.address] if self.address else [])]

    def _mentioning(self, *fields: str) -> Q:
        condition = Q(pk__in=[])
        for needle in self.needles:
            for name in fields:
                condition |= Q(**{f"{name}__icontains": needle})
        return condition

    def _by_address(self, lookup: str = "email__iexact") -> Q:
        return Q(**{lookup: self.address}) if self.address else Q(pk__in=[])

    def affiliations(self) -> QuerySet[Affiliation]:
        return Affiliation.objects.filter(contact=self.contact).select_related("organisation")

    def interactions_taken_part(self) -> QuerySet[Interaction]:
        return Interaction.objects.filter(contacts=self.contact)

    def interactions_naming(self) -> QuerySet[Interaction]:
        return Interaction.objects.filter(self._mentioning(*_INTERACTION_TEXTS))

    def interactions(self) -> QuerySet[Interaction]:
        """Interactions they took part in, or whose texts name them."""
        taken_part = Interaction.contacts.through.objects.filter(contact=self.contact).values(
            "interaction_id"
        )
        return (
            Interaction.objects.filter(Q(pk__in=taken_part) | self._mentioning(*_INTERACTION_TEXTS))
            .select_related("organisation")
            .order_by("-occurred_on", "-pk")
        )

    def follow_ups(self) -> QuerySet[FollowUp]:
        """Follow-ups whose title names them, and those opened by a bounce of their address."""
        from_reports = self.mail_events().exclude(follow_up=None).values("follow_up")
        return (
            FollowUp.objects.filter(self._mentioning("title") | Q(pk__in=from_reports))
            .select_related("organisation")
            .order_by("due_on", "pk")
        )

    def partnerships(self) -> QuerySet[Partnership]:
        return Partnership.objects.filter(people=self.contact).prefetch_related("organisations")

    def subscriptions(self) -> QuerySet[Subscription]:
        return Subscription.objects.filter(contact=self.contact).select_related("mailing_list")

    def deliveries(self) -> QuerySet[Delivery]:
        return Delivery.objects.filter(contact=self.contact).select_related("campaign").order_by("pk")

    def mail_events(self) -> QuerySet[MailEvent]:
        return MailEvent.objects.filter(Q(delivery__contact=self.contact) | self._by_address()).order_by("pk")

    def suppressions(self) -> QuerySet[Suppression]:
        return Suppression.objects.filter(self._by_address())

    def partner_invitations(self) -> QuerySet[PartnerInvitation]:
        return PartnerInvitation.objects.filter(self._by_address()).select_related("organisation")

    def user_accounts(self):
        return get_user_model().objects.filter(self._by_address())

    def others_with_address(self) -> QuerySet[Contact]:
        """Other records with the same address; erasing this one stops mail to them too."""
        return Contact.objects.filter(self._by_address()).exclude(pk=self.contact.pk)

    def admin_log(self) -> QuerySet[LogEntry]:
        """Entries of Django's admin log that name them: each keeps the changed object's text
        as it was then (their record, a subscription "name — list", a suppressed address)."""
        return LogEntry.objects.filter(self._mentioning("object_repr"))

    def history(self):
        return self.contact.history.order_by("history_date", "history_id")

    def import_rows(self) -> list[ImportRowMatch]:
        """Rows of uploaded people files about this person. The rows stay in the database after
        the import, as its record; a row is theirs when it carries their address or updated
        their record, and only names them when it was flagged as a possible duplicate of it."""
        matches = []
        batches = ImportBatch.objects.filter(kind=ImportBatch.Kind.PEOPLE).order_by("pk")
        for batch in batches.iterator(chunk_size=50):
            for index, row in enumerate(batch.rows):
                relation = self._import_row_relation(row)
                if relation:
                    matches.append(ImportRowMatch(batch, index, relation))
        return matches

    def _import_row_relation(self, row: dict) -> str:
        email = str((row.get("data") or {}).get("email") or "").strip().lower()
        if self.address and email == self.address:
            return "own"
        if row.get("match_id") == self.contact.pk:
            return "own" if row.get("action") == "update" else "named"
        return ""


def _names(contact: Contact) -> list[str]:
    names = []
    if contact.first_name.strip() and contact.last_name.strip():
        names += [contact.full_name, f"{contact.last_name} {contact.first_name}".strip()]
    if len(contact.name_latin.split()) >= 2:
        names.append(contact.name_latin.strip())
    return list(dict.fromkeys(names))


# -- export ---------------------------------------------------------------------------------


def personal_data_export(contact: Contact) -> dict:
    """Everything the centre holds about `contact`, for the person (a JSON download, or the
    readable page a staff member prints or reads to them).

    Internal notes of interactions (`notes`, `outcome_notes`) are not included but counted:
    they are the staff's working notes about an organisation's meeting, often about other
    people too, so a person reviews them before any part is handed over (the law allows
    limiting access where it would harm the rights of others). Subjects, dates and
    organisations of the interactions are included.
    """
    footprint = Footprint(contact)
    interactions = list(footprint.interactions().prefetch_related("contacts"))
    return {
        "format": "kavshiri-personal-data/1",
        "generated_at": timezone.now(),
        "controller": {
            "name": getattr(settings, "CENTRE_NAME_KA", ""),
            "name_en": getattr(settings, "CENTRE_NAME", ""),
            "email": getattr(settings, "CENTRE_EMAIL", ""),
        },
        "person": _profile(contact),
        "consents": _consents(contact),
        "affiliations": [_affiliation(a) for a in footprint.affiliations()],
        "interactions": [_interaction(i, contact) for i in interactions],
        "interaction_notes_withheld": sum(bool(i.notes or i.outcome_notes) for i in interactions),
        "follow_ups": [_follow_up(f) for f in footprint.follow_ups()],
        "partnerships": [_partnership(p) for p in footprint.partnerships()],
        "newsletter_subscriptions": [_subscription(s) for s in footprint.subscriptions()],
        "newsletter_deliveries": [_delivery(d) for d in footprint.deliveries()],
        "suppressions": [_suppression(s) for s in footprint.suppressions()],
        "mail_events": [_mail_event(e) for e in footprint.mail_events()],
        "partner_invitations": [_invitation(i) for i in footprint.partner_invitations()],
        "user_accounts": [_user_account(u) for u in footprint.user_accounts()],
        "import_rows": [_import_row(m) for m in footprint.import_rows() if m.relation == "own"],
        "history": [_history_record(r) for r in footprint.history()],
        "erasure": _erasure(Erasure.objects.filter(contact_pk=contact.pk).first()),
    }


def _plain(value):
    """A value JSON can carry as it is (phone numbers become their E.164 text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value
    return str(value)


def _profile(contact: Contact) -> dict:
    return {
        "id": contact.pk,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "name_latin": contact.name_latin,
        "email": contact.email,
        "phone": _plain(contact.phone) or "",
        "preferred_language": contact.get_preferred_language_display(),
        "is_active": contact.is_active,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def _consents(contact: Contact) -> dict:
    return {
        "newsletter": {
            "given": contact.newsletter_consent,
            "given_at": contact.consent_given_at,
            "given_through": contact.get_consent_source_display() if contact.consent_source else "",
            "note": contact.consent_note,
        },
        "directory": {"given": contact.directory_consent},
    }


def _affiliation(affiliation: Affiliation) -> dict:
    return {
        "organisation": affiliation.organisation.name,
        "role": affiliation.role,
        "start_date": affiliation.start_date,
        "end_date": affiliation.end_date,
        "main_contact": affiliation.is_primary,
    }


def _interaction(interaction: Interaction, contact: Contact) -> dict:
    return {
        "date": interaction.occurred_on,
        "kind": interaction.get_kind_display(),
        "organisation": interaction.organisation.name,
        "subject": interaction.subject,
        "outcome": interaction.get_outcome_display() if interaction.outcome else "",
        "took_part": any(person.pk == contact.pk for person in interaction.contacts.all()),
    }


def _follow_up(follow_up: FollowUp) -> dict:
    return {
        "title": follow_up.title,
        "organisation": follow_up.organisation.name,
        "due_on": follow_up.due_on,
        "status": follow_up.get_status_display(),
    }


def _partnership(partnership: Partnership) -> dict:
    return {
        "name": partnership.name,
        "kind": partnership.get_kind_display(),
        "status": partnership.get_status_display(),
        "organisations": [organisation.name for organisation in partnership.organisations.all()],
        "start_date": partnership.start_date,
        "end_date": partnership.end_date,
    }


def _subscription(subscription: Subscription) -> dict:
    return {
        "mailing_list": subscription.mailing_list.name,
        "status": subscription.get_status_display(),
        "language": subscription.get_language_display(),
        "consent_given_at": subscription.consent_given_at,
        "consent_given_through": subscription.get_consent_source_display()
        if subscription.consent_source
        else "",
        "consent_note": subscription.consent_note,
        "unsubscribed_at": subscription.unsubscribed_at,
        "created_at": subscription.created_at,
    }


def _delivery(delivery: Delivery) -> dict:
    campaign = delivery.campaign
    return {
        "campaign": campaign.subject_in(delivery.language) or campaign.name,
        "address": delivery.email,
        "language": delivery.get_language_display(),
        "status": delivery.get_status_display(),
        "sent_at": delivery.sent_at,
        "reported": delivery.get_reported_display() if delivery.reported else "",
    }


def _suppression(suppression: Suppression) -> dict:
    return {
        "address": suppression.email,
        "reason": suppression.get_reason_display(),
        "note": suppression.note,
        "since": suppression.created_at,
    }


def _mail_event(event: MailEvent) -> dict:
    return {
        "kind": event.get_kind_display(),
        "address": event.email,
        "detail": event.detail,
        "received_at": event.received_at,
    }


def _invitation(invitation: PartnerInvitation) -> dict:
    return {
        "organisation": invitation.organisation.name,
        "address": invitation.email,
        "name": invitation.name,
        "status": invitation.get_status_display(),
        "created_at": invitation.created_at,
    }


def _user_account(user) -> dict:
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "email": user.email,
        "active": user.is_active,
        "joined": user.date_joined,
        "last_login": user.last_login,
    }


def _import_row(match: ImportRowMatch) -> dict:
    row = match.batch.rows[match.index]
    return {
        "file": match.batch.filename,
        "uploaded_at": match.batch.created_at,
        "line": row.get("line"),
        "data": dict(row.get("data") or {}),
    }


def _history_record(record) -> dict:
    return {
        "date": record.history_date,
        "change": record.get_history_type_display(),
        "values": {name: _plain(getattr(record, name)) for name in _PROFILE_FIELDS},
    }


def labelled(values: dict) -> list[tuple[str, object]]:
    """A record's {field name: value} as (label, value) for a page, in the page's language."""
    fields = {
        field.name: field.verbose_name
        for field in Contact._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    return [(str(fields.get(name, name)), value) for name, value in values.items()]


def _erasure(erasure: Erasure | None) -> dict | None:
    if erasure is None:
        return None
    return {"erased_at": erasure.erased_at}


# -- erasure --------------------------------------------------------------------------------


@dataclass
class _Scrubber:
    """Replaces the person's names and address in free text, whatever their case."""

    names: list[str]
    address: str
    replacement: str
    erased_address: str = field(default_factory=_erased_address_text)

    def __call__(self, text: str) -> str:
        for needle in sorted(self.names, key=len, reverse=True):
            text = re.sub(re.escape(needle), self.replacement, text, flags=re.IGNORECASE)
        if self.address:
            text = re.sub(re.escape(self.address), self.erased_address, text, flags=re.IGNORECASE)
        return text

    def fields(self, instance, names) -> list[str]:
        """Scrub `names` on `instance`; returns the fields that changed."""
        changed = []
        for name in names:
            before = getattr(instance, name)
            after = self(before)
            max_length = instance._meta.get_field(name).max_length
            if max_length:
                after = after[:max_length]
            if after != before:
                setattr(instance, name, after)
                changed.append(name)
        return changed


def erasure_of(contact: Contact) -> Erasure | None:
    return Erasure.objects.filter(contact_pk=contact.pk).select_related("erased_by").first()


def erasure_preview(contact: Contact) -> dict[str, int]:
    """What `contact_erase` would change now, counted as the log will count it."""
    footprint = Footprint(contact)
    return {
        "interactions": footprint.interactions_taken_part().count(),
        "interaction_texts": footprint.interactions_naming().count(),
        "follow_ups": footprint.follow_ups().count(),
        "affiliations": footprint.affiliations().count(),
        "partnerships": footprint.partnerships().count(),
        "subscriptions": footprint.subscriptions().count(),
        "deliveries": footprint.deliveries().count(),
        "mail_events": footprint.mail_events().count(),
        "suppression": 1 if footprint.address else 0,
        "partner_invitations": footprint.partner_invitations().count(),
        "import_rows": len(footprint.import_rows()),
        "admin_log": footprint.admin_log().count(),
        "history": footprint.history().count(),
    }


@transaction.atomic
def contact_erase(*, contact: Contact, by, reason: str) -> tuple[Erasure, bool]:
    """Erase a person on request: anonymise them everywhere, all of it or nothing.

    Returns (erasure, erased_now). A second request for the same person changes nothing and
    returns the first erasure.

    1. Lock the record; an erasure already logged for it ends here.
    2. Rewrite the free texts that name them (interactions, follow-ups, imported rows, the
       admin's log), while the name and address to look for are still on the record.
    3. Take them off interactions and partnerships; remove affiliations and subscriptions.
    4. Newsletter deliveries and bounce reports lose the address; deliveries still waiting are
       not sent. The suppression list keeps only the address's hash.
    5. Partner invitations to the address lose it (open ones are revoked). User accounts with
       the address are left to an administrator: they are logins, not records of the person.
    6. Purge the record's history, then anonymise the record: its one history row left says
       who erased it and when.
    7. Log the erasure with what was changed, counted.
    """
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    earlier = erasure_of(contact)
    if earlier is not None:
        return earlier, False
    footprint = Footprint(contact)
    scrub = _Scrubber(footprint.names, footprint.address, placeholder_name(contact.pk))
    counts = dict.fromkeys(COUNT_LABELS, 0)
    counts["interaction_texts"] = _scrub_interactions(footprint, scrub)
    counts["follow_ups"] = _scrub_follow_ups(footprint, scrub)
    counts["import_rows"] = _scrub_import_rows(footprint, scrub)
    counts["admin_log"] = _scrub_admin_log(footprint, scrub)
    counts.update(_unlink(footprint))
    counts.update(_erase_mail(footprint))
    counts["partner_invitations"] = _erase_invitations(footprint)
    counts["history"] = _anonymise(contact, by=by)
    erasure = Erasure.objects.create(contact_pk=contact.pk, erased_by=by, reason=reason, counts=counts)
    return erasure, True


def _scrub_interactions(footprint: Footprint, scrub: _Scrubber) -> int:
    rewritten = 0
    for interaction in footprint.interactions_naming():
        changed = scrub.fields(interaction, _INTERACTION_TEXTS)
        if changed:
            interaction.save(update_fields=changed)
            rewritten += 1
    return rewritten


def _scrub_follow_ups(footprint: Footprint, scrub: _Scrubber) -> int:
    rewritten = 0
    for follow_up in footprint.follow_ups():
        if scrub.fields(follow_up, ["title"]):
            follow_up.save(update_fields=["title"])
            rewritten += 1
    return rewritten


def _scrub_import_rows(footprint: Footprint, scrub: _Scrubber) -> int:
    """A row that is theirs loses its data; a row that only named this record as a possible
    duplicate loses the name. The rows stay, so that an imported file's counts do; in a file
    still waiting for confirmation, their row becomes an error, so that confirming it cannot
    write the person back (the file must be uploaded again, without them)."""
    changed_batches: dict[int, ImportBatch] = {}
    matches = footprint.import_rows()
    for match in matches:
        row = match.batch.rows[match.index]
        if match.relation == "own":
            row["data"] = {}
            if match.batch.status == ImportBatch.Status.PREVIEW:
                row["action"], row["errors"] = "error", [_erased_on_request()]
        if "match_name" in row:
            row["match_name"] = scrub.replacement
        changed_batches[match.batch.pk] = match.batch
    for batch in changed_batches.values():
        batch.save(update_fields=["rows"])
    return len(matches)


def _scrub_admin_log(footprint: Footprint, scrub: _Scrubber) -> int:
    rewritten = 0
    for entry in footprint.admin_log():
        if scrub.fields(entry, ["object_repr"]):
            entry.save(update_fields=["object_repr"])
            rewritten += 1
    return rewritten


def _unlink(footprint: Footprint) -> dict[str, int]:
    contact = footprint.contact
    return {
        "interactions": Interaction.contacts.through.objects.filter(contact=contact).delete()[0],
        "partnerships": Partnership.people.through.objects.filter(contact=contact).delete()[0],
        "affiliations": Affiliation.objects.filter(contact=contact).delete()[0],
        "subscriptions": Subscription.objects.filter(contact=contact).delete()[0],
    }


def _erase_mail(footprint: Footprint) -> dict[str, int]:
    deliveries = Delivery.objects.filter(contact=footprint.contact)
    deliveries.filter(status=Delivery.Status.PENDING).update(status=Delivery.Status.SUPPRESSED)
    mail_events = MailEvent.objects.filter(pk__in=list(footprint.mail_events().values_list("pk", flat=True)))
    return {
        "deliveries": deliveries.update(email="", last_error=""),
        "mail_events": mail_events.update(email="", detail=""),
        "suppression": _suppress_as_hash(footprint.address) if footprint.address else 0,
    }


def _suppress_as_hash(address: str) -> int:
    """Keep the address on the suppression list only as its hash: the existing entry (bounced,
    complained, stopped) is turned into one, or a new "asked for no mail at all" is made.
    Its note and delivery go: the note is often the mail server's words about the address."""
    digest = address_digest(address)
    plain = Suppression.objects.filter(email__iexact=address)
    if Suppression.objects.filter(email_sha256=digest).exists():  # a record erased before
        plain.delete()
        return 1
    entry = plain.first()
    if entry is None:
        Suppression.objects.create(email="", email_sha256=digest, reason=Suppression.Reason.STOPPED)
        return 1
    entry.email, entry.email_sha256, entry.note, entry.delivery = "", digest, "", None
    entry.save(update_fields=["email", "email_sha256", "note", "delivery"])
    return 1


def _erase_invitations(footprint: Footprint) -> int:
    ids = list(footprint.partner_invitations().values_list("pk", flat=True))
    invitations = PartnerInvitation.objects.filter(pk__in=ids)
    invitations.filter(accepted_at=None, revoked_at=None).update(revoked_at=timezone.now())
    return invitations.update(email="", name="")


def _anonymise(contact: Contact, *, by) -> int:
    """Purge the record's history and blank the record; returns the history rows purged."""
    purged = contact.history.all().delete()[0]
    contact.first_name = placeholder_name(contact.pk)
    contact.last_name = contact.name_latin = contact.email = contact.phone = ""
    contact.preferred_language = Contact.Language.GEORGIAN
    contact.newsletter_consent = contact.directory_consent = contact.is_active = False
    contact.consent_given_at = None
    contact.consent_source = contact.consent_note = ""
    contact._history_user = by
    contact._change_reason = _erased_on_request()
    contact.save()
    return purged
