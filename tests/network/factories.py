import factory

from network.models import Municipality, PartnerAccount, PartnerInvitation, Partnership


def municipality(name_en: str = "Kutaisi") -> Municipality:
    """Geography is loaded by migration; tests pick real municipalities rather than invent them."""
    return Municipality.objects.get(name_en=name_en)


def _set_many(name):
    """A post-generation hook: PartnershipFactory(organisations=[...]) sets that relation."""

    def hook(obj, create, extracted, **kwargs):
        if create and extracted:
            getattr(obj, name).set(extracted)

    return factory.PostGeneration(hook)


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Imereti–Guria partnership {n}")
    kind = Partnership.Kind.MOU
    organisations = _set_many("organisations")
    regions = _set_many("regions")
    people = _set_many("people")


class PartnerAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerAccount

    user = factory.SubFactory("tests.factories.UserFactory", role="partner")
    organisation = factory.SubFactory("tests.crm.factories.OrganisationFactory", is_partner=True)


class PartnerInvitationFactory(factory.django.DjangoModelFactory):
    """An open invitation, as staff leave it; the mail is not sent."""

    class Meta:
        model = PartnerInvitation

    organisation = factory.SubFactory("tests.crm.factories.OrganisationFactory", is_partner=True)
    email = factory.Sequence(lambda n: f"invited{n}@partner.example.ge")
    name = "თამარ ჯაფარიძე"
    invited_by = factory.SubFactory("tests.factories.UserFactory", role="staff")
