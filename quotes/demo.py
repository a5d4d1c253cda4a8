"""The demo quote: a target customer of the activated demo campaign buys chairs, desks
and monitor arms at the campaign prices (``pricing.demo`` makes the items and prices)."""

from decimal import Decimal

from campaigns.models import Campaign
from contacts.models import Customer
from pricing.demo import ITEMS
from pricing.models import CampaignTarget, Item
from quotes import services
from quotes.models import SalesQuote, SalesQuoteLine

# (item description, quantity)
LINES = [(ITEMS[0][0], 4), (ITEMS[3][0], 2), (ITEMS[6][0], 4)]


def load(stdout=None):
    if SalesQuote.objects.exists():
        return
    mailing = Campaign.objects.filter(
        description="Office furniture direct mailing", activated=True
    ).first()
    if mailing is None:
        return
    items = {}
    for item in Item.objects.filter(description__in=dict(LINES)).order_by("no"):
        items.setdefault(item.description, item)
    if len(items) < len(LINES):
        return
    target = (
        CampaignTarget.objects.filter(campaign=mailing, customer__isnull=False)
        .select_related("customer")
        .first()
    )
    customer = target.customer if target else Customer.objects.first()
    if customer is None:
        return
    quote = SalesQuote.objects.create(customer=customer, contact=customer.contact, campaign=mailing)
    for description, quantity in LINES:
        services.save_quote_line(
            line=SalesQuoteLine(quote=quote, item=items[description], quantity=Decimal(quantity))
        )
    if stdout:
        stdout.write(f"quote {quote.no}")
