"""The candidate rows of the best-price engine: one hand-written SQL statement (the
same on SQLite and PostgreSQL, written once per shape from the models' ``_meta``,
every value a parameter) that returns every sales price and line discount that may
apply to a customer's lines, including those of the customer's activated campaigns,
as light ``Candidate`` tuples, and the items' units of measure with the base units
each holds (docs/pricing.md). On PostgreSQL a single-item lookup is a prepared
statement (``DATABASE_PREPARED_STATEMENTS``)."""

import functools
from collections import namedtuple

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections

from campaigns.models import Campaign
from pricing.models import (
    CampaignTarget,
    DiscountSalesType,
    DiscountType,
    ItemUnitOfMeasure,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
    UnitOfMeasure,
)

# The statement's columns: each one's name, then the field it reads on a sales price,
# a sales line discount and an item unit of measure (None: NULL for that kind).
COLUMNS = (
    ("discount_type", None, "type", None),  # NULL marks a price row, UNIT_ROW a unit
    ("discount_code", None, "code", None),
    ("item_id", "item", None, "item"),
    ("sales_type", "sales_type", "sales_type", None),
    ("sales_code", "sales_code", "sales_code", None),
    ("starting_date", "starting_date", "starting_date", None),
    ("ending_date", "ending_date", "ending_date", None),
    ("currency_code", "currency_code", "currency_code", None),
    ("unit_of_measure_id", "unit_of_measure", "unit_of_measure", "unit_of_measure"),
    ("unit_of_measure", None, None, None),  # the unit's code, from the join
    ("minimum_quantity", "minimum_quantity", "minimum_quantity", None),
    ("value", "unit_price", "line_discount_percent", "quantity_per_unit_of_measure"),
    ("allow_line_discount", "allow_line_discount", None, None),
)
# A sales price or sales line discount as the engine reads it; ``value`` is the
# unit price or the line discount %, ``unit_of_measure`` the unit's code.
PRICE, DISCOUNT, UNIT = 0, 1, 2
# The discount type of an item unit of measure's row (no discount type is blank).
UNIT_ROW = ""


Candidate = namedtuple("Candidate", [name for name, *_fields in COLUMNS])


class _Names:
    """A model's quoted table name (``{price}``) and column names
    (``{price.sales_code}``) for the SQL templates below."""

    def __init__(self, model):
        self._model_meta = model._meta

    def __format__(self, spec):
        return connection.ops.quote_name(self._model_meta.db_table)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return connection.ops.quote_name(self._model_meta.get_field(name).column)


# The customer's campaigns: activated, running on the date, whose target group
# holds the customer — or, only if none does, the customer's company contact.


CAMPAIGNS_SQL = """
targeted AS (
    SELECT c.{campaign.no} AS campaign_no, t.{target.customer} AS customer_id
    FROM {target} AS t JOIN {campaign} AS c ON c.{campaign.id} = t.{target.campaign}
    WHERE (t.{target.customer} = %(customer)s OR t.{target.contact} = %(contact)s)
      AND c.{campaign.activated} = %(activated)s
      AND (c.{campaign.starting_date} IS NULL OR c.{campaign.starting_date} <= %(date)s)
      AND (c.{campaign.ending_date} IS NULL OR c.{campaign.ending_date} >= %(date)s)
),
campaign_nos AS (
    SELECT campaign_no FROM targeted
    WHERE customer_id IS NOT NULL
       OR NOT EXISTS (SELECT 1 FROM targeted WHERE customer_id IS NOT NULL)
)"""

# For whom a row is: all customers, the customer, its group, its campaigns. The
# list of sales types repeats what the terms say so that the index on (item,
# sales type, sales code) finds the rows rather than the one on the item alone.


FOR_CUSTOMER_SQL = """{alias}.{rule.sales_type} IN (
    %(all_customers)s, %(customer_type)s, %({group}_type)s, %(campaign_type)s
) AND (
    {alias}.{rule.sales_type} = %(all_customers)s
    OR ({alias}.{rule.sales_type} = %(customer_type)s
        AND {alias}.{rule.sales_code} = %(customer_no)s)
    OR ({alias}.{rule.sales_type} = %({group}_type)s AND {alias}.{rule.sales_code} = %({group})s)
    OR ({alias}.{rule.sales_type} = %(campaign_type)s
        AND {alias}.{rule.sales_code} IN (SELECT campaign_no FROM campaign_nos))
)"""


CANDIDATES_SQL = """WITH {campaigns}
SELECT {price_columns}
FROM {price} AS p LEFT JOIN {unit} AS u ON u.{unit.id} = p.{price.unit_of_measure}
WHERE p.{price.item} IN ({item_ids}) AND {price_for_customer}
UNION ALL
SELECT {discount_columns}
FROM {discount} AS d LEFT JOIN {unit} AS u ON u.{unit.id} = d.{discount.unit_of_measure}
WHERE ((d.{discount.type} = %(item_discount)s AND d.{discount.code} IN ({item_nos})){groups})
  AND {discount_for_customer}
UNION ALL
SELECT {unit_columns}
FROM {item_unit} AS i WHERE i.{item_unit.item} IN ({item_ids})
ORDER BY discount_type, discount_code, sales_type, sales_code, starting_date,
    minimum_quantity, currency_code, unit_of_measure_id"""


CAMPAIGN_NOS_SQL = "WITH {campaigns} SELECT campaign_no FROM campaign_nos"


GROUPS_SQL = " OR (d.{discount.type} = %(group_discount)s AND d.{discount.code} IN ({codes}))"


def _names() -> dict:
    return {
        "campaign": _Names(Campaign),
        "target": _Names(CampaignTarget),
        "price": _Names(SalesPrice),
        "discount": _Names(SalesLineDiscount),
        "unit": _Names(UnitOfMeasure),
        "item_unit": _Names(ItemUnitOfMeasure),
    }


def _select_list(alias, model, kind: int) -> str:
    """The SELECT list of one branch, in ``COLUMNS`` order."""
    qn = connection.ops.quote_name
    parts = []
    for name, *fields in COLUMNS:
        if name == "unit_of_measure" and kind != UNIT:
            source = f"u.{qn(UnitOfMeasure._meta.get_field('code').column)}"
        elif name == "discount_type" and kind == UNIT:
            source = f"'{UNIT_ROW}'"
        elif fields[kind] is None:
            source = "NULL"
        else:
            source = f"{alias}.{qn(model._meta.get_field(fields[kind]).column)}"
        parts.append(f"{source} AS {name}")
    return ", ".join(parts)


def _placeholders(prefix: str, count: int) -> str:
    return ", ".join(f"%({prefix}_{index})s" for index in range(count))


@functools.lru_cache(maxsize=64)
def _candidates_sql(vendor: str, items: int, groups: int) -> str:
    """The statement for ``items`` distinct items and ``groups`` item discount
    groups (``vendor`` keys the cache to the backend's quoting)."""
    names = _names()
    return CANDIDATES_SQL.format(
        campaigns=CAMPAIGNS_SQL.format(**names),
        price_columns=_select_list("p", SalesPrice, PRICE),
        discount_columns=_select_list("d", SalesLineDiscount, DISCOUNT),
        unit_columns=_select_list("i", ItemUnitOfMeasure, UNIT),
        item_ids=_placeholders("item", items),
        item_nos=_placeholders("item_no", items),
        groups=GROUPS_SQL.format(codes=_placeholders("group", groups), **names) if groups else "",
        price_for_customer=FOR_CUSTOMER_SQL.format(
            alias="p", rule=names["price"], group="price_group"
        ),
        discount_for_customer=FOR_CUSTOMER_SQL.format(
            alias="d", rule=names["discount"], group="discount_group"
        ),
        **names,
    )


@functools.lru_cache(maxsize=4)
def _campaign_nos_sql(vendor: str) -> str:
    return CAMPAIGN_NOS_SQL.format(campaigns=CAMPAIGNS_SQL.format(**_names()))


def _campaign_params(customer, date) -> dict:
    return {
        "customer": customer.pk,
        "contact": customer.contact_id,
        "activated": True,
        "date": date,
    }


@functools.lru_cache(maxsize=4)
def _converters(vendor: str) -> tuple:
    """Per kind (``PRICE``, ``DISCOUNT``, ``UNIT``): the (column index, converter,
    expression) triples the ORM would apply to the fields' raw database values."""
    kinds = []
    for kind, model in enumerate((SalesPrice, SalesLineDiscount, ItemUnitOfMeasure)):
        converters = []
        for index, (_name, *fields) in enumerate(COLUMNS):
            if fields[kind] is None:
                continue
            model_field = model._meta.get_field(fields[kind])
            expression = model_field.get_col(model._meta.db_table)
            converters += [
                (index, converter, expression)
                for converter in connection.ops.get_db_converters(expression)
                + model_field.get_db_converters(connection)
            ]
        kinds.append(tuple(converters))
    return tuple(kinds)


def _cursor(db, *, prepared: bool):
    """A cursor for the candidates statement: on PostgreSQL, for one item, a
    prepared statement.

    Planning the statement costs most of a lookup, so it is prepared and planned
    generically (``prepare_threshold`` and ``plan_cache_mode = force_generic_plan``
    are set for every connection in ``config/settings.py``; the plan is the same
    index lookups for any customer and item): it is planned once per connection
    and statement shape (docs/performance.md, 4. A price is one query). With
    ``DATABASE_PREPARED_STATEMENTS=0`` psycopg runs it unprepared.
    Django itself never prepares statements (they do not survive a
    transaction-mode connection pooler such as PgBouncer before 1.21); only this
    statement does, through Django's cursor wrapper so that it is logged,
    counted and its errors translated like any other query. Several items (a
    quote) are priced by a statement planned for their values: the generic plan
    of a long IN list was three times slower, and one plan serves many lines."""
    if not prepared or db.vendor != "postgresql":
        return db.cursor()
    db.ensure_connection()
    raw = _PreparedCursor(db.connection)
    return db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)


class _PreparedCursor(psycopg.Cursor):
    """Server-side binding, every statement prepared."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def customer_campaign_nos(customer, date) -> list[str]:
    """The activated campaigns, running on ``date``, whose target group holds the
    customer — or, if none does, the customer's company contact (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_campaign_nos_sql(connection.vendor), _campaign_params(customer, date))
        return sorted({no for (no,) in cursor.fetchall()})


# The sales types and discount types the statement compares with (the sales
# types of prices and of discounts share these values).


TYPE_PARAMS = {
    "all_customers": SalesType.ALL_CUSTOMERS.value,
    "customer_type": SalesType.CUSTOMER.value,
    "campaign_type": SalesType.CAMPAIGN.value,
    "price_group_type": SalesType.CUSTOMER_PRICE_GROUP.value,
    "discount_group_type": DiscountSalesType.CUSTOMER_DISCOUNT_GROUP.value,
    "item_discount": DiscountType.ITEM.value,
    "group_discount": DiscountType.ITEM_DISCOUNT_GROUP.value,
}


def load_candidates(customer, requests, date):
    """The candidate prices by item id, the candidate discounts and the items' units
    of measure (base units per unit, by (item id, unit id)), in one query."""
    items = {request.item.pk: request.item for request in requests}.values()
    groups = sorted(
        {item.item_discount_group.code for item in items if item.item_discount_group_id}
    )
    params = {
        **TYPE_PARAMS,
        **_campaign_params(customer, date),
        "customer_no": customer.no,
        "price_group": customer.price_group.code if customer.price_group_id else None,
        "discount_group": customer.discount_group.code if customer.discount_group_id else None,
    }
    for index, item in enumerate(items):
        params[f"item_{index}"] = item.pk
        params[f"item_no_{index}"] = item.no
    params.update((f"group_{index}", code) for index, code in enumerate(groups))
    db = connections[DEFAULT_DB_ALIAS]
    with _cursor(db, prepared=len(items) == 1) as cursor:
        cursor.execute(_candidates_sql(db.vendor, len(items), len(groups)), params)
        rows = cursor.fetchall()
    converters_of = _converters(db.vendor)
    prices, discounts, units = {}, [], {}
    for raw in rows:
        kind = PRICE if raw[0] is None else UNIT if raw[0] == UNIT_ROW else DISCOUNT
        converters = converters_of[kind]
        if converters:
            raw = list(raw)
            for index, converter, expression in converters:
                raw[index] = converter(raw[index], expression, db)
        row = Candidate._make(raw)
        if kind == PRICE:
            prices.setdefault(row.item_id, []).append(row)
        elif kind == DISCOUNT:
            discounts.append(row)
        else:
            units[(row.item_id, row.unit_of_measure_id)] = row.value
    return prices, discounts, units
