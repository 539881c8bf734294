"""The morning digest: each person at the centre gets their open follow-ups due today and overdue."""

from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from config.celery import app as celery_app
from config.georgian_text import contains_mtavruli
from crm.models import FollowUp
from crm.permissions import is_centre_staff
from notifications.digests import digest_recipients, follow_up_digests_send
from notifications.tasks import send_follow_up_digests
from tests.crm.factories import FollowUpFactory, OrganisationFactory
from tests.factories import UserFactory
from tests.notifications.stubs import ScriptedBackend

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


def _due(assignee, days_ago=0, **kwargs):
    return FollowUpFactory(assignee=assignee, due_on=TODAY - timedelta(days=days_ago), **kwargs)


@pytest.fixture
def nino():
    return UserFactory(role="staff", first_name="ნინო", email="nino@kavshiri.example")


def test_each_person_gets_one_mail_with_only_their_follow_ups(nino, outbox):
    giorgi = UserFactory(role="manager", first_name="გიორგი")
    overdue = _due(nino, days_ago=4, title="გაუგზავნე ოქმი", organisation__name="ტყიბულის ქალთა კავშირი")
    today = _due(nino, title="დარეკე დირექტორთან")
    theirs = _due(giorgi, days_ago=1, title="შეამოწმე ანგარიში")

    assert follow_up_digests_send(today=TODAY) == 2

    mails = {message.to[0]: message for message in outbox}
    assert set(mails) == {nino.email, giorgi.email}
    body = mails[nino.email].body
    assert overdue.title in body and today.title in body and theirs.title not in body
    assert "ტყიბულის ქალთა კავშირი" in body
    assert "19.11.2026" in body  # the overdue one's due date, Georgian short form
    assert body.index(overdue.title) < body.index(today.title)  # overdue first
    assert theirs.title in mails[giorgi.email].body and overdue.title not in mails[giorgi.email].body


def test_nothing_due_means_no_mail(nino, outbox):
    _due(nino, days_ago=-1)  # tomorrow
    FollowUpFactory(assignee=nino, due_on=TODAY + timedelta(days=10))

    assert follow_up_digests_send(today=TODAY) == 0
    assert outbox == []


def test_done_and_cancelled_follow_ups_never_appear(nino, outbox):
    open_one = _due(nino, days_ago=2, title="ღია")
    _due(nino, days_ago=2, title="შესრულებული", status=FollowUp.Status.DONE, completed_at=timezone.now())
    _due(nino, title="გაუქმებული", status=FollowUp.Status.CANCELLED)

    follow_up_digests_send(today=TODAY)

    [message] = outbox
    assert open_one.title in message.body
    assert "შესრულებული" not in message.body and "გაუქმებული" not in message.body


def test_only_done_follow_ups_means_no_mail(nino, outbox):
    _due(nino, days_ago=2, status=FollowUp.Status.DONE, completed_at=timezone.now())
    assert follow_up_digests_send(today=TODAY) == 0
    assert outbox == []


def test_partners_inactive_users_and_people_without_email_get_nothing(nino, outbox, user_in_role):
    for user in (
        user_in_role("partner"),
        UserFactory(role="staff", is_active=False),
        UserFactory(role="staff", email=""),
        UserFactory(role=None),
    ):
        _due(user, days_ago=1)
    admin = UserFactory(role="admin")
    _due(admin, days_ago=1)
    _due(nino)

    assert follow_up_digests_send(today=TODAY) == 2
    assert sorted(message.to[0] for message in outbox) == sorted([nino.email, admin.email])
    # The one-query recipient list agrees with the rule the pages use.
    with_email = get_user_model().objects.exclude(email="")
    assert set(digest_recipients()) == {user for user in with_email if is_centre_staff(user)}


def test_links_lead_to_the_organisation_and_the_list(nino, outbox, settings):
    settings.SITE_URL = "https://kavshiri.example.ge/"
    organisation = OrganisationFactory(name="ზესტაფონის ახალგაზრდები")
    _due(nino, days_ago=3, organisation=organisation)

    follow_up_digests_send(today=TODAY)

    link = f"https://kavshiri.example.ge/organisations/{organisation.pk}/"
    message = outbox[0]
    assert link in message.body
    assert "https://kavshiri.example.ge/follow-ups/" in message.body
    assert f'<a href="{link}">ზესტაფონის ახალგაზრდები</a>' in message.alternatives[0].content


def test_the_mail_is_in_georgian_whatever_the_caller_speaks(nino, outbox):
    _due(nino, days_ago=1)
    with translation.override("en"):
        follow_up_digests_send(today=TODAY)
    message = outbox[0]
    html = message.alternatives[0].content
    assert '<html lang="ka">' in html
    assert "გამარჯობა, ნინო," in message.body  # an existing msgid, already translated
    assert "ვადაგადაცილების დღეები" in message.body  # "days overdue"
    assert not contains_mtavruli(message.subject + message.body + html)


def test_queries_do_not_grow_with_follow_ups_or_people(nino, outbox, django_assert_max_num_queries):
    _due(nino, days_ago=1)
    with CaptureQueriesContext(connection) as one:
        follow_up_digests_send(today=TODAY)
    assert len(one) == 1  # follow-ups with their assignees and organisations
    for n in range(8):
        person = UserFactory(role="manager" if n % 2 else "staff")
        for days_ago in range(4):
            _due(person, days_ago=days_ago)

    with django_assert_max_num_queries(len(one)):
        assert follow_up_digests_send(today=TODAY) == 9


def test_one_refused_address_does_not_stop_the_others(nino, outbox, scripted_smtp):
    refused = UserFactory(role="staff", email="refused@kavshiri.example")
    scripted_smtp.script[refused.email] = [ConnectionRefusedError("refused")]
    _due(refused, days_ago=1)
    _due(nino, days_ago=1)

    assert follow_up_digests_send(today=TODAY) == 1
    assert [message.to for message in ScriptedBackend.accepted] == [[nino.email]]


def test_the_task_runs_through_celery(nino, outbox):
    FollowUpFactory(assignee=nino, due_on=timezone.localdate())

    result = send_follow_up_digests.apply()

    assert result.successful() and result.get() == 1
    assert send_follow_up_digests.name == "notifications.tasks.send_follow_up_digests"
    assert send_follow_up_digests.name in celery_app.tasks
