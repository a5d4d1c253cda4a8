import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from campaigns.models import Campaign, CampaignStatus
from salespeople.models import Salesperson, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))
        if create:
            self.save()


class SalespersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Salesperson

    code = factory.Sequence(lambda n: f"SP{n:03d}")
    name = factory.Faker("name")
    email = factory.Faker("email")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Faker("word")


class CampaignStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignStatus
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n}")
    description = factory.Faker("word")


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    description = factory.Faker("sentence", nb_words=3)
    status = factory.SubFactory(CampaignStatusFactory)
    salesperson = factory.SubFactory(SalespersonFactory)
