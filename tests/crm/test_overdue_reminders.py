from datetime import date, timedelta
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from config.georgian_text import contains_mtavruli
from crm.permissions import can_see_money
from crm.reminders import overdue_invoices, overdue_invoices_remind, reminder_recipients
from crm.services import invoice_cancel, invoice_issue, payment_record
from crm.tasks import remind_overdue_invoices
from tests.crm.factories import InvoiceFactory, InvoiceLineFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)  # a Monday, when the reminder goes out


def _issued(amount="100.00", *, due_on, vat_rate="0.00", today=TODAY):
    line = InvoiceLineFactory(unit_price=Decimal(amount), vat_rate=Decimal(vat_rate))
    return invoice_issue(
        invoice=line.invoice, issued_on=min(due_on, today) - timedelta(days=30), due_on=due_on
    )


def _pay(invoice, amount):
    payment_record(invoice=invoice, amount=Decimal(amount), paid_on=TODAY - timedelta(days=5))


@pytest.fixture
def manager():
    return UserFactory(role="manager", email="nino@kavshiri.example")


def test_each_manager_gets_one_mail_listing_what_is_still_owed(manager):
    other_manager = UserFactory(role="manager")
    admin = UserFactory(role="admin")
    partly_paid = _issued("500.00", vat_rate="18.00", due_on=TODAY - timedelta(days=12))
    _pay(partly_paid, "300.00")
    unpaid = _issued("1250.50", due_on=TODAY - timedelta(days=1))

    assert overdue_invoices_remind(today=TODAY) == 3

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [manager.email, other_manager.email, admin.email]
    )
    assert all(len(message.to) == 1 for message in mail.outbox)
    body = mail.outbox[0].body
    assert partly_paid.number in body and unpaid.number in body
    assert partly_paid.client_name in body
    assert "290,00 ₾" in body and "590,00" not in body  # outstanding, not the total
    assert "1250,50 ₾" in body
    assert "1540,50 ₾" in body  # the total outstanding
    assert "11.11.2026" in body  # due date, Georgian short form
    assert body.index(partly_paid.number) < body.index(unpaid.number)  # longest overdue first


def test_days_overdue_and_amounts_are_exact(manager):
    invoice = _issued("0.25", vat_rate="18.00", due_on=TODAY - timedelta(days=45))
    [overdue] = overdue_invoices(today=TODAY)
    assert overdue.days_overdue == 45
    assert overdue.outstanding == Decimal("0.30") and overdue.outstanding.as_tuple().exponent == -2
    assert overdue.number == invoice.number


def test_paid_cancelled_not_yet_due_and_draft_invoices_are_left_out(manager):
    overdue = _issued(due_on=TODAY - timedelta(days=3))
    paid = _issued(due_on=TODAY - timedelta(days=3))
    _pay(paid, "100.00")
    cancelled = _issued(due_on=TODAY - timedelta(days=3))
    credit_note = invoice_cancel(
        invoice=cancelled, cancelled_by=manager, issued_on=TODAY - timedelta(days=60)
    )
    due_today = _issued(due_on=TODAY)
    due_later = _issued(due_on=TODAY + timedelta(days=7))
    draft = InvoiceLineFactory(invoice=InvoiceFactory(due_on=TODAY - timedelta(days=3))).invoice

    assert [row.number for row in overdue_invoices(today=TODAY)] == [overdue.number]
    overdue_invoices_remind(today=TODAY)
    body = mail.outbox[0].body
    for left_out in (paid, cancelled, credit_note, due_today, due_later):
        assert left_out.number not in body
    assert f"/invoices/{draft.pk}/" not in body


def test_a_draft_credit_note_does_not_hide_an_overdue_invoice(manager):
    invoice = _issued(due_on=TODAY - timedelta(days=3))
    InvoiceFactory(kind="credit_note", cancels=invoice)
    assert [row.number for row in overdue_invoices(today=TODAY)] == [invoice.number]


def test_no_mail_when_nothing_is_overdue(manager):
    _pay(_issued(due_on=TODAY - timedelta(days=3)), "100.00")
    _issued(due_on=TODAY + timedelta(days=1))
    assert overdue_invoices_remind(today=TODAY) == 0
    assert mail.outbox == []


def test_only_people_who_see_money_get_the_reminder(manager):
    staff = UserFactory(role="staff")
    partner = UserFactory(role="partner")
    UserFactory(role="manager", is_active=False)
    UserFactory(role="manager", email="")
    _issued(due_on=TODAY - timedelta(days=3))

    assert overdue_invoices_remind(today=TODAY) == 1
    assert [message.to for message in mail.outbox] == [[manager.email]]
    assert staff.email and partner.email
    # The one-query recipient list agrees with the rule the money pages use.
    users_with_email = get_user_model().objects.exclude(email="")
    assert set(reminder_recipients()) == {user for user in users_with_email if can_see_money(user)}


def test_queries_do_not_grow_with_the_number_of_invoices(manager, django_assert_max_num_queries):
    UserFactory(role="manager")
    _issued(due_on=TODAY - timedelta(days=3))
    with CaptureQueriesContext(connection) as one_invoice:
        overdue_invoices_remind(today=TODAY)
    assert len(one_invoice) == 4  # recipients, invoices with credit notes, lines, payments
    for day in range(30):
        invoice = _issued("80.00", vat_rate="18.00", due_on=TODAY - timedelta(days=day + 1))
        _pay(invoice, "10.00")
    invoice_cancel(invoice=_issued(due_on=TODAY - timedelta(days=2)), cancelled_by=manager)

    with django_assert_max_num_queries(len(one_invoice)):
        overdue_invoices_remind(today=TODAY)
    assert mail.outbox[-1].body.count("/invoices/") == 31 + 1  # 31 invoices and the list


def test_the_mail_is_in_georgian_whatever_the_caller_speaks(manager):
    _issued("12.50", due_on=TODAY - timedelta(days=3))
    with translation.override("en"):
        overdue_invoices_remind(today=TODAY)
    message = mail.outbox[0]
    html = message.alternatives[0].content
    assert "12,50 ₾" in message.body and "12,50 ₾" in html
    assert '<html lang="ka">' in html
    assert not contains_mtavruli(message.subject + message.body + html)


def test_one_refused_address_does_not_stop_the_others(manager, settings):
    UserFactory(role="manager", email="refused@kavshiri.example")
    last = UserFactory(role="manager")
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    _issued(due_on=TODAY - timedelta(days=3))
    assert overdue_invoices_remind(today=TODAY) == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted([manager.email, last.email])


class RefusingBackend(EmailBackend):
    def send_messages(self, messages):
        if any("refused" in address for message in messages for address in message.to):
            raise ConnectionRefusedError("the server refused the address")
        return super().send_messages(messages)


def test_the_beat_runs_the_task_on_monday_mornings_in_tbilisi():
    from config.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["remind-overdue-invoices"]
    assert entry["task"] == remind_overdue_invoices.name == "crm.tasks.remind_overdue_invoices"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.day_of_week, schedule.hour, schedule.minute) == ({1}, {9}, {0})
    assert schedule.day_of_month == set(range(1, 32)) and schedule.month_of_year == set(range(1, 13))
    assert app.conf.timezone == "Asia/Tbilisi"
    assert app.conf.beat_schedule["remind-overdue-invoices"]["task"] in app.tasks


def test_the_task_runs_through_celery_and_links_to_the_invoice(manager, settings):
    settings.SITE_URL = "https://kavshiri.example.ge/"
    today = timezone.localdate()
    invoice = _issued(due_on=today - timedelta(days=8), today=today)

    result = remind_overdue_invoices.apply()

    assert result.successful() and result.get() == 1
    link = f"https://kavshiri.example.ge/invoices/{invoice.pk}/"
    message = mail.outbox[0]
    assert link in message.body
    assert f'<a href="{link}">{invoice.number}</a>' in message.alternatives[0].content
