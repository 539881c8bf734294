"""Partner accounts: staff invite by email, the invited person accepts a signed, expiring,
single-use link, and staff can suspend, reactivate and revoke."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.utils import timezone

from config.celery import app as celery_app
from config.roles import PARTNER
from network import services
from network.models import PartnerAccount, PartnerInvitation
from network.permissions import partner_organisation_id
from network.tasks import send_partner_invitation
from tests.crm.factories import OrganisationFactory
from tests.factories import UserFactory
from tests.network.factories import PartnerAccountFactory, PartnerInvitationFactory

pytestmark = pytest.mark.django_db

PASSWORD = "ქუთაისი-imereti-2026"
LINK = re.compile(r"https?://\S+/partners/accept/[^/\s]+/")


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in the test's process, as a worker would run them."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def staff(user_in_role):
    return user_in_role("staff")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _invite(staff_client, django_capture_on_commit_callbacks, organisation, email="nino@guria-cso.ge"):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/partners/invite/", {"organisation": organisation.pk, "email": email, "name": "ნინო ბერიძე"}
        )
    return response


def _link(message) -> str:
    return LINK.search(message.body).group(0)


def _path(link: str) -> str:
    return link.removeprefix(django_settings.SITE_URL.rstrip("/"))


def _accept(client, path, username="nino", password=PASSWORD):
    return client.post(
        path,
        {
            "username": username,
            "first_name": "ნინო",
            "last_name": "ბერიძე",
            "password1": password,
            "password2": password,
        },
    )


def test_invite_mail_accept_and_land_in_the_directory(
    staff_client, client, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory(is_partner=False)

    response = _invite(staff_client, django_capture_on_commit_callbacks, organisation)

    assert response.status_code == 302 and response["Location"] == "/partners/"
    organisation.refresh_from_db()
    assert organisation.is_partner
    invitation = PartnerInvitation.objects.get()
    assert invitation.sent_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nino@guria-cso.ge"]
    link = _link(message)
    assert link.startswith(django_settings.SITE_URL.rstrip("/") + "/partners/accept/")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and link in html
    # Georgian first: the Georgian part, with the centre's Georgian name, comes before the English.
    assert message.body.index(django_settings.CENTRE_NAME_KA) < message.body.index(
        django_settings.CENTRE_NAME
    )
    assert html.index('lang="ka"') < html.index('lang="en"')
    assert organisation.name in message.body

    client.logout()
    form_page = client.get(_path(link))
    assert form_page.status_code == 200
    assert form_page.context["form"]["username"].value() == "nino@guria-cso.ge"

    accepted = _accept(client, _path(link))

    assert accepted.status_code == 302 and accepted["Location"] == "/directory/"
    user = get_user_model().objects.get(username="nino")
    assert user.email == "nino@guria-cso.ge"
    assert user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [PARTNER]
    assert user.partner_account.organisation == organisation
    assert partner_organisation_id(user) == organisation.pk
    assert int(client.session["_auth_user_id"]) == user.pk
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.account == user.partner_account


def test_the_mail_goes_out_only_after_the_invitation_is_committed(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.partner_invite(organisation=OrganisationFactory(), email="a@b.ge", invited_by=staff)

    assert mail.outbox == []  # nothing during the transaction
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


def test_a_broker_that_cannot_be_reached_leaves_the_invitation_unsent_not_an_error(
    staff_client, django_capture_on_commit_callbacks, monkeypatch
):
    def unreachable(*args, **kwargs):
        raise OSError("broker unreachable")

    monkeypatch.setattr(send_partner_invitation, "delay", unreachable)

    response = _invite(staff_client, django_capture_on_commit_callbacks, OrganisationFactory())

    assert response.status_code == 302
    invitation = PartnerInvitation.objects.get()
    assert invitation.sent_at is None and mail.outbox == []
    assert "/partners/invitations/" in staff_client.get("/partners/").content.decode()


def test_the_task_sends_once_however_often_it_runs():
    invitation = PartnerInvitationFactory()

    assert send_partner_invitation.apply(args=[invitation.pk]).get() is True
    assert send_partner_invitation.apply(args=[invitation.pk]).get() is False
    assert len(mail.outbox) == 1


def test_the_task_sends_nothing_for_a_revoked_invitation():
    invitation = PartnerInvitationFactory(revoked_at=timezone.now())

    assert send_partner_invitation.apply(args=[invitation.pk]).get() is False
    assert mail.outbox == []


def test_a_failed_send_is_released_for_the_retry(monkeypatch):
    invitation = PartnerInvitationFactory()

    def refuse(backend, messages):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(OSError):
        services.partner_invitation_send(invitation_id=invitation.pk)

    invitation.refresh_from_db()
    assert invitation.sent_at is None
    monkeypatch.undo()
    assert services.partner_invitation_send(invitation_id=invitation.pk) is True


def test_a_used_link_is_gone(client):
    invitation = PartnerInvitationFactory()
    path = f"/partners/accept/{services.invitation_token(invitation)}/"
    assert _accept(client, path).status_code == 302
    client.logout()

    again = client.get(path)
    posted_again = _accept(client, path, username="someone-else")

    assert again.status_code == 410 and posted_again.status_code == 410
    assert again.context["reason"] == "used"
    assert get_user_model().objects.filter(username="someone-else").count() == 0


def test_accepting_twice_through_the_service_creates_one_account():
    invitation = PartnerInvitationFactory()
    services.partner_invitation_accept(invitation_id=invitation.pk, username="first", password=PASSWORD)

    with pytest.raises(services.InvitationInvalid) as refused:
        services.partner_invitation_accept(invitation_id=invitation.pk, username="second", password=PASSWORD)

    assert refused.value.reason == "used"
    assert PartnerAccount.objects.count() == 1


def test_an_expired_link_is_gone(client):
    invitation = PartnerInvitationFactory()
    path = f"/partners/accept/{services.invitation_token(invitation)}/"
    PartnerInvitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - timedelta(days=8))

    response = client.get(path)

    assert response.status_code == 410 and response.context["reason"] == "expired"
    assert _accept(client, path).status_code == 410
    assert not PartnerAccount.objects.exists()


def test_a_link_signed_too_long_ago_is_gone_whatever_the_row_says(client, monkeypatch):
    invitation = PartnerInvitationFactory()
    path = f"/partners/accept/{services.invitation_token(invitation)}/"
    eight_days_later = time.time() + timedelta(days=8).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: eight_days_later)

    response = client.get(path)

    assert response.status_code == 410 and response.context["reason"] == "expired"


def test_the_lifetime_follows_the_setting(client, settings):
    settings.PARTNER_INVITATION_MAX_AGE = timedelta(days=30)
    invitation = PartnerInvitationFactory()
    PartnerInvitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - timedelta(days=8))

    assert client.get(f"/partners/accept/{services.invitation_token(invitation)}/").status_code == 200
    assert services.invitation_from_token(
        services.invitation_token(invitation), now=timezone.now() + timedelta(days=21)
    )


# Made when the test runs: a signed value carries its time, and xdist workers must collect alike.
FORGERIES = {
    "garbage": lambda invitation: "not-a-token",
    "another-salt": lambda invitation: signing.dumps(invitation.pk, salt="some.other.purpose"),
    "another-key": lambda invitation: signing.dumps(
        invitation.pk, salt=services.INVITATION_SALT, key="another-site's-secret"
    ),
    "long": lambda invitation: "a" * 500,
    "georgian": lambda invitation: "%E1%83%A5:x:y",
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_link_is_not_found(client, forgery):
    token = FORGERIES[forgery](PartnerInvitationFactory())

    response = client.get(f"/partners/accept/{token}/")

    assert response.status_code == 404
    assert response.context["reason"] == "forged"


def test_a_tampered_token_is_not_found(client):
    token = services.invitation_token(PartnerInvitationFactory())
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert client.get(f"/partners/accept/{tampered}/").status_code == 404


def test_a_token_for_an_invitation_that_no_longer_exists_is_not_found(client):
    invitation = PartnerInvitationFactory()
    token = services.invitation_token(invitation)
    invitation.delete()

    assert client.get(f"/partners/accept/{token}/").status_code == 404


def test_a_revoked_link_is_gone(staff_client, client):
    invitation = PartnerInvitationFactory()
    path = f"/partners/accept/{services.invitation_token(invitation)}/"

    response = staff_client.post(f"/partners/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    client.logout()
    gone = client.get(path)
    assert gone.status_code == 410 and gone.context["reason"] == "revoked"


def test_revoking_twice_changes_nothing(staff_client):
    invitation = PartnerInvitationFactory(revoked_at=timezone.now() - timedelta(days=1))
    revoked_at = invitation.revoked_at

    staff_client.post(f"/partners/invitations/{invitation.pk}/revoke/")

    invitation.refresh_from_db()
    assert invitation.revoked_at == revoked_at


def test_a_taken_username_is_a_form_error(client):
    UserFactory(username="Nino")
    invitation = PartnerInvitationFactory()

    response = _accept(client, f"/partners/accept/{services.invitation_token(invitation)}/", username="nino")

    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert not PartnerAccount.objects.exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_weak_or_mismatched_password_is_a_form_error(client):
    path = f"/partners/accept/{services.invitation_token(PartnerInvitationFactory())}/"

    weak = _accept(client, path, password="12345")
    mismatched = client.post(path, {"username": "nino", "password1": PASSWORD, "password2": PASSWORD + "x"})

    assert weak.status_code == 200 and "password2" in weak.context["form"].errors
    assert mismatched.status_code == 200 and "password2" in mismatched.context["form"].errors
    assert not PartnerAccount.objects.exists()


def test_inviting_an_address_that_has_a_login_is_refused(staff_client, django_capture_on_commit_callbacks):
    UserFactory(email="Nino@Guria-CSO.ge")

    response = _invite(staff_client, django_capture_on_commit_callbacks, OrganisationFactory())

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not PartnerInvitation.objects.exists() and mail.outbox == []


def test_inviting_an_address_with_a_pending_invitation_is_refused(
    staff_client, django_capture_on_commit_callbacks
):
    PartnerInvitationFactory(email="nino@guria-cso.ge")

    response = _invite(staff_client, django_capture_on_commit_callbacks, OrganisationFactory())

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert PartnerInvitation.objects.count() == 1


def test_inviting_again_after_expiry_replaces_the_expired_invitation(
    staff_client, django_capture_on_commit_callbacks
):
    expired = PartnerInvitationFactory(email="nino@guria-cso.ge")
    PartnerInvitation.objects.filter(pk=expired.pk).update(created_at=timezone.now() - timedelta(days=8))

    response = _invite(staff_client, django_capture_on_commit_callbacks, OrganisationFactory())

    assert response.status_code == 302
    expired.refresh_from_db()
    assert expired.revoked_at is not None
    assert PartnerInvitation.objects.filter(accepted_at=None, revoked_at=None).count() == 1
    assert len(mail.outbox) == 1


def test_an_address_that_got_a_login_meanwhile_cannot_accept(client):
    invitation = PartnerInvitationFactory(email="nino@guria-cso.ge")
    UserFactory(email="nino@guria-cso.ge")

    response = _accept(client, f"/partners/accept/{services.invitation_token(invitation)}/")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not PartnerAccount.objects.exists()


def test_bad_invite_input_is_a_form_error(staff_client):
    for data in [
        {},
        {"organisation": "abc", "email": "x"},
        {"organisation": "999999", "email": "a@b.ge"},
        {"organisation": "99999999999999999999999", "email": "a@b.ge"},
    ]:
        response = staff_client.post("/partners/invite/", data)
        assert response.status_code == 200 and response.context["form"].errors
    assert not PartnerInvitation.objects.exists()


def test_staff_see_accounts_and_open_invitations(staff_client):
    account = PartnerAccountFactory(user__first_name="ეკა", user__last_name="წერეთელი")
    pending = PartnerInvitationFactory(email="pending@partner.ge")
    PartnerInvitationFactory(email="done@partner.ge", accepted_at=timezone.now())

    page = staff_client.get("/partners/").content.decode()

    assert "ეკა წერეთელი" in page and f"/partners/{account.pk}/suspend/" in page
    assert pending.email in page and f"/partners/invitations/{pending.pk}/revoke/" in page
    assert "done@partner.ge" not in page


def test_suspension_makes_a_partner_the_public_and_reactivation_undoes_it(staff_client, user_in_role):
    partner = user_in_role("partner")
    account = partner.partner_account

    assert staff_client.post(f"/partners/{account.pk}/suspend/").status_code == 302

    account.refresh_from_db()
    assert account.status == PartnerAccount.Status.SUSPENDED
    partner = get_user_model().objects.get(pk=partner.pk)  # a fresh request's user
    assert partner_organisation_id(partner) is None
    staff_client.force_login(partner)
    assert staff_client.get("/partnerships/").status_code == 403

    staff_client.force_login(get_user_model().objects.filter(is_staff=True).first())
    assert staff_client.post(f"/partners/{account.pk}/reactivate/").status_code == 302
    partner = get_user_model().objects.get(pk=partner.pk)
    assert partner_organisation_id(partner) == account.organisation_id


def test_suspending_twice_changes_the_row_once(staff):
    account = PartnerAccountFactory()

    assert services.partner_account_suspend(account=account, by=staff) is True
    assert services.partner_account_suspend(account=account, by=staff) is False
    assert services.partner_account_reactivate(account=account, by=staff) is True


def test_partners_cannot_invite_suspend_or_revoke(client, user_in_role):
    partner = user_in_role("partner")
    client.force_login(partner)
    invitation = PartnerInvitationFactory()

    assert client.get("/partners/").status_code == 403
    assert client.post("/partners/invite/", {"email": "x@y.ge"}).status_code == 403
    assert client.post(f"/partners/{partner.partner_account.pk}/suspend/").status_code == 403
    assert client.post(f"/partners/invitations/{invitation.pk}/revoke/").status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
