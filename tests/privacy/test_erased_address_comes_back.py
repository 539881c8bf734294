"""What happens when the address of a person erased on request turns up again: in a late
bounce report, in a colleague's hands, or with the person themselves asking to subscribe."""

import re

import pytest
from django.core import signing
from django.utils import translation

from config.celery import app as celery_app
from crm import privacy
from crm.models import Contact, FollowUp
from notifications import mail, selectors, services
from notifications.models import MailEvent, Subscription, Suppression
from tests.crm.factories import ContactFactory
from tests.notifications.factories import CampaignFactory, MailingListFactory
from tests.privacy.conftest import EMAIL

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_celery(settings):
    settings.CELERY_BROKER_URL = "memory://"
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


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


def _asks_to_subscribe(mailing_list, mailoutbox, django_capture_on_commit_callbacks, email=EMAIL):
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.subscription_request(mailing_list=mailing_list, email=email, first_name="ქეთევან")
    [message] = mailoutbox
    [link] = re.findall(r"https?://\S+/subscribe/confirm/[^/\s]+/", message.body)
    return answer, message, link


def test_asking_to_subscribe_an_erased_address_writes_nothing_but_mails_it_a_link(
    erased, eager_celery, mailoutbox, django_capture_on_commit_callbacks
):
    public = MailingListFactory(is_public=True)
    contacts = Contact.objects.count()

    answer, message, _link = _asks_to_subscribe(public, mailoutbox, django_capture_on_commit_callbacks)

    # Anyone may type the address: nothing of it is recorded until it is confirmed from there.
    assert answer is None and Contact.objects.count() == contacts
    assert not Subscription.objects.filter(mailing_list=public).exists()
    assert message.to == [EMAIL]
    assert Suppression.objects.filter(pk=erased.pk).exists()


def test_the_person_may_subscribe_again_by_confirming_from_their_address(
    erased, eager_celery, mailoutbox, django_capture_on_commit_callbacks, client
):
    public = MailingListFactory(is_public=True)
    _answer, _message, link = _asks_to_subscribe(public, mailoutbox, django_capture_on_commit_callbacks)
    path = link[link.index("/subscribe/") :]

    assert client.get(path).status_code == 200
    assert not Subscription.objects.filter(mailing_list=public).exists()  # a look is not consent
    assert client.post(path).status_code == 200

    [subscription] = Subscription.objects.filter(mailing_list=public)
    assert (subscription.status, subscription.contact.email) == (Subscription.Status.SUBSCRIBED, EMAIL)
    assert not Suppression.objects.exists()  # the block is lifted
    [recipient] = selectors.campaign_audience(CampaignFactory(lists=[public]))
    assert recipient.email == EMAIL
    client.cookies["django_language"] = "en"
    again = client.post(path)  # a second press changes nothing
    assert "You are subscribed" in again.content.decode()
    assert Subscription.objects.filter(mailing_list=public).count() == 1


def test_a_return_link_not_signed_by_us_is_refused(erased, client):
    public = MailingListFactory(is_public=True)
    asked = {"list": public.pk, "email": "someone.else@example.ge", "first": "", "last": "", "lang": "ka"}
    made_up = signing.dumps(asked, salt="notifications.subscription-return", key="not-our-secret-key-at-all")

    for token in (made_up, mail.return_token(asked)[:-3] + "abc"):
        assert client.post(f"/subscribe/confirm/{token}/").status_code == 400
    assert not Subscription.objects.exists()


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
