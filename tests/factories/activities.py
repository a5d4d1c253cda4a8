"""Activities, their steps, and tasks."""

import factory

from tests.factories.salespeople import SalespersonFactory


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.Activity"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"ACT{n}")
    description = factory.Faker("sentence", nb_words=3)


class ActivityStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "activities.ActivityStep"

    activity = factory.SubFactory(ActivityFactory)
    step_no = factory.Sequence(lambda n: n + 1)
    description = factory.Faker("sentence", nb_words=3)
    date_formula = ""


class TaskFactory(factory.django.DjangoModelFactory):
    """A single open task of a salesperson; ``no`` comes from the TASK number series."""

    class Meta:
        model = "activities.Task"

    description = factory.Faker("sentence", nb_words=3)
    salesperson = factory.SubFactory(SalespersonFactory)
