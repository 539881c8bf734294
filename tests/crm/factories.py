from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from crm.models import (
    Affiliation,
    Contact,
    FollowUp,
    Interaction,
    Invoice,
    InvoiceLine,
    Organisation,
    Service,
    ServiceDelivery,
)
from tests.factories import UserFactory
from tests.network.factories import municipality


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"ქუთაისის ახალგაზრდული ცენტრი {n}")
    name_latin = factory.Sequence(lambda n: f"Kutaisi Youth Centre {n}")
    identification_code = factory.Sequence(lambda n: f"{400000000 + n}")
    municipality = factory.LazyFunction(municipality)
    phone = "+995431245678"
    email = factory.Sequence(lambda n: f"info{n}@centre.example.ge")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    first_name = "მარიამ"
    last_name = "კაპანაძე"
    name_latin = "Mariam Kapanadze"
    email = factory.Sequence(lambda n: f"mariam{n}@example.ge")
    phone = "+995599123456"


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    contact = factory.SubFactory(ContactFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "დირექტორი"


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    organisation = factory.SubFactory(OrganisationFactory)
    staff = factory.SubFactory(UserFactory)
    kind = Interaction.Kind.MEETING
    subject = "შეხვედრა სტრატეგიულ გეგმაზე"
    notes = "private: the director is leaving"


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    organisation = factory.SubFactory(OrganisationFactory)
    assignee = factory.SubFactory(UserFactory)
    title = "გაუგზავნე ოქმი"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name_ka = "ტრენინგი"
    name_en = "Training"
    category = Service.Category.TRAINING
    default_price = Decimal("100.00")


class ServiceDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceDelivery

    service = factory.SubFactory(ServiceFactory)
    client_organisation = factory.SubFactory(OrganisationFactory)
    start_date = factory.LazyFunction(timezone.localdate)
    participants = 12
    price_agreed = Decimal("100.00")


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    client_organisation = factory.SubFactory(OrganisationFactory)


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    description = "ტრენინგი"
    quantity = Decimal("1.00")
    unit_price = Decimal("100.00")
    vat_rate = Decimal("18.00")
