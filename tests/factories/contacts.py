import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from campaigns.models import Campaign, CampaignStatus
from contacts.models import (
    BusinessRelation,
    Contact,
    ContactType,
    Customer,
    CustomerDiscountGroup,
    CustomerPriceGroup,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
)
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


class IndustryGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndustryGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"IND{n}")
    description = factory.Faker("word")


class JobResponsibilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobResponsibility
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"JOB{n}")
    description = factory.Faker("word")


class MailingGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MailingGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"MAIL{n}")
    description = factory.Faker("word")


class BusinessRelationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessRelation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"REL{n}")
    description = factory.Faker("word")


class CustomerPriceGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerPriceGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PRICE{n}")
    description = factory.Faker("word")


class CustomerDiscountGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerDiscountGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"DISC{n}")
    description = factory.Faker("word")


class ContactFactory(factory.django.DjangoModelFactory):
    """A company contact; ``no`` comes from the CONTACT number series."""

    class Meta:
        model = Contact
        skip_postgeneration_save = True

    type = ContactType.COMPANY
    name = factory.Faker("company")
    city = factory.Faker("city")
    email = factory.Faker("company_email")

    @factory.post_generation
    def industry_groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.industry_groups.add(*extracted)

    @factory.post_generation
    def business_relations(self, create, extracted, **kwargs):
        if create and extracted:
            self.business_relations.add(*extracted)

    @factory.post_generation
    def job_responsibilities(self, create, extracted, **kwargs):
        if create and extracted:
            self.job_responsibilities.add(*extracted)

    @factory.post_generation
    def mailing_groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.mailing_groups.add(*extracted)


class CompanyFactory(ContactFactory):
    type = ContactType.COMPANY


class PersonFactory(ContactFactory):
    """A person working for a company (pass ``company=None`` for one without)."""

    type = ContactType.PERSON
    name = factory.Faker("name")
    email = factory.Faker("email")
    company = factory.SubFactory(CompanyFactory)


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer without a company contact (use ``create_customer_from_contact`` for one)."""

    class Meta:
        model = Customer

    name = factory.Faker("company")


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
