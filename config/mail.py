"""What every mail Kavshiri sends outside a request needs: absolute links, and sending one
message per recipient over one connection."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import mailers

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """A link for a mail, which has no request to take the host from."""
    return settings.SITE_URL.rstrip("/") + path


def send_each(messages, *, what: str) -> int:
    """Send each message on its own over one connection, so that one refused address does not
    keep the mail from the others; returns how many were sent."""
    sent = 0
    with mailers.default as connection:
        for message in messages:
            try:
                sent += connection.send_messages([message])
            except (smtplib.SMTPException, OSError):
                logger.exception("%s not sent to %s", what, ", ".join(message.to))
    return sent
