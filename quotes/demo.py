"""The demo quote: a target customer of the activated demo campaign buys chairs, desks
and monitor arms at the campaign prices (``pricing.demo`` makes the items and prices)."""

from decimal import Decimal

from campaigns.demo import MAILING
from campaigns.models import Campaign
from contacts.models import Customer
from pricing.demo import CABLE_TRAY, ITEMS, MONITOR_ARM
from pricing.models import CampaignTarget, Item, UnitOfMeasure
from quotes import services
from quotes.models import SalesQuote, SalesQuoteLine

# (item description, quantity, unit of measure: None for the base unit)
LINES = [
    (ITEMS[0][0], 4, None),
    (ITEMS[3][0], 2, None),
    (ITEMS[6][0], 4, None),
    (MONITOR_ARM, 1, "BOX"),
    (CABLE_TRAY, 2, "BOX"),
]


def load(stdout=None):
    if SalesQuote.objects.exists():
        return
    mailing = Campaign.objects.filter(description=str(MAILING), activated=True).first()
    if mailing is None:
        return
    items = {}
    descriptions = {str(line[0]) for line in LINES}
    for item in Item.objects.filter(description__in=descriptions).order_by("no"):
        items.setdefault(item.description, item)
    if len(items) < len(descriptions):
        return
    units = dict(UnitOfMeasure.objects.values_list("code", "pk"))
    target = (
        CampaignTarget.objects.filter(campaign=mailing, customer__isnull=False)
        .select_related("customer")
        .first()
    )
    customer = target.customer if target else Customer.objects.first()
    if customer is None:
        return
    quote = SalesQuote.objects.create(customer=customer, contact=customer.contact, campaign=mailing)
    for description, quantity, unit in LINES:
        services.save_quote_line(
            line=SalesQuoteLine(
                quote=quote,
                item=items[str(description)],
                quantity=Decimal(quantity),
                unit_of_measure_id=units.get(unit),
            )
        )
    if stdout:
        stdout.write(f"quote {quote.no}")
