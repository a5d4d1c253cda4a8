"""The best-price engine (SPEC §6.4): one function every caller uses.

``price_lines`` prices any number of lines of one customer on one date with one
SQL statement that returns every candidate price and line discount of the
lines' items: all customers, the customer, its price / discount group and the
customer's activated campaigns (found inside the statement). ``find_price``
prices one line the same way. The result carries a trace of every candidate
considered, why it matched or not, and which won ("why this price").

Why hand-written SQL: pricing a line is on the hot path of every quote line and
must reach thousands of lookups per second (benchmarks W3). The indexed SQL
takes a fraction of a millisecond; building three ORM querysets per lookup and
a model instance per row took some 30. The statement is written once per shape
from the models' ``_meta`` (the same SQL on SQLite and PostgreSQL), every value
is a parameter, and the rows come back as light ``Candidate`` tuples passed
through the backend's own converters, so dates, decimals and booleans are
exactly what the model fields would hold. The rows keep the models' default
ordering, which decides the trace order and ties between equal discounts; the
rest of the unique key (minimum quantity, currency, unit) orders the rows the
default ordering leaves tied, so the trace no longer depends on the query plan.
The sales type labels and reasons are translated once per language
(``_texts_in``), not once per row.
"""

import datetime
import functools
from collections import namedtuple
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import psycopg
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from core.arguments import date_arg, decimal_arg
from pricing.models import (
    CampaignTarget,
    DiscountSalesType,
    DiscountType,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
    UnitOfMeasure,
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# Ties between equal line amounts go to the more specific sales type.
SPECIFICITY = {
    SalesType.CUSTOMER: 4,
    SalesType.CAMPAIGN: 3,
    SalesType.CUSTOMER_PRICE_GROUP: 2,
    SalesType.ALL_CUSTOMERS: 1,
}


@dataclass(frozen=True)
class PriceRequest:
    """One line to price: the item (with its discount group loaded), quantity,
    unit of measure id (None = base unit), currency code ('' = local) and date."""

    item: object
    quantity: Decimal
    unit_of_measure_id: int | None = None
    currency_code: str = ""
    date: datetime.date | None = None


@dataclass
class PriceResult:
    unit_price: Decimal
    line_discount_percent: Decimal
    line_amount: Decimal
    source: str  # what set the price, for the line ("Campaign CP0001", "Item unit price")
    trace: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "unit_price": str(self.unit_price),
            "line_discount_percent": str(self.line_discount_percent),
            "line_amount": str(self.line_amount),
            "source": self.source,
            "candidates": self.trace,
        }


def line_amount(unit_price, quantity, discount) -> Decimal:
    gross = Decimal(unit_price) * Decimal(quantity)
    return (gross * (HUNDRED - Decimal(discount)) / HUNDRED).quantize(CENT, ROUND_HALF_UP)


# The candidate rows -------------------------------------------------------------

# One result column of the candidates statement: its name, then the field it
# reads on a sales price and on a sales line discount (None: NULL for that kind).
COLUMNS = (
    ("discount_type", None, "type"),  # NULL marks a price row
    ("discount_code", None, "code"),
    ("item_id", "item", None),
    ("sales_type", "sales_type", "sales_type"),
    ("sales_code", "sales_code", "sales_code"),
    ("starting_date", "starting_date", "starting_date"),
    ("ending_date", "ending_date", "ending_date"),
    ("currency_code", "currency_code", "currency_code"),
    ("unit_of_measure_id", "unit_of_measure", "unit_of_measure"),
    ("unit_of_measure", None, None),  # the unit's code, from the join
    ("minimum_quantity", "minimum_quantity", "minimum_quantity"),
    ("value", "unit_price", "line_discount_percent"),
    ("allow_line_discount", "allow_line_discount", None),
)
# A sales price or sales line discount as the engine reads it; ``value`` is the
# unit price or the line discount %, ``unit_of_measure`` the unit's code.
Candidate = namedtuple("Candidate", [name for name, _price, _discount in COLUMNS])


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
    }


def _select_list(alias, model, kind: int) -> str:
    """The SELECT list of one branch, in ``COLUMNS`` order."""
    qn = connection.ops.quote_name
    parts = []
    for name, *fields in COLUMNS:
        if name == "unit_of_measure":
            source = f"u.{qn(UnitOfMeasure._meta.get_field('code').column)}"
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
        price_columns=_select_list("p", SalesPrice, 0),
        discount_columns=_select_list("d", SalesLineDiscount, 1),
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
    """Per kind (0 price, 1 discount): the (column index, converter, expression)
    triples the ORM would apply to the fields' raw database values."""
    kinds = []
    for kind, model in enumerate((SalesPrice, SalesLineDiscount)):
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

    Planning the statement took three quarters of a lookup (0.33 of 0.45 ms).
    Prepared, and planned generically (``prepare_threshold`` and
    ``plan_cache_mode = force_generic_plan`` are set for every connection in
    ``config/settings.py``; the plan is the same index lookups for any customer
    and item), it is planned once per connection and statement shape: W3 went
    from ~1,300 to ~4,000 lookups per second. With
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


def _load(customer, requests, date):
    """The candidate prices by item id and the candidate discounts, in one query."""
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
    price_converters, discount_converters = _converters(db.vendor)
    prices, discounts = {}, []
    for raw in rows:
        is_price = raw[0] is None
        converters = price_converters if is_price else discount_converters
        if converters:
            raw = list(raw)
            for index, converter, expression in converters:
                raw[index] = converter(raw[index], expression, db)
        row = Candidate._make(raw)
        if is_price:
            prices.setdefault(row.item_id, []).append(row)
        else:
            discounts.append(row)
    return prices, discounts


def price_lines(customer, requests: list[PriceRequest], date=None) -> list[PriceResult]:
    """Price every request for ``customer`` (load it with ``price_group`` and
    ``discount_group``) in one query. A quantity must be more than 0 (a line of -5 is
    no sale to price): otherwise a ``ValidationError``."""
    date = date_arg(date, label=_("Date"), allow_none=True) or datetime.date.today()
    if not requests:
        return []
    for request in requests:
        _check_request(request)
    prices, discounts = _load(customer, requests, date)
    texts = _texts_in(get_language())
    return [
        _best(request, prices.get(request.item.pk, []), discounts, date, texts)
        for request in requests
    ]


def _check_request(request) -> None:
    if not isinstance(request, PriceRequest) or getattr(request.item, "pk", None) is None:
        raise ValidationError(_("Not a line to price."))
    decimal_arg(
        request.quantity, label=_("Quantity"), key="quantity", above=0, max_digits=14, places=4
    )


def find_price(customer, request: PriceRequest) -> PriceResult:
    return price_lines(customer, [request], request.date)[0]


# Choosing the best ----------------------------------------------------------------


class _Texts:
    """The engine's words in one language: the sales type labels and the reasons
    of the trace, translated once per language instead of once per row."""

    def __init__(self):
        self.price_types = {value: str(label) for value, label in SalesType.choices}
        self.discount_types = {value: str(label) for value, label in DiscountSalesType.choices}
        self.starts_on = _("starts on %(date)s")
        self.ended_on = _("ended on %(date)s")
        self.for_currency = _("for currency %(code)s")
        self.other_unit = _("for another unit of measure")
        self.minimum_quantity = _("minimum quantity %(qty)s not reached")
        self.zero_price = _("a unit price of 0 is ignored")
        self.specific_row = _("a row for the specific currency or unit applies")
        self.no_line_discount = _("allows no line discount")
        self.item_unit_price = _("Item unit price")
        self.no_sales_price = _("no sales price applies")


@functools.lru_cache(maxsize=32)
def _texts_in(language) -> _Texts:
    # Called with the active language, so the words are made in that language.
    return _Texts()


def _unit(request: PriceRequest):
    """The unit of measure asked for: blank means the item's base unit."""
    return request.unit_of_measure_id or request.item.base_unit_of_measure_id


def _check(row, request: PriceRequest, date, texts: _Texts) -> str:
    """Why ``row`` does not apply to ``request`` ('' when it does)."""
    if row.starting_date and row.starting_date > date:
        return texts.starts_on % {"date": row.starting_date}
    if row.ending_date and row.ending_date < date:
        return texts.ended_on % {"date": row.ending_date}
    if row.currency_code and row.currency_code != request.currency_code:
        return texts.for_currency % {"code": row.currency_code}
    if row.unit_of_measure_id and row.unit_of_measure_id != _unit(request):
        return texts.other_unit
    if row.minimum_quantity > request.quantity:
        return texts.minimum_quantity % {"qty": row.minimum_quantity.normalize()}
    return ""


def _prefer_specific(rows, request):
    """A row for the specific currency / unit beats a generic one."""
    kept, beaten = list(rows), []
    for attribute, wanted in (
        ("currency_code", request.currency_code),
        ("unit_of_measure_id", _unit(request)),
    ):
        if wanted and any(getattr(row, attribute) == wanted for row in kept):
            beaten += [row for row in kept if not getattr(row, attribute)]
            kept = [row for row in kept if getattr(row, attribute)]
    return kept, beaten


def _entry(kind: str, row, labels: dict, reason: str) -> dict:
    """The trace entry of a candidate ``row`` ('price' or 'discount')."""
    entry = {
        "kind": kind,
        "sales_type": labels.get(row.sales_type, row.sales_type),
        "sales_code": row.sales_code,
        "starting_date": row.starting_date.isoformat() if row.starting_date else "",
        "ending_date": row.ending_date.isoformat() if row.ending_date else "",
        "currency_code": row.currency_code,
        "unit_of_measure": row.unit_of_measure if row.unit_of_measure_id else "",
        "minimum_quantity": str(row.minimum_quantity.normalize()),
        "value": str(row.value),
    }
    if kind == "price":
        entry["allow_line_discount"] = row.allow_line_discount
    entry["status"] = "rejected" if reason else "matched"
    entry["reason"] = reason
    return entry


def _best(request, price_rows, discount_rows, date, texts: _Texts) -> PriceResult:
    date = request.date or date
    item = request.item
    trace = []
    group = item.item_discount_group.code if item.item_discount_group_id else None

    best_discount, best_discount_row = Decimal(0), None
    for row in discount_rows:
        if row.discount_code != (item.no if row.discount_type == DiscountType.ITEM else group):
            continue
        reason = _check(row, request, date, texts)
        entry = _entry("discount", row, texts.discount_types, reason)
        trace.append(entry)
        if not reason and row.value > best_discount:
            best_discount, best_discount_row = row.value, entry
    if best_discount_row:
        best_discount_row["status"] = "best discount"

    matching = []  # (row, its trace entry)
    for row in price_rows:
        reason = _check(row, request, date, texts)
        if not reason and row.value == 0:
            reason = texts.zero_price
        entry = _entry("price", row, texts.price_types, reason)
        trace.append(entry)
        if not reason:
            matching.append((row, entry))
    kept, beaten = _prefer_specific([row for row, _entry in matching], request)
    entries = {id(row): entry for row, entry in matching}
    for row in beaten:
        entries[id(row)].update(status="rejected", reason=texts.specific_row)

    # Each kept row's (line amount, line discount %) after the best discount it allows.
    amounts = {}
    for row in kept:
        allowed = best_discount if row.allow_line_discount else Decimal(0)
        amounts[id(row)] = line_amount(row.value, request.quantity, allowed), allowed

    if kept:
        winner = min(
            kept,
            key=lambda row: (
                amounts[id(row)][0],
                -SPECIFICITY[row.sales_type],
                -bool(row.currency_code),
                -bool(row.unit_of_measure_id),
                -row.minimum_quantity,
            ),
        )
        for row in kept:
            entries[id(row)]["line_amount"] = str(amounts[id(row)][0])
        total, discount = amounts[id(winner)]
        entries[id(winner)]["status"] = "won"
        label = texts.price_types.get(winner.sales_type, winner.sales_type)
        source = f"{label} {winner.sales_code}".strip()
        unit_price = winner.value
        if not winner.allow_line_discount and best_discount:
            entries[id(winner)]["reason"] = texts.no_line_discount
    else:
        unit_price, discount = item.unit_price, best_discount
        total = line_amount(unit_price, request.quantity, discount)
        source = texts.item_unit_price
        trace.append(
            {
                "kind": "price",
                "sales_type": source,
                "value": str(unit_price),
                "status": "won",
                "reason": texts.no_sales_price,
                "line_amount": str(total),
            }
        )
    return PriceResult(
        unit_price=Decimal(unit_price),
        line_discount_percent=Decimal(discount),
        line_amount=total,
        source=source,
        trace=trace,
    )
