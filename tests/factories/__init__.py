"""Test data: one factory per model of every app, the one way the tests build records.

``from tests.factories import CampaignFactory, SegmentLineFactory`` … Each factory
makes a valid row with the fewest fields (a ``no`` comes from its number series);
pass the fields a test is about. Related records are made by sub-factories unless
given. The modules follow the apps; ``scenarios`` holds builders of several records
that tests of more than one app share (a small contact world, a segment ready to be
logged, a campaign with a segment of targets, short names for the pricing rows).

Factories write rows as they are; the rules live in the services, which the
scenarios call where a test needs them applied (``create_customer_from_contact``,
``add_contacts``, ``set_line_campaign_target``). Query-count tests that need
thousands of rows make them with ``bulk_create`` next to the test. The demo data set
is a fixture of its own (``demo_data``, tests/demo_database.py).
"""

from tests.factories.accounts import JobFactory, UserFactory
from tests.factories.activities import ActivityFactory, ActivityStepFactory, TaskFactory
from tests.factories.campaigns import (
    CampaignEntryFactory,
    CampaignFactory,
    CampaignStatusFactory,
    InteractionLogEntryFactory,
    InteractionTemplateFactory,
    InteractionTemplateLanguageFactory,
)
from tests.factories.contacts import (
    BusinessRelationFactory,
    CompanyFactory,
    ContactFactory,
    CustomerDiscountGroupFactory,
    CustomerFactory,
    CustomerPriceGroupFactory,
    IndustryGroupFactory,
    JobResponsibilityFactory,
    MailingGroupFactory,
    PersonFactory,
)
from tests.factories.opportunities import (
    OpportunityEntryFactory,
    OpportunityFactory,
    SalesCycleFactory,
    SalesCycleStageFactory,
)
from tests.factories.pricing import (
    CampaignTargetFactory,
    ItemDiscountGroupFactory,
    ItemFactory,
    SalesLineDiscountFactory,
    SalesPriceFactory,
    UnitOfMeasureFactory,
)
from tests.factories.quotes import SalesQuoteFactory, SalesQuoteLineFactory
from tests.factories.salespeople import SalespersonFactory, TeamFactory, TeamMemberFactory
from tests.factories.scenarios import (
    DEC_31,
    JAN_1,
    MID,
    World,
    campaign_with_segment,
    company,
    customer_of,
    discount,
    item,
    make_template,
    price,
    segment_to_log,
)
from tests.factories.segments import (
    SavedSegmentCriteriaFactory,
    SegmentFactory,
    SegmentLineFactory,
)

__all__ = [
    "DEC_31",
    "JAN_1",
    "MID",
    "ActivityFactory",
    "ActivityStepFactory",
    "BusinessRelationFactory",
    "CampaignEntryFactory",
    "CampaignFactory",
    "CampaignStatusFactory",
    "CampaignTargetFactory",
    "CompanyFactory",
    "ContactFactory",
    "CustomerDiscountGroupFactory",
    "CustomerFactory",
    "CustomerPriceGroupFactory",
    "IndustryGroupFactory",
    "InteractionLogEntryFactory",
    "InteractionTemplateFactory",
    "InteractionTemplateLanguageFactory",
    "ItemDiscountGroupFactory",
    "ItemFactory",
    "JobFactory",
    "JobResponsibilityFactory",
    "MailingGroupFactory",
    "OpportunityEntryFactory",
    "OpportunityFactory",
    "PersonFactory",
    "SalesCycleFactory",
    "SalesCycleStageFactory",
    "SalesLineDiscountFactory",
    "SalesPriceFactory",
    "SalesQuoteFactory",
    "SalesQuoteLineFactory",
    "SalespersonFactory",
    "SavedSegmentCriteriaFactory",
    "SegmentFactory",
    "SegmentLineFactory",
    "TaskFactory",
    "TeamFactory",
    "TeamMemberFactory",
    "UnitOfMeasureFactory",
    "UserFactory",
    "World",
    "campaign_with_segment",
    "company",
    "customer_of",
    "discount",
    "item",
    "make_template",
    "price",
    "segment_to_log",
]
