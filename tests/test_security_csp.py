"""The Content Security Policy: every page carries it, and no page needs what it forbids.

Every page the permission matrix knows is fetched by every role that may open it; each answer
must carry the policy, and its HTML may hold no inline script, no on*= handler, no javascript:
link and no inline style (style-src 'self' has no 'unsafe-inline'). Error pages, the rate-limit
and lockout pages and the login's code step are fetched here too. Whether a real browser agrees
is tests/e2e/test_security_csp_browser.py.
"""

from html.parser import HTMLParser

import pytest

from tests import permission_rows_accounts
from tests import test_permission_matrix as matrix

pytestmark = pytest.mark.django_db

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Scripts that are data, not code: the browser never runs them, so CSP does not apply.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}

objects = matrix.objects  # the matrix's fixture: one of everything, a user per role


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, handlers, javascript: URLs, styles."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_code_script = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            elif name == "style":
                self.found.append(f"<{tag} style=…>")
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script":
            self._in_code_script = "src" not in values and values.get("type") not in DATA_SCRIPT_TYPES

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_code_script = False

    def handle_data(self, data):
        if self._in_code_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def problems(response) -> list[str]:
    found = []
    if response.get("Content-Security-Policy") != POLICY:
        found.append(f"policy: {response.get('Content-Security-Policy')!r}")
    if response.get("Content-Type", "").startswith("text/html"):
        found.extend(inline_code(response.content.decode()))
    return found


def test_the_checker_sees_what_the_policy_blocks():
    page = (
        '<script>alert(1)</script><script src="/s.js"></script><script type="application/json">{}</script>'
        '<a href="javascript:go()">x</a><button onclick="go()">y</button><p style="color:red">z</p><style>p{}</style>'
    )
    assert inline_code(page) == [
        "inline <script>: alert(1)",
        "<a href=javascript:…>",
        "<button onclick=…>",
        "<p style=…>",
        "<style> element",
    ]


PAGES = {**matrix.MATRIX, **permission_rows_accounts.MATRIX_ROWS}


@pytest.mark.parametrize("role", matrix.ALL)
def test_every_page_carries_the_policy_and_no_inline_code(client, objects, role):
    if role != matrix.ANONYMOUS:
        client.force_login(objects["users"][role])
    offending = {}
    fetched = 0
    for url, statuses in PAGES.items():
        if statuses.get(role) != 200:
            continue
        response = client.get(url.format(**objects))
        assert response.status_code == 200, url
        fetched += 1
        if found := problems(response):
            offending[url] = found
    assert fetched > 3
    assert offending == {}


def test_error_pages_carry_the_policy_and_no_inline_code(client, user_in_role, settings):
    client.force_login(user_in_role("partner"))
    forbidden = client.get("/organisations/")
    missing = client.get("/no-such-page/")
    settings.REQUEST_MAX_BYTES = 10
    too_large = client.post("/accounts/login/", {"username": "a-long-username", "password": "x"})
    assert [forbidden.status_code, missing.status_code, too_large.status_code] == [403, 404, 413]
    for response in (forbidden, missing, too_large):
        assert problems(response) == []


def test_a_form_without_its_csrf_token_gets_our_page(user_in_role):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user_in_role("staff"))
    response = client.post("/follow-ups/1/done/")
    assert response.status_code == 403
    assert response.templates[0].name == "403_csrf.html"
    assert problems(response) == []


def test_the_rate_limit_page_carries_the_policy(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "unsubscribe": "1/hour"}
    client.post("/unsubscribe/not-a-token/")
    response = client.post("/unsubscribe/not-a-token/")
    assert response.status_code == 429
    assert problems(response) == []


def test_the_lockout_page_carries_the_policy(client, user_in_role):
    user_in_role("staff", username="nino")
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "nino", "password": "wrong"})
    assert response.status_code == 429
    assert problems(response) == []


def test_the_api_docs_page_runs_only_files(client):
    response = client.get("/api/docs/")
    assert problems(response) == []
    assert "<style>" not in response.content.decode()
    assert client.get("/api/docs/?script").status_code == 200  # its start-up script, served as a file
