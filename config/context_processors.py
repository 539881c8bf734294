"""What every template may ask about the user's role; the rules stay in permissions.py."""

from django.contrib.auth.models import AnonymousUser

from config.permissions import can_use_two_factor
from crm.permissions import can_merge_organisations, can_see_money, is_centre_staff
from network.permissions import can_list_partnerships, partner_organisation_id


def roles(request):
    # A request refused before AuthenticationMiddleware (a Host not allowed) has no user yet;
    # its 400 page is drawn for the anonymous.
    user = getattr(request, "user", None) or AnonymousUser()
    # Templates call these only where they ask, so a page that does not ask runs no query.
    return {
        "is_centre_staff": lambda: is_centre_staff(user),
        "can_see_money": lambda: can_see_money(user),
        "can_merge_organisations": lambda: can_merge_organisations(user),
        "can_list_partnerships": lambda: can_list_partnerships(user),
        "acts_for_organisation": lambda: partner_organisation_id(user),
        "can_use_two_factor": lambda: can_use_two_factor(user),
    }
