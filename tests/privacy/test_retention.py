"""After NEWSLETTER_DELIVERY_RETENTION_MONTHS, deliveries and bounce reports lose the address."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from config.celery import app as celery_app
from notifications import mail, retention
from notifications.models import Delivery, MailEvent, Suppression
from tests.notifications.factories import SubscriptionFactory
from tests.privacy.conftest import EMAIL

pytestmark = pytest.mark.django_db

TBILISI = timezone.get_fixed_timezone(4 * 60)


def _age(footprint, *, days):
    """Make the sent campaign, and the bounce report, `days` old."""
    then = timezone.now() - timedelta(days=days)
    footprint.campaign.started_at = then
    footprint.campaign.save(update_fields=["started_at"])
    MailEvent.objects.filter(pk=footprint.mail_event.pk).update(received_at=then)


def test_old_deliveries_lose_the_address_and_error_but_keep_their_status(ketevan):
    Delivery.objects.filter(pk=ketevan.delivery.pk).update(last_error=f"421 slow down <{EMAIL}>")
    _age(ketevan, days=25 * 31)

    result = retention.delivery_personal_data_purge()

    delivery = Delivery.objects.get(pk=ketevan.delivery.pk)
    assert (delivery.email, delivery.last_error) == ("", "")
    assert (delivery.status, delivery.reported, delivery.contact_id) == ("sent", "bounced", ketevan.person.pk)
    event = MailEvent.objects.get(pk=ketevan.mail_event.pk)
    assert (event.email, event.detail, event.kind) == ("", "", "hard_bounce")
    assert (result.deliveries, result.mail_events) == (1, 1)


def test_recent_and_unfinished_deliveries_keep_their_address(ketevan):
    _age(ketevan, days=23 * 30)
    old_but_waiting = ketevan.pending_delivery
    old_but_waiting.campaign.started_at = timezone.now() - timedelta(days=1000)
    old_but_waiting.campaign.save(update_fields=["started_at"])

    assert retention.delivery_personal_data_purge().deliveries == 0

    assert set(Delivery.objects.values_list("email", flat=True)) == {EMAIL}
    assert MailEvent.objects.get().email == EMAIL


def test_a_second_run_finds_nothing_left(ketevan):
    _age(ketevan, days=1000)
    retention.delivery_personal_data_purge()

    again = retention.delivery_personal_data_purge()

    assert (again.deliveries, again.mail_events) == (0, 0)


def test_the_setting_sets_the_period(ketevan, settings):
    _age(ketevan, days=45)
    assert retention.delivery_personal_data_purge().deliveries == 0

    settings.NEWSLETTER_DELIVERY_RETENTION_MONTHS = 1

    assert retention.delivery_personal_data_purge().deliveries == 1


@pytest.mark.parametrize("months", [0, -3, "24"])
def test_a_bad_setting_stops_it_with_a_message(settings, months):
    settings.NEWSLETTER_DELIVERY_RETENTION_MONTHS = months

    with pytest.raises(ImproperlyConfigured, match="NEWSLETTER_DELIVERY_RETENTION_MONTHS"):
        retention.delivery_personal_data_purge()


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 3, 31, 3, 30, tzinfo=TBILISI), 1, datetime(2026, 2, 28, 3, 30, tzinfo=TBILISI)),
        (datetime(2028, 3, 31, tzinfo=TBILISI), 1, datetime(2028, 2, 29, tzinfo=TBILISI)),
        (datetime(2026, 1, 15, tzinfo=TBILISI), 24, datetime(2024, 1, 15, tzinfo=TBILISI)),
        (datetime(2026, 1, 15, tzinfo=TBILISI), 13, datetime(2024, 12, 15, tzinfo=TBILISI)),
    ],
)
def test_months_are_calendar_months(moment, months, expected):
    assert retention.months_before(moment, months) == expected


def test_the_task_is_registered_for_beat_and_runs(ketevan):
    _age(ketevan, days=1000)
    task = celery_app.tasks["notifications.retention.purge_old_delivery_personal_data"]

    assert task.apply().get() == {"deliveries": 1, "mail_events": 1}


def test_an_unsubscribe_link_past_retention_still_stops_all_mail(ketevan):
    Suppression.objects.all().delete()
    _age(ketevan, days=1000)
    retention.delivery_personal_data_purge()
    url = f"/unsubscribe/{mail.unsubscribe_token(ketevan.delivery.pk)}/"

    response = Client(enforce_csrf_checks=True).post(url, {"scope": "all"})

    assert response.status_code == 200
    assert Suppression.objects.get().email == EMAIL  # her current address, from her record
    ketevan.person.refresh_from_db()
    assert not ketevan.person.newsletter_consent
    assert set(ketevan.person.subscriptions.values_list("status", flat=True)) == {"unsubscribed"}


def test_an_unsubscribe_link_past_retention_from_the_lists_only(ketevan):
    other = SubscriptionFactory(contact=ketevan.person)
    _age(ketevan, days=1000)
    retention.delivery_personal_data_purge()
    url = f"/unsubscribe/{mail.unsubscribe_token(ketevan.delivery.pk)}/"

    Delivery.objects.filter(pk=ketevan.delivery.pk).update(language="en")  # the page speaks it

    response = Client().post(url, {"scope": "list"})

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert " will no longer receive" not in response.content.decode()  # not with an empty address

    ketevan.subscription.refresh_from_db()
    other.refresh_from_db()
    assert (ketevan.subscription.status, other.status) == ("unsubscribed", "subscribed")
