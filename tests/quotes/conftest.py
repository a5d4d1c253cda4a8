"""Fixtures of the sales quote page tests: items, a customer, prices and a quote.

The names avoid those of the pricing tests.
"""

import datetime
from decimal import Decimal

import pytest

from campaigns.models import Campaign
from pricing.models import DiscountSalesType, DiscountType, SalesType
from tests.factories import (
    CampaignFactory,
    CampaignTargetFactory,
    CompanyFactory,
    CustomerFactory,
    ItemFactory,
    SalesLineDiscountFactory,
    SalesQuoteFactory,
    UnitOfMeasureFactory,
    price,
)

ORDER_DATE = datetime.date(2026, 3, 16)


@pytest.fixture
def unit_pcs(db):
    return UnitOfMeasureFactory(code="PCS", description="Piece")


@pytest.fixture
def widget(unit_pcs):
    return ItemFactory(
        description="Widget", unit_price=Decimal("120.00"), base_unit_of_measure=unit_pcs
    )


@pytest.fixture
def gadget(unit_pcs):
    return ItemFactory(
        description="Gadget", unit_price=Decimal("40.00"), base_unit_of_measure=unit_pcs
    )


@pytest.fixture
def quote_company(db):
    return CompanyFactory(name="Acme Trading", city="", email="")


@pytest.fixture
def quote_customer(quote_company):
    return CustomerFactory(name="Acme Trading", contact=quote_company)


@pytest.fixture
def other_customer(db):
    company = CompanyFactory(name="Bolt Ltd", city="", email="")
    return CustomerFactory(name="Bolt Ltd", contact=company)


@pytest.fixture
def quote_prices(widget, gadget, quote_customer):
    """Widget: 110 for all customers, 100 for Acme (the lower wins); gadget: 35 for all."""
    return {
        "all": price(widget, SalesType.ALL_CUSTOMERS, unit_price="110.00"),
        "customer": price(widget, SalesType.CUSTOMER, quote_customer.no, unit_price="100.00"),
        "gadget": price(gadget, SalesType.ALL_CUSTOMERS, unit_price="35.00"),
    }


@pytest.fixture
def campaign_price(widget, quote_customer):
    """An activated campaign that targets Acme: widget at 95 with 5 % line discount."""
    campaign = CampaignFactory(
        description="Spring sale",
        starting_date=datetime.date(2026, 1, 1),
        ending_date=datetime.date(2026, 12, 31),
        status=None,
        salesperson=None,
    )
    Campaign.objects.filter(pk=campaign.pk).update(activated=True)
    CampaignTargetFactory(campaign=campaign, customer=quote_customer)
    price(widget, SalesType.CAMPAIGN, campaign.no, unit_price="95.00")
    SalesLineDiscountFactory(
        type=DiscountType.ITEM,
        code=widget.no,
        sales_type=DiscountSalesType.CAMPAIGN,
        sales_code=campaign.no,
        line_discount_percent=Decimal("5"),
    )
    return campaign


@pytest.fixture
def quote(quote_customer):
    return SalesQuoteFactory(customer=quote_customer, order_date=ORDER_DATE)
