"""Each recipient gets the campaign in their language when it has one, else the other."""

import pytest

from notifications.models import Delivery
from tests.notifications.factories import CampaignFactory, MailingListFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_each_gets_their_language(send_campaign, outbox):
    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news, contact__email="ka@x.ge", language="ka")
    SubscriptionFactory(mailing_list=news, contact__email="en@x.ge", language="en")

    send_campaign(CampaignFactory(lists=[news]))

    subjects = {message.to[0]: message.subject for message in outbox}
    assert subjects == {"ka@x.ge": "ნოემბრის სიახლეები", "en@x.ge": "November news"}


def test_a_campaign_in_one_language_reaches_everyone_in_it(send_campaign, outbox):
    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news, contact__email="en@x.ge", language="en")
    campaign = CampaignFactory(lists=[news], subject_en="", body_en="")

    send_campaign(campaign)

    assert [message.subject for message in outbox] == ["ნოემბრის სიახლეები"]
    assert Delivery.objects.get(campaign=campaign).language == "ka"


def test_the_subscription_language_wins_over_the_person_default(send_campaign, outbox):
    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news, contact__preferred_language="ka", language="en")

    send_campaign(CampaignFactory(lists=[news]))

    assert outbox[0].subject == "November news"


def test_merge_fields_are_filled_and_escaped(send_campaign, outbox):
    news = MailingListFactory()
    SubscriptionFactory(mailing_list=news, contact__first_name="<ნინო>", language="ka")

    send_campaign(CampaignFactory(lists=[news]))

    html = outbox[0].alternatives[0].content
    assert "გამარჯობა, &lt;ნინო&gt;!" in html
    assert "გამარჯობა, <ნინო>!" in outbox[0].body
    assert "<strong>ახალი ტრენინგი</strong>" in html
    assert "დეტალები <https://example.ge/t>" in outbox[0].body
