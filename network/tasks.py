"""Celery tasks of the partner network: each takes ids and calls a service."""

from __future__ import annotations

import smtplib

from celery import shared_task

from network.services import partner_invitation_send


@shared_task(
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=60,
    retry_jitter=True,
    max_retries=5,
)
def send_partner_invitation(invitation_id: int) -> bool:
    """Sent after the invitation is committed. Safe to run twice: the service claims the row,
    and sends nothing for an invitation already sent, accepted or revoked."""
    return partner_invitation_send(invitation_id=invitation_id)
