"""A newsletter message, from Markdown to the bytes an SMTP server accepts.

- The body is written in Markdown; the HTML part is Markdown rendered and then sanitised (staff
  write it, but a pasted snippet must not carry scripts into thousands of mailboxes), the
  plain-text part is the Markdown with its markup taken off.
- Merge fields ({{ first_name }}, {{ last_name }}, {{ full_name }}, {{ organisation }}) are
  filled per recipient after rendering, escaped for HTML, so the Markdown is rendered once per
  language and not once per person.
- Every message carries its stored Message-ID, a List-Id, and one-click unsubscribe headers
  (RFC 2369, RFC 8058).
"""

from __future__ import annotations

import email.policy
import re
import smtplib
import socket
from dataclasses import dataclass
from email.utils import formataddr
from urllib.parse import quote

import markdown
import nh3
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from config.mail import absolute_url
from notifications import conf

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
CONFIRM_SALT = "notifications.subscription-confirm"
TEMPLATE = "notifications/email/campaign"
MERGE_FIELD = re.compile(r"\{\{\s*(first_name|last_name|full_name|organisation)\s*\}\}")
ALLOWED_TAGS = {
    "a", "b", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "hr", "i", "img", "li",
    "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}}


# Tokens ---------------------------------------------------------------------------------------


def unsubscribe_token(delivery_id: int) -> str:
    """Never expires: an old newsletter's link must still unsubscribe."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(f"d{delivery_id}")


def test_unsubscribe_token() -> str:
    """For test sends, which have no delivery: the page opens and changes nothing."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign("t")


def parse_unsubscribe_token(token: str) -> int | None:
    """The delivery id a token stands for; None for a test message's token.
    Raises signing.BadSignature for anything not signed here."""
    value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    if value == "t":
        return None
    if not value.startswith("d") or not value[1:].isdigit():
        raise signing.BadSignature("not an unsubscribe token")
    return int(value[1:])


def confirmation_token(subscription_id: int) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(subscription_id))


def parse_confirmation_token(token: str) -> int:
    """Raises signing.SignatureExpired or signing.BadSignature."""
    value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=conf.confirmation_max_age())
    if not value.isdigit():
        raise signing.BadSignature("not a confirmation token")
    return int(value)


# Rendering ------------------------------------------------------------------------------------


def markdown_to_html(text: str) -> str:
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|~~)(?=\S)(.+?)(?<=\S)\1")
_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)


def markdown_to_text(text: str) -> str:
    """Readable plain text: links become "text <url>", emphasis and heading marks go."""

    def link(match: re.Match) -> str:
        label, url = match.group(1), match.group(2)
        if match.group(0).startswith("!"):
            return label
        return url if label in ("", url) else f"{label} <{url}>"

    text = _LINK.sub(link, text)
    text = _EMPHASIS.sub(r"\2", text)
    return _HEADING.sub("", text).strip()


@dataclass(frozen=True)
class Rendered:
    """A campaign in one language, rendered once and filled in per recipient."""

    language: str
    subject: str
    html: str
    text: str


def render_campaign(campaign, language: str) -> Rendered:
    body = campaign.body_in(language)
    return Rendered(language, campaign.subject_in(language), markdown_to_html(body), markdown_to_text(body))


@dataclass(frozen=True)
class MergeFields:
    first_name: str = ""
    last_name: str = ""
    organisation: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def fill(self, text: str, *, html: bool) -> str:
        def value(match: re.Match) -> str:
            filled = getattr(self, match.group(1))
            return escape(filled) if html else filled

        return MERGE_FIELD.sub(value, text)


def merge_fields_for(contact) -> MergeFields:
    """A person's merge fields; their main current organisation names them."""
    affiliations = sorted(
        (a for a in contact.affiliations.all() if a.end_date is None),
        key=lambda a: (not a.is_primary, a.pk),
    )
    organisation = affiliations[0].organisation.name if affiliations else ""
    return MergeFields(contact.first_name, contact.last_name, organisation)


# Messages -------------------------------------------------------------------------------------


def sender(campaign) -> str:
    if campaign.sender_email:
        return (
            formataddr((campaign.sender_name, campaign.sender_email))
            if campaign.sender_name
            else campaign.sender_email
        )
    return settings.DEFAULT_FROM_EMAIL


def list_id(campaign, lists: list) -> str:
    """RFC 2919: a stable identifier per list, the first of the campaign's lists naming it."""
    slug = lists[0].slug if lists else "newsletter"
    label = lists[0].name_en if lists else settings.CENTRE_NAME
    return f"{label} <{slug}.{conf.mail_domain()}>"


def unsubscribe_headers(token: str) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe with the one-click URL first, RFC 8058 List-Unsubscribe-Post."""
    url = absolute_url(reverse("unsubscribe", args=[token]))
    mailto = f"mailto:{conf.unsubscribe_mailto()}?subject={quote('unsubscribe ' + token)}"
    return {"List-Unsubscribe": f"<{url}>, <{mailto}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


class _UnfoldedUnsubscribePolicy(email.policy.EmailPolicy):
    """Writes List-Unsubscribe on one line. Folded to 78 columns, Python's email package turns
    a long URL into RFC 2047 encoded words, which mail clients do not decode in this header, and
    the one-click link stops working. One line of any length up to 998 is valid (RFC 5322)."""

    UNFOLDED = frozenset({"list-unsubscribe"})

    def fold(self, name, value):
        policy = self.clone(max_line_length=0) if name.lower() in self.UNFOLDED else self
        return super(_UnfoldedUnsubscribePolicy, policy).fold(name, value)

    def fold_binary(self, name, value):
        policy = self.clone(max_line_length=0) if name.lower() in self.UNFOLDED else self
        return super(_UnfoldedUnsubscribePolicy, policy).fold_binary(name, value)


class NewsletterMessage(EmailMultiAlternatives):
    def message(self, *, policy=email.policy.default):
        if isinstance(policy, email.policy.EmailPolicy):
            policy = _UnfoldedUnsubscribePolicy(**vars(policy))
        return super().message(policy=policy)


def campaign_message(
    *, campaign, lists: list, rendered: Rendered, fields: MergeFields, to: str, message_id: str, token: str
) -> EmailMultiAlternatives:
    """The message one recipient gets. The same inputs always give the same headers and
    body, so a re-send after a lost worker is the identical message."""
    unsubscribe_url = absolute_url(reverse("unsubscribe", args=[token]))
    context = {
        "subject": rendered.subject,
        "body_html": fields.fill(rendered.html, html=True),
        "body_text": fields.fill(rendered.text, html=False),
        "unsubscribe_url": unsubscribe_url,
        "lists": lists,
        "centre_name": settings.CENTRE_NAME_KA if rendered.language == "ka" else settings.CENTRE_NAME,
        "language": rendered.language,
    }
    with translation.override(rendered.language):
        text = render_to_string(f"{TEMPLATE}.txt", context)
        html = render_to_string(f"{TEMPLATE}.html", context)
    headers = {"Message-ID": message_id, "List-Id": list_id(campaign, lists), **unsubscribe_headers(token)}
    message = NewsletterMessage(
        fields.fill(rendered.subject, html=False),
        text,
        from_email=sender(campaign),
        to=[to],
        reply_to=[campaign.reply_to] if campaign.reply_to else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def confirmation_message(*, subscription, token: str) -> EmailMultiAlternatives:
    language = subscription.language
    with translation.override(language):
        context = {
            "mailing_list": subscription.mailing_list,
            "confirm_url": absolute_url(reverse("subscription_confirm", args=[token])),
            "centre_name": settings.CENTRE_NAME_KA if language == "ka" else settings.CENTRE_NAME,
            "max_age_days": conf.confirmation_max_age() // 86400,
        }
        subject = _("Confirm your subscription: %(list)s") % {"list": subscription.mailing_list.name}
        text = render_to_string("notifications/email/confirm.txt", context)
        html = render_to_string("notifications/email/confirm.html", context)
    message = EmailMultiAlternatives(subject, text, to=[subscription.contact.email])
    message.attach_alternative(html, "text/html")
    return message


# Errors ---------------------------------------------------------------------------------------

TEMPORARY = "temporary"
PERMANENT = "permanent"
INVALID = "invalid"


@dataclass(frozen=True)
class SendError:
    kind: str  # TEMPORARY, PERMANENT (the address bounced) or INVALID (never deliverable)
    detail: str
    # The connection is in an unknown state and must be opened again.
    broken_connection: bool = False


def classify(error: Exception) -> SendError:
    """Temporary: SMTP 4xx, refused or dropped connections, timeouts; permanent: 5xx about
    the recipient or the message. A refused sender or login is the centre's problem, not the
    address's: temporary, and the circuit breaker stops the campaign if it persists."""
    detail = f"{type(error).__name__}: {error}"[:500]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return SendError(PERMANENT if permanent else TEMPORARY, detail)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return SendError(TEMPORARY, detail, broken_connection=True)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        return SendError(TEMPORARY, detail, broken_connection=True)
    if isinstance(error, smtplib.SMTPResponseException):
        return SendError(PERMANENT if error.smtp_code >= 500 else TEMPORARY, detail)
    if isinstance(error, smtplib.SMTPException | OSError | socket.timeout):
        return SendError(TEMPORARY, detail, broken_connection=True)
    if isinstance(error, ValueError | UnicodeError):  # an address SMTP cannot carry
        return SendError(INVALID, detail)
    # Anything else is most likely ours (a template, a setting): retried like a temporary
    # failure, so that if it repeats the circuit breaker pauses the campaign for a person.
    return SendError(TEMPORARY, detail, broken_connection=True)


class Outbox:
    """One mail connection reused for a batch, opened again after it broke.

    Django's backend closes a connection it opened inside send_messages(); opening it here
    first keeps one conversation for the whole batch.
    """

    def __init__(self, connection):
        self.connection = connection
        self._open = False

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, message: EmailMultiAlternatives) -> None:
        try:
            if not self._open:
                self.connection.open()
                self._open = True
            if not self.connection.send_messages([message]):
                raise smtplib.SMTPException("the mail backend did not accept the message")
        except Exception as error:
            if classify(error).broken_connection:
                self.close()
            raise

    def close(self) -> None:
        if self._open:
            self._open = False
            try:
                self.connection.close()
            except (smtplib.SMTPException, OSError):
                pass  # the connection was already gone; the next send opens a new one
