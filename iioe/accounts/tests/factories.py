import datetime

import factory

from iioe.accounts.models import Identity, User

PASSWORD = "Sandstone42river"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"learner{n}@example.org")
    first_name = "Amina"
    last_name = factory.Sequence(lambda n: f"Diallo{n}")
    date_of_birth = datetime.date(1985, 3, 14)
    identity = Identity.TEACHER
    gender = "female"
    country = "SN"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: object, **kwargs: object) -> None:  # noqa: N805
        if create:
            obj.save()
