"""After a delivered service its client is asked for feedback once, N days later."""

import smtplib
from datetime import date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from config.celery import app as celery_app
from config.georgian_text import contains_mtavruli
from crm.models import ServiceDelivery
from notifications import conf, feedback
from notifications.feedback import feedback_requests_send
from notifications.models import Suppression
from notifications.tasks import send_feedback_requests
from tests.crm.factories import AffiliationFactory, OrganisationFactory, ServiceDeliveryFactory
from tests.network.factories import municipality
from tests.notifications.stubs import ScriptedBackend

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


def _delivery(ended_days_ago=3, *, today=TODAY, **kwargs):
    return ServiceDeliveryFactory(start_date=today - timedelta(days=ended_days_ago), **kwargs)


def _main_contact(organisation, **contact):
    fields = {f"contact__{name}": value for name, value in contact.items()}
    return AffiliationFactory(organisation=organisation, is_primary=True, **fields).contact


def _asked(delivery) -> bool:
    delivery.refresh_from_db()
    return delivery.feedback_requested_at is not None


@pytest.fixture
def delivery():
    delivery = _delivery()
    _main_contact(delivery.client_organisation, email="director@cso.example.ge", first_name="თამარ")
    return delivery


def test_the_main_contact_is_asked_once(delivery, outbox):
    assert feedback_requests_send(today=TODAY) == 1
    assert feedback_requests_send(today=TODAY) == 0
    assert feedback_requests_send(today=TODAY + timedelta(days=1)) == 0

    [message] = outbox
    assert message.to == ["director@cso.example.ge"]
    assert "ტრენინგი" in message.subject  # the service, in Georgian
    assert "გამარჯობა, თამარ," in message.body
    assert delivery.client_organisation.name in message.body
    assert "20.11.2026" in message.body
    assert _asked(delivery)


def test_overlapping_runs_send_once(delivery, outbox, monkeypatch):
    select = feedback.feedback_due

    def overtaken(*, today):
        rows = list(select(today=today))  # this run has read its deliveries...
        monkeypatch.setattr(feedback, "feedback_due", select)
        assert feedback_requests_send(today=today) == 1  # ...and another run sends them first
        return rows

    monkeypatch.setattr(feedback, "feedback_due", overtaken)

    assert feedback_requests_send(today=TODAY) == 0
    assert len(outbox) == 1


def test_not_before_n_days_after_the_end(outbox, settings):
    settings.NEWSLETTER_FEEDBACK_AFTER_DAYS = 5
    four_days = _delivery(4)
    # Started long ago, ended yesterday: the end date counts.
    long_course = _delivery(40, end_date=TODAY - timedelta(days=1))

    assert feedback_requests_send(today=TODAY) == 0
    assert feedback_requests_send(today=TODAY + timedelta(days=1)) == 1
    assert _asked(four_days) and not _asked(long_course)
    assert feedback_requests_send(today=TODAY + timedelta(days=4)) == 1
    assert _asked(long_course)


def test_the_default_is_three_days(outbox):
    two_days, three_days = _delivery(2), _delivery(3)
    assert conf.feedback_after_days() == 3
    assert feedback_requests_send(today=TODAY) == 1
    assert _asked(three_days) and not _asked(two_days)


def test_old_deliveries_are_never_asked(outbox):
    last_day = _delivery(30)
    too_old = _delivery(31)
    years_ago = _delivery(3 * 365, end_date=TODAY - timedelta(days=3 * 365 - 2))

    assert feedback_requests_send(today=TODAY) == 1
    assert outbox[0].to == [last_day.client_organisation.email]
    assert not _asked(too_old) and not _asked(years_ago)


def test_the_organisation_address_stands_in_for_a_missing_main_contact(outbox):
    delivery = _delivery()
    organisation = delivery.client_organisation
    AffiliationFactory(organisation=organisation, is_primary=False)  # not the main contact
    _main_contact(organisation, email="")  # main, but no address
    _main_contact(organisation, is_active=False)
    AffiliationFactory(organisation=organisation, is_primary=True, end_date=TODAY - timedelta(days=60))
    AffiliationFactory(organisation=organisation, is_primary=True, start_date=TODAY + timedelta(days=7))

    assert feedback_requests_send(today=TODAY) == 1
    assert outbox[0].to == [organisation.email]
    assert "გამარჯობა," in outbox[0].body


def test_no_address_no_mail_and_no_claim(outbox):
    without_address = _delivery(client_organisation=OrganisationFactory(email=""))
    for_a_municipality = _delivery(client_organisation=None, client_municipality=municipality())

    assert feedback_requests_send(today=TODAY) == 0
    assert outbox == []
    assert not _asked(without_address) and not _asked(for_a_municipality)


@pytest.mark.parametrize("reason", list(Suppression.Reason))
def test_suppressed_addresses_get_nothing(reason, outbox):
    delivery = _delivery()
    _main_contact(delivery.client_organisation, email="Director@CSO.example.ge")
    Suppression.objects.create(email="director@cso.example.ge", reason=reason)
    suppressed_organisation = _delivery().client_organisation
    Suppression.objects.create(email=suppressed_organisation.email.lower(), reason=reason)

    assert feedback_requests_send(today=TODAY) == 0
    # The organisation's address does not stand in for a main contact who asked for no mail.
    assert outbox == []
    assert not _asked(delivery)


def test_each_contact_gets_their_language(outbox):
    english = _delivery()
    _main_contact(english.client_organisation, email="en@cso.example.ge", preferred_language="en")
    georgian = _delivery()
    _main_contact(georgian.client_organisation, email="ka@cso.example.ge", preferred_language="ka")

    assert feedback_requests_send(today=TODAY) == 2

    mails = {message.to[0]: message for message in outbox}
    en, ka = mails["en@cso.example.ge"], mails["ka@cso.example.ge"]
    assert "Training" in en.subject and "ტრენინგი" not in en.subject + en.body
    assert '<html lang="en">' in en.alternatives[0].content
    assert "ტრენინგი" in ka.subject and "Training" not in ka.subject + ka.body
    assert '<html lang="ka">' in ka.alternatives[0].content
    assert not contains_mtavruli(ka.subject + ka.body + ka.alternatives[0].content)


def test_a_failed_send_releases_the_claim(delivery, scripted_smtp):
    scripted_smtp.script["director@cso.example.ge"] = [smtplib.SMTPServerDisconnected("gone")]
    other = _delivery()

    assert feedback_requests_send(today=TODAY) == 1  # the other one still goes
    assert not _asked(delivery) and _asked(other)

    assert feedback_requests_send(today=TODAY) == 1  # the next run tries again
    assert _asked(delivery)
    assert [message.to[0] for message in ScriptedBackend.accepted] == [
        other.client_organisation.email,
        "director@cso.example.ge",
    ]


def test_an_unexpected_error_releases_the_claim_too(delivery, scripted_smtp):
    scripted_smtp.script["director@cso.example.ge"] = [RuntimeError("a bug")]
    with pytest.raises(RuntimeError):
        feedback_requests_send(today=TODAY)
    assert not _asked(delivery)


def test_bad_settings_fail_loudly(settings):
    settings.NEWSLETTER_FEEDBACK_AFTER_DAYS = -1
    with pytest.raises(ImproperlyConfigured):
        conf.feedback_after_days()
    settings.NEWSLETTER_FEEDBACK_AFTER_DAYS = 10
    settings.NEWSLETTER_FEEDBACK_WINDOW_DAYS = 5
    with pytest.raises(ImproperlyConfigured):
        conf.feedback_window_days()


def test_the_task_runs_through_celery(outbox):
    today = timezone.localdate()
    delivery = _delivery(3, today=today)

    result = send_feedback_requests.apply()

    assert result.successful() and result.get() == 1
    assert outbox[0].to == [delivery.client_organisation.email]
    assert send_feedback_requests.name == "notifications.tasks.send_feedback_requests"
    assert send_feedback_requests.name in celery_app.tasks
    assert ServiceDelivery.objects.filter(feedback_requested_at__isnull=False).count() == 1
