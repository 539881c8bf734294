"""What happens when the address of a person erased on request turns up again: in a late
bounce report, in a colleague's hands, or with the person themselves asking to subscribe."""

import pytest
from django.utils import translation

from crm import privacy
from crm.models import FollowUp
from notifications import selectors, services
from notifications.models import MailEvent, Subscription, Suppression
from tests.crm.factories import ContactFactory
from tests.notifications.factories import CampaignFactory, MailingListFactory
from tests.privacy.conftest import EMAIL

pytestmark = pytest.mark.django_db


@pytest.fixture
def erased(ketevan, manager):
    Suppression.objects.all().delete()  # only the erasure's own entry is left to decide
    privacy.contact_erase(contact=ketevan.person, by=manager, reason="request")
    [entry] = Suppression.objects.all()
    return entry


@pytest.mark.parametrize("kind", [MailEvent.Kind.HARD_BOUNCE, MailEvent.Kind.COMPLAINT])
def test_a_late_report_does_not_write_the_address_back(erased, kind):
    follow_ups = FollowUp.objects.count()

    event, created = services.mail_event_record(
        provider="ses", event_id="late-1", kind=kind, email=EMAIL.upper(), detail=f"550 {EMAIL} unknown"
    )

    assert created
    assert (event.email, event.detail, event.delivery) == ("", "", None)
    [entry] = Suppression.objects.all()
    assert (entry.pk, entry.email) == (erased.pk, "")
    assert entry.reason == (
        Suppression.Reason.COMPLAINED if kind == MailEvent.Kind.COMPLAINT else erased.reason
    )
    assert FollowUp.objects.count() == follow_ups  # nobody is sent after a person who is gone


def test_staff_cannot_subscribe_the_address_again(erased, manager):
    back = ContactFactory(email=EMAIL)

    with translation.override("en"), pytest.raises(services.CampaignError, match="erased at their request"):
        services.subscription_add_by_staff(
            mailing_list=MailingListFactory(), contact=back, language="ka", reason="phone call", by=manager
        )

    assert not Subscription.objects.filter(contact=back).exists()


def test_the_person_may_subscribe_again_themselves(erased, django_capture_on_commit_callbacks):
    news = MailingListFactory()
    with django_capture_on_commit_callbacks(execute=False):
        subscription = services.subscription_request(mailing_list=news, email=EMAIL, first_name="ქეთევან")
    assert Suppression.objects.filter(pk=erased.pk).exists()  # asking is not yet consent

    services.subscription_confirm(subscription_id=subscription.pk)

    assert not Suppression.objects.exists()
    [recipient] = selectors.campaign_audience(CampaignFactory(lists=[news]))
    assert recipient.email == EMAIL


def test_a_bounced_erased_address_is_not_sent_a_confirmation(erased, django_capture_on_commit_callbacks):
    Suppression.objects.filter(pk=erased.pk).update(reason=Suppression.Reason.BOUNCED)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = services.subscription_request(mailing_list=MailingListFactory(), email=EMAIL)

    assert (answer, queued) == (None, [])


def test_unsubscribing_everything_from_a_delivery_without_address_adds_no_entry(ketevan, erased):
    ketevan.delivery.refresh_from_db()
    assert ketevan.delivery.email == ""

    services.unsubscribe(delivery_id=ketevan.delivery.pk, everything=True)

    assert list(Suppression.objects.all()) == [erased]


def test_suppressing_needs_an_address():
    with pytest.raises(ValueError):
        services.address_suppress(email="  ", reason=Suppression.Reason.STOPPED)
