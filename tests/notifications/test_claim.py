"""A delivery is sent by whoever claims it, and by no one else."""

import threading

import pytest
from django.conf import settings as django_settings
from django.db import connection

from notifications import services
from notifications.models import Delivery
from tests.notifications.factories import CampaignFactory, MailingListFactory, SubscriptionFactory


def _started_campaign(django_capture_on_commit_callbacks, people=6):
    news = MailingListFactory()
    for _ in range(people):
        SubscriptionFactory(mailing_list=news)
    campaign = CampaignFactory(lists=[news])
    with django_capture_on_commit_callbacks(execute=False):
        services.campaign_start(campaign_id=campaign.pk)
    return campaign


def _range(campaign):
    ids = list(Delivery.objects.filter(campaign=campaign).order_by("pk").values_list("pk", flat=True))
    return ids[0], ids[-1]


@pytest.mark.django_db
def test_a_range_sent_twice_sends_each_message_once(django_capture_on_commit_callbacks, outbox):
    campaign = _started_campaign(django_capture_on_commit_callbacks)
    first, last = _range(campaign)

    assert services.campaign_send_batch(campaign_id=campaign.pk, first_id=first, last_id=last).sent == 6
    assert services.campaign_send_batch(campaign_id=campaign.pk, first_id=first, last_id=last).sent == 0
    assert len(outbox) == 6


@pytest.mark.django_db
def test_rows_claimed_by_another_worker_are_skipped(django_capture_on_commit_callbacks, outbox):
    campaign = _started_campaign(django_capture_on_commit_callbacks)
    rows = list(Delivery.objects.filter(campaign=campaign).order_by("pk"))
    # Another worker claimed two rows of the range.
    Delivery.objects.filter(pk__in=[rows[1].pk, rows[4].pk]).update(status="sending")

    result = services.campaign_send_batch(campaign_id=campaign.pk, first_id=rows[0].pk, last_id=rows[-1].pk)

    assert result.sent == 4
    assert sorted(message.to[0] for message in outbox) == sorted(
        row.email for row in rows if row.pk not in (rows[1].pk, rows[4].pk)
    )
    assert Delivery.objects.filter(status="sending").count() == 2


@pytest.mark.django_db
def test_a_paused_campaign_claims_nothing(django_capture_on_commit_callbacks, outbox):
    campaign = _started_campaign(django_capture_on_commit_callbacks)
    first, last = _range(campaign)
    batch = services._Batch(campaign, first, last)  # loaded while the campaign was sending
    services.campaign_pause(campaign=campaign)

    assert batch.run().sent == 0
    assert outbox == []
    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 0)}


@pytest.mark.skipif(
    "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
    reason="needs PostgreSQL: concurrent writers from threads need a server database, not SQLite's one writer",
)
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_one_range_send_each_message_once(django_capture_on_commit_callbacks, outbox):
    campaign = _started_campaign(django_capture_on_commit_callbacks, people=60)
    first, last = _range(campaign)
    results, barrier = [], threading.Barrier(4)

    def worker():
        barrier.wait()
        try:
            results.append(
                services.campaign_send_batch(campaign_id=campaign.pk, first_id=first, last_id=last)
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(result.sent for result in results) == 60
    recipients = [message.to[0] for message in outbox]
    assert len(recipients) == len(set(recipients)) == 60
    assert Delivery.objects.filter(status="sent", attempts=1).count() == 60
