"""Reads of the newsletter side: audiences, consent at send time, progress, and page listings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from crm.models import Affiliation, Contact
from notifications import conf
from notifications.models import (
    Campaign,
    Delivery,
    MailingList,
    Segment,
    Subscription,
    Suppression,
    address_digest,
)


@dataclass(frozen=True)
class Recipient:
    """Who a send reaches, as frozen on the Delivery row."""

    contact_id: int
    email: str
    language: str
    via_segment: bool


def _not_suppressed(email_ref: str = "email"):
    """A condition on a Contact queryset: its address is not on the suppression list."""
    return ~Exists(Suppression.objects.filter(email=Lower(OuterRef(email_ref))))


def erased_address_digests() -> set[str]:
    """Hashes of the addresses of people erased on request (crm/privacy.py). Few: one per
    erasure, so that the audience can be checked against them in memory."""
    return set(Suppression.objects.exclude(email_sha256=None).values_list("email_sha256", flat=True))


def suppressions_of(email: str) -> QuerySet[Suppression]:
    """The entries that stop mail to an address: in plain text, or as the hash an erasure left."""
    address = email.strip().lower()
    return Suppression.objects.filter(Q(email=address) | Q(email_sha256=address_digest(address)))


def erased_entry(email: str) -> Suppression | None:
    """The suppression entry left by erasing the owner of this address, if there is one."""
    return Suppression.objects.filter(email_sha256=address_digest(email)).first() if email.strip() else None


def mailable_contacts() -> QuerySet[Contact]:
    """Active people with an address that nobody asked us to stop mailing."""
    return Contact.objects.filter(is_active=True).exclude(email="").filter(_not_suppressed())


def segment_contacts(filters: dict) -> QuerySet[Contact]:
    """People matching a segment's filters, consent aside.

    Organisation filters must hold for one and the same current affiliation: "a director in
    Tskaltubo" is not "a director somewhere, and someone in Tskaltubo".
    """
    filters = filters or {}
    people = Contact.objects.filter(is_active=True)
    if filters.get("languages"):
        people = people.filter(preferred_language__in=filters["languages"])
    affiliation = _affiliation_filter(filters)
    if affiliation is not None:
        people = people.filter(Exists(Affiliation.objects.filter(affiliation, contact=OuterRef("pk"))))
    return people


def _affiliation_filter(filters: dict) -> Q | None:
    organisation_lookups = {
        "regions": "organisation__municipality__region__in",
        "municipalities": "organisation__municipality__in",
        "themes": "organisation__themes__in",
        "legal_forms": "organisation__legal_form__in",
        "tags": "organisation__tags__in",
    }
    conditions = [
        Q(**{lookup: filters[key]}) for key, lookup in organisation_lookups.items() if filters.get(key)
    ]
    roles = [word for word in filters.get("roles") or [] if word.strip()]
    if roles:
        any_role = Q()
        for word in roles:
            any_role |= Q(role__icontains=word.strip())
        conditions.append(any_role)
    if not conditions:
        return None
    today = timezone.localdate()
    current = (Q(end_date__isnull=True) | Q(end_date__gte=today)) & Q(organisation__is_active=True)
    combined = current
    for condition in conditions:
        combined &= condition
    return combined


def campaign_audience(campaign: Campaign) -> list[Recipient]:
    """Everyone the campaign reaches now, each once, ordered by person.

    List subscribers count through their subscription (and its language); people in a segment
    count only with their recorded newsletter consent. An address shared by two people gets one
    message. Suppressed addresses and inactive people are left out, and so is an address
    whose owner was erased on request, should it come back on another record.
    """
    erased = erased_address_digests()
    recipients: dict[int, Recipient] = {}
    for row in _list_subscribers(campaign.mailing_lists.all()):
        recipients.setdefault(row.contact_id, row)
    for segment in campaign.segments.all():
        for row in _segment_consenting(segment):
            recipients.setdefault(row.contact_id, row)
    seen_addresses: set[str] = set()
    unique = []
    for contact_id in sorted(recipients):
        row = recipients[contact_id]
        if row.email.lower() in seen_addresses or (erased and address_digest(row.email) in erased):
            continue
        seen_addresses.add(row.email.lower())
        unique.append(row)
    return unique


def _list_subscribers(lists: Iterable[MailingList]) -> Iterable[Recipient]:
    rows = (
        Subscription.objects.filter(
            mailing_list__in=lists,
            status=Subscription.Status.SUBSCRIBED,
            contact__in=mailable_contacts(),
        )
        .order_by("contact_id", "created_at")
        .values_list("contact_id", "contact__email", "language")
    )
    for contact_id, email, language in rows.iterator(chunk_size=2000):
        yield Recipient(contact_id, email, language, via_segment=False)


def _segment_consenting(segment: Segment) -> Iterable[Recipient]:
    rows = (
        segment_contacts(segment.filters)
        .filter(newsletter_consent=True, pk__in=mailable_contacts())
        .order_by("pk")
        .values_list("pk", "email", "preferred_language")
    )
    for contact_id, email, language in rows.iterator(chunk_size=2000):
        yield Recipient(contact_id, email, language, via_segment=True)


def still_wanted(list_ids: list[int]) -> ExpressionWrapper:
    """Consent checked again at the moment of sending, as a condition on Delivery rows, so
    that a whole block is checked in its claim: the person is active, the address is not
    suppressed, and they are still subscribed to one of the campaign's lists or, when reached
    through a segment, still consent to newsletters. Subqueries and one join to the person, no
    more. Addresses suppressed only by their hash, after an erasure, are not seen here: see
    wanted_despite_erasures."""
    subscribed = Exists(
        Subscription.objects.filter(
            contact_id=OuterRef("contact_id"),
            mailing_list_id__in=list_ids,
            status=Subscription.Status.SUBSCRIBED,
        )
    )
    # Suppression.email is stored lower-cased (services.normalise_email).
    suppressed = Exists(Suppression.objects.filter(email=Lower(OuterRef("email"))))
    consent = Q(subscribed) | Q(via_segment=True, contact__newsletter_consent=True)
    wanted = Q(contact__is_active=True) & consent & ~Q(suppressed)
    return ExpressionWrapper(wanted, output_field=BooleanField())


def wanted_despite_erasures(addresses: Iterable[str]) -> set[str]:
    """The addresses whose hash is not that of a person erased on request. The hashes are few
    (one per erasure) and the addresses are hashed here, in Python, rather than in SQL."""
    erased = erased_address_digests()
    return {address for address in addresses if not (erased and address_digest(address) in erased)}


def delivery_still_wanted(delivery: Delivery, *, list_ids: list[int]) -> bool:
    """still_wanted and wanted_despite_erasures for one delivery."""
    wanted = Delivery.objects.filter(pk=delivery.pk).filter(still_wanted(list_ids)).exists()
    return wanted and bool(wanted_despite_erasures([delivery.email]))


@dataclass(frozen=True)
class Progress:
    total: int
    pending: int
    sending: int
    sent: int
    failed: int
    suppressed: int

    @property
    def remaining(self) -> int:
        return self.pending + self.sending

    @property
    def done_percent(self) -> int:
        if not self.total:
            return 0
        return int(100 * (self.total - self.remaining) / self.total)

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "sent": self.sent,
            "failed": self.failed,
            "suppressed": self.suppressed,
            "remaining": self.remaining,
            "in_flight": self.sending,
            "done_percent": self.done_percent,
        }


def campaign_progress(campaign: Campaign) -> Progress:
    """Counted from the ledger, so every worker's work shows and nothing is double-counted."""
    counts = dict(
        Delivery.objects.filter(campaign=campaign).values_list("status").annotate(n=Count("id")).order_by()
    )
    by_status = {status: counts.get(status, 0) for status in Delivery.Status.values}
    return Progress(total=sum(by_status.values()), **by_status)


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("created_by").prefetch_related("mailing_lists", "segments")


def mailing_list_overview() -> QuerySet[MailingList]:
    subscribed = Count("subscriptions", filter=Q(subscriptions__status=Subscription.Status.SUBSCRIBED))
    pending = Count("subscriptions", filter=Q(subscriptions__status=Subscription.Status.PENDING))
    return MailingList.objects.annotate(subscribed_count=subscribed, pending_count=pending)


def list_subscriptions(mailing_list: MailingList, *, status: str | None = None) -> QuerySet[Subscription]:
    subscriptions = mailing_list.subscriptions.select_related("contact", "added_by").order_by("-created_at")
    if status:
        subscriptions = subscriptions.filter(status=status)
    return subscriptions


def segment_size(segment: Segment) -> int:
    """How many people a segment reaches with consent now."""
    return (
        segment_contacts(segment.filters).filter(newsletter_consent=True, pk__in=mailable_contacts()).count()
    )


def sample_recipient(campaign: Campaign) -> Contact | None:
    """Someone from the audience whose merge fields fill the preview, else anyone with a name."""
    audience = campaign_audience(campaign)[:1]
    contact_id = audience[0].contact_id if audience else None
    people = Contact.objects.prefetch_related("affiliations__organisation")
    if contact_id:
        return people.filter(pk=contact_id).first()
    return people.order_by("pk").first()


def stalled_deliveries(campaign: Campaign) -> QuerySet[Delivery]:
    """Rows left `sending` past the in-flight timeout: their worker is taken for dead."""
    cutoff = timezone.now() - timedelta(seconds=conf.inflight_timeout())
    return Delivery.objects.filter(campaign=campaign, status=Delivery.Status.SENDING, claimed_at__lt=cutoff)
