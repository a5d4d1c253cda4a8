"""Builders of several records that tests of more than one app share, on the
factories: a small contact world, a segment ready to be logged, a campaign with a
segment of targets, and short names for the rows of the pricing tests."""

import datetime
from decimal import Decimal

from contacts.models import (
    BusinessRelation,
    Customer,
    IndustryGroup,
    JobResponsibility,
    MailingGroup,
)
from segments import services as segment_services
from tests.factories.campaigns import CampaignFactory, InteractionTemplateFactory
from tests.factories.contacts import (
    BusinessRelationFactory,
    CompanyFactory,
    CustomerPriceGroupFactory,
    IndustryGroupFactory,
    JobResponsibilityFactory,
    MailingGroupFactory,
    PersonFactory,
)
from tests.factories.pricing import ItemFactory, SalesLineDiscountFactory, SalesPriceFactory
from tests.factories.segments import SegmentFactory

# --- Contacts and segments ---------------------------------------------------------------

CODE_FACTORIES = {
    IndustryGroup: IndustryGroupFactory,
    BusinessRelation: BusinessRelationFactory,
    JobResponsibility: JobResponsibilityFactory,
    MailingGroup: MailingGroupFactory,
}


class World:
    """A small contact world: companies with persons, and their classification codes
    named by code (made on first use). Contacts have no city or e-mail unless given."""

    def __init__(self):
        self.codes = {}

    def code(self, model, code):
        key = (model, code)
        if key not in self.codes:
            self.codes[key] = CODE_FACTORIES[model](code=code, description="")
        return self.codes[key]

    def company(self, name, *, industry=(), relations=(), mailing=(), **fields):
        return CompanyFactory(
            **{"name": name, "city": "", "email": "", **fields},
            industry_groups=[self.code(IndustryGroup, code) for code in industry],
            business_relations=[self.code(BusinessRelation, code) for code in relations],
            mailing_groups=[self.code(MailingGroup, code) for code in mailing],
        )

    def person(self, name, company=None, *, jobs=(), mailing=(), **fields):
        return PersonFactory(
            **{"name": name, "company": company, "city": "", "email": "", **fields},
            job_responsibilities=[self.code(JobResponsibility, code) for code in jobs],
            mailing_groups=[self.code(MailingGroup, code) for code in mailing],
        )


# The texts of ``make_template``: an English and a Dutch version with merge fields.
SPRING_OFFER = {
    "en": (
        "Spring offer for {{ contact.name }}",
        "Dear {{ contact.name }},\nOur spring offer for {{ company.name }} in {{ contact.city }}.",
    ),
    "nl": (
        "Voorjaarsaanbieding voor {{ contact.name }}",
        "Beste {{ contact.name }},\n"
        "Onze voorjaarsaanbieding voor {{ company.name }} in {{ contact.city }}.",
    ),
}


def make_template(code, correspondence_type, **fields):
    """An interaction template with costs and an English and a Dutch version
    (``SPRING_OFFER``; ``languages=`` for others) that use the merge fields
    ``contact.name``, ``company.name`` and ``contact.city``."""
    values = {
        "description": f"{code.title()} template",
        "unit_cost": Decimal("1.50"),
        "unit_duration": Decimal("5.0"),
        "correspondence_type": correspondence_type,
        "languages": SPRING_OFFER,
        **fields,
    }
    return InteractionTemplateFactory(code=code, **values)


def segment_to_log(world, campaign, template, *, names=("Ann", "Bram", "Cat"), **header):
    """A segment of persons of Acme (Bram speaks Dutch) taking ``template`` on its header."""
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
    segment = SegmentFactory.build(
        description=header.pop("description", "Spring mailing"),
        campaign=campaign,
        interaction_template=template,
        **header,
    )
    segment_services.save_segment(segment=segment)
    segment_services.add_contacts(segment=segment, filters={"type": "person"})
    return segment


# --- Pricing -------------------------------------------------------------------------------

JAN_1 = datetime.date(2026, 1, 1)
DEC_31 = datetime.date(2026, 12, 31)
MID = datetime.date(2026, 6, 15)


def company(name, *, customer=True, price_group=None):
    """A company contact (no city, no e-mail), made a customer of ``price_group`` (a
    code) as *Create as customer* does unless ``customer=False``."""
    if price_group is not None:
        price_group = CustomerPriceGroupFactory(code=price_group, description="")
    return CompanyFactory(
        name=name,
        city="",
        email="",
        as_customer=customer,
        as_customer__price_group=price_group,
    )


def customer_of(contact):
    """The customer of a company contact, with its groups loaded as the engine's callers
    load it."""
    return Customer.objects.select_related("price_group", "discount_group").get(contact=contact)


def item(price="100.00", no=None, **fields):
    """An item "Chair" at ``price``."""
    return ItemFactory(
        **{"unit_price": Decimal(price), "description": "Chair", **({"no": no} if no else {})},
        **fields,
    )


def price(item, sales_type, code="", unit_price="90.00", **fields):
    """A sales price of ``item`` for ``sales_type`` / sales ``code``."""
    return SalesPriceFactory(
        item=item, sales_type=sales_type, sales_code=code, unit_price=Decimal(unit_price), **fields
    )


def discount(code, sales_type, sales_code="", percent="5", type="item", **fields):  # noqa: A002
    """A line discount of ``percent`` on item (or item discount group) ``code``."""
    return SalesLineDiscountFactory(
        type=type,
        code=code,
        sales_type=sales_type,
        sales_code=sales_code,
        line_discount_percent=Decimal(percent),
        **fields,
    )


def campaign_with_segment(*companies, targets=(), start=JAN_1, end=DEC_31):
    """A campaign "Spring" (no status, no salesperson) and a segment holding
    ``companies``; ``targets`` get campaign target, by the segment services."""
    campaign = CampaignFactory(
        description="Spring", starting_date=start, ending_date=end, status=None, salesperson=None
    )
    segment = SegmentFactory(description="Targets", campaign=campaign)
    if companies:
        segment_services.add_contacts(
            segment=segment, filters={"no": "|".join(c.no for c in companies)}
        )
    for target in targets:
        line = segment.lines.get(contact=target)
        segment_services.set_line_campaign_target(line=line, value=True)
    return campaign, segment
