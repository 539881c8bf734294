"""Starting a send freezes the audience once: one row per person, Message-IDs fixed then."""

import pytest

from notifications import services
from notifications.models import Campaign, Delivery
from tests.notifications.factories import CampaignFactory, MailingListFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_freezing_twice_adds_no_one_and_keeps_message_ids():
    news, other = MailingListFactory(), MailingListFactory()
    for _ in range(5):
        subscription = SubscriptionFactory(mailing_list=news)
        # On two lists of the campaign: still one message.
        SubscriptionFactory(mailing_list=other, contact=subscription.contact)
    campaign = CampaignFactory(lists=[news, other])

    assert services.freeze_audience(campaign) == 5
    ids = dict(Delivery.objects.values_list("contact_id", "message_id"))
    assert services.freeze_audience(campaign) == 0
    assert dict(Delivery.objects.values_list("contact_id", "message_id")) == ids
    assert len(set(ids.values())) == 5
    assert all(mid.startswith("<") and mid.endswith(">") and "@" in mid for mid in ids.values())


def test_two_people_sharing_an_address_get_one_message():
    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news, contact__email="office@cso.ge")
    SubscriptionFactory(mailing_list=news, contact__email="Office@CSO.ge")

    assert services.freeze_audience(CampaignFactory(lists=[news])) == 1


def test_a_campaign_starts_once(django_capture_on_commit_callbacks):
    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news)
    campaign = CampaignFactory(lists=[news])

    with django_capture_on_commit_callbacks() as queued:
        assert services.campaign_start(campaign_id=campaign.pk) == 1
    with pytest.raises(services.CampaignError):
        services.campaign_start(campaign_id=campaign.pk)
    assert len(queued) == 1
    assert Delivery.objects.count() == 1
    assert Campaign.objects.get(pk=campaign.pk).recipient_count == 1


def test_nothing_is_queued_when_the_start_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news)
    campaign = CampaignFactory(lists=[news])
    with django_capture_on_commit_callbacks() as queued:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.campaign_start(campaign_id=campaign.pk)
            raise RuntimeError("the request failed after the start")
    assert queued == []
    assert Delivery.objects.count() == 0
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.DRAFT


def test_the_audience_is_fanned_out_in_pages_of_ids(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications import tasks

    settings.NEWSLETTER_BATCH_SIZE = 4
    news = MailingListFactory()
    for _ in range(10):
        SubscriptionFactory(mailing_list=news)
    campaign = CampaignFactory(lists=[news])
    sent = []
    monkeypatch.setattr(tasks.send_campaign_batch, "apply_async", lambda args, **kw: sent.append(args))
    with django_capture_on_commit_callbacks(execute=False):
        services.campaign_start(campaign_id=campaign.pk)

    assert services.campaign_fan_out(campaign_id=campaign.pk) == 3
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    assert sent == [
        [campaign.pk, ids[0], ids[3]],
        [campaign.pk, ids[4], ids[7]],
        [campaign.pk, ids[8], ids[9]],
    ]
    # Handed out just now: the periodic task leaves them to those tasks.
    assert services.campaign_fan_out(campaign_id=campaign.pk, only_undispatched=True) == 0


def test_rows_whose_task_was_lost_are_handed_out_again_once_the_campaign_is_quiet(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from notifications import tasks

    settings.NEWSLETTER_REDISPATCH_AFTER = 600
    news = MailingListFactory()
    for _ in range(3):
        SubscriptionFactory(mailing_list=news)
    campaign = CampaignFactory(lists=[news])
    sent = []
    monkeypatch.setattr(tasks.send_campaign_batch, "apply_async", lambda args, **kw: sent.append(args))
    with django_capture_on_commit_callbacks(execute=False):
        services.campaign_start(campaign_id=campaign.pk)
    long_ago = timezone.now() - timedelta(seconds=601)
    first, *rest = Delivery.objects.order_by("pk")
    # One row was just claimed by a living worker; the others' task is long gone.
    Delivery.objects.filter(pk=first.pk).update(
        status="sending", claimed_at=timezone.now(), dispatched_at=long_ago
    )
    Delivery.objects.filter(pk__in=[row.pk for row in rest]).update(dispatched_at=long_ago)

    assert services.newsletter_tick().dispatched == 0  # still active: its tasks may be queued

    Delivery.objects.filter(pk=first.pk).update(status="sent", claimed_at=long_ago)
    assert services.newsletter_tick().dispatched == 1
    assert sent == [[campaign.pk, rest[0].pk, rest[-1].pk]]
