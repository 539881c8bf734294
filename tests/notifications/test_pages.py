"""Staff pages: write, preview, test, send and watch a newsletter; keep lists and segments."""

import pytest

from notifications.models import Campaign, Delivery, Segment, Subscription
from tests.crm.factories import ContactFactory
from tests.notifications.factories import CampaignFactory, MailingListFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, user_in_role):
    client.force_login(user_in_role("staff"))
    return client


@pytest.fixture
def manager_client(client, user_in_role):
    client.force_login(user_in_role("manager"))
    return client


def test_staff_write_a_draft(staff_client):
    news = MailingListFactory()
    response = staff_client.post(
        "/newsletters/new/",
        {"name": "November", "subject_ka": "სიახლეები", "body_ka": "ტექსტი", "mailing_lists": [news.pk]},
    )

    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/newsletters/{campaign.pk}/"
    assert campaign.languages == ["ka"] and campaign.status == "draft"


def test_a_language_needs_both_subject_and_text(staff_client):
    response = staff_client.post("/newsletters/new/", {"name": "x", "subject_en": "News"})

    assert response.status_code == 200 and not Campaign.objects.exists()


def test_a_sent_campaign_cannot_be_edited(staff_client):
    campaign = CampaignFactory(status="sent")

    response = staff_client.post(
        f"/newsletters/{campaign.pk}/edit/", {"name": "changed", "subject_ka": "x", "body_ka": "y"}
    )

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.name != "changed"


def test_preview_fills_a_sample_recipients_merge_fields(staff_client):
    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news, contact__first_name="თამარ")
    campaign = CampaignFactory(lists=[news])

    page = staff_client.get(f"/newsletters/{campaign.pk}/preview/ka/").content.decode()

    assert "გამარჯობა, თამარ!" in page and "<strong>ახალი ტრენინგი</strong>" in page
    assert "Hello, თამარ!" in staff_client.get(f"/newsletters/{campaign.pk}/preview/en/").content.decode()


def test_staff_send_themselves_a_test_but_not_the_campaign(staff_client, eager_celery, outbox):
    campaign = CampaignFactory(lists=[MailingListFactory()])

    staff_client.post(f"/newsletters/{campaign.pk}/test/", {"email": "me@centre.ge"})
    assert staff_client.post(f"/newsletters/{campaign.pk}/send/").status_code == 403

    # The "[test]" mark is in the staff member's language, Georgian here.
    assert sorted(m.subject for m in outbox) == ["[სატესტო] November news", "[სატესტო] ნოემბრის სიახლეები"]
    assert all(m.to == ["me@centre.ge"] for m in outbox)
    assert Campaign.objects.get(pk=campaign.pk).status == "draft"


def test_a_manager_sends_and_progress_is_served_as_json(
    manager_client, eager_celery, outbox, django_capture_on_commit_callbacks
):
    news = MailingListFactory()
    for _ in range(3):
        SubscriptionFactory(mailing_list=news)
    campaign = CampaignFactory(lists=[news])

    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(f"/newsletters/{campaign.pk}/send/").status_code == 302

    progress = manager_client.get(f"/newsletters/{campaign.pk}/progress/").json()
    assert progress["status"] == "sent"
    assert (progress["total"], progress["sent"], progress["failed"], progress["remaining"]) == (3, 3, 0, 0)
    page = manager_client.get(f"/newsletters/{campaign.pk}/").content.decode()
    assert "notifications/campaign-progress.js" in page and "<script>" not in page


def test_a_manager_schedules_and_the_tick_starts_it(
    manager_client, eager_celery, outbox, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from notifications import services

    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news)
    campaign = CampaignFactory(lists=[news])
    at = timezone.localtime() + timedelta(hours=1)
    manager_client.post(
        f"/newsletters/{campaign.pk}/schedule/", {"scheduled_at": at.strftime("%Y-%m-%dT%H:%M")}
    )
    campaign.refresh_from_db()
    assert campaign.status == "scheduled"

    assert services.newsletter_tick().started == []
    Campaign.objects.filter(pk=campaign.pk).update(scheduled_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert services.newsletter_tick().started == [campaign.pk]
    assert len(outbox) == 1 and Delivery.objects.get().status == "sent"


def test_staff_subscribe_someone_with_a_reason(staff_client):
    news = MailingListFactory()
    person = ContactFactory(email="gela@cso.ge")

    response = staff_client.post(
        f"/lists/{news.pk}/subscriptions/",
        {
            "email": "Gela@cso.ge",
            "language": "en",
            "source": "staff",
            "reason": "asked at the Zestaponi training",
        },
    )

    assert response.status_code == 302
    subscription = Subscription.objects.get(contact=person)
    assert (subscription.status, subscription.consent_source, subscription.language) == (
        "subscribed",
        "staff",
        "en",
    )
    assert subscription.consent_note == "asked at the Zestaponi training"
    assert "gela@cso.ge" in staff_client.get(f"/lists/{news.pk}/").content.decode()


def test_a_segment_is_saved_as_filters(staff_client):
    from network.models import Region

    imereti = Region.objects.get(code="GE-IM")
    response = staff_client.post(
        "/newsletters/segments/new/",
        {
            "name": "Imereti directors",
            "regions": [imereti.pk],
            "languages": ["ka"],
            "roles": "დირექტორი, მენეჯერი",
        },
    )

    assert response.status_code == 302
    filters = Segment.objects.get().filters
    assert filters["regions"] == [imereti.pk] and filters["roles"] == ["დირექტორი", "მენეჯერი"]
    assert "Imereti directors" in staff_client.get("/newsletters/segments/").content.decode()
