"""Permission-matrix rows for newsletters, lists, subscribe and unsubscribe (merged by tests/test_permission_matrix.py).

MATRIX_ROWS: {url: {role: status}} for GET; POST_ROWS: {url: (payload, {role: status})}.
Placeholders such as {organisation} are filled from the objects fixture; extra_objects adds more.

Staff write newsletters and keep lists; managers (and admins) schedule, send, pause and cancel.
The subscribe, confirm and unsubscribe pages are public by design (the signed token is the
proof), so their POSTs, which answer anonymous visitors without a login, are tested in
tests/notifications/test_subscribe.py and test_unsubscribe.py rather than here. So are the
POSTs of /webhooks/mail/ (tests/notifications/test_webhook.py): the mail provider signs them,
nobody logs in, and every role gets the same answer.
"""

from django.utils import timezone

from notifications import mail
from notifications.models import Delivery
from tests.notifications.factories import (
    CampaignFactory,
    MailingListFactory,
    SegmentFactory,
    SubscriptionFactory,
)

ROLES = ("anonymous", "admin", "manager", "staff", "partner")
CENTRE_ONLY = {"anonymous": 302, "admin": 200, "manager": 200, "staff": 200, "partner": 403}
POST_ONLY = {"anonymous": 302, "admin": 405, "manager": 405, "staff": 405, "partner": 403}
SENDERS_POST_ONLY = {"anonymous": 302, "admin": 405, "manager": 405, "staff": 403, "partner": 403}
ACTED = {"anonymous": 302, "admin": 302, "manager": 302, "staff": 302, "partner": 403}
FORM_AGAIN = CENTRE_ONLY
SENDERS_ONLY = {"anonymous": 302, "admin": 302, "manager": 302, "staff": 403, "partner": 403}
EVERYONE = dict.fromkeys(ROLES, 200)

MATRIX_ROWS: dict = {
    "/newsletters/": CENTRE_ONLY,
    "/newsletters/new/": CENTRE_ONLY,
    "/newsletters/{campaign}/": CENTRE_ONLY,
    "/newsletters/{sent_campaign}/": CENTRE_ONLY,
    "/newsletters/{campaign}/edit/": CENTRE_ONLY,
    "/newsletters/{campaign}/preview/ka/": CENTRE_ONLY,
    "/newsletters/{campaign}/preview/en/": CENTRE_ONLY,
    "/newsletters/{campaign}/progress/": CENTRE_ONLY,
    "/newsletters/{campaign}/test/": POST_ONLY,
    "/newsletters/{campaign}/schedule/": SENDERS_POST_ONLY,
    "/newsletters/{campaign}/send/": SENDERS_POST_ONLY,
    "/newsletters/{campaign}/unschedule/": SENDERS_POST_ONLY,
    "/newsletters/{campaign}/pause/": SENDERS_POST_ONLY,
    "/newsletters/{campaign}/resume/": SENDERS_POST_ONLY,
    "/newsletters/{campaign}/cancel/": SENDERS_POST_ONLY,
    "/newsletters/{campaign}/held/": SENDERS_POST_ONLY,
    "/newsletters/segments/": CENTRE_ONLY,
    "/newsletters/segments/new/": CENTRE_ONLY,
    "/newsletters/segments/{segment}/edit/": CENTRE_ONLY,
    "/lists/": CENTRE_ONLY,
    "/lists/new/": CENTRE_ONLY,
    "/lists/{mailing_list}/": CENTRE_ONLY,
    "/lists/{mailing_list}/?status=subscribed": CENTRE_ONLY,
    "/lists/{mailing_list}/edit/": CENTRE_ONLY,
    "/lists/{mailing_list}/subscriptions/": POST_ONLY,
    "/subscribe/{public_list}/": EVERYONE,
    "/subscribe/{private_list}/": dict.fromkeys(ROLES, 404),
    "/subscribe/confirm/{confirm_token}/": EVERYONE,
    "/subscribe/confirm/not-a-signed-token/": dict.fromkeys(ROLES, 400),
    "/unsubscribe/{unsubscribe_token}/": EVERYONE,
    "/unsubscribe/not-a-signed-token/": dict.fromkeys(ROLES, 400),
    "/webhooks/mail/": dict.fromkeys(ROLES, 405),
}
POST_ROWS: dict = {
    "/newsletters/new/": ({"name": ""}, FORM_AGAIN),
    "/newsletters/{campaign}/edit/": ({"name": "x", "subject_ka": "სათაური"}, FORM_AGAIN),
    "/newsletters/{campaign}/test/": ({"email": "not-an-email"}, ACTED),
    "/newsletters/{campaign}/schedule/": ({"scheduled_at": ""}, SENDERS_ONLY),
    "/newsletters/{campaign}/send/": ({}, SENDERS_ONLY),
    "/newsletters/{campaign}/unschedule/": ({}, SENDERS_ONLY),
    "/newsletters/{campaign}/pause/": ({}, SENDERS_ONLY),
    "/newsletters/{campaign}/resume/": ({}, SENDERS_ONLY),
    "/newsletters/{campaign}/cancel/": ({}, SENDERS_ONLY),
    "/newsletters/{campaign}/held/": ({"decision": "resend"}, SENDERS_ONLY),
    "/newsletters/segments/new/": ({"name": ""}, FORM_AGAIN),
    "/newsletters/segments/{segment}/edit/": ({"name": ""}, FORM_AGAIN),
    "/lists/new/": ({"name_ka": ""}, FORM_AGAIN),
    "/lists/{mailing_list}/edit/": ({"name_ka": ""}, FORM_AGAIN),
    "/lists/{mailing_list}/subscriptions/": ({"email": "not-an-email"}, FORM_AGAIN),
}


def extra_objects(base: dict) -> dict:
    """A draft campaign to a list, a sent one with a delivery, a segment, a public and a private
    list, a pending subscription's confirmation token and a delivery's unsubscribe token."""
    mailing_list = MailingListFactory()
    subscription = SubscriptionFactory(mailing_list=mailing_list)
    pending = SubscriptionFactory(mailing_list=mailing_list, status="pending", consent_source="")
    sent = CampaignFactory(lists=[mailing_list], status="sent", started_at=timezone.now())
    delivery = Delivery.objects.create(
        campaign=sent,
        contact=subscription.contact,
        email=subscription.contact.email,
        language="ka",
        message_id="<matrix@kavshiri.example>",
        status="sent",
    )
    return {
        "campaign": CampaignFactory(lists=[mailing_list]).pk,
        "sent_campaign": sent.pk,
        "segment": SegmentFactory().pk,
        "mailing_list": mailing_list.pk,
        "public_list": mailing_list.slug,
        "private_list": MailingListFactory(is_public=False).slug,
        "confirm_token": mail.confirmation_token(pending.pk),
        "unsubscribe_token": mail.unsubscribe_token(delivery.pk),
    }
