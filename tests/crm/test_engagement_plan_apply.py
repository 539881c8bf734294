from datetime import date

import pytest
from django.core.exceptions import ValidationError

from crm.models import EngagementPlan, EngagementStep, FollowUp
from crm.services import engagement_plan_apply
from tests.crm.factories import FollowUpFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    plan = EngagementPlan.objects.create(name="ახალი პარტნიორი")
    EngagementStep.objects.create(plan=plan, position=1, offset_working_days=1, assignee_role="staff", text="მისალმება")
    EngagementStep.objects.create(plan=plan, position=2, offset_working_days=3, assignee_role="manager", text="ხელშეკრულება")
    return plan


def test_steps_are_dated_in_working_days_across_easter_and_unity_day(plan, user_in_role):
    staff = user_in_role("staff")
    manager = user_in_role("manager")
    # Wed 8 April 2026; Thu 9 (Unity Day), Fri 10 (Good Friday), Sat 11, Sun 12 (Easter),
    # Mon 13 (Easter Monday) are all off: +1 → Tue 14, +3 → Thu 16.
    created = engagement_plan_apply(plan=plan, organisation=OrganisationFactory(), applied_by=staff, start=date(2026, 4, 8))
    assert [(f.title, f.due_on, f.assignee) for f in created] == [
        ("მისალმება", date(2026, 4, 14), staff),
        ("ხელშეკრულება", date(2026, 4, 16), manager),
    ]


def test_steps_skip_the_new_year_holidays(plan, user_in_role):
    user_in_role("manager")
    created = engagement_plan_apply(
        plan=plan, organisation=OrganisationFactory(), applied_by=user_in_role("staff"), start=date(2026, 12, 31)
    )
    # Jan 1–2 holidays (Fri, Sat), Jan 3 Sunday: Mon 4 is the first working day; Jan 7 is Christmas.
    assert [f.due_on for f in created] == [date(2027, 1, 4), date(2027, 1, 6)]


def test_a_role_step_goes_to_the_least_busy_member_when_the_applier_lacks_the_role(plan, user_in_role):
    busy = user_in_role("manager", username="busy")
    free = user_in_role("manager", username="free")
    FollowUpFactory(assignee=busy)
    created = engagement_plan_apply(plan=plan, organisation=OrganisationFactory(), applied_by=user_in_role("staff"))
    assert created[1].assignee == free


def test_a_step_for_a_named_person_goes_to_them(user_in_role):
    levan = user_in_role("staff", username="levan")
    plan = EngagementPlan.objects.create(name="ტრენინგის შემდეგ")
    EngagementStep.objects.create(plan=plan, offset_working_days=0, assignee=levan, text="სერტიფიკატები")
    created = engagement_plan_apply(
        plan=plan, organisation=OrganisationFactory(), applied_by=user_in_role("manager"), start=date(2026, 11, 23)
    )
    # 23 November is Giorgoba (a Monday): day 0 moves to the next working day.
    assert (created[0].assignee, created[0].due_on) == (levan, date(2026, 11, 24))


def test_nothing_is_created_when_a_step_has_nobody_to_take_it(plan, user_in_role):
    with pytest.raises(ValidationError):
        engagement_plan_apply(plan=plan, organisation=OrganisationFactory(), applied_by=user_in_role("staff"))
    assert not FollowUp.objects.exists()


def test_applying_from_the_organisation_page(client, plan, user_in_role):
    user_in_role("manager")
    staff = user_in_role("staff")
    client.force_login(staff)
    organisation = OrganisationFactory()
    assert "apply-plan" in client.get(f"/organisations/{organisation.pk}/").content.decode()
    response = client.post(f"/organisations/{organisation.pk}/plans/", {"plan": plan.pk, "start": "2026-04-08"})
    assert response.status_code == 302
    assert organisation.follow_ups.count() == 2
    response = client.post(f"/organisations/{organisation.pk}/plans/", {"plan": "9999"}, follow=True)
    assert response.status_code == 200 and organisation.follow_ups.count() == 2
