import pytest

from contacts.models import (
    BusinessRelation,
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactType,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
)
from segments.models import Segment
from tests.factories import CampaignFactory


class World:
    """A small contact world: companies with persons and codes."""

    def __init__(self):
        self.codes = {}

    def code(self, model, code):
        key = (model, code)
        if key not in self.codes:
            self.codes[key] = model.objects.get_or_create(code=code)[0]
        return self.codes[key]

    def company(self, name, *, industry=(), relations=(), mailing=(), **fields):
        company = Contact.objects.create(type=ContactType.COMPANY, name=name, **fields)
        for code in industry:
            ContactIndustryGroup.objects.create(
                contact=company, industry_group=self.code(IndustryGroup, code)
            )
        for code in relations:
            ContactBusinessRelation.objects.create(
                contact=company, business_relation=self.code(BusinessRelation, code)
            )
        for code in mailing:
            ContactMailingGroup.objects.create(
                contact=company, mailing_group=self.code(MailingGroup, code)
            )
        return company

    def person(self, name, company=None, *, jobs=(), mailing=(), **fields):
        person = Contact.objects.create(
            type=ContactType.PERSON, name=name, company=company, **fields
        )
        for code in jobs:
            ContactJobResponsibility.objects.create(
                contact=person, job_responsibility=self.code(JobResponsibility, code)
            )
        for code in mailing:
            ContactMailingGroup.objects.create(
                contact=person, mailing_group=self.code(MailingGroup, code)
            )
        return person


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def campaign(db):
    return CampaignFactory()


@pytest.fixture
def segment(db):
    return Segment.objects.create(description="Test segment")


def contact_ids(segment):
    return set(segment.lines.values_list("contact_id", flat=True))


# Logging (SPEC §5.3) ---------------------------------------------------------------


def make_template(code, correspondence_type, **fields):
    from decimal import Decimal

    from campaigns.models import InteractionTemplate

    values = {
        "description": f"{code.title()} template",
        "unit_cost": Decimal("1.50"),
        "unit_duration": Decimal("5.0"),
        "correspondence_type": correspondence_type,
        "subject_en": "Spring offer for {name}",
        "body_en": "Dear {name},\nOur spring offer for {company} in {city}.",
        "subject_nl": "Voorjaarsaanbieding voor {name}",
        "body_nl": "Beste {name},\nOnze voorjaarsaanbieding voor {company} in {city}.",
        **fields,
    }
    return InteractionTemplate.objects.create(code=code, **values)


@pytest.fixture
def letter_template(db):
    from contacts.models import CorrespondenceType

    return make_template("LETTER", CorrespondenceType.HARD_COPY)


@pytest.fixture
def email_template(db):
    from contacts.models import CorrespondenceType

    return make_template("EMAIL", CorrespondenceType.EMAIL)


def segment_to_log(world, campaign, template, *, names=("Ann", "Bram", "Cat"), **header):
    """A segment of persons of Acme (Bram speaks Dutch) taking ``template`` on its header."""
    from segments import services

    company = world.company("Acme", city="Utrecht", email="info@acme.example")
    for name in names:
        world.person(
            name,
            company,
            email=f"{name.lower()}@acme.example",
            language="nl" if name == "Bram" else "en",
            address="Main street 1",
            post_code="3511 AB",
            city="Utrecht",
        )
    segment = Segment(
        description=header.pop("description", "Spring mailing"),
        campaign=campaign,
        interaction_template=template,
        **header,
    )
    services.save_segment(segment=segment)
    services.add_contacts(segment=segment, filters={"type": "person"})
    return segment
