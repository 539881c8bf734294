"""Search boxes and filters typed anything: the list pages, their exports and the pages that take
a query, as each role that reads them. Whatever the query string (any script, control
characters, NUL, 100,000 characters, ids that are not ids, repeated parameters, pages that do
not exist), the answer is a page or a file, never a 500.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from crm.models import Invoice, Organisation, Theme
from crm.services import invoice_issue
from network.models import Municipality, Region
from tests.crm.factories import ContactFactory, InvoiceFactory, InvoiceLineFactory, OrganisationFactory
from tests.fuzz.strategies import ANY_TEXT, WITH_NUL, answer, fuzz_settings
from tests.notifications.factories import MailingListFactory

pytestmark = pytest.mark.django_db

# Page → who reads it, and the parameters its links and forms send.
PAGES = {
    "/organisations/": (
        "staff",
        [
            "q",
            "region",
            "municipality",
            "theme",
            "legal_form",
            "tag",
            "is_partner",
            "is_active",
            "sort",
            "page",
            "export",
        ],
    ),
    "/people/": ("staff", ["q", "organisation", "newsletter_consent", "page"]),
    "/follow-ups/": ("staff", ["status", "mine", "page"]),
    "/deliveries/": ("staff", ["page"]),
    "/invoices/": ("manager", ["page"]),
    "/revenue/": ("manager", ["start", "end"]),
    "/revenue/export/by-client/": ("manager", ["start", "end", "format"]),
    "/directory/": (None, ["q", "region", "municipality", "theme", "legal_form", "page", "format"]),
    "/directory/coverage/": ("partner", ["region"]),
    "/partnerships/": ("partner", ["q", "status", "kind", "region", "organisation", "page"]),
    "/partners/": ("manager", ["page"]),
    "/newsletters/": ("staff", ["page"]),
    "/lists/{mailing_list}/": ("staff", ["status", "page"]),
    "/organisations/{organisation}/": ("staff", ["page"]),
    "/organisations/{organisation}/merge/": ("manager", ["q"]),
    "/people/{contact}/affiliations/": ("staff", ["q", "organisation"]),
    "/people/{contact}/personal-data/": ("manager", ["format"]),
    "/invoices/{invoice}/": ("manager", ["lang", "format"]),
    "/directory/{organisation}/": ("partner", ["format"]),
}

VALUE = st.one_of(
    ANY_TEXT,
    WITH_NUL,
    st.sampled_from(
        ["1", "0", "-1", "9" * 30, "1.5", "true", "false", "unknown", "csv", "xlsx", "json", "vcard", "pdf"]
    ),
    st.sampled_from(
        ["ka", "en", "open", "done", "mou", "nnle", "name", "-name", "created", "-municipality", "last"]
    ),
    st.integers(-(10**20), 10**20).map(str),
    st.dates().map(lambda day: day.isoformat()),
)


@st.composite
def queries(draw):
    url = draw(st.sampled_from(sorted(PAGES)))
    role, parameters = PAGES[url]
    chosen = draw(st.lists(st.sampled_from(parameters + ["junk", "q"]), max_size=4))
    pairs = [(name, draw(VALUE)) for name in chosen]
    # The organisation list's export is a file: not asked for at random, as it would stream the
    # whole table each time; it has its own examples below.
    pairs = [(name, value) for name, value in pairs if not (url == "/organisations/" and name == "export")]
    return url, role, pairs


@pytest.fixture
def world(user_in_role):
    organisation = OrganisationFactory(name="ᲥᲣᲗᲐᲘᲡᲘᲡ ცენტრი \u202eRLO", description="x\x07y")
    # Saved as the API or the admin may save it: their forms keep control characters.
    unclean = Organisation.objects.create(name="ქუთაისის ცენტრი\x0b", name_latin="\ufeffKutaisi")
    organisation.themes.set(Theme.objects.all()[:2])
    invoice = InvoiceFactory(client_organisation=organisation)
    InvoiceLineFactory(invoice=InvoiceFactory(client_organisation=unclean))
    invoice_issue(invoice=Invoice.objects.get(client_organisation=unclean))
    return {
        "clients": {role: _client(user_in_role(role)) for role in ("staff", "manager", "partner")}
        | {None: _client(None)},
        "organisation": organisation.pk,
        "contact": ContactFactory().pk,
        "invoice": invoice.pk,
        "mailing_list": MailingListFactory().pk,
        "region": Region.objects.first().pk,
        "municipality": Municipality.objects.first().pk,
    }


def _client(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


@fuzz_settings(80)
@given(query=queries())
@example(query=("/organisations/", "staff", [("q", "\x00"), ("region", "\x00"), ("sort", "\x00")]))
@example(query=("/organisations/", "staff", [("q", "ა" * 100_000)]))  # SQLite refused the LIKE pattern
# openpyxl refuses control characters, which text saved through the API or the admin may hold.
@example(query=("/organisations/", "staff", [("q", "ᲥᲣᲗᲐᲘᲡᲘ"), ("export", "xlsx")]))
@example(query=("/revenue/export/by-client/", "manager", [("format", "xlsx")]))
@example(query=("/organisations/", "staff", [("q", "\u202e"), ("export", "csv")]))
@example(
    query=("/directory/", None, [("q", "ᲥᲣᲗᲐᲘᲡᲘ \u202e"), ("municipality", "9" * 30), ("format", "csv")])
)
@example(query=("/directory/", None, [("format", "json"), ("page", "\x00")]))
@example(query=("/revenue/", "manager", [("start", "99999-01-01"), ("end", "\x00")]))
@example(query=("/people/", "staff", [("q", " ".join(["ა"] * 5000)), ("organisation", "-1")]))
def test_any_query_gives_a_page_or_a_file(world, query):
    url, role, pairs = query
    url = url.format(**{name: value for name, value in world.items() if name != "clients"})
    response = answer(world["clients"][role], "get", f"{url}?{urlencode(pairs)}")
    assert response.status_code in (200, 302, 404), response.status_code
    if response.streaming:
        b"".join(response.streaming_content)  # a streamed export fails while it streams
