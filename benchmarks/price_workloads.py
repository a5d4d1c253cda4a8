"""W3: best-price lookups one at a time and in 100-line batches over the bulk price
rows, recalculating a 100-line sales quote, and the overlapping campaign prices of a
campaign with 10,000 prices (docs/pricing.md, Overlapping campaign prices)."""

import datetime
import random
from decimal import Decimal

from django.db import connection
from django.db.models import F, Q

from benchmarks.harness import Result, execute, measure, table
from benchmarks.workloads import World
from campaigns.models import Campaign
from contacts.models import (
    Customer,
)
from pricing.engine import PriceRequest, find_price, price_lines
from pricing.models import CampaignTarget, Item, ItemUnitOfMeasure, SalesPrice, SalesType
from pricing.overlaps import campaign_overlaps
from quotes.models import SalesQuote, SalesQuoteLine
from quotes.services import recalculate_quote

# The bulk data set (contacts/demo_bulk.py) documents these distributions.
W1_GROUP = "BULK20"  # mailing group held by every 5th contact: ~200,000 of 1,000,000


def _price_requests(world: World, count: int, seed: int = 7):
    """``count`` (customer, request) pairs: half of them customers of the campaign's
    target group, the rest any customer; items at random; quantities 1-50; every fourth
    line of an item sold in other units too in one of those (a BOX of 6 to 24)."""
    rng = random.Random(seed)  # noqa: S311 - a benchmark, not security
    customers = Customer.objects.select_related("price_group", "discount_group")
    targeted_ids = list(
        CampaignTarget.objects.filter(campaign=world.campaign, customer__isnull=False)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)[:2000]
    )
    targeted = list(customers.filter(pk__in=targeted_ids))
    others = list(customers.order_by("pk")[:2000])
    items = list(Item.objects.select_related("item_discount_group").order_by("pk"))
    other_units = {}
    for item_id, unit_id in ItemUnitOfMeasure.objects.exclude(
        unit_of_measure=F("item__base_unit_of_measure")
    ).values_list("item_id", "unit_of_measure_id"):
        other_units.setdefault(item_id, []).append(unit_id)
    today = datetime.date.today()
    pairs = []
    for index in range(count):
        pool = targeted if targeted and index % 2 == 0 else others
        item = rng.choice(items)
        unit = None
        if index % 4 == 3 and other_units.get(item.pk):
            unit = rng.choice(other_units[item.pk])
        pairs.append(
            (
                rng.choice(pool),
                PriceRequest(
                    item=item,
                    quantity=Decimal(rng.randint(1, 50)),
                    unit_of_measure_id=unit,
                    date=today,
                ),
            )
        )
    return pairs


def campaign_prices(world: World, items: int = 1000):
    """Campaign prices for the first ``items`` items, 10% below their unit price."""
    campaign = world.campaign
    price = table(SalesPrice)
    execute(
        f"INSERT INTO {price} (item_id, sales_type, sales_code, currency_code, "  # noqa: S608
        "minimum_quantity, unit_price, price_includes_vat, allow_line_discount, "
        "allow_invoice_discount) "
        f"SELECT id, %s, %s, '', 0, ROUND(unit_price * 0.9, 2), %s, %s, %s FROM {table(Item)} "
        f"WHERE id IN (SELECT id FROM {table(Item)} ORDER BY id LIMIT %s) "
        "ON CONFLICT DO NOTHING",
        [SalesType.CAMPAIGN, campaign.no, False, True, True, items],
    )


def w3_prices(world: World) -> list[Result]:
    """Needs the campaign activated with prices: done (and committed) by the runner."""
    lookups = world.options.lookups
    pairs = _price_requests(world, lookups)
    single = Result("W3", f"Best price: {lookups:,} single lookups (find_price)")
    rows = SalesPrice.objects.count()
    single.extra["price_rows"] = rows

    def app_single():
        for customer, request in pairs:
            find_price(customer, request)
        return len(pairs)

    def app_batched():
        by_customer = {}
        for customer, request in pairs:
            by_customer.setdefault(customer.pk, (customer, []))[1].append(request)
        done = 0
        for customer, requests in by_customer.values():
            for start in range(0, len(requests), 100):
                done += len(price_lines(customer, requests[start : start + 100]))
        return done

    def naive():
        done = 0
        for customer, request in pairs[: world.sample]:
            best = None
            for row in SalesPrice.objects.filter(item=request.item):
                if row.sales_type == SalesType.CUSTOMER and row.sales_code != customer.no:
                    continue
                if row.sales_type == SalesType.CUSTOMER_PRICE_GROUP and (
                    not customer.price_group_id or row.sales_code != customer.price_group.code
                ):
                    continue
                if row.sales_type == SalesType.CAMPAIGN:
                    campaign = Campaign.objects.get(no=row.sales_code)
                    if (
                        not campaign.activated
                        or not CampaignTarget.objects.filter(
                            Q(customer=customer) | Q(contact_id=customer.contact_id),
                            campaign=campaign,
                        ).exists()
                    ):
                        continue
                if row.minimum_quantity > request.quantity:
                    continue
                if best is None or row.unit_price < best:
                    best = row.unit_price
            done += 1
        return done

    single.ways["app"] = measure(app_single, repeat=1)
    single.ways["naive"] = measure(naive, repeat=1, scale_to=len(pairs))
    single.extra["lookups_per_second"] = round(len(pairs) / single.ways["app"].seconds)
    single.notes.append("No floor: a best price is a rule evaluation, see the batched row.")

    batched = Result("W3", f"Best price: the same {lookups:,} lookups as 100-line batches")
    batched.ways["app"] = measure(app_batched, repeat=1)
    batched.extra["lookups_per_second"] = round(len(pairs) / batched.ways["app"].seconds)
    return [single, batched]


def w3_quote(world: World) -> Result:
    result = Result("W3", "Recalculate a 100-line sales quote")
    customer = (
        Customer.objects.filter(
            pk__in=CampaignTarget.objects.filter(campaign=world.campaign).values("customer_id")
        )
        .order_by("pk")
        .first()
        or Customer.objects.order_by("pk").first()
    )
    items = list(Item.objects.order_by("pk")[:100])
    # Every other line of an item sold by the box too is in boxes.
    boxes = dict(
        ItemUnitOfMeasure.objects.filter(item__in=items)
        .exclude(unit_of_measure=F("item__base_unit_of_measure"))
        .values_list("item_id", "unit_of_measure_id")
    )
    state = {}

    def prepare():
        quote = SalesQuote.objects.create(customer=customer, contact_id=customer.contact_id)
        SalesQuoteLine.objects.bulk_create(
            SalesQuoteLine(
                quote=quote,
                line_no=(index + 1) * 10000,
                item=item,
                quantity=index + 1,
                unit_of_measure_id=boxes.get(item.pk) if index % 2 else None,
            )
            for index, item in enumerate(items)
        )
        state["quote"] = quote

    def app():
        return recalculate_quote(quote=state["quote"])

    result.ways["app"] = measure(app, repeat=world.repeat, prepare=prepare)
    result.extra["queries"] = result.ways["app"].queries
    return result


OVERLAP_PRICES = 10_000


def w3_overlaps(world: World) -> Result:
    """The warnings of the activated benchmark campaign grown to 10,000 prices (its
    1,000 and more at minimum quantity 5, min. quantity 0 for the rest of the items),
    with a second activated campaign holding the same target group and prices for the
    same items 5 % lower (made in the rolled-back transaction, then analysed)."""
    result = Result("W3", f"Overlapping campaign prices: a campaign of {OVERLAP_PRICES:,} prices")
    campaign = world.campaign
    price, item, target = table(SalesPrice), table(Item), table(CampaignTarget)
    columns = (
        "item_id, sales_type, sales_code, starting_date, ending_date, currency_code, "
        "minimum_quantity, unit_price, price_includes_vat, allow_line_discount, "
        "allow_invoice_discount"
    )

    def add_prices(no, quantity, share, count, skip=0):
        execute(
            f"INSERT INTO {price} ({columns}) "  # noqa: S608
            f"SELECT id, %s, %s, NULL, NULL, '', %s, ROUND(unit_price * %s, 2), %s, %s, %s "
            f"FROM (SELECT id, unit_price FROM {item} ORDER BY id LIMIT %s OFFSET %s) AS i "
            # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT.
            "WHERE 1 = 1 ON CONFLICT DO NOTHING",
            [SalesType.CAMPAIGN, no, quantity, share, False, True, True, count, skip],
        )

    def prepare():
        other = Campaign.objects.create(description="Benchmark overlap", activated=True)
        Campaign.objects.filter(pk=campaign.pk).update(starting_date=None, ending_date=None)
        items = Item.objects.count()
        existing = SalesPrice.objects.for_campaign(campaign).count()
        add_prices(campaign.no, 5, "0.9", items)
        rest = max(0, OVERLAP_PRICES - existing - items)
        add_prices(campaign.no, 0, "0.9", rest, skip=existing)
        for quantity in (0, 5):
            add_prices(other.no, quantity, "0.85", items)
        execute(
            f"INSERT INTO {target} (campaign_id, customer_id, contact_id) "  # noqa: S608
            f"SELECT %s, customer_id, contact_id FROM {target} WHERE campaign_id = %s",
            [other.pk, campaign.pk],
        )
        if connection.vendor == "postgresql":
            execute(f"ANALYZE {price}")
            execute(f"ANALYZE {target}")
        campaign.refresh_from_db()
        result.extra["campaign_prices"] = SalesPrice.objects.for_campaign(campaign).count()

    found = {}

    def app():
        found["result"] = campaign_overlaps(campaign)
        return found["result"].total

    result.ways["app"] = measure(app, repeat=world.repeat, prepare=prepare)
    result.extra["overlaps"] = result.ways["app"].rows
    # Counted up to pricing.overlaps.MOST only: the warning says "more than".
    result.extra["more_than"] = found["result"].capped
    result.extra["queries"] = result.ways["app"].queries
    return result
