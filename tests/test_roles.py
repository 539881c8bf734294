import pytest
from django.contrib.auth.models import Group

from config.roles import declared_permissions, role_of
from crm.permissions import can_edit_organisation, can_see_interactions, can_see_money
from tests.crm.factories import OrganisationFactory
from tests.network.factories import PartnerAccountFactory

pytestmark = pytest.mark.django_db


def test_roles_exist_as_groups_with_exactly_the_declared_permissions():
    for role, wanted in declared_permissions().items():
        group = Group.objects.get(name=role)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert granted == wanted, role


def test_staff_work_with_organisations_but_not_money(user_in_role):
    staff = user_in_role("staff")
    assert staff.has_perms(["crm.view_organisation", "crm.change_organisation", "crm.add_interaction"])
    assert not staff.has_perm("crm.view_invoice")
    assert not staff.has_perm("crm.view_payment")
    assert not can_see_money(staff)
    assert can_see_interactions(staff)


def test_managers_see_money(user_in_role):
    manager = user_in_role("manager")
    assert manager.has_perms(["crm.view_invoice", "crm.add_payment", "crm.change_service"])
    assert can_see_money(manager)


def test_partners_never_see_interactions_contacts_or_money(user_in_role):
    partner = user_in_role("partner")
    for perm in ["crm.view_interaction", "crm.view_contact", "crm.view_invoice", "crm.view_followup"]:
        assert not partner.has_perm(perm), perm
    assert not can_see_money(partner)
    assert not can_see_interactions(partner)


def test_role_of_each_kind_of_user(user_in_role, django_user_model):
    assert role_of(user_in_role("admin")) == "admin"
    assert role_of(user_in_role("manager")) == "manager"
    assert role_of(user_in_role("staff")) == "staff"
    assert role_of(user_in_role("partner")) == "partner"
    assert role_of(user_in_role(None)) is None
    inactive = user_in_role("manager", is_active=False)
    assert role_of(inactive) is None


def test_a_partner_edits_only_their_own_organisation():
    account = PartnerAccountFactory()
    other = OrganisationFactory()
    assert can_edit_organisation(account.user, account.organisation)
    assert not can_edit_organisation(account.user, other)


def test_a_suspended_partner_edits_nothing():
    account = PartnerAccountFactory(status="suspended")
    assert not can_edit_organisation(account.user, account.organisation)


def test_staff_edit_any_organisation(user_in_role):
    assert can_edit_organisation(user_in_role("staff"), OrganisationFactory())
