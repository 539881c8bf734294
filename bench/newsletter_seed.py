"""Data for bench.newsletter: consenting people on a mailing list, and the campaign they get.

Steps of `audience_ensure(recipients=N)`:
1. people: `person000000@newsletter.bench.example` … one per index, active, with a Georgian
   name, two in three preferring Georgian, each with a recorded newsletter consent (import).
   Only the missing ones are written (Contact.objects.bulk_create, which fills the search key),
   so a run at 1,000 and one at 10,000 share the same people and neither re-seeds the other;
2. the list `bench-newsletter-<N>`: the first N people subscribed with consent recorded
   (import, now), in the language they prefer. It is rebuilt unless it holds exactly them;
3. the warm-up list `bench-newsletter-warmup`: the first WARMUP_RECIPIENTS people, for the
   untimed campaign that starts the workers' connections and imports;
4. any suppression of a bench address is deleted (a suppressed person gets nothing, and the
   run checks that everyone got exactly one message).

No organisations or affiliations: the {{ organisation }} merge field stays empty, and the
pipeline's prefetch of affiliations finds none. Nothing else in the database is touched;
campaigns are made and deleted by the benchmark itself (`campaign_make`, `campaigns_delete`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from crm.demo import FIRST_NAMES, LAST_NAMES
from crm.models import Contact
from notifications.models import Campaign, MailingList, Subscription, Suppression

DOMAIN = "newsletter.bench.example"
LIST_PREFIX = "bench-newsletter-"
WARMUP_SLUG = "bench-newsletter-warmup"
WARMUP_RECIPIENTS = 400
CAMPAIGN_PREFIX = "bench.newsletter "
BATCH = 5000

# A newsletter of ordinary length: a heading, paragraphs, a list of dates, links and two merge
# fields, in both languages. About 2 KB of Markdown each; a message is ~13 KB on the wire.
SUBJECT_KA = "ნოემბრის სიახლეები: ტრენინგები, საგრანტო კონკურსი და შეხვედრები იმერეთში"
SUBJECT_EN = "November news: trainings, a grant call and meetings in Imereti"
BODY_KA = """გამარჯობა, {{ first_name }}!

## ახალი ტრენინგები ქუთაისში

ნოემბერსა და დეკემბერში რესურსცენტრი **სამ ახალ ტრენინგს** მართავს სამოქალაქო
ორგანიზაციებისთვის: პროექტების წერა, ფინანსური ანგარიშგება და ციფრული უსაფრთხოება.
ტრენინგები უფასოა, ადგილები შეზღუდულია. [რეგისტრაცია](https://example.ge/trainings)

- **14 ნოემბერი** — პროექტის წერა დონორისთვის: პრობლემა, მიზნები, ბიუჯეტი
- **28 ნოემბერი** — ფინანსური ანგარიშგება და აუდიტისთვის მზადება
- **12 დეკემბერი** — ციფრული უსაფრთხოება: პაროლები, სარეზერვო ასლები, ფიშინგი

## საგრანტო კონკურსი ახალგაზრდულ ორგანიზაციებს

ადგილობრივი ინიციატივების მხარდასაჭერი კონკურსი ღიაა **15 დეკემბრამდე**. მცირე
გრანტი 5 000 ლარამდე, ხანგრძლივობა 6 თვე. კონსულტაცია განაცხადის მომზადებაში
ოფისში ან ონლაინ, წინასწარი ჩაწერით. [კონკურსის პირობები](https://example.ge/grants/2026)

## რეგიონული შეხვედრები

ვაგრძელებთ შეხვედრებს მუნიციპალიტეტებში: წყალტუბო, სამტრედია, ზესტაფონი, ჭიათურა.
მოდით, გაგვიზიარეთ თქვენი ორგანიზაციის ({{ organisation }}) საჭიროებები და იდეები.

> „ერთად უფრო მეტს მივაღწევთ" — მადლობა ყველას, ვინც ოქტომბრის ფორუმზე მოვიდა.

კითხვების შემთხვევაში მოგვწერეთ: info@example.ge ან დაგვირეკეთ სამუშაო საათებში.
"""
BODY_EN = """Hello, {{ first_name }}!

## New trainings in Kutaisi

In November and December the resource centre runs **three new trainings** for civil society
organisations: proposal writing, financial reporting and digital security. The trainings are
free and places are limited. [Register](https://example.ge/en/trainings)

- **14 November** — writing a proposal for a donor: problem, objectives, budget
- **28 November** — financial reporting and getting ready for an audit
- **12 December** — digital security: passwords, backups, phishing

## A grant call for youth organisations

The call supporting local initiatives is open **until 15 December**. Small grants up to
5,000 GEL, for six months. Advice on preparing an application at the office or online, by
appointment. [Terms of the call](https://example.ge/en/grants/2026)

## Regional meetings

The meetings in municipalities go on: Tskaltubo, Samtredia, Zestaponi, Chiatura. Come and
tell us what your organisation ({{ organisation }}) needs and what it plans.

> "Together we achieve more" — thank you to everyone who came to the October forum.

Questions: write to info@example.ge, or call us during working hours.
"""


@dataclass(frozen=True)
class Audience:
    mailing_list_id: int
    warmup_list_id: int
    recipients: int
    georgian: int
    people_created: int
    list_rebuilt: bool
    seconds: float


def address(index: int) -> str:
    return f"person{index:06d}@{DOMAIN}"


def language_of(index: int) -> str:
    return "en" if index % 3 == 2 else "ka"


@transaction.atomic
def audience_ensure(*, recipients: int) -> Audience:
    started = time.monotonic()
    Suppression.objects.filter(email__endswith=f"@{DOMAIN}").delete()
    created = _people_ensure(recipients)
    mailing_list, rebuilt = _list_ensure(
        f"{LIST_PREFIX}{recipients}", recipients, name=f"Bench {recipients:,}"
    )
    warmup, _ = _list_ensure(WARMUP_SLUG, min(recipients, WARMUP_RECIPIENTS), name="Bench warm-up")
    if created or rebuilt:
        _analyse(["crm_contact", "notifications_subscription", "notifications_mailinglist"])
    return Audience(
        mailing_list_id=mailing_list.pk,
        warmup_list_id=warmup.pk,
        recipients=recipients,
        georgian=sum(language_of(index) == "ka" for index in range(recipients)),
        people_created=created,
        list_rebuilt=rebuilt,
        seconds=time.monotonic() - started,
    )


def _people_ensure(count: int) -> int:
    """The first `count` bench people exist, active and consenting; returns how many were added."""
    wanted = {address(index): index for index in range(count)}
    present = set(Contact.objects.filter(email__in=list(wanted)).values_list("email", flat=True))
    now = timezone.now()
    missing = [
        Contact(
            first_name=FIRST_NAMES[index % len(FIRST_NAMES)][0],
            last_name=LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)][0],
            name_latin=(
                f"{FIRST_NAMES[index % len(FIRST_NAMES)][1]} "
                f"{LAST_NAMES[(index // len(FIRST_NAMES)) % len(LAST_NAMES)][1]}"
            ),
            email=email,
            preferred_language=language_of(index),
            newsletter_consent=True,
            consent_given_at=now,
            consent_source=Contact.ConsentSource.IMPORT,
            is_active=True,
        )
        for email, index in wanted.items()
        if email not in present
    ]
    Contact.objects.bulk_create(missing, batch_size=BATCH)
    # People edited since (made inactive, consent withdrawn) are put back as the bench wants them.
    Contact.objects.filter(email__in=list(wanted)).exclude(is_active=True, newsletter_consent=True).update(
        is_active=True,
        newsletter_consent=True,
        consent_given_at=now,
        consent_source=Contact.ConsentSource.IMPORT,
    )
    return len(missing)


def _list_ensure(slug: str, count: int, *, name: str) -> tuple[MailingList, bool]:
    """The list `slug` holds exactly the first `count` bench people, subscribed; True if rebuilt."""
    mailing_list, _ = MailingList.objects.get_or_create(
        slug=slug, defaults={"name_ka": name, "name_en": name}
    )
    wanted = [address(index) for index in range(count)]
    subscribed = Subscription.objects.filter(mailing_list=mailing_list, status=Subscription.Status.SUBSCRIBED)
    if (
        subscribed.count() == count
        and mailing_list.subscriptions.count() == count
        and subscribed.filter(contact__email__in=wanted).count() == count
    ):
        return mailing_list, False
    mailing_list.subscriptions.all().delete()
    people = dict(Contact.objects.filter(email__in=wanted).values_list("email", "pk"))
    now = timezone.now()
    Subscription.objects.bulk_create(
        [
            Subscription(
                contact_id=people[email],
                mailing_list=mailing_list,
                status=Subscription.Status.SUBSCRIBED,
                language=language_of(index),
                consent_source="import",
                consent_given_at=now,
            )
            for index, email in enumerate(wanted)
        ],
        batch_size=BATCH,
    )
    return mailing_list, True


def _analyse(tables: list[str]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def campaign_make(*, mailing_list_id: int, label: str) -> Campaign:
    """A draft in both languages to one list."""
    campaign = Campaign.objects.create(
        name=f"{CAMPAIGN_PREFIX}{label}",
        subject_ka=SUBJECT_KA,
        body_ka=BODY_KA,
        subject_en=SUBJECT_EN,
        body_en=BODY_EN,
    )
    campaign.mailing_lists.set([mailing_list_id])
    return campaign


def campaigns_delete(*, campaign_id: int | None = None) -> int:
    """Delete one bench campaign, or all of them, with their deliveries; returns how many."""
    campaigns = Campaign.objects.filter(name__startswith=CAMPAIGN_PREFIX)
    if campaign_id is not None:
        campaigns = campaigns.filter(pk=campaign_id)
    deleted, by_model = campaigns.delete()
    return by_model.get(Campaign._meta.label, 0)


def ledger_vacuum() -> None:
    """VACUUM ANALYZE the newsletter tables, so every run starts from the same state: the
    rows of the previous run deleted and their space free, the planner's counts current."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in ("notifications_delivery", "notifications_campaign"):
            cursor.execute(f"VACUUM ANALYZE {table}")
