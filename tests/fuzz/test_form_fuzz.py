"""Every form people submit, filled with anything, through its real page and as the role that uses it.

For each form (FORMS below) hypothesis starts from values that save and replaces any of them with
text in every script the centre meets, direction marks, zero-width and control characters,
formulas, 100,000 characters, NUL, impossible dates, huge numbers and ids that are not ids. Each
example is undone after it. The properties:

- never a 500: the page answers with the form and its errors (200; 400 where the view says so),
  or a redirect (or the page that follows a clean save);
- a refused form writes nothing (the rows of every table a form can touch are counted);
- a clean save stores what the form cleaned: the text as typed, without control characters
  (tests.fuzz.strategies.typed_text), Georgian and Mtavruli as typed;
- the pages that show a saved record open (its page, the lists, the exports, a newsletter's
  preview).

Each form also always runs its explicit examples: NUL in each text field, 100,000 characters,
Mtavruli and a right-to-left override in all of them.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone
from hypothesis import event, example, given, note
from hypothesis import strategies as st

from api.models import ApiToken
from crm.models import (
    Affiliation,
    Contact,
    EngagementPlan,
    Erasure,
    FollowUp,
    Interaction,
    Invoice,
    Organisation,
    Payment,
    Service,
    ServiceDelivery,
    Tag,
    TargetGroup,
    Theme,
)
from crm.services import invoice_issue
from network.models import Municipality, PartnerInvitation, Partnership, Region
from network.services import invitation_token
from notifications.models import Campaign, MailingList, Segment, Subscription, Suppression
from tests.crm.factories import (
    AffiliationFactory,
    ContactFactory,
    FollowUpFactory,
    InvoiceFactory,
    InvoiceLineFactory,
    OrganisationFactory,
    ServiceFactory,
)
from tests.fuzz.strategies import ANY_TEXT, WITH_NUL, answer, fuzz_settings, rolled_back, typed_text
from tests.network.factories import PartnerInvitationFactory, PartnershipFactory
from tests.notifications.factories import MailingListFactory, SegmentFactory

pytestmark = pytest.mark.django_db

EXAMPLES = 15  # per form; FUZZ_EXAMPLES scales it

COUNTED = [
    Organisation,
    Organisation.history.model,
    Contact,
    Contact.history.model,
    Affiliation,
    Interaction,
    FollowUp,
    Service,
    ServiceDelivery,
    Invoice,
    Payment,
    Erasure,
    Partnership,
    PartnerInvitation,
    get_user_model(),
    Campaign,
    MailingList,
    Subscription,
    Segment,
    Suppression,
    ApiToken,
    Tag,
]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in COUNTED}


# -- values --------------------------------------------------------------------------------------


class Ref(str):
    """A record of the test's world, by name (its id is known only when the test runs)."""


OMITTED = object()  # the field is not sent at all

TEXT = st.one_of(ANY_TEXT, ANY_TEXT, ANY_TEXT, WITH_NUL)
JUNK = st.sampled_from(
    ["", " ", "x", "\x00", "٣", "-1", "0", "1.5", "9" * 30, "1e309", "NaN", "None", "[]", "on"]
)


def choice(*values: str) -> st.SearchStrategy:
    return st.one_of(st.sampled_from(values), st.sampled_from(values), JUNK, TEXT)


DATE = st.one_of(
    st.dates(min_value=datetime.date(1, 1, 1)).map(datetime.date.isoformat),
    st.sampled_from(["", "2024-02-30", "2024-13-01", "99999-01-01", "0000-00-00", "31/12/2024", "today"]),
    TEXT,
)
SOON = st.integers(0, 400).map(
    lambda days: (timezone.localdate() + datetime.timedelta(days=days)).isoformat()
)
NUMBER = st.one_of(
    st.integers(-(10**25), 10**25).map(str),
    st.sampled_from(["", "1e309", "-0", "0x10", "١٢٣", "1_000", " 7 ", "2 000", "Infinity", "NaN"]),
    TEXT,
)
DECIMAL = st.one_of(st.decimals(allow_nan=True, allow_infinity=True).map(str), NUMBER)
BOOLEAN = st.sampled_from(["on", "", "true", "false", "0", "\x00", OMITTED])
EMAIL = st.one_of(
    st.sampled_from(["info@centre.example.ge", "ნინო@მაგალითი.გე", "not-an-email", "a@b", "", " a@b.ge "]),
    st.emails(),
    TEXT,
)
URL = st.one_of(
    st.sampled_from(
        ["https://example.ge", "example.ge", "http://ქუთაისი.გე/გვერდი", "javascript:alert(1)", ""]
    ),
    TEXT,
)
PHONE = st.one_of(
    st.sampled_from(["+995599123456", "599 12 34 56", "0431 24 56 78", "12", "+1 202 555 0100", ""]), TEXT
)


def record(name: str) -> st.SearchStrategy:
    return st.one_of(st.just(Ref(name)), st.just(Ref(name)), JUNK)


def records(name: str) -> st.SearchStrategy:
    return st.lists(record(name), max_size=3)


# -- the forms -----------------------------------------------------------------------------------


@dataclass
class Form:
    """A form as its page receives it: who posts it, where, values that save, what may change."""

    role: str | None  # None: an anonymous visitor
    url: str  # with {placeholders} from the world
    valid: dict[str, object]  # values that save (Refs resolved when posted)
    fuzz: dict[str, st.SearchStrategy]
    # The record a clean save made or changed, and its text fields: form field -> (attribute, multiline).
    saved: Callable[[dict], object] | None = None
    texts: dict[str, tuple[str, bool]] = field(default_factory=dict)
    refused_status: tuple[int, ...] = (200,)
    saved_when: Callable = None  # how the answer says "saved", if not by a redirect
    pages: Callable[[object], list[str]] = lambda saved: []  # pages that show the saved record
    typed: tuple[str, ...] = ()  # the fields people type in, when not told by `fuzz` and `texts`

    def text_fields(self) -> list[str]:
        return list(self.texts)


def _latest(model):
    return lambda world: model.objects.order_by("-pk").first()


def _by_redirect(response) -> bool:
    return response.status_code == 302


def _flashed(level: str):
    """For pages that always redirect: saved when the message says it was."""

    def saved(response) -> bool:
        return response.status_code == 302 and any(
            message.level_tag == level for message in get_messages(response.wsgi_request)
        )

    return saved


ORGANISATION_FIELDS = {
    "name": TEXT,
    "name_latin": TEXT,
    "legal_form": choice("nnle", "llc", "jsc", "lepl", "ie", "informal", "other"),
    "identification_code": st.one_of(st.from_regex(r"[2-4]\d{8}", fullmatch=True), JUNK, TEXT),
    "founding_year": st.one_of(st.integers(1800, 2100).map(str), NUMBER),
    "municipality": record("municipality"),
    "address": TEXT,
    "phone": PHONE,
    "email": EMAIL,
    "website": URL,
    "description": TEXT,
    "themes": records("theme"),
    "target_groups": records("target_group"),
    "tags": records("tag"),
    "is_partner": BOOLEAN,
    "is_active": BOOLEAN,
    "version": st.sampled_from(["", "2026-13-45T99:99", "not a date", "\x00", OMITTED]) | TEXT,
}
ORGANISATION_TEXTS = {
    "name": ("name", False),
    "name_latin": ("name_latin", False),
    "address": ("address", False),
    "description": ("description", True),
}


def _organisation_pages(organisation) -> list[str]:
    return [
        f"/organisations/{organisation.pk}/",
        f"/organisations/?q={organisation.search_key[:20]}",
        "/organisations/?export=csv",
        "/organisations/?export=xlsx",
        "/directory/?format=csv",
    ]


FORMS: dict[str, Form] = {
    "organisation_create": Form(
        role="staff",
        url="/organisations/new/",
        valid={"name": "ქუთაისის ახალგაზრდული ცენტრი", "legal_form": "nnle", "is_active": "on"},
        fuzz=ORGANISATION_FIELDS,
        saved=_latest(Organisation),
        texts=ORGANISATION_TEXTS,
        pages=_organisation_pages,
    ),
    "organisation_edit": Form(
        role="staff",
        url="/organisations/{organisation}/edit/",
        valid={"name": "ვანის ქალთა კავშირი", "legal_form": "nnle", "version": Ref("organisation_version")},
        fuzz={name: strategy for name, strategy in ORGANISATION_FIELDS.items() if name != "version"},
        saved=lambda world: Organisation.objects.get(pk=world["organisation"]),
        texts=ORGANISATION_TEXTS,
        pages=_organisation_pages,
    ),
    "contact_create": Form(
        role="staff",
        url="/people/new/",
        valid={"first_name": "ნინო", "preferred_language": "ka"},
        fuzz={
            "first_name": TEXT,
            "last_name": TEXT,
            "name_latin": TEXT,
            "email": EMAIL,
            "phone": PHONE,
            "preferred_language": choice("ka", "en"),
            "newsletter_consent": BOOLEAN,
            "consent_source": choice("form", "import", "staff", "event"),
            "consent_note": TEXT,
            "directory_consent": BOOLEAN,
        },
        saved=_latest(Contact),
        texts={
            "first_name": ("first_name", False),
            "last_name": ("last_name", False),
            "name_latin": ("name_latin", False),
            "consent_note": ("consent_note", False),
        },
        pages=lambda contact: [
            f"/people/{contact.pk}/",
            "/people/",
            f"/people/{contact.pk}/personal-data/?format=json",
        ],
    ),
    "affiliation": Form(
        role="staff",
        url="/people/{contact}/affiliations/",
        valid={"organisation": Ref("organisation"), "role": "დირექტორი"},
        fuzz={
            "organisation": record("organisation"),
            "role": TEXT,
            "start_date": DATE,
            "end_date": DATE,
            "is_primary": BOOLEAN,
        },
        saved=_latest(Affiliation),
        texts={"role": ("role", False)},
        pages=lambda affiliation: [
            f"/people/{affiliation.contact_id}/",
            f"/organisations/{affiliation.organisation_id}/",
        ],
    ),
    "interaction": Form(
        role="staff",
        url="/organisations/{organisation}/interactions/",
        valid={"kind": "meeting", "occurred_on": "2026-03-02", "subject": "შეხვედრა"},
        fuzz={
            "kind": choice("meeting", "call", "email", "visit", "training", "consultation", "event", "other"),
            "occurred_on": DATE,
            "subject": TEXT,
            "contacts": records("contact"),
            "themes": records("theme"),
            "notes": TEXT,
            "outcome": choice("", "positive", "neutral", "follow_up", "no_response"),
            "follow_up_title": TEXT,
            "follow_up_assignee": record("staff_user"),
            "follow_up_due_on": DATE,
        },
        saved=_latest(Interaction),
        texts={"subject": ("subject", False), "notes": ("notes", True)},
        refused_status=(400,),
        pages=lambda interaction: [f"/organisations/{interaction.organisation_id}/", "/"],
    ),
    "follow_up_postpone": Form(
        role="staff",
        url="/follow-ups/{follow_up}/postpone/",
        valid={"due_on": Ref("next_week")},
        fuzz={
            "due_on": st.one_of(SOON, DATE),
            "next": st.sampled_from(["/", "//evil.example", "/follow-ups/", ""]) | TEXT,
        },
        saved_when=_flashed("success"),
    ),
    "follow_up_reassign": Form(
        role="staff",
        url="/follow-ups/{follow_up}/reassign/",
        valid={"assignee": Ref("staff_user")},
        fuzz={"assignee": record("staff_user"), "next": TEXT},
        saved_when=_flashed("success"),
    ),
    "engagement_plan": Form(
        role="staff",
        url="/organisations/{organisation}/plans/",
        valid={"plan": Ref("plan")},
        fuzz={"plan": record("plan"), "start": st.one_of(SOON, DATE)},
        saved_when=_flashed("success"),
    ),
    "service": Form(
        role="manager",
        url="/services/new/",
        valid={"name_ka": "ტრენინგი", "name_en": "Training", "category": "training", "default_price": "100"},
        fuzz={
            "name_ka": TEXT,
            "name_en": TEXT,
            "category": choice("training", "consulting", "facilitation", "research", "venue", "other"),
            "is_paid": BOOLEAN,
            "default_price": DECIMAL,
            "vat_applies": BOOLEAN,
            "is_active": BOOLEAN,
        },
        saved=_latest(Service),
        texts={"name_ka": ("name_ka", False), "name_en": ("name_en", False)},
        pages=lambda service: ["/services/"],
    ),
    "delivery": Form(
        role="manager",
        url="/deliveries/new/",
        valid={
            "service": Ref("service"),
            "client_organisation": Ref("organisation"),
            "start_date": "2026-03-02",
            "participants": "12",
        },
        fuzz={
            "service": record("service"),
            "client_organisation": record("organisation"),
            "client_municipality": record("municipality"),
            "start_date": DATE,
            "end_date": DATE,
            "place": record("municipality"),
            "participants": NUMBER,
            "staff_lead": record("staff_user"),
            "price_agreed": DECIMAL,
            "notes": TEXT,
        },
        saved=_latest(ServiceDelivery),
        texts={"notes": ("notes", True)},
        pages=lambda delivery: ["/deliveries/", "/revenue/"],
    ),
    "payment": Form(
        role="manager",
        url="/invoices/{invoice}/payments/",
        valid={"amount": "10.00", "paid_on": "2026-03-02", "method": "bank"},
        fuzz={
            "amount": DECIMAL,
            "paid_on": DATE,
            "method": choice("bank", "cash", "card", "other"),
            "reference": TEXT,
        },
        saved=_latest(Payment),
        texts={"reference": ("reference", False)},
        saved_when=_flashed("success"),
        pages=lambda payment: [f"/invoices/{payment.invoice_id}/", "/invoices/", "/revenue/"],
    ),
    "erasure": Form(
        role="manager",
        url="/people/{erasable}/erase/",
        valid={"confirm": "on", "reason": "asked by email on 3 March"},
        fuzz={"confirm": BOOLEAN, "reason": TEXT},
        saved=_latest(Erasure),
        texts={"reason": ("reason", True)},
        pages=lambda erasure: [f"/people/{erasure.contact_pk}/"],
    ),
    "partnership": Form(
        role="staff",
        url="/partnerships/new/",
        valid={
            "name": "იმერეთი–გურია",
            "kind": "mou",
            "status": "active",
            "organisations": [Ref("organisation")],
        },
        fuzz={
            "name": TEXT,
            "kind": choice("mou", "coalition", "joint_project", "network_membership", "other"),
            "status": choice("proposed", "active", "suspended", "ended"),
            "organisations": records("organisation"),
            "regions": records("region"),
            "start_date": DATE,
            "end_date": DATE,
            "description": TEXT,
            "links": TEXT,
            "people": records("contact"),
        },
        saved=_latest(Partnership),
        texts={"name": ("name", False), "description": ("description", True), "links": ("links", True)},
        pages=lambda partnership: [f"/partnerships/{partnership.pk}/", "/partnerships/"],
    ),
    "partner_invite": Form(
        role="manager",
        url="/partners/invite/",
        valid={"organisation": Ref("organisation"), "email": "new.partner@example.ge"},
        fuzz={"organisation": record("organisation"), "email": EMAIL, "name": TEXT},
        saved=_latest(PartnerInvitation),
        texts={"name": ("name", False)},
        pages=lambda invitation: ["/partners/"],
    ),
    "invitation_accept": Form(
        role=None,
        url="/partners/accept/{invitation_token}/",
        valid={
            "username": "tamar",
            "password1": "a long pass phrase 42",
            "password2": "a long pass phrase 42",
        },
        fuzz={
            "username": st.one_of(st.sampled_from(["tamar", "თამარ", "t@x.ge", "a b"]), TEXT),
            "first_name": TEXT,
            "last_name": TEXT,
            "password1": st.one_of(st.just("a long pass phrase 42"), TEXT),
            "password2": st.one_of(st.just("a long pass phrase 42"), TEXT),
        },
        saved=_latest(get_user_model()),
        texts={"first_name": ("first_name", False), "last_name": ("last_name", False)},
        pages=lambda user: ["/directory/"],
    ),
    "own_organisation": Form(
        role="partner",
        url="/directory/mine/",
        valid={
            "share_profile": "partners",
            "share_contact_details": "staff",
            "share_themes": "partners",
            "share_people": "staff",
        },
        fuzz={
            "name_latin": TEXT,
            "founding_year": NUMBER,
            "municipality": record("municipality"),
            "description": TEXT,
            "website": URL,
            "address": TEXT,
            "phone": PHONE,
            "email": EMAIL,
            "themes": records("theme"),
            "target_groups": records("target_group"),
            "share_profile": choice("public", "partners", "staff"),
            "share_contact_details": choice("public", "partners", "staff"),
            "share_themes": choice("public", "partners", "staff"),
            "share_people": choice("public", "partners", "staff"),
        },
        saved=lambda world: Organisation.objects.get(pk=world["own_organisation"]),
        texts={
            "name_latin": ("name_latin", False),
            "description": ("description", True),
            "address": ("address", False),
        },
        pages=lambda organisation: [
            "/directory/",
            f"/directory/{organisation.pk}/",
            f"/directory/{organisation.pk}/?format=vcard",
        ],
    ),
    "campaign": Form(
        role="staff",
        url="/newsletters/new/",
        valid={"name": "ნოემბერი", "subject_ka": "სიახლეები", "body_ka": "გამარჯობა, {{ first_name }}!"},
        fuzz={
            "name": TEXT,
            "subject_ka": TEXT,
            "body_ka": st.one_of(
                TEXT,
                st.sampled_from(
                    [
                        "<img src=x onerror=alert(1)>",
                        "[x](javascript:alert(1))",
                        "{{ 1/0 }}",
                        "{% load x %}",
                        "# " + "ა" * 5000,
                    ]
                ),
            ),
            "subject_en": TEXT,
            "body_en": TEXT,
            "mailing_lists": records("mailing_list"),
            "segments": records("segment"),
            "sender_name": TEXT,
            "sender_email": EMAIL,
            "reply_to": EMAIL,
        },
        saved=_latest(Campaign),
        texts={
            "name": ("name", False),
            "subject_ka": ("subject_ka", False),
            "body_ka": ("body_ka", True),
            "subject_en": ("subject_en", False),
            "body_en": ("body_en", True),
            "sender_name": ("sender_name", False),
        },
        pages=lambda campaign: [
            f"/newsletters/{campaign.pk}/",
            f"/newsletters/{campaign.pk}/preview/ka/",
            f"/newsletters/{campaign.pk}/preview/en/",
            "/newsletters/",
        ],
    ),
    "mailing_list": Form(
        role="staff",
        url="/lists/new/",
        valid={"name_ka": "სიახლეები", "name_en": "News", "slug": "news-fuzz", "is_active": "on"},
        fuzz={
            "name_ka": TEXT,
            "name_en": TEXT,
            "slug": st.one_of(st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True), TEXT),
            "description_ka": TEXT,
            "description_en": TEXT,
            "is_public": BOOLEAN,
            "is_active": BOOLEAN,
        },
        saved=_latest(MailingList),
        texts={
            "name_ka": ("name_ka", False),
            "name_en": ("name_en", False),
            "description_ka": ("description_ka", True),
            "description_en": ("description_en", True),
        },
        pages=lambda mailing_list: (
            [f"/lists/{mailing_list.pk}/", "/lists/"]
            + (
                [f"/subscribe/{mailing_list.slug}/"]
                if mailing_list.is_public and mailing_list.is_active
                else []
            )
        ),
    ),
    "subscription_add": Form(
        role="staff",
        url="/lists/{mailing_list}/subscriptions/",
        valid={
            "email": Ref("contact_email"),
            "language": "ka",
            "source": "staff",
            "reason": "asked at the training",
        },
        fuzz={
            "email": EMAIL,
            "language": choice("ka", "en"),
            "source": choice("staff", "import", "form"),
            "reason": TEXT,
        },
        saved=_latest(Subscription),
        texts={"reason": ("consent_note", False)},
    ),
    "segment": Form(
        role="staff",
        url="/newsletters/segments/new/",
        valid={"name": "დირექტორები"},
        fuzz={
            "name": TEXT,
            "description": TEXT,
            "regions": records("region"),
            "municipalities": records("municipality"),
            "themes": records("theme"),
            "legal_forms": st.lists(choice("nnle", "llc"), max_size=3),
            "tags": records("tag"),
            "languages": st.lists(choice("ka", "en"), max_size=3),
            "roles": TEXT,
        },
        saved=_latest(Segment),
        texts={"name": ("name", False), "description": ("description", True)},
        pages=lambda segment: ["/newsletters/segments/"],
    ),
    "subscribe": Form(
        role=None,
        url="/subscribe/{mailing_list_slug}/",
        valid={"email": "visitor@example.ge", "language": "ka"},
        fuzz={
            "email": EMAIL,
            "first_name": TEXT,
            "last_name": TEXT,
            "language": choice("ka", "en"),
            "website": TEXT,
        },
        saved_when=lambda response: (
            response.status_code == 200
            and "notifications/subscribe_sent.html" in [template.name for template in response.templates]
        ),
    ),
    "api_token": Form(
        role="staff",
        url="/api/tokens/",
        valid={"name": "ჩვენი საიტი"},
        fuzz={"name": TEXT},
        saved=_latest(ApiToken),
        texts={"name": ("name", False)},
        saved_when=lambda response: response.status_code == 200 and response.context["created"] is not None,
    ),
    "login": Form(
        role=None,
        url="/accounts/login/",
        valid={"username": "nino", "password": "correct-horse-battery"},
        fuzz={"username": TEXT, "password": TEXT},
        refused_status=(200, 429),
        typed=("username", "password"),
    ),
    "two_factor": Form(
        role="manager",
        url="/accounts/two-factor/",
        valid={"code": "123456"},
        fuzz={"code": st.one_of(st.from_regex(r"\d{6}", fullmatch=True), TEXT)},
    ),
    "merge": Form(
        role="manager",
        url="/organisations/{organisation}/merge/",
        valid={"duplicate": Ref("duplicate_organisation")},
        fuzz={"duplicate": record("duplicate_organisation")},
        saved_when=_flashed("success"),
    ),
}


# -- the world the forms act in ------------------------------------------------------------------


@pytest.fixture
def world(user_in_role, settings) -> dict:
    # Rate limits have their tests; here each example may post as often as it likes.
    settings.RATE_LIMITS = {group: "100000/minute" for group in settings.RATE_LIMITS}
    staff = user_in_role("staff", username="nino")
    organisation = OrganisationFactory(name="ვანის ქალთა კავშირი")
    contact = AffiliationFactory(organisation=organisation).contact
    partner = user_in_role("partner")
    service = ServiceFactory()
    invoice = InvoiceFactory(client_organisation=organisation)
    InvoiceLineFactory(invoice=invoice, unit_price=100)
    invoice_issue(invoice=invoice)
    mailing_list = MailingListFactory()
    invitation = PartnerInvitationFactory()
    tag = Tag.objects.create(name="ახალგაზრდობა")
    plan = EngagementPlan.objects.create(name="ახალი პარტნიორი")
    plan.steps.create(text="მისალმება", offset_working_days=0, assignee_role="staff")
    return {
        "users": {
            "staff": staff,
            "manager": user_in_role("manager"),
            "partner": partner,
        },
        "organisation": organisation.pk,
        "organisation_version": organisation.updated_at.isoformat(),
        "duplicate_organisation": OrganisationFactory(name="ვანის ქალთა კავშირი (2)").pk,
        "own_organisation": partner.partner_account.organisation_id,
        "contact": contact.pk,
        "contact_email": contact.email,
        "erasable": ContactFactory(first_name="თამარ").pk,
        "municipality": Municipality.objects.order_by("pk").first().pk,
        "region": Region.objects.order_by("pk").first().pk,
        "theme": Theme.objects.order_by("pk").first().pk,
        "target_group": TargetGroup.objects.order_by("pk").first().pk,
        "tag": tag.pk,
        "staff_user": staff.pk,
        "follow_up": FollowUpFactory(organisation=organisation, assignee=staff).pk,
        "next_week": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "plan": plan.pk,
        "service": service.pk,
        "invoice": invoice.pk,
        "mailing_list": mailing_list.pk,
        "mailing_list_slug": mailing_list.slug,
        "segment": SegmentFactory().pk,
        "partnership": PartnershipFactory(organisations=[organisation]).pk,
        "invitation_token": invitation_token(invitation),
    }


def _resolved(value, world):
    if isinstance(value, Ref):
        return str(world[value])
    if isinstance(value, list):
        return [_resolved(item, world) for item in value]
    return value


def _client(form: Form, world: dict) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if form.role:
        client.force_login(world["users"][form.role])
    return client


def _form_errors(response) -> bool:
    context = response.context
    if context is None:
        return False
    form = context.get("form")
    return bool(form is not None and form.errors)


def submit(form: Form, world: dict, values: dict) -> None:
    data = {name: _resolved(value, world) for name, value in values.items() if value is not OMITTED}
    note(
        f"posted: { {name: (value[:80] + '…') if isinstance(value, str) and len(value) > 80 else value for name, value in data.items()} }"
    )
    with rolled_back():
        client = _client(form, world)
        url = form.url.format(**{key: value for key, value in world.items() if not isinstance(value, dict)})
        before = row_counts()
        response = answer(client, "post", url, data=data)
        saved = (form.saved_when or _by_redirect)(response)
        event("saved" if saved else f"refused ({response.status_code})")
        if not saved:
            assert response.status_code in (*form.refused_status, 302, 400, 413), response.status_code
            if response.status_code in form.refused_status and form.saved_when is None:
                assert _form_errors(response) or response.status_code == 429, "refused without saying why"
            after = row_counts()
            assert {label: count for label, count in after.items() if count != before[label]} == {}
            return
        if form.saved is not None:
            record = form.saved(world)
            assert record is not None
            for name, (attribute, multiline) in form.texts.items():
                if name in data:
                    assert getattr(record, attribute) == typed_text(data[name], multiline=multiline), name
            for page in form.pages(record):
                assert answer(client, "get", page).status_code in (200, 302), page


# -- one test per form, with its explicit examples ----------------------------------------------


def _explicit_examples(form: Form) -> list[dict]:
    """NUL in each text field in turn; 100,000 characters, Mtavruli and a right-to-left override in
    all of them at once."""
    texts = form.typed or [
        name for name, strategy in form.fuzz.items() if strategy is TEXT or name in form.texts
    ]
    examples = [{**form.valid, name: "ტექსტი\x00"} for name in texts]
    for value in ("ა" * 100_000, "ᲥᲣᲗᲐᲘᲡᲘᲡ ᲪᲔᲜᲢᲠᲘ", "\u202eTBILISI\u202c ‏שלום"):
        examples.append({**form.valid, **dict.fromkeys(texts, value)})
    return examples


@st.composite
def _values(draw, form: Form) -> dict:
    """The valid values with a few of the fields (now and then all of them) replaced, or left
    out, at random: enough of them save to check what is stored."""
    names = draw(st.permutations(sorted(form.fuzz)))
    count = draw(st.sampled_from([1, 1, 2, 2, 3, len(names)]))
    return {**form.valid, **{name: draw(form.fuzz[name]) for name in names[:count]}}


def _test_for(name: str, form: Form):
    def test(world, values):
        submit(form, world, values)

    test = given(values=_values(form=form))(test)
    for values in _explicit_examples(form):
        test = example(values=values)(test)
    test = fuzz_settings(EXAMPLES)(test)
    test.__name__ = f"test_{name}_form_saves_cleanly_or_says_why"
    return test


for _name, _form in FORMS.items():
    globals()[f"test_{_name}_form_saves_cleanly_or_says_why"] = _test_for(_name, _form)
