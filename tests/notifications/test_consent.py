"""Only people with recorded consent get a newsletter, checked when the send starts and again
when each message goes out."""

import pytest

from crm.models import Contact
from notifications import services
from notifications.models import Campaign, Delivery, Subscription, Suppression
from tests.crm.factories import ContactFactory
from tests.notifications.factories import (
    CampaignFactory,
    MailingListFactory,
    SegmentFactory,
    SubscriptionFactory,
    consenting_contact,
)

pytestmark = pytest.mark.django_db


def _recipients(outbox):
    return sorted(message.to[0] for message in outbox)


def test_only_subscribed_people_with_unsuppressed_addresses_receive(send_campaign, outbox):
    news = MailingListFactory()
    subscribed = SubscriptionFactory(mailing_list=news, contact__email="nino@cso.ge")
    SubscriptionFactory(mailing_list=news, status=Subscription.Status.UNSUBSCRIBED)
    SubscriptionFactory(mailing_list=news, status=Subscription.Status.PENDING, consent_source="")
    SubscriptionFactory(mailing_list=news, status=Subscription.Status.BOUNCED)
    SubscriptionFactory(mailing_list=news, status=Subscription.Status.COMPLAINED)
    stopped = SubscriptionFactory(mailing_list=news, contact__email="stopped@cso.ge")
    Suppression.objects.create(email="stopped@cso.ge", reason=Suppression.Reason.STOPPED)
    SubscriptionFactory(mailing_list=news, contact__is_active=False)
    SubscriptionFactory(mailing_list=news, contact__email="")
    ContactFactory(email="not-subscribed@cso.ge", newsletter_consent=False)

    count = send_campaign(CampaignFactory(lists=[news]))

    assert count == 1
    assert _recipients(outbox) == [subscribed.contact.email]
    assert not Delivery.objects.filter(contact=stopped.contact).exists()


def test_a_segment_reaches_only_people_who_consented_to_newsletters(send_campaign, outbox):
    consenting_contact(email="yes@cso.ge")
    ContactFactory(email="no@cso.ge", newsletter_consent=False)

    send_campaign(CampaignFactory(segment_list=[SegmentFactory()]))

    assert _recipients(outbox) == ["yes@cso.ge"]


def test_a_suppressed_address_is_left_out_whatever_its_case(send_campaign, outbox):
    consenting_contact(email="Nino@CSO.ge")
    services.address_suppress(email="nino@cso.ge", reason=Suppression.Reason.COMPLAINED)

    assert send_campaign(CampaignFactory(segment_list=[SegmentFactory()])) == 0
    assert outbox == []


def test_consent_withdrawn_after_the_start_is_honoured_when_sending(
    eager_celery, django_capture_on_commit_callbacks, outbox
):
    news = MailingListFactory()
    stays = SubscriptionFactory(mailing_list=news, contact__email="stays@cso.ge")
    leaves = SubscriptionFactory(mailing_list=news, contact__email="leaves@cso.ge")
    bounced = SubscriptionFactory(mailing_list=news, contact__email="bounced@cso.ge")
    segment_person = consenting_contact(email="segment@cso.ge")
    campaign = CampaignFactory(lists=[news], segment_list=[SegmentFactory()])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.campaign_start(campaign_id=campaign.pk)
    assert Delivery.objects.filter(campaign=campaign).count() == 4

    # Between the freeze and the send: one unsubscribes, one address bounces elsewhere,
    # one person withdraws their general consent.
    Subscription.objects.filter(pk=leaves.pk).update(status=Subscription.Status.UNSUBSCRIBED)
    services.address_suppress(email="bounced@cso.ge", reason=Suppression.Reason.BOUNCED)
    Contact.objects.filter(pk=segment_person.pk).update(newsletter_consent=False)
    for callback in queued:
        callback()

    assert _recipients(outbox) == [stays.contact.email]
    statuses = dict(Delivery.objects.filter(campaign=campaign).values_list("email", "status"))
    assert statuses == {
        "stays@cso.ge": "sent",
        "leaves@cso.ge": "suppressed",
        "bounced@cso.ge": "suppressed",
        "segment@cso.ge": "suppressed",
    }
    assert bounced.contact.subscriptions.get().status == Subscription.Status.BOUNCED
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.SENT


def test_a_campaign_needs_content_and_an_audience():
    with pytest.raises(services.CampaignError):
        services.campaign_start(campaign_id=CampaignFactory().pk)
    campaign = CampaignFactory(
        subject_ka="", body_ka="", subject_en="", body_en="", lists=[MailingListFactory()]
    )
    with pytest.raises(services.CampaignError):
        services.campaign_start(campaign_id=campaign.pk)
