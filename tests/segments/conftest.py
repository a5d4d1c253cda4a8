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
