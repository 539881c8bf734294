"""Celery tasks of the CRM: each loads what it needs and calls a service."""

from __future__ import annotations

from celery import shared_task

from crm.reminders import overdue_invoices_remind


@shared_task
def remind_overdue_invoices() -> int:
    """Weekly, from the beat schedule in settings. Not retried: a retry after some mails
    went out would send those managers the same reminder twice."""
    return overdue_invoices_remind()
