import factory
from django.utils import timezone

from notifications.models import Campaign, MailingList, Segment, Subscription
from tests.crm.factories import ContactFactory


class MailingListFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MailingList

    name_ka = factory.Sequence(lambda n: f"იმერეთის სამოქალაქო ამბები {n}")
    name_en = factory.Sequence(lambda n: f"Imereti CSO news {n}")
    slug = factory.Sequence(lambda n: f"imereti-cso-news-{n}")
    is_public = True


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """A confirmed subscription, consent recorded as given through the form."""

    class Meta:
        model = Subscription

    contact = factory.SubFactory(ContactFactory)
    mailing_list = factory.SubFactory(MailingListFactory)
    status = Subscription.Status.SUBSCRIBED
    language = "ka"
    consent_source = "form"
    consent_given_at = factory.LazyFunction(timezone.now)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    name = factory.Sequence(lambda n: f"სეგმენტი {n}")
    filters = factory.LazyFunction(dict)


class CampaignFactory(factory.django.DjangoModelFactory):
    """A draft in both languages; pass lists=[...] or segments=[...] to aim it."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Newsletter {n}")
    subject_ka = "ნოემბრის სიახლეები"
    body_ka = "გამარჯობა, {{ first_name }}!\n\n**ახალი ტრენინგი** ქუთაისში. [დეტალები](https://example.ge/t)"
    subject_en = "November news"
    body_en = "Hello, {{ first_name }}!\n\n**A new training** in Kutaisi. [Details](https://example.ge/t)"

    @factory.post_generation
    def lists(self, create, extracted, **kwargs):
        if extracted:
            self.mailing_lists.set(extracted)

    @factory.post_generation
    def segment_list(self, create, extracted, **kwargs):
        if extracted:
            self.segments.set(extracted)


def consenting_contact(**kwargs):
    """A person who agreed to newsletters in general (reachable through segments)."""
    return ContactFactory(
        newsletter_consent=True,
        consent_given_at=timezone.now(),
        consent_source="staff",
        consent_note="asked",
        **kwargs,
    )
