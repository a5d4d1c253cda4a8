"""Contacts (companies and persons), their classification codes, and customers."""

import factory

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
    """A company contact; ``no`` comes from the CONTACT number series.

    The classification codes take lists of code records (``mailing_groups=[group]``).
    ``as_customer=True`` then makes the company a customer as *Create as customer*
    does (``contacts.services.create_customer_from_contact``), with
    ``as_customer__price_group`` (a code or a record) as its customer price group.
    """

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

    @factory.post_generation
    def as_customer(self, create, extracted, price_group=None, **kwargs):
        if not (create and extracted):
            return
        from contacts.services import create_customer_from_contact

        if isinstance(price_group, str):
            price_group = CustomerPriceGroupFactory(code=price_group)
        create_customer_from_contact(contact=self, price_group=price_group, **kwargs)
        self.refresh_from_db()


class CompanyFactory(ContactFactory):
    type = ContactType.COMPANY


class PersonFactory(ContactFactory):
    """A person working for a company (pass ``company=None`` for one without)."""

    type = ContactType.PERSON
    name = factory.Faker("name")
    email = factory.Faker("email")
    company = factory.SubFactory(CompanyFactory)


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer without a company contact (``CompanyFactory(as_customer=True)`` for
    one made from its company, as the application does)."""

    class Meta:
        model = Customer

    name = factory.Faker("company")
