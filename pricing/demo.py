"""Demo items, prices, discounts and an activated campaign (its quote: ``quotes.demo``)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from campaigns.demo import MAILING
from campaigns.models import Campaign
from pricing import services
from pricing.models import (
    DiscountSalesType,
    DiscountType,
    Item,
    ItemDiscountGroup,
    ItemUnitOfMeasure,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
    UnitOfMeasure,
)

UNITS = [("PCS", _("Piece")), ("BOX", _("Box")), ("SET", _("Set"))]
GROUPS = [
    ("CHAIRS", _("Office chairs")),
    ("DESKS", _("Desks and tables")),
    ("ACCESS", _("Accessories")),
]
ITEMS = [
    (_("Ergonomic office chair ATHENS"), "CHAIRS", "249.00"),
    (_("Conference chair PARIS"), "CHAIRS", "129.00"),
    (_("Swivel chair ROME"), "CHAIRS", "189.00"),
    (_("Height-adjustable desk BERLIN"), "DESKS", "649.00"),
    (_("Meeting table OSLO"), "DESKS", "899.00"),
    (_("Desk LONDON 160 cm"), "DESKS", "429.00"),
    (_("Monitor arm"), "ACCESS", "89.00"),
    (_("Desk lamp LED"), "ACCESS", "45.00"),
    (_("Cable tray"), "ACCESS", "24.50"),
    (_("Footrest"), "ACCESS", "39.00"),
]
# Items also sold by the box or set: (item description, unit, base units in one).
CONFERENCE_CHAIR, MONITOR_ARM, DESK_LAMP, CABLE_TRAY = (ITEMS[i][0] for i in (1, 6, 7, 8))
OTHER_UNITS = [
    (CONFERENCE_CHAIR, "SET", 4),
    (MONITOR_ARM, "BOX", 6),
    (DESK_LAMP, "BOX", 4),
    (CABLE_TRAY, "BOX", 10),
]


def load(stdout=None):
    units = {}
    for code, description in UNITS:
        units[code] = UnitOfMeasure.objects.update_or_create(
            code=code, defaults={"description": str(description)}
        )[0]
    groups = {}
    for code, description in GROUPS:
        groups[code] = ItemDiscountGroup.objects.update_or_create(
            code=code, defaults={"description": str(description)}
        )[0]
    if Item.objects.exists():
        return
    items = [
        Item.objects.create(
            description=str(description),
            item_discount_group=groups[group],
            base_unit_of_measure=units["PCS"],
            unit_price=Decimal(price),
        )
        for description, group, price in ITEMS
    ]
    by_description = {item.description: item for item in items}
    ItemUnitOfMeasure.objects.bulk_create(
        [ItemUnitOfMeasure(item=item, unit_of_measure=units["PCS"]) for item in items]
        + [
            ItemUnitOfMeasure(
                item=by_description[str(description)],
                unit_of_measure=units[unit],
                quantity_per_unit_of_measure=quantity,
            )
            for description, unit, quantity in OTHER_UNITS
        ]
    )
    # A box of cable trays has a price of its own (less than 10 trays); the other units
    # are priced per piece, converted.
    SalesPrice.objects.create(
        item=by_description[str(CABLE_TRAY)],
        sales_type=SalesType.ALL_CUSTOMERS,
        unit_of_measure=units["BOX"],
        unit_price=Decimal("199.00"),
    )
    for item in items:
        # A slightly lower price for everybody, and a wholesale price group price.
        SalesPrice.objects.create(
            item=item,
            sales_type=SalesType.ALL_CUSTOMERS,
            unit_price=(item.unit_price * Decimal("0.97")).quantize(Decimal("0.01")),
        )
        SalesPrice.objects.create(
            item=item,
            sales_type=SalesType.CUSTOMER_PRICE_GROUP,
            sales_code="WHOLESALE",
            unit_price=(item.unit_price * Decimal("0.90")).quantize(Decimal("0.01")),
            minimum_quantity=5,
        )
    SalesLineDiscount.objects.create(
        type=DiscountType.ITEM_DISCOUNT_GROUP,
        code="ACCESS",
        sales_type=DiscountSalesType.CUSTOMER_DISCOUNT_GROUP,
        sales_code="LARGE",
        line_discount_percent=Decimal("5"),
    )

    mailing = Campaign.objects.filter(description=str(MAILING)).first()
    if mailing is None:
        return
    for item in items[:4]:
        SalesPrice.objects.create(
            item=item,
            sales_type=SalesType.CAMPAIGN,
            sales_code=mailing.no,
            starting_date=mailing.starting_date,
            ending_date=mailing.ending_date,
            unit_price=(item.unit_price * Decimal("0.80")).quantize(Decimal("0.01")),
        )
    SalesLineDiscount.objects.create(
        type=DiscountType.ITEM_DISCOUNT_GROUP,
        code="ACCESS",
        sales_type=DiscountSalesType.CAMPAIGN,
        sales_code=mailing.no,
        starting_date=mailing.starting_date,
        ending_date=mailing.ending_date,
        line_discount_percent=Decimal("15"),
    )
    if services.has_target_sources(mailing):
        services.activate_campaign(campaign=mailing)
    if stdout:
        stdout.write(f"{len(items)} items, {SalesPrice.objects.count()} prices")
