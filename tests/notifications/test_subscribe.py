"""The public form with double opt-in: a signed, expiring link mailed through Celery; confirming
records consent as given through the form."""

import re

import pytest
from django.core import signing

from notifications import mail
from notifications.models import Subscription, Suppression
from tests.notifications.factories import MailingListFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def news():
    return MailingListFactory(slug="imereti-news", name_ka="იმერეთის ამბები")


def _subscribe(client, django_capture_on_commit_callbacks, email="nino@cso.ge", **extra):
    data = {"email": email, "first_name": "ნინო", "language": "ka", **extra}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/subscribe/imereti-news/", data)


def _link(message):
    return re.search(r"https?://[^/]+(/subscribe/confirm/[^/\s]+/)", message.body).group(1)


def test_subscribe_confirm_and_consent_is_recorded(
    client, news, eager_celery, outbox, django_capture_on_commit_callbacks
):
    assert "იმერეთის ამბები" in client.get("/subscribe/imereti-news/").content.decode()

    response = _subscribe(client, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.PENDING and subscription.contact.first_name == "ნინო"
    assert [message.to for message in outbox] == [["nino@cso.ge"]]
    link = _link(outbox[0])
    assert client.get(link).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.PENDING  # never acts on GET

    for _ in range(2):
        assert client.post(link).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.SUBSCRIBED
    assert subscription.consent_source == "form" and subscription.consent_given_at


def test_an_expired_link_is_refused(client, news, settings):
    settings.NEWSLETTER_CONFIRMATION_MAX_AGE = -1
    subscription = SubscriptionFactory(mailing_list=news, status="pending", consent_source="")

    response = client.get(f"/subscribe/confirm/{mail.confirmation_token(subscription.pk)}/")

    assert response.status_code == 400


def test_a_forged_link_is_refused(client, news):
    token = signing.TimestampSigner(salt="something-else").sign("1")
    assert client.get(f"/subscribe/confirm/{token}/").status_code == 400
    assert client.post("/subscribe/confirm/garbage/").status_code == 400


def test_already_subscribed_or_bounced_addresses_get_no_mail_and_the_same_page(
    client, news, eager_celery, outbox, django_capture_on_commit_callbacks
):
    SubscriptionFactory(mailing_list=news, contact__email="member@cso.ge")
    Suppression.objects.create(email="dead@cso.ge", reason=Suppression.Reason.BOUNCED)

    first = _subscribe(client, django_capture_on_commit_callbacks, email="member@cso.ge")
    second = _subscribe(client, django_capture_on_commit_callbacks, email="dead@cso.ge")

    assert first.status_code == second.status_code == 200
    assert outbox == []


def test_robots_filling_the_hidden_field_are_ignored(
    client, news, outbox, django_capture_on_commit_callbacks
):
    _subscribe(client, django_capture_on_commit_callbacks, website="http://spam.example")

    assert not Subscription.objects.exists()


def test_private_lists_have_no_public_form(client):
    MailingListFactory(slug="staff-only", is_public=False)

    assert client.get("/subscribe/staff-only/").status_code == 404


def test_an_address_longer_than_the_model_keeps_is_a_form_error(client, news):
    response = client.post(
        "/subscribe/imereti-news/", {"email": "a" * 120 + "@" + "b" * 130 + ".ge", "language": "ka"}
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode() or "errorlist" in response.content.decode()
