"""The morning digest: each person at the centre gets the follow-ups due today or overdue.

A send, step by step:
1. Select the open follow-ups due today or earlier whose assignee works at the centre (staff,
   managers, admins: crm.permissions.is_centre_staff), is active and has an email, with the
   assignee and organisation joined: one query, however many follow-ups and people.
2. Group them by assignee. Someone with nothing due gets no mail: a mail that says "nothing"
   teaches people to ignore the next one. Done and cancelled follow-ups never appear.
3. Render each person's mail in the centre's language: users have no language of their own in
   Kavshiri (the switch is a browser cookie), and Georgian is the centre's.
4. Send each person their mail over one connection, so that one refused address does not keep
   the digest from the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.mail import absolute_url, send_each
from config.roles import MANAGER, STAFF
from crm.models import FollowUp

TEMPLATE = "notifications/email/digest"


@dataclass(frozen=True)
class DueFollowUp:
    title: str
    organisation: str
    due_on: date
    days_overdue: int
    url: str


def digest_recipients() -> QuerySet:
    """Active users with an email who work at the centre, as is_centre_staff decides through
    role_of, but as one query rather than one per user."""
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name__in=[STAFF, MANAGER]), is_active=True)
        .exclude(email="")
        .distinct()
    )


def follow_ups_due(*, today: date) -> QuerySet[FollowUp]:
    """Open follow-ups due on `today` or before, of the people the digest goes to. Like
    crm.selectors.follow_ups_due_for, for everyone at once."""
    return (
        FollowUp.objects.filter(
            status=FollowUp.Status.OPEN,
            due_on__lte=today,
            assignee__in=digest_recipients().values("pk"),
        )
        .select_related("assignee", "organisation")
        .order_by("assignee_id", "due_on", "id")
    )


def follow_up_digests_send(*, today: date | None = None) -> int:
    """Mail each person their follow-ups due today and overdue; returns the mails sent."""
    today = today or timezone.localdate()
    by_assignee = groupby(follow_ups_due(today=today), key=lambda follow_up: follow_up.assignee_id)
    messages = [_message(list(follow_ups), today) for _assignee_id, follow_ups in by_assignee]
    if not messages:
        return 0
    return send_each(messages, what="Follow-up digest")


def _message(follow_ups: list[FollowUp], today: date) -> EmailMultiAlternatives:
    assignee = follow_ups[0].assignee
    # No per-user language exists (see the module docstring): the centre's language, Georgian.
    with translation.override(settings.LANGUAGE_CODE):
        subject, text, html = _render(assignee, [_due(f, today) for f in follow_ups], today)
    message = EmailMultiAlternatives(subject, text, to=[assignee.email])
    message.attach_alternative(html, "text/html")
    return message


def _due(follow_up: FollowUp, today: date) -> DueFollowUp:
    return DueFollowUp(
        title=follow_up.title,
        organisation=follow_up.organisation.name,
        due_on=follow_up.due_on,
        days_overdue=(today - follow_up.due_on).days,
        url=absolute_url(reverse("organisation_detail", args=[follow_up.organisation_id])),
    )


def _render(assignee, follow_ups: list[DueFollowUp], today: date) -> tuple[str, str, str]:
    context = {
        "name": assignee.first_name or assignee.get_username(),
        "overdue": [f for f in follow_ups if f.days_overdue > 0],
        "due_today": [f for f in follow_ups if f.days_overdue == 0],
        "today": today,
        "centre_name": settings.CENTRE_NAME_KA if settings.LANGUAGE_CODE == "ka" else settings.CENTRE_NAME,
        "follow_up_list_url": absolute_url(reverse("follow_up_list")),
    }
    subject = _("Follow-ups due: %(count)s") % {"count": len(follow_ups)}
    text = render_to_string(f"{TEMPLATE}.txt", context)
    html = render_to_string(f"{TEMPLATE}.html", context)
    return subject, text, html
