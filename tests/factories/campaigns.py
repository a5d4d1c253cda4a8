"""Campaigns, their status codes, interaction templates, entries and interactions."""

from decimal import Decimal

import factory

from campaigns.models import (
    Campaign,
    CampaignEntry,
    CampaignStatus,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
)
from tests.factories.contacts import PersonFactory
from tests.factories.salespeople import SalespersonFactory


class CampaignStatusFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignStatus
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n}")
    description = factory.Faker("word")


class CampaignFactory(factory.django.DjangoModelFactory):
    """A campaign with a status and a salesperson (pass ``None`` for none); ``no`` from
    the CAMPAIGN number series."""

    class Meta:
        model = Campaign

    description = factory.Faker("sentence", nb_words=3)
    status = factory.SubFactory(CampaignStatusFactory)
    salesperson = factory.SubFactory(SalespersonFactory)


class InteractionTemplateFactory(factory.django.DjangoModelFactory):
    """A template without costs or campaign, and without texts unless given:
    ``languages={"en": ("Subject", "Body"), "nl": (...)}`` makes a language version
    of each (``InteractionTemplateLanguageFactory``)."""

    class Meta:
        model = InteractionTemplate
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"TPL{n}")
    description = factory.LazyAttribute(lambda template: f"{template.code.title()} template")

    @factory.post_generation
    def languages(template, create, texts, **kwargs):
        for language, (subject, body) in (texts or {}).items():
            factory_class = InteractionTemplateLanguageFactory
            make = factory_class.create if create else factory_class.build
            make(template=template, language=language, subject=subject, body_text=body)


class InteractionTemplateLanguageFactory(factory.django.DjangoModelFactory):
    """A language version of a template (English unless given), with merge fields."""

    class Meta:
        model = InteractionTemplateLanguage

    template = factory.SubFactory(InteractionTemplateFactory)
    language = "en"
    subject = "Hello {{ contact.name }}"
    body_text = "Dear {{ contact.name }},\n\nKind regards,\n{{ salesperson.name }}"


class CampaignEntryFactory(factory.django.DjangoModelFactory):
    """A campaign entry without interactions (add them with ``InteractionLogEntryFactory``)."""

    class Meta:
        model = CampaignEntry

    campaign = factory.SubFactory(CampaignFactory)
    description = "Mailing"


class InteractionLogEntryFactory(factory.django.DjangoModelFactory):
    """One interaction with a contact (a person of a new company by default); its
    company and, from its campaign entry, its campaign follow the contact and entry."""

    class Meta:
        model = InteractionLogEntry

    contact = factory.SubFactory(PersonFactory)
    contact_company = factory.LazyAttribute(lambda entry: entry.contact.company or entry.contact)
    description = "Letter"
    campaign_entry = None
    campaign = factory.LazyAttribute(
        lambda entry: entry.campaign_entry.campaign if entry.campaign_entry else None
    )
    cost = Decimal("0.00")
    duration = Decimal("0.0")
