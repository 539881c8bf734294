"""A newsletter message writes its own MIME: the same headers and parts Django's email package
would write, and the bytes the SMTP server receives are those."""

import email
import email.policy
import logging
import socket

import pytest
from django.core.mail import EmailMultiAlternatives, mailers

from notifications import mail
from tests.notifications.factories import CampaignFactory, MailingListFactory

HEADERS = ["Subject", "From", "To", "Reply-To", "Message-ID", "List-Id", "List-Unsubscribe"]


def _pair(subject, from_email, to, reply_to=None, body="გამარჯობა, ნინო!\n\nორი ხაზი."):
    """The same message as Django's EmailMultiAlternatives and as a NewsletterMessage."""
    html = "<p>გამარჯობა</p>"
    headers = {
        "Message-ID": "<4f1c.c7@kavshiri.example.ge>",
        "List-Id": "იმერეთის სიახლეები <imereti-news.kavshiri.example.ge>",
        **mail.unsubscribe_headers("d7:signature"),
    }
    made = []
    for cls in (EmailMultiAlternatives, mail.NewsletterMessage):
        message = cls(subject, body, from_email=from_email, to=[to], reply_to=reply_to, headers=headers)
        message.attach_alternative(html, "text/html")
        made.append(message)
    return made


def _parsed(data: bytes):
    return email.message_from_bytes(data, policy=email.policy.default)


@pytest.mark.parametrize(
    ("subject", "from_email", "to", "reply_to"),
    [
        ("ნოემბრის სიახლეები: ტრენინგები, საგრანტო კონკურსი და შეხვედრები იმერეთში", "კავშირი <info@kavshiri.ge>",
         "nino@cso.ge", ["office@cso.ge"]),
        ("November news", "Kavshiri <kavshiri@localhost>", "Nino.B+news@münchen.de", None),
        ("A long English subject about trainings, a grant call and meetings in Imereti this winter",
         "news@kavshiri.ge", "giorgi@cso.ge", None),
    ],
    ids=["georgian", "idn-recipient", "long-english"],
)  # fmt: skip
def test_the_bytes_carry_what_djangos_email_package_writes(subject, from_email, to, reply_to):
    theirs, ours = _pair(subject, from_email, to, reply_to)

    expected = _parsed(theirs.message(policy=email.policy.SMTP).as_bytes())
    written = _parsed(ours.as_bytes())

    assert {name: str(written[name]) for name in HEADERS} == {name: str(expected[name]) for name in HEADERS}
    assert [part.get_content_type() for part in written.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    for mine, django in zip(written.iter_parts(), expected.iter_parts(), strict=True):
        assert mine.get_content().replace("\r\n", "\n") == django.get_content().replace("\r\n", "\n")
    assert written["Date"] is not None


def test_every_line_stays_within_smtps_limits_and_list_unsubscribe_is_one_line():
    _theirs, ours = _pair("ნოემბრის სიახლეები " * 6, "news@kavshiri.ge", "nino@cso.ge", body="ა" * 5000)

    lines = ours.as_bytes().split(b"\r\n")

    assert all(len(line) <= 998 for line in lines)
    assert [line for line in lines if line.startswith(b"List-Unsubscribe:")] == [
        f"List-Unsubscribe: {ours.extra_headers['List-Unsubscribe']}".encode()
    ]


def test_ascii_text_in_short_lines_is_sent_as_it_is():
    _theirs, ours = _pair("News", "news@kavshiri.ge", "nino@cso.ge", body="Hello, Nino!\n\nTwo lines.")

    plain = next(_parsed(ours.as_bytes()).iter_parts())

    assert plain["Content-Transfer-Encoding"] == "7bit"
    assert b"Hello, Nino!\r\n\r\nTwo lines.\r\n" in ours.as_bytes()


@pytest.mark.parametrize(
    ("field", "value"),
    [("subject", "News\r\nBcc: everyone@example.com"), ("to", ["nino@cso.ge\nBcc: x@example.com"])],
    ids=["subject", "recipient"],
)
def test_a_header_that_cannot_be_written_is_refused(field, value):
    _theirs, ours = _pair("News", "news@kavshiri.ge", "nino@cso.ge")
    setattr(ours, field, value)

    with pytest.raises(ValueError):
        ours.as_bytes()
    assert mail.classify(ValueError("bad header")).kind == mail.INVALID


def test_message_reads_back_the_same_bytes():
    _theirs, ours = _pair("ნოემბრის სიახლეები", "news@kavshiri.ge", "nino@cso.ge")

    message = ours.message()

    assert message["Message-ID"] == "<4f1c.c7@kavshiri.example.ge>"
    assert message.get_body(("plain",)).get_content().startswith("გამარჯობა, ნინო!")


@pytest.mark.django_db
def test_a_letter_fills_in_the_body_and_link_only():
    # A list named like a merge field keeps its name; the person's text goes in the body only.
    news = MailingListFactory(name_ka="{{ first_name }}", name_en="{{ first_name }}")
    campaign = CampaignFactory(lists=[news])
    rendered = mail.render_campaign(campaign, "ka")
    letter = mail.CampaignLetter(campaign=campaign, lists=[news], rendered=rendered)

    message = letter.message(
        fields=mail.MergeFields("<ნინო>", "ბერიძე"), to="nino@cso.ge", message_id="<1.c1@x.ge>", token="d1:s"
    )

    html = message.alternatives[0].content
    assert "გამარჯობა, &lt;ნინო&gt;!" in html and "{{ first_name }}" in html
    assert "გამარჯობა, <ნინო>!" in message.body and "/unsubscribe/d1:s/" in message.body
    assert 'href="http' in html and "/unsubscribe/d1:s/" in html


class _Sink:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, envelope.rcpt_tos, envelope.original_content))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = _Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    yield handler
    controller.stop()


def test_djangos_smtp_backend_gets_the_bytes_as_written(smtp_server):
    _theirs, ours = _pair("ნოემბრის სიახლეები", "Kavshiri <news@kavshiri.ge>", "nino@cso.ge")

    with mail.Outbox(mailers.default) as outbox:
        assert outbox.direct
        outbox.send(ours)

    [(sender, recipients, data)] = smtp_server.received
    assert (sender, recipients) == ("news@kavshiri.ge", ["nino@cso.ge"])
    written = ours.as_bytes()
    # The Date and the boundary are drawn anew for each serialisation; the rest is identical.
    assert len(data) == len(written)
    assert {name: str(_parsed(data)[name]) for name in HEADERS} == {
        name: str(_parsed(written)[name]) for name in HEADERS
    }
