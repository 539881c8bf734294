"""A newsletter message, from Markdown to the bytes an SMTP server accepts.

- The body is written in Markdown; the HTML part is Markdown rendered and then sanitised (staff
  write it, but a pasted snippet must not carry scripts into thousands of mailboxes), the
  plain-text part is the Markdown with its markup taken off.
- Merge fields ({{ first_name }}, {{ last_name }}, {{ full_name }}, {{ organisation }}) are
  filled per recipient after rendering, escaped for HTML, so the Markdown is rendered once per
  language and not once per person; `CampaignLetter` renders the templates around it once too.
- Every message carries its stored Message-ID, a List-Id, and one-click unsubscribe headers
  (RFC 2369, RFC 8058).
- `NewsletterMessage` writes its own MIME (`as_bytes`), and `Outbox` hands those bytes to
  Django's SMTP connection as they are: the email package spends ~1.5 ms building and
  serialising each message, more than the rest of the send together.
"""

from __future__ import annotations

import base64
import email
import email.policy
import functools
import re
import secrets
import smtplib
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address, AddressHeader
from email.utils import format_datetime, formataddr, make_msgid
from urllib.parse import quote

import markdown
import nh3
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import punycode
from django.utils.html import escape
from django.utils.translation import gettext as _

from config.mail import absolute_url
from notifications import conf

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
CONFIRM_SALT = "notifications.subscription-confirm"
RETURN_SALT = "notifications.subscription-return"
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


def return_token(request: dict) -> str:
    """The link of a subscription asked for an address erased on request: the request itself,
    signed, since nothing of it is stored until it is confirmed (services.subscription_request)."""
    return signing.dumps(request, salt=RETURN_SALT, compress=True)


def parse_return_token(token: str) -> dict:
    """Raises signing.SignatureExpired or signing.BadSignature."""
    return signing.loads(token, salt=RETURN_SALT, max_age=conf.confirmation_max_age())


def parse_confirmation_token(token: str) -> int:
    """Raises signing.SignatureExpired or signing.BadSignature."""
    value = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=conf.confirmation_max_age())
    if not value.isdigit():
        raise signing.BadSignature("not a confirmation token")
    return int(value)


# Rendering ------------------------------------------------------------------------------------


# Cached: a worker renders the same campaign for every batch of it it sends.
@functools.lru_cache(maxsize=16)
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


@functools.lru_cache(maxsize=16)
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


def unsubscribe_url(token: str) -> str:
    return absolute_url(reverse("unsubscribe", args=[token]))


def unsubscribe_headers(token: str, url: str | None = None) -> dict[str, str]:
    """RFC 2369 List-Unsubscribe with the one-click URL first, RFC 8058 List-Unsubscribe-Post."""
    url = url or unsubscribe_url(token)
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


_SMTP_POLICY = _UnfoldedUnsubscribePolicy(**vars(email.policy.SMTP))
# Headers whose value we write per recipient, in ASCII: written as they are (see _line).
_OWN_HEADERS = frozenset({"message-id", "list-unsubscribe"})
# A bare ASCII address: what almost every address is, taken as it is (see smtp_address).
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+")


class NewsletterMessage(EmailMultiAlternatives):
    """One person's newsletter. It writes its own MIME (`as_bytes`): the same structure
    Django's EmailMessage.message() gives (multipart/alternative, UTF-8 text and HTML parts),
    without the email package's cost per message. The headers that may hold any text (subject,
    sender, reply-to, List-Id) are still written by the email package (RFC 2047, IDNA,
    folding), once per distinct value."""

    def as_bytes(self) -> bytes:
        """What goes over SMTP after DATA. Raises ValueError for a header that cannot be
        written (a line break in it, an address that is not one valid address), as Django's
        own serialisation does."""
        if len(self.to) != 1 or self.cc or self.bcc or self.attachments:
            raise ValueError("A newsletter message goes to one address, without copies or attachments.")
        names = {name.lower() for name in self.extra_headers}
        head = [
            _folded("Subject", str(self.subject)),
            _folded("From", self.from_email),
            f"To: {smtp_address(self.to[0])}\r\n",
        ]
        if self.reply_to:
            head.append(_folded("Reply-To", ", ".join(self.reply_to)))
        if "date" not in names:
            zone = timezone.get_current_timezone() if settings.EMAIL_USE_LOCALTIME else UTC
            head.append(f"Date: {format_datetime(datetime.now(zone))}\r\n")
        if "message-id" not in names:
            head.append(_line("Message-ID", make_msgid(domain=DNS_NAME)))
        for name, value in self.extra_headers.items():
            head.append(_line(name, value) if name.lower() in _OWN_HEADERS else _folded(name, value))
        head.append("MIME-Version: 1.0\r\n")
        charset = self.encoding or settings.DEFAULT_CHARSET
        parts = [("text/plain", self.body)] + [(mimetype, content) for content, mimetype in self.alternatives]
        if len(parts) == 1:
            return "".join([*head, _part(*parts[0], charset)]).encode("ascii")
        boundary = f"=_{secrets.token_hex(16)}"  # base64 lines never start with "--"
        head.append(f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n')
        body = [f"--{boundary}\r\n{_part(mimetype, content, charset)}" for mimetype, content in parts]
        return "".join([*head, *body, f"--{boundary}--\r\n"]).encode("ascii")

    def envelope(self) -> tuple[str, list[str]]:
        """The SMTP sender and recipients."""
        return smtp_address(self.from_email), [smtp_address(address) for address in self.to]

    def message(self, *, policy=email.policy.default):
        """`as_bytes()` read back by the email package, for the mail backends that ask for
        it (the file and console backends, Django's SMTP backend when handed one directly,
        tests): every backend sees the message that SMTP gets."""
        if isinstance(policy, email.policy.EmailPolicy):
            policy = _UnfoldedUnsubscribePolicy(**vars(policy))
        return email.message_from_bytes(self.as_bytes(), policy=policy)


def _part(mimetype: str, content: str, charset: str) -> str:
    """A text part with canonical line ends (CRLF, RFC 2046): as it is when it is ASCII in
    short lines, else in base64 (lines of 76)."""
    if not mimetype.startswith("text/") or not isinstance(content, str):
        raise ValueError(f"A newsletter part must be text, not {mimetype}.")
    lines = content.encode(charset).splitlines()
    data = b"\r\n".join(lines) + b"\r\n"
    if data.isascii() and all(len(line) <= 78 for line in lines):
        encoding, encoded = "7bit", data.decode("ascii")
    else:
        encoding, encoded = "base64", base64.encodebytes(data).decode("ascii").replace("\n", "\r\n")
    return (
        f'Content-Type: {mimetype}; charset="{charset}"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n{encoded}"
    )


def _line(name: str, value: str) -> str:
    """A header we made ourselves, in ASCII, on one line (up to 998 characters is valid,
    RFC 5322); anything else goes to the email package."""
    line = f"{name}: {value}\r\n"
    if value.isascii() and "\r" not in value and "\n" not in value and len(line) <= 1000:
        return line
    return _folded(name, value)


@functools.lru_cache(maxsize=512)
def _folded(name: str, value: str) -> str:
    """A header as Django's serialisation writes it for SMTP: non-ASCII text in RFC 2047
    encoded words, an address's non-ASCII domain in IDNA, folded at 78 columns
    (List-Unsubscribe on one line). Cached: most headers are the same in every message."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"Header {name} may not contain a line break: {value!r}")
    header = _SMTP_POLICY.header_factory(name, value)
    if isinstance(header, AddressHeader) and any(not a.domain.isascii() for a in header.addresses):
        # Python's email would write the domain in RFC 2047 words, which no server reads.
        header = _SMTP_POLICY.header_factory(
            name,
            [Address(a.display_name, a.username, punycode(a.domain)) for a in header.addresses],
        )
    return _SMTP_POLICY.fold(name, header)


def smtp_address(address: str) -> str:
    """The bare address for the SMTP envelope and the To header: as it is when plain ASCII,
    else parsed as Django's SMTP backend does (display name dropped, a non-ASCII domain in
    IDNA). ValueError for anything but one valid address."""
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return _parsed_address(address)


@functools.lru_cache(maxsize=64)
def _parsed_address(address: str) -> str:
    parsed = AddressHeader.value_parser(address)
    # As Django: "webmaster" alone is a local mailbox, not an error.
    defects = {str(defect) for defect in parsed.all_defects} - {"addr-spec local part with no domain"}
    mailboxes = parsed.all_mailboxes
    if defects or len(mailboxes) != 1 or not mailboxes[0].local_part.isascii():
        raise ValueError(f"Invalid address {address!r}: {'; '.join(defects) or 'not one ASCII mailbox'}")
    mailbox = mailboxes[0]
    if not mailbox.domain:
        return mailbox.addr_spec
    return Address(username=mailbox.local_part, domain=punycode(mailbox.domain)).addr_spec


class CampaignLetter:
    """A campaign in one language, ready to be addressed: Markdown, sanitising and the
    templates around the body are done once (per batch); each person's message only fills
    in the merge fields and the unsubscribe link. The same inputs always give the same
    headers and body, so a re-send after a lost worker is the identical message."""

    def __init__(self, *, campaign, lists: list, rendered: Rendered):
        self.rendered = rendered
        self.from_email = sender(campaign)
        self.reply_to = [campaign.reply_to] if campaign.reply_to else None
        self.list_id = list_id(campaign, lists)
        # The templates are rendered with markers where each person's body and link go. The
        # markers are random letters and digits: autoescaping leaves them alone, and no text
        # of the campaign can hold one by chance.
        marker = uuid.uuid4().hex
        self._body, self._link = f"body{marker}", f"link{marker}"
        context = {
            "subject": rendered.subject,
            "body_html": self._body,
            "body_text": self._body,
            "unsubscribe_url": self._link,
            "lists": lists,
            "centre_name": settings.CENTRE_NAME_KA if rendered.language == "ka" else settings.CENTRE_NAME,
            "language": rendered.language,
        }
        with translation.override(rendered.language):
            self.text = render_to_string(f"{TEMPLATE}.txt", context)
            self.html = render_to_string(f"{TEMPLATE}.html", context)

    def message(self, *, fields: MergeFields, to: str, message_id: str, token: str) -> NewsletterMessage:
        url = unsubscribe_url(token)
        body_text = fields.fill(self.rendered.text, html=False)
        body_html = fields.fill(self.rendered.html, html=True)
        # The link first, then the body: a person's text is never searched for a marker.
        text = self.text.replace(self._link, url).replace(self._body, body_text)
        html = self.html.replace(self._link, escape(url)).replace(self._body, body_html)
        message = NewsletterMessage(
            fields.fill(self.rendered.subject, html=False),
            text,
            from_email=self.from_email,
            to=[to],
            reply_to=self.reply_to,
            headers={"Message-ID": message_id, "List-Id": self.list_id, **unsubscribe_headers(token, url)},
        )
        message.attach_alternative(html, "text/html")
        return message


def campaign_message(
    *, campaign, lists: list, rendered: Rendered, fields: MergeFields, to: str, message_id: str, token: str
) -> NewsletterMessage:
    """The message one recipient gets (a batch keeps its CampaignLetter for all of them)."""
    letter = CampaignLetter(campaign=campaign, lists=lists, rendered=rendered)
    return letter.message(fields=fields, to=to, message_id=message_id, token=token)


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
# "Service not available, closing transmission channel" (RFC 5321, 3.8): to any command, and
# smtplib has closed its end too; the next message needs a new connection, or it would fail
# for nothing and count against its own retries and the circuit breaker.
CLOSING = 421


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
        return SendError(PERMANENT if permanent else TEMPORARY, detail, broken_connection=CLOSING in codes)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return SendError(TEMPORARY, detail, broken_connection=True)
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        return SendError(TEMPORARY, detail, broken_connection=True)
    if isinstance(error, smtplib.SMTPResponseException):
        kind = PERMANENT if error.smtp_code >= 500 else TEMPORARY
        return SendError(kind, detail, broken_connection=error.smtp_code == CLOSING)
    if isinstance(error, smtplib.SMTPException | OSError | socket.timeout):
        return SendError(TEMPORARY, detail, broken_connection=True)
    if isinstance(error, ValueError | UnicodeError):  # an address SMTP cannot carry
        return SendError(INVALID, detail)
    # Anything else is most likely ours (a template, a setting): retried like a temporary
    # failure, so that if it repeats the circuit breaker pauses the campaign, with the error
    # shown for a person (it tries again only now and then until someone sees to it).
    return SendError(TEMPORARY, detail, broken_connection=True)


class Outbox:
    """One mail connection reused for a batch, opened again after it broke.

    Django's backend closes a connection it opened inside send_messages(); opening it here
    first keeps one conversation for the whole batch. With Django's own SMTP backend, a
    NewsletterMessage goes to its smtplib connection as the bytes it wrote; any other backend
    (a subclass may sign or log, the test backends keep the message) gets the message.
    """

    def __init__(self, connection):
        self.connection = connection
        self.direct = type(connection) is SMTPBackend
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
            if self.direct and isinstance(message, NewsletterMessage):
                sender_address, recipients = message.envelope()
                self.connection.connection.sendmail(sender_address, recipients, message.as_bytes())
            elif not self.connection.send_messages([message]):
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
