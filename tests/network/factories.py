import factory

from network.models import Municipality, PartnerAccount, Partnership


def municipality(name_en: str = "Kutaisi") -> Municipality:
    """Geography is loaded by migration; tests pick real municipalities rather than invent them."""
    return Municipality.objects.get(name_en=name_en)


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    name = factory.Sequence(lambda n: f"Imereti–Guria partnership {n}")
    kind = Partnership.Kind.MOU


class PartnerAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerAccount

    user = factory.SubFactory("tests.factories.UserFactory", role="partner")
    organisation = factory.SubFactory("tests.crm.factories.OrganisationFactory", is_partner=True)
