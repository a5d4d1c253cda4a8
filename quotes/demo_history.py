"""Quotes of the past weeks at the showcase campaign's prices (after
``opportunities.demo_history``, which gives the campaign its interactions): the
revenue its prices brought and the margin they gave away show on its statistics and
the home dashboard (docs/statistics.md, ROI).

The lines are priced by the best-price engine as a user's would be; each one whose
campaign price wins records the campaign and the amount without it. Run again, it
adds nothing (the history is there once the campaign has more than one quote).
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from campaigns.models import Campaign, CampaignStage
from pricing.models import CampaignTarget, Item, SalesPrice
from quotes import services
from quotes.models import SalesQuote, SalesQuoteLine

# (days after the campaign's start, quantities of its first campaign-priced items)
QUOTES = [(4, [6, 3]), (9, [10, 0, 4]), (12, [2, 8])]


def load(stdout=None):
    campaign = (
        Campaign.objects.filter(activated=True)
        .exclude(status__stage__in=[CampaignStage.DONE, CampaignStage.CANCELED])
        .order_by("no")
        .first()
    )
    if campaign is None or SalesQuote.objects.filter(campaign=campaign).count() > 1:
        return
    today = timezone.localdate()
    start = campaign.starting_date or today - datetime.timedelta(days=14)
    items = list(
        Item.objects.filter(
            pk__in=SalesPrice.objects.for_campaign(campaign)
            .filter(unit_of_measure__isnull=True, minimum_quantity__lte=1)
            .values("item_id")
        )
        .select_related("item_discount_group")
        .order_by("no")[:3]
    )
    customers = [
        target.customer
        for target in CampaignTarget.objects.filter(campaign=campaign, customer__isnull=False)
        .select_related("customer")
        .order_by("customer__no")[:4]
        if not target.customer.blocked
    ]
    if not items or not customers:
        return
    made = 0
    for index, (day, quantities) in enumerate(QUOTES):
        order_date = min(start + datetime.timedelta(days=day), today)
        customer = customers[(index + 1) % len(customers)]
        quote = SalesQuote.objects.create(
            customer=customer, contact=customer.contact, campaign=campaign, order_date=order_date
        )
        for item, quantity in zip(items, quantities, strict=False):
            if quantity:
                services.save_quote_line(
                    line=SalesQuoteLine(quote=quote, item=item, quantity=Decimal(quantity))
                )
        made += 1
    if stdout:
        stdout.write(f"{made} quotes at the prices of {campaign.no}")
