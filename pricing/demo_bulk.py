"""Bulk demo items, sales prices and line discounts for ``manage.py demo --contacts N``.

Generated set-based after the bulk contacts (see ``core.demo_bulk`` and
``contacts.demo_bulk``), in the same transaction; no history rows.

The layout (``--items I`` default 5,000, ``--prices P`` default 200,000):

- **Items** ``i`` = 0 … I-1, Nos. from the ``ITEM`` series, a description such as
  "Ergonomic office chair ATHENS 17", a unit price between 5.00 and 660.35, the
  product's item discount group (CHAIRS, DESKS, ACCESS, STORAGE, LIGHTING) and
  base unit; every 100th item (``i % 100 == 99``) is blocked.
- **Sales prices**: exactly P rows, every one valid for the price engine and
  unique by construction (row ``r`` of each kind maps to a distinct item / code /
  minimum quantity); ``r`` numbers the rows of one kind from 0:

  ====================  =======  ====================================================
  sales type            share    item, sales code, minimum quantity, dates
  ====================  =======  ====================================================
  campaign              P // 10  campaign ``r % K`` of the K campaigns in No. order,
                                 item ``(r // K) % I``, minimum quantity
                                 ``r // (K * I)``, the campaign's dates (only when
                                 campaigns exist)
  customer              P // 2   customer ``r % C`` of the C customers in id order,
                                 item ``r % I``, minimum quantity ``r // C`` (only
                                 when customers exist)
  all customers         P // 10  blank code, item ``r % I``, minimum quantity
                                 ``5 * (r // I)``; ``r % 10 == 9`` expired,
                                 ``r % 10 == 8`` starts in 30 days, ``r % 25 == 3``
                                 in USD
  customer price group  the rest ``[DEALER, RETAIL, WHOLESALE][r % 3]``, item
                                 ``(r // 3) % I``, minimum quantity ``5 * (r // 3I)``
  ====================  =======  ====================================================

  Unit prices are 80 % (campaign) to 97 % (all customers) of the item's price;
  every 7th row does not allow line discounts.
- **Sales line discounts**: every item discount group for every customer
  discount group (5-12 %), every 10th item (``i % 10 == 0``) for all customers
  (2-9 %), every 10th item (``i % 10 == 5``) for discount group LARGE (10 %), and
  every item discount group for every campaign (15 %, the campaign's dates).
"""

import datetime

from django.db import connection
from django.utils import timezone

from campaigns.models import Campaign
from contacts.models import Customer, CustomerDiscountGroup, CustomerPriceGroup
from core.demo_bulk import (
    Statement,
    analyze,
    ensure_codes,
    indexes_built_afterwards,
    insert_select,
    lock_tables,
    mix,
    next_id,
    reserve_numbers,
    reset_sequences,
    series,
    step,
)
from pricing.demo import GROUPS, UNITS
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

BULK_GROUPS = [("STORAGE", "Storage"), ("LIGHTING", "Lighting")]
# product, item discount group, base unit
PRODUCTS = [
    ("office chair", "CHAIRS", "PCS"),
    ("conference chair", "CHAIRS", "PCS"),
    ("swivel chair", "CHAIRS", "PCS"),
    ("bar stool", "CHAIRS", "PCS"),
    ("desk", "DESKS", "PCS"),
    ("meeting table", "DESKS", "PCS"),
    ("standing desk", "DESKS", "PCS"),
    ("side table", "DESKS", "PCS"),
    ("monitor arm", "ACCESS", "PCS"),
    ("cable tray", "ACCESS", "BOX"),
    ("footrest", "ACCESS", "PCS"),
    ("whiteboard", "ACCESS", "PCS"),
    ("filing cabinet", "STORAGE", "PCS"),
    ("bookcase", "STORAGE", "PCS"),
    ("locker", "STORAGE", "SET"),
    ("drawer unit", "STORAGE", "PCS"),
    ("desk lamp", "LIGHTING", "PCS"),
    ("floor lamp", "LIGHTING", "PCS"),
    ("LED panel", "LIGHTING", "BOX"),
    ("spotlight", "LIGHTING", "SET"),
]
ADJECTIVES = [
    "Ergonomic", "Compact", "Classic", "Modern", "Heavy-duty", "Mobile", "Premium",
    "Basic", "Deluxe", "Eco", "Foldable", "Stackable",
]  # fmt: skip
MODELS = [
    "ATHENS", "BERLIN", "COPENHAGEN", "DUBLIN", "EDINBURGH", "FLORENCE", "GENEVA", "HELSINKI",
    "ISTANBUL", "LISBON", "MADRID", "NAPLES", "OSLO", "PARIS", "QUEBEC", "ROME", "SEVILLE",
    "TALLINN", "UTRECHT", "VIENNA", "WARSAW", "YORK", "ZURICH", "LONDON",
]  # fmt: skip
PRICE_GROUPS = ["RETAIL", "WHOLESALE", "DEALER"]


def _item_cents(item: str) -> str:
    """SQL for the unit price in cents of the bulk item with index ``item``."""
    return f"(500 + {mix(item, 61, 65536)})"


def load_bulk(n: int, stdout=None, *, items: int = 5000, prices: int = 200000, **_sizes) -> dict:
    """Generate ``items`` items, ``prices`` sales prices and some line discounts.

    Runs in the caller's transaction after ``contacts.demo_bulk``; returns counts.
    """
    lock_tables(Item, ItemUnitOfMeasure, SalesPrice, SalesLineDiscount)
    units = ensure_codes(UnitOfMeasure, UNITS)
    groups = ensure_codes(ItemDiscountGroup, GROUPS + BULK_GROUPS)
    counts = {}
    if items <= 0:
        return counts
    first_item = next_id(Item)
    numbers = reserve_numbers(Item.number_series, Item, items)
    with indexes_built_afterwards(Item, SalesPrice, SalesLineDiscount, stdout=stdout):
        with step(stdout, "items") as result:
            counts["items"] = result["rows"] = _insert_items(
                items, first_item, numbers, units, groups
            )
        with step(stdout, "item units of measure") as result:
            counts["item_units"] = result["rows"] = _insert_item_units(first_item, units)
        with step(stdout, "sales prices") as result:
            counts["prices"] = result["rows"] = _insert_prices(items, prices, first_item)
        with step(stdout, "sales line discounts") as result:
            counts["discounts"] = result["rows"] = _insert_discounts(items, numbers, groups)
    with step(stdout, "sequences and statistics"):
        reset_sequences(Item, ItemUnitOfMeasure, SalesPrice, SalesLineDiscount)
        analyze(Item, ItemUnitOfMeasure, SalesPrice, SalesLineDiscount)
    return counts


def _insert_items(count, first_item, numbers, units, groups) -> int:
    st = Statement()
    product = f"s %% {len(PRODUCTS)}"
    description = (
        f"{st.pick(ADJECTIVES, mix('s', 62, len(ADJECTIVES)))} || ' ' || "
        f"{st.pick([row[0] for row in PRODUCTS], product)} || ' ' || "
        f"{st.pick(MODELS, f'(s / {len(PRODUCTS)}) %% {len(MODELS)}')} || ' ' || "
        f"CAST(s / {len(PRODUCTS) * len(MODELS)} + 1 AS TEXT)"
    )
    columns = {
        "id": f"{first_item} + s",
        "no": numbers.sql(st, "s"),
        "description": description,
        "unit_price": f"{_item_cents('s')} / 100.0",
        "blocked": "(s %% 100 = 99)",
        "item_discount_group_id": st.case(product, [groups[row[1]] for row in PRODUCTS]),
        "base_unit_of_measure_id": st.case(product, [units[row[2]] for row in PRODUCTS]),
    }
    return insert_select(st, Item, columns, series(count), "seq")


def _insert_item_units(first_item, units) -> int:
    """Every item in its base unit (1), and every third item not sold by the box also
    in a BOX of 6, 12, 18 or 24."""
    item = f"(item.id - {first_item})"
    source = f"{connection.ops.quote_name(Item._meta.db_table)} AS item"
    st = Statement()
    rows = insert_select(
        st,
        ItemUnitOfMeasure,
        {
            "item": "item.id",
            "unit_of_measure": "item.base_unit_of_measure_id",
            "quantity_per_unit_of_measure": "1",
        },
        "",
        source,
        f"item.id >= {first_item} AND item.base_unit_of_measure_id IS NOT NULL",
    )
    st = Statement()
    box = st.param(units["BOX"])
    return rows + insert_select(
        st,
        ItemUnitOfMeasure,
        {
            "item": "item.id",
            "unit_of_measure": box,
            "quantity_per_unit_of_measure": f"6 + 6 * (({item} / 3) %% 4)",
        },
        "",
        source,
        f"item.id >= {first_item} AND {item} %% 3 = 0 AND item.base_unit_of_measure_id <> {box}",
    )


def _numbered(table: str, columns: str, order: str) -> str:
    """``table`` with a 0-based row number ``rn`` in ``order``."""
    return (
        f"(SELECT {columns}, ROW_NUMBER() OVER (ORDER BY {order}) - 1 AS rn "  # noqa: S608
        f"FROM {connection.ops.quote_name(table)})"
    )


def _price_columns(first_item, item, percent, **overrides) -> dict:
    """The columns of a sales price row for bulk item ``item`` (SQL) at ``percent`` of
    the item's unit price; ``overrides`` replace the defaults."""
    columns = {
        "item_id": f"{first_item} + {item}",
        "sales_type": None,
        "sales_code": "''",
        "starting_date": "NULL",
        "ending_date": "NULL",
        "currency_code": "''",
        "unit_of_measure_id": "NULL",
        "minimum_quantity": "0",
        "unit_price": f"({_item_cents(item)} * ({percent}) / 100) / 100.0",
        "price_includes_vat": "(1 = 0)",
        "allow_line_discount": "(s %% 7 <> 0)",
        "allow_invoice_discount": "(1 = 1)",
    }
    columns.update(overrides)
    return columns


def _insert_prices(items, prices, first_item) -> int:
    campaigns = Campaign.objects.count()
    customers = Customer.objects.count()
    price_groups = list(
        CustomerPriceGroup.objects.filter(code__in=PRICE_GROUPS)
        .order_by("code")
        .values_list("code", flat=True)
    )
    shares = {
        SalesType.CAMPAIGN: prices // 10 if campaigns else 0,
        SalesType.CUSTOMER: prices // 2 if customers else 0,
        SalesType.ALL_CUSTOMERS: prices // 10,
    }
    shares[SalesType.CUSTOMER_PRICE_GROUP] = prices - sum(shares.values())
    if not price_groups:  # no groups: all customers take their share
        shares[SalesType.ALL_CUSTOMERS] += shares.pop(SalesType.CUSTOMER_PRICE_GROUP)
    today = timezone.localdate()
    item = f"s %% {items}"
    level = f"s / {items}"
    rows = 0

    count = shares.get(SalesType.CAMPAIGN, 0)
    if count:
        st = Statement()
        columns = _price_columns(
            first_item,
            f"(s / {campaigns}) %% {items}",
            "80",
            sales_type=st.param(SalesType.CAMPAIGN),
            sales_code="campaign.no",
            starting_date="campaign.starting_date",
            ending_date="campaign.ending_date",
            minimum_quantity=f"s / {campaigns * items}",
        )
        source = (
            f"seq JOIN {_numbered(Campaign._meta.db_table, 'no, starting_date, ending_date', 'no')}"
            f" AS campaign ON campaign.rn = s %% {campaigns}"
        )
        rows += insert_select(st, SalesPrice, columns, series(count), source)

    count = shares.get(SalesType.CUSTOMER, 0)
    if count:
        st = Statement()
        columns = _price_columns(
            first_item,
            item,
            "85",
            sales_type=st.param(SalesType.CUSTOMER),
            sales_code="customer.no",
            minimum_quantity=f"s / {customers}",
        )
        source = (
            f"seq JOIN {_numbered(Customer._meta.db_table, 'no', 'id')} AS customer "
            f"ON customer.rn = s %% {customers}"
        )
        rows += insert_select(st, SalesPrice, columns, series(count), source)

    count = shares.get(SalesType.ALL_CUSTOMERS, 0)
    if count:
        st = Statement()
        expired_start = st.date(today - datetime.timedelta(days=400))
        expired_end = st.date(today - datetime.timedelta(days=30))
        future_start = st.date(today + datetime.timedelta(days=30))
        columns = _price_columns(
            first_item,
            item,
            f"97 - ({level}) %% 10",
            sales_type=st.param(SalesType.ALL_CUSTOMERS),
            minimum_quantity=f"5 * ({level})",
            starting_date=f"CASE s %% 10 WHEN 9 THEN {expired_start} "
            f"WHEN 8 THEN {future_start} ELSE NULL END",
            ending_date=f"CASE s %% 10 WHEN 9 THEN {expired_end} ELSE NULL END",
            currency_code="CASE s %% 25 WHEN 3 THEN 'USD' ELSE '' END",
        )
        rows += insert_select(st, SalesPrice, columns, series(count), "seq")

    count = shares.get(SalesType.CUSTOMER_PRICE_GROUP, 0)
    if count:
        st = Statement()
        groups = len(price_groups)
        group = f"s %% {groups}"
        columns = _price_columns(
            first_item,
            f"(s / {groups}) %% {items}",
            f"90 - 2 * ({group})",
            sales_type=st.param(SalesType.CUSTOMER_PRICE_GROUP),
            sales_code=st.pick(price_groups, group),
            minimum_quantity=f"5 * (s / {groups * items})",
        )
        rows += insert_select(st, SalesPrice, columns, series(count), "seq")
    return rows


def _discount_columns(**overrides) -> dict:
    columns = {
        "type": None,
        "code": None,
        "sales_type": None,
        "sales_code": "''",
        "starting_date": "NULL",
        "ending_date": "NULL",
        "currency_code": "''",
        "unit_of_measure_id": "NULL",
        "minimum_quantity": "0",
        "line_discount_percent": None,
    }
    columns.update(overrides)
    return columns


def _insert_discounts(items, numbers, groups) -> int:
    """A handful of set-based statements; small tables (codes) come as parameters."""
    rows = 0
    item_groups = [code for code, _description in GROUPS + BULK_GROUPS]
    discount_groups = set(CustomerDiscountGroup.objects.values_list("code", flat=True))
    # Every 10th item for all customers, and every 10th (shifted) for LARGE.
    for at, sales_type, sales_code, percent in [
        (0, DiscountSalesType.ALL_CUSTOMERS, "", "2 + (s / 10) %% 8"),
        (5, DiscountSalesType.CUSTOMER_DISCOUNT_GROUP, "LARGE", "10"),
    ]:
        if sales_code and sales_code not in discount_groups:
            continue
        st = Statement()
        columns = _discount_columns(
            type=st.param(DiscountType.ITEM),
            code=numbers.sql(st, f"s + {at}"),
            sales_type=st.param(sales_type),
            sales_code=st.param(sales_code),
            line_discount_percent=percent,
        )
        rows += insert_select(st, SalesLineDiscount, columns, series(items - at, 10), "seq")
    # Item discount groups x customer discount groups, and x campaigns: small
    # cross joins of the code tables, skipping pairs the demo already has.
    qn = connection.ops.quote_name
    for sales_type, table, code_column, extra in [
        (
            DiscountSalesType.CUSTOMER_DISCOUNT_GROUP,
            CustomerDiscountGroup._meta.db_table,
            "code",
            {"line_discount_percent": "5 + (LENGTH(item_group.code) + LENGTH(other.code)) %% 8"},
        ),
        (
            DiscountSalesType.CAMPAIGN,
            Campaign._meta.db_table,
            "no",
            {
                "line_discount_percent": "15",
                "starting_date": "other.starting_date",
                "ending_date": "other.ending_date",
            },
        ),
    ]:
        st = Statement()
        group_type, sales_type_sql = (
            st.param(DiscountType.ITEM_DISCOUNT_GROUP),
            st.param(sales_type),
        )
        columns = _discount_columns(
            type=group_type,
            code="item_group.code",
            sales_type=sales_type_sql,
            sales_code=f"other.{qn(code_column)}",
            **extra,
        )
        codes = ", ".join(st.param(code) for code in item_groups)
        existing = (
            f"SELECT 1 FROM {qn(SalesLineDiscount._meta.db_table)} AS existing "  # noqa: S608
            f"WHERE existing.type = {group_type} AND existing.code = item_group.code "
            f"AND existing.sales_type = {sales_type_sql} "
            f"AND existing.sales_code = other.{qn(code_column)}"
        )
        rows += insert_select(
            st,
            SalesLineDiscount,
            columns,
            "",
            f"{qn(ItemDiscountGroup._meta.db_table)} AS item_group CROSS JOIN {qn(table)} AS other",
            f"item_group.code IN ({codes}) AND NOT EXISTS ({existing})",
        )
    return rows
