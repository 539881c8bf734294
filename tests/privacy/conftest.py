"""A person whose data is in every place Kavshiri keeps a person's data, and helpers to look."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from crm.models import Contact, FollowUp, ImportBatch, Interaction, Organisation
from network.models import PartnerInvitation, Partnership
from notifications.models import Campaign, Delivery, MailEvent, Subscription, Suppression
from tests.crm.factories import (
    AffiliationFactory,
    ContactFactory,
    FollowUpFactory,
    InteractionFactory,
    OrganisationFactory,
)
from tests.network.factories import PartnerInvitationFactory, PartnershipFactory
from tests.notifications.factories import CampaignFactory, MailingListFactory, SubscriptionFactory

NAME = "ქეთევან წერეთელი"
LATIN = "Ketevan Tsereteli"
EMAIL = "ketevan.tsereteli@example.ge"
PHONE = "+995599111222"
#: What must be found nowhere once she is erased.
TRACES = [NAME, "წერეთელი", LATIN, "Tsereteli", EMAIL, PHONE]


@dataclass
class Footprint:
    person: Contact
    organisation: Organisation
    interaction: Interaction
    follow_up: FollowUp
    partnership: Partnership
    subscription: Subscription
    campaign: Campaign
    delivery: Delivery
    pending_delivery: Delivery
    mail_event: MailEvent
    suppression: Suppression
    invitation: PartnerInvitation
    batch: ImportBatch


@pytest.fixture
def staff(user_in_role):
    return user_in_role("staff")


@pytest.fixture
def manager(user_in_role):
    return user_in_role("manager")


@pytest.fixture
def ketevan(staff) -> Footprint:
    """Ketevan Tsereteli, director of a Kutaisi CSO: in a meeting, a partnership, a mailing list,
    two campaigns (one sent and bounced, one still waiting), an imported file and an
    invitation; her record changed once, so it has two history rows."""
    now = timezone.now()
    person = ContactFactory(
        first_name="ქეთევან",
        last_name="წერეთელი",
        name_latin=LATIN,
        email=EMAIL,
        phone=PHONE,
        newsletter_consent=True,
        consent_given_at=now,
        consent_source="form",
        directory_consent=True,
    )
    person.consent_note = "asked at the Kutaisi forum"
    person.save()
    organisation = OrganisationFactory()
    AffiliationFactory(contact=person, organisation=organisation, role="დირექტორი", is_primary=True)
    interaction = InteractionFactory(
        organisation=organisation,
        staff=staff,
        subject="შეხვედრა სტრატეგიულ გეგმაზე",
        notes=f"{NAME} is leaving in spring",
        outcome_notes=f"write to {EMAIL}",
    )
    interaction.contacts.add(person, ContactFactory())
    follow_up = FollowUpFactory(
        organisation=organisation,
        assignee=staff,
        title=f"Mail bounced: {NAME}, {EMAIL}. The address no longer works; find their current one.",
    )
    partnership = PartnershipFactory(organisations=[organisation], people=[person])
    news = MailingListFactory()
    subscription = SubscriptionFactory(contact=person, mailing_list=news, consent_note="ticked the box")
    campaign = CampaignFactory(lists=[news], status="sent", started_at=now)
    delivery = Delivery.objects.create(
        campaign=campaign,
        contact=person,
        email=EMAIL,
        language="ka",
        message_id="<sent-to-ketevan@kavshiri.example>",
        status=Delivery.Status.SENT,
        sent_at=now,
        last_error="",
        reported=Delivery.Report.BOUNCED,
        reported_at=now,
    )
    waiting = CampaignFactory(lists=[news], status="sending", started_at=now)
    pending_delivery = Delivery.objects.create(
        campaign=waiting,
        contact=person,
        email=EMAIL,
        language="ka",
        message_id="<waiting-for-ketevan@kavshiri.example>",
        last_error=f"451 try again later <{EMAIL}>",
    )
    mail_event = MailEvent.objects.create(
        provider="postmark",
        event_id="evt-1",
        kind=MailEvent.Kind.HARD_BOUNCE,
        email=EMAIL,
        message_id=delivery.message_id,
        detail=f"550 5.1.1 <{EMAIL}>: user unknown",
        delivery=delivery,
        follow_up=follow_up,
    )
    suppression = Suppression.objects.create(
        email=EMAIL, reason=Suppression.Reason.BOUNCED, note=f"550 5.1.1 <{EMAIL}>", delivery=delivery
    )
    invitation = PartnerInvitationFactory(organisation=organisation, email=EMAIL, name=NAME)
    # Someone corrected her subscription in the admin; its log keeps the object's text.
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Subscription),
        object_id=str(subscription.pk),
        object_repr=str(subscription),
        action_flag=CHANGE,
        change_message="[]",
    )
    batch = ImportBatch.objects.create(
        kind=ImportBatch.Kind.PEOPLE,
        filename="forum-participants.csv",
        status=ImportBatch.Status.IMPORTED,
        imported_at=now,
        created_by=staff,
        rows=[
            {
                "line": 2,
                "action": "update",
                "match_id": person.pk,
                "match_name": NAME,
                "match_reason": "same email",
                "data": {"first_name": "ქეთევან", "last_name": "წერეთელი", "email": EMAIL},
            },
            {"line": 3, "action": "new", "data": {"first_name": "გიორგი", "email": "giorgi@example.ge"}},
        ],
    )
    return Footprint(
        person=person,
        organisation=organisation,
        interaction=interaction,
        follow_up=follow_up,
        partnership=partnership,
        subscription=subscription,
        campaign=campaign,
        delivery=delivery,
        pending_delivery=pending_delivery,
        mail_event=mail_event,
        suppression=suppression,
        invitation=invitation,
        batch=batch,
    )


_TEXT_FIELDS = (models.CharField, models.TextField, models.EmailField)


def rows_holding(text: str) -> list[str]:
    """Every row of every model with `text` in a text or JSON column, as "app.Model.field #pk"."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, _TEXT_FIELDS):
                rows = model._base_manager.filter(**{f"{field.attname}__icontains": text})
                found += [
                    f"{model._meta.label}.{field.name} #{pk}" for pk in rows.values_list("pk", flat=True)
                ]
            elif isinstance(field, models.JSONField):
                for pk, value in model._base_manager.values_list("pk", field.attname):
                    if text.lower() in json.dumps(value, ensure_ascii=False).lower():
                        found.append(f"{model._meta.label}.{field.name} #{pk}")
    return found
