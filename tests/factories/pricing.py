"""Items, sales prices and line discounts, campaign targets."""

from decimal import Decimal

import factory

from pricing.models import (
    CampaignTarget,
    DiscountSalesType,
    DiscountType,
    Item,
    ItemDiscountGroup,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
    UnitOfMeasure,
)
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import CustomerFactory


class UnitOfMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitOfMeasure
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"UOM{n}")


class ItemDiscountGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItemDiscountGroup
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"IDG{n}")


class ItemFactory(factory.django.DjangoModelFactory):
    """An item at 100.00; ``no`` from the ITEM number series."""

    class Meta:
        model = Item

    description = factory.Sequence(lambda n: f"Item {n}")
    unit_price = Decimal("100.00")


class SalesPriceFactory(factory.django.DjangoModelFactory):
    """A price of 90.00 for all customers, without dates."""

    class Meta:
        model = SalesPrice

    item = factory.SubFactory(ItemFactory)
    sales_type = SalesType.ALL_CUSTOMERS
    sales_code = ""
    unit_price = Decimal("90.00")


class SalesLineDiscountFactory(factory.django.DjangoModelFactory):
    """5 % on a new item for all customers, without dates."""

    class Meta:
        model = SalesLineDiscount

    type = DiscountType.ITEM
    code = factory.LazyFunction(lambda: ItemFactory().no)
    sales_type = DiscountSalesType.ALL_CUSTOMERS
    sales_code = ""
    line_discount_percent = Decimal("5")


class CampaignTargetFactory(factory.django.DjangoModelFactory):
    """A customer in a campaign's target group (pass ``customer=None, contact=…`` for
    a company contact that is no customer). Activation makes these by the rules."""

    class Meta:
        model = CampaignTarget

    campaign = factory.SubFactory(CampaignFactory)
    customer = factory.SubFactory(CustomerFactory)
    contact = None
