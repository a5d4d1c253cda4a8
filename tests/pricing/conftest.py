"""Fixtures of the sales quote page tests: items, a customer, prices and a quote.

Everything is made with the ORM; the names avoid those of the other pricing tests.
"""

import datetime
from decimal import Decimal

import pytest

from campaigns.models import Campaign
from contacts.models import Contact, ContactType, Customer
from pricing.models import (
    CampaignTarget,
    DiscountSalesType,
    DiscountType,
    Item,
    SalesLineDiscount,
    SalesPrice,
    SalesQuote,
    SalesType,
    UnitOfMeasure,
)

ORDER_DATE = datetime.date(2026, 3, 16)


@pytest.fixture
def unit_pcs(db):
    return UnitOfMeasure.objects.create(code="PCS", description="Piece")


@pytest.fixture
def widget(unit_pcs):
    return Item.objects.create(
        description="Widget", unit_price=Decimal("120.00"), base_unit_of_measure=unit_pcs
    )


@pytest.fixture
def gadget(unit_pcs):
    return Item.objects.create(
        description="Gadget", unit_price=Decimal("40.00"), base_unit_of_measure=unit_pcs
    )


@pytest.fixture
def quote_company(db):
    return Contact.objects.create(type=ContactType.COMPANY, name="Acme Trading")


@pytest.fixture
def quote_customer(quote_company):
    return Customer.objects.create(name="Acme Trading", contact=quote_company)


@pytest.fixture
def other_customer(db):
    company = Contact.objects.create(type=ContactType.COMPANY, name="Bolt Ltd")
    return Customer.objects.create(name="Bolt Ltd", contact=company)


def sales_price(item, sales_type, code="", unit_price="100.00", **fields):
    return SalesPrice.objects.create(
        item=item, sales_type=sales_type, sales_code=code, unit_price=Decimal(unit_price), **fields
    )


@pytest.fixture
def quote_prices(widget, gadget, quote_customer):
    """Widget: 110 for all customers, 100 for Acme (the lower wins); gadget: 35 for all."""
    return {
        "all": sales_price(widget, SalesType.ALL_CUSTOMERS, unit_price="110.00"),
        "customer": sales_price(widget, SalesType.CUSTOMER, quote_customer.no, unit_price="100.00"),
        "gadget": sales_price(gadget, SalesType.ALL_CUSTOMERS, unit_price="35.00"),
    }


@pytest.fixture
def campaign_price(widget, quote_customer):
    """An activated campaign that targets Acme: widget at 95 with 5 % line discount."""
    campaign = Campaign.objects.create(
        description="Spring sale",
        starting_date=datetime.date(2026, 1, 1),
        ending_date=datetime.date(2026, 12, 31),
    )
    Campaign.objects.filter(pk=campaign.pk).update(activated=True)
    CampaignTarget.objects.create(campaign=campaign, customer=quote_customer)
    sales_price(widget, SalesType.CAMPAIGN, campaign.no, unit_price="95.00")
    SalesLineDiscount.objects.create(
        type=DiscountType.ITEM,
        code=widget.no,
        sales_type=DiscountSalesType.CAMPAIGN,
        sales_code=campaign.no,
        line_discount_percent=Decimal("5"),
    )
    return campaign


@pytest.fixture
def quote(quote_customer):
    return SalesQuote.objects.create(customer=quote_customer, order_date=ORDER_DATE)
