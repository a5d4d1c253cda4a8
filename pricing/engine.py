"""The best-price engine (docs/pricing.md): one function every caller uses.

``price_lines`` prices any number of lines of one customer on one date with one
SQL statement that returns every candidate price and line discount of the
lines' items: all customers, the customer, its price / discount group and the
customer's activated campaigns (found inside the statement). ``find_price``
prices one line the same way. The result carries a trace of every candidate
considered, why it matched or not, and which won ("why this price").

Why hand-written SQL: pricing a line is on the hot path of every quote line and
must reach thousands of lookups per second. The indexed SQL
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
(``pricing.trace.texts_in``), not once per row."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core.arguments import date_arg, decimal_arg
from pricing.candidates import load_candidates
from pricing.models import (
    DiscountType,
    Item,
    SalesType,
    UnitOfMeasure,
)
from pricing.trace import ITEM_UNIT_PRICE, Texts, texts_in

CENT = Decimal("0.01")
ONE = Decimal(1)
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
    unit of measure id (None = base unit), currency code ('' = local) and date.
    ``quantity_per_unit`` (base units in one of the line's unit) is looked up from the
    item's units of measure when not given."""

    item: object
    quantity: Decimal
    unit_of_measure_id: int | None = None
    currency_code: str = ""
    date: datetime.date | None = None
    quantity_per_unit: Decimal | None = None


@dataclass
class PriceResult:
    unit_price: Decimal
    line_discount_percent: Decimal
    line_amount: Decimal
    source: str  # what set the price, for the line ("Campaign CP0001", "Item unit price")
    trace: list = field(default_factory=list)
    # The campaign (its No.) whose sales price won, "" when none did; and the line
    # amount the customer would have paid without that campaign's prices and line
    # discounts (docs/statistics.md, ROI). Set by ``_campaign_margin``.
    campaign_code: str = ""
    alternative_line_amount: Decimal | None = None
    quantity_per_unit: Decimal = Decimal(1)  # base units in one of the line's unit
    source_type: str = ITEM_UNIT_PRICE  # a SalesType value, or ITEM_UNIT_PRICE
    source_code: str = ""

    def as_json(self) -> dict:
        return {
            "unit_price": str(self.unit_price),
            "line_discount_percent": str(self.line_discount_percent),
            "line_amount": str(self.line_amount),
            "source": self.source,
            # What set the price, in no language: the page words it in the reader's
            # (source_text; docs/pricing.md, Why this price?).
            "source_type": self.source_type,
            "source_code": self.source_code,
            "quantity_per_unit": format(self.quantity_per_unit.normalize(), "f"),
            "candidates": self.trace,
        }


def line_amount(unit_price, quantity, discount) -> Decimal:
    gross = Decimal(unit_price) * Decimal(quantity)
    return (gross * (HUNDRED - Decimal(discount)) / HUNDRED).quantize(CENT, ROUND_HALF_UP)


# The arguments' names in a refusal (translated only when one is refused: a lookup
# is on the hot path).
DATE_LABEL = gettext_lazy("Date")
QUANTITY_LABEL = gettext_lazy("Quantity")
PER_UNIT_LABEL = gettext_lazy("Quantity per unit of measure")


def price_lines(customer, requests: list[PriceRequest], date=None) -> list[PriceResult]:
    """Price every request for ``customer`` (load it with ``price_group`` and
    ``discount_group``) in one query. A quantity must be more than 0 (a line of -5 is
    no sale to price): otherwise a ``ValidationError``."""
    date = date_arg(date, label=DATE_LABEL, allow_none=True) or datetime.date.today()
    if not requests:
        return []
    for request in requests:
        _check_request(request)
    prices, discounts, units = load_candidates(customer, requests, date)
    per_unit = quantities_per_unit(requests, units)
    texts = texts_in(get_language())
    return [
        _campaign_margin(
            _best(
                request, per_unit[index], prices.get(request.item.pk, []), discounts, date, texts
            ),
            request,
            per_unit[index],
            prices.get(request.item.pk, []),
            discounts,
            date,
            texts,
        )
        for index, request in enumerate(requests)
    ]


def _check_request(request) -> None:
    if not isinstance(request, PriceRequest) or getattr(request.item, "pk", None) is None:
        raise ValidationError(_("Not a line to price."))
    decimal_arg(
        request.quantity, label=QUANTITY_LABEL, key="quantity", above=0, max_digits=14, places=4
    )
    if request.quantity_per_unit is not None:
        decimal_arg(
            request.quantity_per_unit,
            label=PER_UNIT_LABEL,
            key="quantity_per_unit",
            above=0,
            max_digits=14,
            places=5,
        )


def find_price(customer, request: PriceRequest) -> PriceResult:
    return price_lines(customer, [request], request.date)[0]


# Units of measure -----------------------------------------------------------------


def quantities_per_unit(requests, units: dict) -> list[Decimal]:
    """Per request, how many base units one of its unit holds (docs/pricing.md, Units
    of measure): 1 for a blank unit or the item's base unit, else the item's unit of
    measure in ``units`` (by item id and unit id, as ``load_candidates`` returns
    them). A unit the item does not have is refused."""
    missing = sorted(
        {
            (request.item.pk, request.unit_of_measure_id)
            for request in requests
            if request.quantity_per_unit is None
            and not _in_base_unit(request)
            and (request.item.pk, request.unit_of_measure_id) not in units
        }
    )
    if missing:
        raise ValidationError({"unit_of_measure": unknown_unit_message(*missing[0])})
    return [_per_unit(request, units) for request in requests]


def _per_unit(request, units) -> Decimal:
    if request.quantity_per_unit is not None:
        return Decimal(request.quantity_per_unit)
    if _in_base_unit(request):
        return ONE
    return units[(request.item.pk, request.unit_of_measure_id)]


def _in_base_unit(request) -> bool:
    unit = request.unit_of_measure_id
    return unit is None or unit == request.item.base_unit_of_measure_id


def unknown_unit_message(item_id, unit_id) -> str:
    item = Item.objects.filter(pk=item_id).values_list("no", flat=True).first()
    unit = UnitOfMeasure.objects.filter(pk=unit_id).values_list("code", flat=True).first()
    return _(
        "Item %(item)s is not sold in unit of measure %(unit)s: add the unit to the item's "
        "units of measure first."
    ) % {"item": item, "unit": unit}


# Choosing the best ----------------------------------------------------------------


def _unit(request: PriceRequest):
    """The unit of measure asked for: blank means the item's base unit."""
    return request.unit_of_measure_id or request.item.base_unit_of_measure_id


def _check(row, request: PriceRequest, per_unit: Decimal, date, texts: Texts) -> str:
    """Why ``row`` does not apply to ``request`` ('' when it does). A row for a unit
    counts its minimum quantity in that unit, a row without one in the base unit."""
    if row.starting_date and row.starting_date > date:
        return texts.reason("starts_on", date=row.starting_date)
    if row.ending_date and row.ending_date < date:
        return texts.reason("ended_on", date=row.ending_date)
    if row.currency_code and row.currency_code != request.currency_code:
        return texts.reason("for_currency", code=row.currency_code)
    if row.unit_of_measure_id and row.unit_of_measure_id != _unit(request):
        return texts.reason("other_unit")
    if row.unit_of_measure_id or per_unit == ONE:
        if row.minimum_quantity > request.quantity:
            return texts.reason("minimum_quantity", qty=row.minimum_quantity)
    elif row.minimum_quantity > request.quantity * per_unit:
        return texts.reason(
            "minimum_base_quantity", qty=row.minimum_quantity, base=request.quantity * per_unit
        )
    return ""


def _converted(value: Decimal, per_unit: Decimal) -> Decimal:
    """A price per base unit as a price per the line's unit."""
    return value if per_unit == ONE else (value * per_unit).quantize(CENT, ROUND_HALF_UP)


def _show_conversion(entry: dict, per_unit: Decimal, price: Decimal) -> None:
    """The trace shows a price per base unit with its conversion to the line's unit."""
    if per_unit != ONE:
        entry["quantity_per_unit"] = format(per_unit.normalize(), "f")
        entry["converted_value"] = str(price)


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
        "sales_type_code": row.sales_type,  # sales_type_text words it for the reader
        "sales_code": row.sales_code,
        "starting_date": row.starting_date.isoformat() if row.starting_date else "",
        "ending_date": row.ending_date.isoformat() if row.ending_date else "",
        "currency_code": row.currency_code,
        "unit_of_measure": row.unit_of_measure if row.unit_of_measure_id else "",
        # Plain digits ("10", never "1E+1"); the page shows them in the user's language.
        "minimum_quantity": format(row.minimum_quantity.normalize(), "f"),
        "value": str(row.value),
    }
    if kind == "price":
        entry["allow_line_discount"] = row.allow_line_discount
    entry["status"] = "rejected" if reason else "matched"
    _set_reason(entry, reason)
    return entry


def _set_reason(entry: dict, reason) -> None:
    entry["reason"] = str(reason)
    if getattr(reason, "code", ""):
        entry["reason_code"] = reason.code
        entry["reason_args"] = dict(reason.args)
    else:
        entry.pop("reason_code", None)
        entry.pop("reason_args", None)


def _best(request, per_unit, price_rows, discount_rows, date, texts: Texts) -> PriceResult:
    date = request.date or date
    item = request.item
    trace = []
    group = item.item_discount_group.code if item.item_discount_group_id else None

    best_discount, best_discount_row = Decimal(0), None
    for row in discount_rows:
        if row.discount_code != (item.no if row.discount_type == DiscountType.ITEM else group):
            continue
        reason = _check(row, request, per_unit, date, texts)
        entry = _entry("discount", row, texts.discount_types, reason)
        trace.append(entry)
        if not reason and row.value > best_discount:
            best_discount, best_discount_row = row.value, entry
    if best_discount_row:
        best_discount_row["status"] = "best discount"

    matching = []  # (row, its trace entry)
    prices = {}  # each row's unit price per the line's unit
    for row in price_rows:
        reason = _check(row, request, per_unit, date, texts)
        if not reason and row.value == 0:
            reason = texts.reason("zero_price")
        entry = _entry("price", row, texts.price_types, reason)
        prices[id(row)] = row.value if row.unit_of_measure_id else _converted(row.value, per_unit)
        if not row.unit_of_measure_id:
            _show_conversion(entry, per_unit, prices[id(row)])
        trace.append(entry)
        if not reason:
            matching.append((row, entry))
    kept, beaten = _prefer_specific([row for row, _entry in matching], request)
    entries = {id(row): entry for row, entry in matching}
    for row in beaten:
        entries[id(row)]["status"] = "rejected"
        _set_reason(entries[id(row)], texts.reason("specific_row"))

    # Each kept row's (line amount, line discount %) after the best discount it allows.
    amounts = {}
    for row in kept:
        allowed = best_discount if row.allow_line_discount else Decimal(0)
        amounts[id(row)] = line_amount(prices[id(row)], request.quantity, allowed), allowed

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
        source_type, source_code = winner.sales_type, winner.sales_code
        unit_price = prices[id(winner)]
        if not winner.allow_line_discount and best_discount:
            _set_reason(entries[id(winner)], texts.reason("no_line_discount"))
    else:
        unit_price, discount = _converted(item.unit_price, per_unit), best_discount
        total = line_amount(unit_price, request.quantity, discount)
        source = texts.item_unit_price
        source_type, source_code = ITEM_UNIT_PRICE, ""
        entry = {
            "kind": "price",
            "sales_type": source,
            "sales_type_code": ITEM_UNIT_PRICE,
            "value": str(item.unit_price),
            "status": "won",
            "line_amount": str(total),
        }
        _set_reason(entry, texts.reason("no_sales_price"))
        _show_conversion(entry, per_unit, unit_price)
        trace.append(entry)
    return PriceResult(
        unit_price=Decimal(unit_price),
        line_discount_percent=Decimal(discount),
        line_amount=total,
        source=source,
        trace=trace,
        quantity_per_unit=per_unit,
        source_type=source_type,
        source_code=source_code,
    )


# What a campaign price gives away ------------------------------------------------


def _campaign_margin(result, request, per_unit, price_rows, discount_rows, date, texts):
    """When a campaign's sales price won, note the campaign and the line amount the
    same choice gives from the other candidates (without that campaign's prices and
    line discounts; the item's unit price when no other price applies)."""
    if result.source_type != SalesType.CAMPAIGN or not result.source_code:
        return result
    code = result.source_code
    date = request.date or date
    item = request.item
    group = item.item_discount_group.code if item.item_discount_group_id else None

    def others(row) -> bool:
        return not (row.sales_type == SalesType.CAMPAIGN and row.sales_code == code)

    discount = max(
        (
            row.value
            for row in discount_rows
            if others(row)
            and row.discount_code == (item.no if row.discount_type == DiscountType.ITEM else group)
            and not _check(row, request, per_unit, date, texts)
        ),
        default=Decimal(0),
    )
    applying = [
        row
        for row in price_rows
        if others(row) and row.value != 0 and not _check(row, request, per_unit, date, texts)
    ]
    kept, _beaten = _prefer_specific(applying, request)
    if kept:
        alternative = min(
            line_amount(
                row.value if row.unit_of_measure_id else _converted(row.value, per_unit),
                request.quantity,
                discount if row.allow_line_discount else Decimal(0),
            )
            for row in kept
        )
    else:
        alternative = line_amount(_converted(item.unit_price, per_unit), request.quantity, discount)
    result.campaign_code = code
    result.alternative_line_amount = alternative
    return result
