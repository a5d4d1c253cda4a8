"""Pricing fixtures shared by the pricing tests (plain helpers, no conftest)."""

import datetime
from decimal import Decimal

from campaigns.models import Campaign
from contacts.models import Contact, ContactType, CustomerPriceGroup
from contacts.services import create_customer_from_contact
from pricing.models import Item, SalesLineDiscount, SalesPrice, SalesType
from segments import services as segment_services
from segments.models import Segment

JAN_1 = datetime.date(2026, 1, 1)
DEC_31 = datetime.date(2026, 12, 31)
MID = datetime.date(2026, 6, 15)


def company(name, *, customer=True, price_group=None):
    contact = Contact.objects.create(type=ContactType.COMPANY, name=name)
    if customer:
        group = (
            CustomerPriceGroup.objects.get_or_create(code=price_group)[0] if price_group else None
        )
        create_customer_from_contact(contact=contact, price_group=group)
        contact.refresh_from_db()
    return contact


def item(price="100.00", no=None, **fields):
    return Item.objects.create(
        unit_price=Decimal(price), description="Chair", **({"no": no} if no else {}), **fields
    )


def price(item, sales_type, code="", unit_price="90.00", **fields):
    return SalesPrice.objects.create(
        item=item, sales_type=sales_type, sales_code=code, unit_price=Decimal(unit_price), **fields
    )


def discount(code, sales_type, sales_code="", percent="5", type="item", **fields):  # noqa: A002
    return SalesLineDiscount.objects.create(
        type=type,
        code=code,
        sales_type=sales_type,
        sales_code=sales_code,
        line_discount_percent=Decimal(percent),
        **fields,
    )


def campaign_with_segment(*companies, targets=(), start=JAN_1, end=DEC_31):
    """A campaign and a segment holding ``companies``; ``targets`` get campaign target."""
    campaign = Campaign.objects.create(description="Spring", starting_date=start, ending_date=end)
    segment = Segment.objects.create(description="Targets", campaign=campaign)
    if companies:
        segment_services.add_contacts(
            segment=segment, filters={"no": "|".join(c.no for c in companies)}
        )
    for target in targets:
        line = segment.lines.get(contact=target)
        segment_services.set_line_campaign_target(line=line, value=True)
    return campaign, segment


def customer_of(contact):
    from contacts.models import Customer

    return Customer.objects.select_related("price_group", "discount_group").get(contact=contact)


__all__ = ["SalesType"]
