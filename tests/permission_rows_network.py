"""Permission-matrix rows for partnerships and partner accounts (merged by tests/test_permission_matrix.py).

MATRIX_ROWS: {url: {role: status}} for GET; POST_ROWS: {url: (payload, {role: status})}.
Placeholders such as {organisation} are filled from the objects fixture; extra_objects adds more.

The invitation link is public by design (the signed token is the proof), and a valid POST to it
sends an anonymous visitor to the directory, not to the login page, which the POST matrix
expects of anonymous users; its POST is tested in tests/network/test_partner_accounts.py.
"""

from django.utils import timezone

from network.models import PartnerAccount, Region
from network.services import invitation_token
from tests.crm.factories import OrganisationFactory
from tests.network.factories import PartnerAccountFactory, PartnerInvitationFactory, PartnershipFactory

ROLES = ("anonymous", "admin", "manager", "staff", "partner")
READERS = {"anonymous": 302, "admin": 200, "manager": 200, "staff": 200, "partner": 200}
NOT_THEIRS = {"anonymous": 302, "admin": 200, "manager": 200, "staff": 200, "partner": 404}
CENTRE_ONLY = {"anonymous": 302, "admin": 200, "manager": 200, "staff": 200, "partner": 403}
POST_ONLY = {"anonymous": 302, "admin": 405, "manager": 405, "staff": 405, "partner": 403}
ACTED = {"anonymous": 302, "admin": 302, "manager": 302, "staff": 302, "partner": 403}
FORM_AGAIN = CENTRE_ONLY

MATRIX_ROWS: dict = {
    "/partnerships/": READERS,
    "/partnerships/?status=active&kind=mou&region={region}&organisation=kutaisi": READERS,
    "/partnerships/?organisation={own_organisation}": READERS,
    "/partnerships/{partnership}/": READERS,
    "/partnerships/{other_partnership}/": NOT_THEIRS,
    "/partnerships/new/": CENTRE_ONLY,
    "/partnerships/{partnership}/edit/": CENTRE_ONLY,
    "/partners/": CENTRE_ONLY,
    "/partners/invite/": CENTRE_ONLY,
    "/partners/invite/?organisation={organisation}": CENTRE_ONLY,
    "/partners/{account}/suspend/": POST_ONLY,
    "/partners/{suspended_account}/reactivate/": POST_ONLY,
    "/partners/invitations/{invitation}/revoke/": POST_ONLY,
    "/partners/accept/{invitation_token}/": dict.fromkeys(ROLES, 200),
    "/partners/accept/{used_token}/": dict.fromkeys(ROLES, 410),
    "/partners/accept/{revoked_token}/": dict.fromkeys(ROLES, 410),
    "/partners/accept/not-a-signed-token/": dict.fromkeys(ROLES, 404),
}
POST_ROWS: dict = {
    "/partnerships/new/": ({"name": ""}, FORM_AGAIN),
    "/partnerships/{partnership}/edit/": (
        {
            "name": "x",
            "kind": "mou",
            "status": "active",
            "organisations": "{own_organisation}",
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
        FORM_AGAIN,
    ),
    "/partners/invite/": ({"organisation": "{organisation}", "email": "not-an-email"}, FORM_AGAIN),
    "/partners/{account}/suspend/": ({}, ACTED),
    "/partners/{suspended_account}/reactivate/": ({}, ACTED),
    "/partners/invitations/{invitation}/revoke/": ({}, ACTED),
}


def extra_objects(base: dict) -> dict:
    """A partnership the logged-in partner's organisation is part of and one it is not; partner
    accounts other than the logged-in partner's; invitations open, used and revoked."""
    now = timezone.now()
    invitation = PartnerInvitationFactory()
    return {
        "region": Region.objects.get(code="GE-IM").pk,
        "partnership": PartnershipFactory(organisations=[base["own_organisation"], OrganisationFactory()]).pk,
        "other_partnership": PartnershipFactory(organisations=[OrganisationFactory()]).pk,
        "account": PartnerAccountFactory().pk,
        "suspended_account": PartnerAccountFactory(status=PartnerAccount.Status.SUSPENDED).pk,
        "invitation": invitation.pk,
        "invitation_token": invitation_token(invitation),
        "used_token": invitation_token(PartnerInvitationFactory(accepted_at=now)),
        "revoked_token": invitation_token(PartnerInvitationFactory(revoked_at=now)),
    }
