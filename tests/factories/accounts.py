"""Logins and background jobs."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.models import Job


class UserFactory(factory.django.DjangoModelFactory):
    """A login with password ``pw-for-tests-1``; ``role=roles.MARKETING_STAFF`` puts it
    in that role's group."""

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


class JobFactory(factory.django.DjangoModelFactory):
    """A contact import job of a user, queued."""

    class Meta:
        model = Job

    kind = Job.Kind.CONTACT_IMPORT
    description = factory.Sequence(lambda n: f"Job {n}")
    user = factory.SubFactory(UserFactory)
