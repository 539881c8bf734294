import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

ROLES = ("admin", "manager", "staff", "partner")


class UserFactory(factory.django.DjangoModelFactory):
    """A user; `role` (admin, manager, staff, partner or None) sets flags and group."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "ნინო"
    last_name = "ბერიძე"
    email = factory.LazyAttribute(lambda u: f"{u.username}@kavshiri.example")
    password = factory.django.Password("correct-horse-battery")

    @classmethod
    def _create(cls, model_class, *args, role="staff", **kwargs):
        kwargs.setdefault("is_staff", role in ("admin", "manager", "staff"))
        kwargs.setdefault("is_superuser", role == "admin")
        user = super()._create(model_class, *args, **kwargs)
        if role in ("manager", "staff", "partner"):
            user.groups.add(Group.objects.get(name=role))
        return user
