import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from crm.forms import ContactForm, OrganisationForm
from crm.models import Organisation
from tests.crm.factories import ContactFactory, OrganisationFactory
from tests.network.factories import municipality

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["12345678", "1234567890", "21234567a", "212-345-678", " 21234567"])
def test_identification_code_must_be_nine_digits(code):
    organisation = OrganisationFactory.build(identification_code=code, municipality=municipality())
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "identification_code" in error.value.message_dict


def test_identification_code_is_unique():
    OrganisationFactory(identification_code="212345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(identification_code="212345678")


def test_organisations_without_code_do_not_collide():
    OrganisationFactory(identification_code="")
    OrganisationFactory(identification_code="")
    assert Organisation.objects.filter(identification_code=None).count() == 2


@pytest.mark.parametrize("phone", ["12345", "+995 12", "not a phone"])
def test_invalid_phone_is_refused(phone):
    organisation = OrganisationFactory.build(phone=phone, municipality=municipality())
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "phone" in error.value.message_dict


def test_georgian_phone_is_stored_in_e164():
    organisation = OrganisationFactory(phone="599 12 34 56")
    organisation.refresh_from_db()
    assert str(organisation.phone) == "+995599123456"


def test_founding_year_in_the_future_is_refused():
    organisation = OrganisationFactory.build(
        founding_year=timezone.localdate().year + 1, municipality=municipality()
    )
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "founding_year" in error.value.message_dict


def test_newsletter_consent_needs_when_and_how():
    contact = ContactFactory.build(newsletter_consent=True)
    with pytest.raises(ValidationError):
        contact.full_clean()


def test_unrecorded_consent_is_refused_by_the_database_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactFactory(newsletter_consent=True, consent_given_at=None, consent_source="")


def _organisation_form(**overrides):
    data = {
        "name": "ვანის ქალთა კავშირი",
        "legal_form": "nnle",
        "identification_code": "212345678",
        "municipality": municipality("Vani").pk,
        "phone": "+995599123456",
        "email": "info@vani.example.ge",
        "is_active": "on",
    }
    data.update(overrides)
    return OrganisationForm(data=data)


def test_form_accepts_a_valid_organisation():
    form = _organisation_form()
    assert form.is_valid(), form.errors
    assert form.save().search_key == "vanis kalta kavshiri"


def test_form_explains_bad_input_in_georgian():
    with translation.override("ka"):
        form = _organisation_form(identification_code="123", phone="12", email="not-an-email")
        assert not form.is_valid()
        assert set(form.errors) == {"identification_code", "phone", "email"}
        assert "9" in form.errors["identification_code"][0]
        assert "ციფრ" in form.errors["identification_code"][0]  # "digits" in Georgian


def test_form_explains_bad_input_in_english():
    with translation.override("en"):
        form = _organisation_form(identification_code="123")
        assert not form.is_valid()
        assert form.errors["identification_code"] == ["An identification code has exactly 9 digits (e.g. 212345678)."]


def test_contact_form_records_when_consent_was_given():
    form = ContactForm(
        data={
            "first_name": "ნინო",
            "preferred_language": "ka",
            "newsletter_consent": "on",
            "consent_source": "staff",
            "consent_note": "asked at the training",
        }
    )
    assert form.is_valid(), form.errors
    contact = form.save()
    assert contact.consent_given_at is not None


def test_renewed_consent_gets_a_new_date():
    old = timezone.now() - timezone.timedelta(days=400)
    contact = ContactFactory(newsletter_consent=False, consent_given_at=old, consent_source="form")
    form = ContactForm(
        instance=contact,
        data={"first_name": contact.first_name, "preferred_language": "ka", "newsletter_consent": "on",
              "consent_source": "staff", "consent_note": "renewed by phone"},
    )
    assert form.is_valid(), form.errors
    assert form.save().consent_given_at > old
