"""A segment's filters, evaluated when a send starts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crm.models import LegalForm, Tag, Theme
from network.models import Municipality, Region
from notifications import selectors
from tests.crm.factories import AffiliationFactory, ContactFactory, OrganisationFactory
from tests.notifications.factories import SegmentFactory

pytestmark = pytest.mark.django_db


def _names(filters):
    return sorted(c.email for c in selectors.segment_contacts(filters))


@pytest.fixture
def places():
    imereti = Region.objects.get(code="GE-IM")
    other = Region.objects.exclude(pk=imereti.pk).first()
    return {
        "imereti": imereti,
        "kutaisi": imereti.municipalities.first(),
        "tskaltubo": imereti.municipalities.last(),
        "elsewhere": Municipality.objects.filter(region=other).first(),
    }


def _person(email, municipality, role="დირექტორი", **organisation):
    organisation = OrganisationFactory(municipality=municipality, **organisation)
    return AffiliationFactory(contact=ContactFactory(email=email), organisation=organisation, role=role)


def test_region_and_municipality(places):
    _person("kutaisi@x.ge", places["kutaisi"])
    _person("tskaltubo@x.ge", places["tskaltubo"])
    _person("far@x.ge", places["elsewhere"])

    assert _names({"regions": [places["imereti"].pk]}) == ["kutaisi@x.ge", "tskaltubo@x.ge"]
    assert _names({"municipalities": [places["tskaltubo"].pk]}) == ["tskaltubo@x.ge"]


def test_theme_tag_legal_form_and_role_must_hold_for_the_same_affiliation(places):
    theme = Theme.objects.first() or Theme.objects.create(
        code="youth", name_ka="ახალგაზრდობა", name_en="Youth"
    )
    tag = Tag.objects.create(name="EU")
    director = _person("director@x.ge", places["kutaisi"], legal_form=LegalForm.NNLE)
    director.organisation.themes.add(theme)
    director.organisation.tags.add(tag)
    # An accountant at a themed organisation and a director at an untagged one match neither.
    accountant = _person("both@x.ge", places["kutaisi"], role="ბუღალტერი")
    accountant.organisation.themes.add(theme)
    AffiliationFactory(contact=accountant.contact, organisation=OrganisationFactory(), role="დირექტორი")

    filters = {"themes": [theme.pk], "tags": [tag.pk], "legal_forms": ["nnle"], "roles": ["დირექტორ"]}
    assert _names(filters) == ["director@x.ge"]
    assert _names({"themes": [theme.pk], "roles": ["დირექტორ"]}) == ["director@x.ge"]
    assert _names({"legal_forms": ["llc"]}) == []


def test_an_ended_affiliation_no_longer_places_someone(places):
    affiliation = _person("left@x.ge", places["kutaisi"])
    affiliation.start_date = timezone.localdate() - timedelta(days=400)
    affiliation.end_date = timezone.localdate() - timedelta(days=1)
    affiliation.save()

    assert _names({"municipalities": [places["kutaisi"].pk]}) == []


def test_language_filter_and_no_filters():
    ContactFactory(email="ka@x.ge", preferred_language="ka")
    ContactFactory(email="en@x.ge", preferred_language="en")

    assert _names({"languages": ["en"]}) == ["en@x.ge"]
    assert _names({}) == ["en@x.ge", "ka@x.ge"]


def test_segment_size_counts_only_consenting_people(places):
    _person("a@x.ge", places["kutaisi"])
    consenting = _person("b@x.ge", places["kutaisi"]).contact
    consenting.newsletter_consent = True
    consenting.consent_given_at = timezone.now()
    consenting.consent_source = "staff"
    consenting.save()

    assert selectors.segment_size(SegmentFactory(filters={"municipalities": [places["kutaisi"].pk]})) == 1
