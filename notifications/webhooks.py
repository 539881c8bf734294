"""/webhooks/mail/: bounces and complaints reported by the mail provider.

A provider-neutral contract, so that any provider, or a small bounce processor reading the
centre's own return-path mailbox, can post to it:

POST with the header `X-Mail-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body made
with NEWSLETTER_WEBHOOK_SECRET. The body is JSON: one event, or a list of at most 100.

    {"id": "evt-42",                        the provider's event id (text or number, required)
     "type": "hard_bounce",                 hard_bounce, soft_bounce or complaint (required)
     "recipient": "nino@example.ge",        the address the report is about (required)
     "message_id": "<…@kavshiri.example>",  our Message-ID, when the provider passes it on
     "provider": "postmark",                keeps one provider's ids apart from another's
     "detail": "550 5.1.1 user unknown"}    the receiving server's words

Answers: 200 with counts, also for an event already received (providers retry until they
get one); 400 with {"error": …} for a body that is not that; 403 for a missing or wrong
signature; 503 while no secret is set (an unsigned report could suppress any address); 405
for anything but POST. The messages stay in English: the provider's integrator reads them,
not the centre's staff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import asdict, dataclass

from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.validators import validate_email
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications import conf, services
from notifications.models import MailEvent

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Mail-Signature"
MAX_EVENTS = 100


class BadReport(ValueError):
    """The body is not the JSON this endpoint takes; the message says what is wrong."""


@dataclass(frozen=True)
class Report:
    provider: str
    event_id: str
    kind: str
    email: str
    message_id: str
    detail: str


# The signature is the authentication: there is no session, so no CSRF token either.
@csrf_exempt
@require_POST
def mail_events(request):
    secret = conf.webhook_secret()
    if not secret:
        logger.warning("A mail report arrived, but NEWSLETTER_WEBHOOK_SECRET is not set: refused")
        return _error(503, "This endpoint is not configured.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(400, "The body is too large.")
    if not signature_valid(body, request.headers.get(SIGNATURE_HEADER, ""), secret):
        return _error(403, f"Missing or wrong {SIGNATURE_HEADER}.")
    try:
        reports = parse_reports(body)
    except BadReport as error:
        return _error(400, str(error))
    new = sum(services.mail_event_record(**asdict(report))[1] for report in reports)
    return JsonResponse({"received": len(reports), "new": new})


def sign(body: bytes, secret: str) -> str:
    """The header value a sender puts on `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, given: str, secret: str) -> bool:
    return hmac.compare_digest(sign(body, secret).encode(), given.strip().encode("utf-8", "replace"))


def parse_reports(body: bytes) -> list[Report]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # bad JSON, bad UTF-8, absurd nesting
        raise BadReport("The body is not JSON.") from None
    items = data if isinstance(data, list) else [data]
    if not items or len(items) > MAX_EVENTS:
        raise BadReport(f"Send one event, or a list of 1 to {MAX_EVENTS}.")
    return [_report(item, number) for number, item in enumerate(items, start=1)]


def _report(item, number: int) -> Report:
    if not isinstance(item, dict):
        raise BadReport(f"Event {number}: not a JSON object.")
    field = _FieldReader(item, number)
    event_id = field.text("id", required=True, max_length=255, numbers=True)
    kind = field.text("type", required=True)
    if kind not in MailEvent.Kind.values:
        raise BadReport(f"Event {number}: type must be one of {', '.join(MailEvent.Kind.values)}.")
    email = field.text("recipient", required=True, max_length=254)
    try:
        validate_email(email)
    except ValidationError:
        raise BadReport(f"Event {number}: recipient is not an email address.") from None
    return Report(
        provider=field.text("provider", max_length=50),
        event_id=event_id,
        kind=kind,
        email=email,
        message_id=field.text("message_id", max_length=255),
        detail=field.text("detail")[:500],
    )


@dataclass
class _FieldReader:
    item: dict
    number: int

    def text(self, name: str, *, required: bool = False, max_length: int | None = None, numbers=False) -> str:
        value = self.item.get(name)
        if numbers and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if value is not None and not isinstance(value, str):
            raise BadReport(f"Event {self.number}: {name} must be text.")
        value = (value or "").strip()
        if "\x00" in value:
            # PostgreSQL cannot store it; refused here, before anything of the report is written.
            raise BadReport(f"Event {self.number}: {name} contains a NUL character.")
        if required and not value:
            raise BadReport(f"Event {self.number}: {name} is missing.")
        if max_length and len(value) > max_length:
            raise BadReport(f"Event {self.number}: {name} is longer than {max_length} characters.")
        return value


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)
