"""Sales quotes: the header, its lines priced by the best-price engine, and
*Recalculate* (docs/pricing.md)."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from campaigns.models import Campaign
from contacts.models import Contact, Customer
from core.arguments import decimal_arg, record_arg
from core.concurrency import lock_stored, record_gone
from core.services import delete_record, no_such_record, validate_record, write_record
from pricing.engine import PriceRequest, line_amount, price_lines
from pricing.models import Item, ItemUnitOfMeasure, UnitOfMeasure
from quotes.models import SalesQuote, SalesQuoteLine

# The line amount column holds 16 digits with 2 decimals.
LINE_AMOUNT_LIMIT = Decimal(10) ** 14
AMOUNT_TOO_LARGE = gettext_lazy(
    "The line amount would be too large to store; check the quantity and the unit price."
)


def _check_amount(line):
    if abs(line.line_amount) >= LINE_AMOUNT_LIMIT or abs(line.unit_price) >= LINE_AMOUNT_LIMIT:
        raise ValidationError(AMOUNT_TOO_LARGE)


def _lock_quote(quote) -> SalesQuote:
    """One change of a quote's lines at a time (line numbers, recalculation). Every
    service locks the quote before any of its lines, so two of them wait for each
    other instead of deadlocking (docs/concurrency.md, Lock order)."""
    record_arg(quote, SalesQuote, label=_("Sales quote"))
    return lock_stored(quote)


def _lock_line(line, *, version: str | None = None):
    """The quote of ``line`` locked, then the stored line (``None`` for a new line): the
    order of ``_lock_quote``. A line deleted meanwhile is refused as gone; ``version``
    as for ``lock_stored``."""
    if line.pk is None or line._state.adding:
        return _lock_quote(SalesQuote.objects.filter(pk=line.quote_id).first()), None
    quote = SalesQuote.objects.filter(lines__pk=line.pk).first()
    if quote is None:
        raise record_gone(SalesQuoteLine)
    quote = _lock_quote(quote)
    stored = lock_stored(line, version=version)
    if stored.quote_id != quote.pk:
        raise ValidationError(_("A line stays on its sales quote."))
    return quote, stored


def check_quote_can_be_priced(quote: SalesQuote) -> None:
    """A quote for a blocked customer is not priced (NAV refuses sales documents for a
    blocked customer)."""
    customer = Customer.objects.filter(pk=quote.customer_id).values_list("no", "blocked").first()
    if customer is not None and customer[1]:
        raise ValidationError(
            _("Customer %(no)s is blocked; the quote cannot be priced.") % {"no": customer[0]}
        )


def _quote_contact_errors(quote: SalesQuote) -> dict:
    """The contact of a quote is the customer's company contact or one of its persons."""
    if quote.contact_id is None or quote.customer_id is None:
        return {}
    company_id = (
        Customer.objects.filter(pk=quote.customer_id).values_list("contact_id", flat=True).first()
    )
    contact = Contact.objects.filter(pk=quote.contact_id).values("no", "company_id").first()
    if contact is None:
        return {}
    if company_id is None:
        return {
            "contact": _("Customer %(customer)s has no company contact; leave the contact blank.")
            % {"customer": quote.customer.no}
        }
    if company_id not in (quote.contact_id, contact["company_id"]):
        return {
            "contact": _(
                "Contact %(contact)s is neither the company contact of customer "
                "%(customer)s nor a person working for it."
            )
            % {"contact": contact["no"], "customer": quote.customer.no}
        }
    return {}


@dataclass
class QuoteSaved:
    quote: SalesQuote
    repriced_fields: list  # the header fields whose change priced the lines again
    lines: int  # lines priced again


# Header fields whose change prices the lines again (the engine's inputs).
REPRICING_FIELDS = ("customer", "order_date", "currency_code")


@transaction.atomic
def save_quote(*, quote: SalesQuote, user=None, version: str | None = None) -> QuoteSaved:
    """Create or change a sales quote header (validated; checked against ``version``).
    A new customer, order date or currency prices the lines again; a blocked customer
    cannot be chosen."""
    record_arg(quote, SalesQuote, label=_("Sales quote"), saved=False)
    stored = lock_stored(quote, version=version)
    quote.currency_code = (quote.currency_code or "").strip().upper()
    validate_record(quote, stored=stored)
    errors = _quote_contact_errors(quote)
    if errors:
        raise ValidationError(errors)
    write_record(quote, stored=stored, user=user)
    if stored is None:
        return QuoteSaved(quote, [], 0)
    changed = [
        name
        for name in REPRICING_FIELDS
        if getattr(quote, _attname(name)) != getattr(stored, _attname(name))
    ]
    lines = recalculate_quote(quote=quote, user=user) if changed else 0
    return QuoteSaved(quote, changed if lines else [], lines)


def _attname(name: str) -> str:
    return SalesQuote._meta.get_field(name).attname


def _customer(quote) -> Customer:
    return Customer.objects.select_related("price_group", "discount_group").get(
        pk=quote.customer_id
    )


def _request(line, quote) -> PriceRequest:
    return PriceRequest(
        item=line.item,
        quantity=line.quantity,
        unit_of_measure_id=line.unit_of_measure_id,
        currency_code=quote.currency_code,
        date=quote.order_date,
    )


def _apply(line, result, campaigns: dict):
    line.unit_price = result.unit_price
    line.line_discount_percent = result.line_discount_percent
    line.line_amount = result.line_amount
    line.price_trace = result.as_json()
    line.campaign_id = campaigns.get(result.campaign_code)
    line.amount_without_campaign = result.alternative_line_amount if line.campaign_id else None


def _campaign_ids(results) -> dict:
    """The campaigns whose prices won some of ``results``, by No. (one query, none
    when no campaign price won)."""
    codes = {result.campaign_code for result in results if result.campaign_code}
    if not codes:
        return {}
    return dict(Campaign.objects.filter(no__in=codes).values_list("no", "pk"))


def _priced_by_hand(line) -> None:
    """A price set by hand is no campaign price: the line brings its campaign nothing."""
    line.campaign_id = None
    line.amount_without_campaign = None


@transaction.atomic
def save_quote_line(
    *,
    line: SalesQuoteLine,
    user=None,
    override_price: Decimal | None = None,
    version: str | None = None,
):
    """Add or change a quote line; it is priced by the best-price engine unless
    the user sets the price by hand (the line discount still applies). The quantity
    is more than 0, the item not blocked, the customer not blocked; a changed line is
    checked against ``version`` (``core.concurrency``)."""
    record_arg(line, SalesQuoteLine, label=_("Sales quote line"), saved=False)
    quote, stored = _lock_line(line, version=version)
    if stored is not None and stored.quote_id != line.quote_id:
        raise ValidationError(_("A line stays on its sales quote."))
    check_quote_can_be_priced(quote)
    line.quantity = decimal_arg(
        line.quantity, label=_("Quantity"), key="quantity", above=0, max_digits=14, places=4
    )
    if override_price is not None:
        override_price = decimal_arg(
            override_price,
            label=_("Unit price"),
            key="unit_price",
            minimum=0,
            maximum=LINE_AMOUNT_LIMIT - 1,
            places=2,
        )
    validate_record(line, stored=stored, exclude=["line_no"] if line.line_no is None else None)
    if line.line_no is None:
        last = quote.lines.aggregate(models.Max("line_no"))["line_no__max"] or 0
        line.line_no = last + 10000
    result = price_lines(_customer(quote), [_request(line, quote)], quote.order_date)[0]
    _apply(line, result, _campaign_ids([result]))
    line.price_overridden = override_price is not None
    if line.price_overridden:
        line.unit_price = override_price
        line.line_amount = _amount(line)
        _priced_by_hand(line)
    _check_amount(line)
    validate_record(line, stored=stored)
    write_record(line, stored=stored, user=user)
    return line


@transaction.atomic
def delete_quote_line(*, line: SalesQuoteLine, user=None) -> None:
    """Remove a line from its sales quote."""
    record_arg(line, SalesQuoteLine, label=_("Sales quote line"))
    _quote, stored = _lock_line(line)
    delete_record(instance=stored, user=user)


# --- Many new lines at once -----------------------------------------------------------

# Lines inserted per statement (SQLite allows fewer: Django splits further).
ADD_LINES_BATCH = 500
# Checked by add_quote_lines itself, with the records it loaded for all lines: the model's
# own check of a foreign key, of the (quote, line No.) key and of the quantity constraint
# runs a query per line.
_CHECKED_HERE = ["quote", "item", "unit_of_measure", "campaign", "quantity"]


def _line_key(index: int, field: str | None = None) -> str:
    return f"lines[{index}].{field}" if field and field != NON_FIELD_ERRORS else f"lines[{index}]"


def _collect(errors: dict, index: int, error: ValidationError) -> None:
    """``error`` of the line at ``index`` into ``errors`` as ``{"lines[1].item": [...]}``
    (``"lines[1]"``: the line as a whole)."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            errors.setdefault(_line_key(index, name), []).extend(messages)
    else:
        errors.setdefault(_line_key(index), []).extend(error.messages)


def _no_such(field, value) -> ValidationError:
    """``validate_record``'s message for a foreign key that does not exist."""
    return ValidationError({field.name: no_such_record(field, value)})


def _check_new_line(line, quote, items, units, item_units) -> None:
    """The checks of ``save_quote_line`` before pricing, with the records loaded for all
    lines (no query): quantity, the line as the model defines it, the item (exists, not
    blocked) and the unit of measure (one the item is sold in)."""
    if line.pk is not None or not line._state.adding:
        raise ValidationError(_("Not a new line: change a saved line on its own."))
    if line.quote_id not in (None, quote.pk):
        raise ValidationError(_("A line stays on its sales quote."))
    line.quote = quote
    line.quantity = decimal_arg(
        line.quantity, label=_("Quantity"), key="quantity", above=0, max_digits=14, places=4
    )
    meta = SalesQuoteLine._meta
    for name, records in (("item", items), ("unit_of_measure", units)):
        field = meta.get_field(name)
        key = getattr(line, field.attname)
        if key is None:
            continue
        if not isinstance(key, int) or key not in records:
            raise _no_such(field, key)
        setattr(line, name, records[key])  # validate_record's blocked check reads it
    line.campaign = None  # set by the pricing
    _validate_line(line, exclude=["line_no"])
    if line.item_id is None:
        field = meta.get_field("item")
        raise ValidationError({"item": ValidationError(field.error_messages["null"], "null")})
    unit = line.unit_of_measure_id
    item = line.item
    if (
        unit is not None
        and unit != item.base_unit_of_measure_id
        and (item.pk, unit) not in item_units
    ):
        raise ValidationError(
            {
                "unit_of_measure": _(
                    "Item %(item)s is not sold in unit of measure %(unit)s: add the unit to "
                    "the item's units of measure first."
                )
                % {"item": item.no, "unit": units[unit].code}
            }
        )


def _validate_line(line, *, exclude=()) -> None:
    """``validate_record`` without the checks that query per line (``_CHECKED_HERE``);
    the quantity's own field checks (digits) still apply."""
    field = SalesQuoteLine._meta.get_field("quantity")
    try:
        line.quantity = field.clean(line.quantity, line)
    except ValidationError as error:
        raise ValidationError({"quantity": error.error_list}) from None
    validate_record(line, exclude=[*_CHECKED_HERE, *exclude])


def _keys(lines, attname) -> set:
    keys = set()
    for line in lines:
        key = getattr(line, attname, None)
        if isinstance(key, int) and not isinstance(key, bool):
            keys.add(key)
    return keys


@transaction.atomic
def add_quote_lines(*, quote: SalesQuote, lines, user=None) -> list[SalesQuoteLine]:
    """Add many new lines to ``quote`` at once (the API's new quote), with the rules of
    ``save_quote_line`` for each and a fixed number of queries whatever the number of
    lines: the items, their units and the line numbers are read once, every line is
    priced by one call of the engine, and the lines are inserted in bulk. The lines are
    numbered 10000, 20000, … after the quote's last line; a price set by hand does not
    apply here. All or nothing: a refused line refuses them all, with every line's
    problems in one ``ValidationError`` whose keys name the line (``"lines[1].item"``,
    ``"lines[1]"`` for the line as a whole). ``user``: who adds them, as for
    ``save_quote_line`` (a quote line keeps no change history of its own)."""
    if not isinstance(lines, list | tuple) or not all(
        isinstance(line, SalesQuoteLine) for line in lines
    ):
        raise ValidationError(_("Lines: not a list of sales quote lines."))
    if len({id(line) for line in lines}) != len(lines):
        raise ValidationError(_("Lines: not a list of sales quote lines."))
    quote = _lock_quote(quote)
    if not lines:
        return []
    check_quote_can_be_priced(quote)
    items = Item.objects.select_related("item_discount_group").in_bulk(_keys(lines, "item_id"))
    unit_ids = _keys(lines, "unit_of_measure_id")
    units = UnitOfMeasure.objects.in_bulk(unit_ids) if unit_ids else {}
    item_units = set()
    if unit_ids and items:
        item_units = set(
            ItemUnitOfMeasure.objects.filter(
                item_id__in=items.keys(), unit_of_measure_id__in=unit_ids
            ).values_list("item_id", "unit_of_measure_id")
        )
    errors = {}
    good = []
    for index, line in enumerate(lines):
        try:
            _check_new_line(line, quote, items, units, item_units)
        except ValidationError as error:
            _collect(errors, index, error)
        else:
            good.append((index, line))
    last = quote.lines.aggregate(models.Max("line_no"))["line_no__max"] or 0
    for number, line in enumerate(lines, start=1):
        line.line_no = last + 10000 * number
    results = []
    if good:
        requests = [_request(line, quote) for _index, line in good]
        results = price_lines(_customer(quote), requests, quote.order_date)
    campaigns = _campaign_ids(results)
    for (index, line), result in zip(good, results, strict=True):
        _apply(line, result, campaigns)
        line.price_overridden = False
        try:
            _check_amount(line)
            _validate_line(line)
        except ValidationError as error:
            _collect(errors, index, error)
    if errors:
        raise ValidationError(errors)
    # The lines have no change history of their own (as save_quote_line writes none).
    return SalesQuoteLine.objects.bulk_create(lines, batch_size=ADD_LINES_BATCH)


def _amount(line):
    return line_amount(line.unit_price, line.quantity, line.line_discount_percent)


@transaction.atomic
def recalculate_quote(*, quote: SalesQuote, user=None) -> int:
    """Price every line again (lines with a price set by hand keep that price);
    a fixed number of queries whatever the number of lines. A quote for a blocked
    customer is refused."""
    quote = _lock_quote(quote)
    check_quote_can_be_priced(quote)
    lines = list(quote.lines.select_related("item__item_discount_group"))
    if not lines:
        return 0
    results = price_lines(
        _customer(quote), [_request(line, quote) for line in lines], quote.order_date
    )
    campaigns = _campaign_ids(results)
    for line, result in zip(lines, results, strict=True):
        manual_price = line.unit_price if line.price_overridden else None
        _apply(line, result, campaigns)
        if manual_price is not None:
            line.unit_price = manual_price
            line.line_amount = _amount(line)
            _priced_by_hand(line)
        _check_amount(line)
    SalesQuoteLine.objects.bulk_update(
        lines,
        [
            "unit_price",
            "line_discount_percent",
            "line_amount",
            "price_trace",
            "campaign",
            "amount_without_campaign",
        ],
        batch_size=500,
    )
    return len(lines)


def quote_lines_in_unit(item, unit_id) -> str:
    """The quote lines of ``item`` in unit ``unit_id``, said for a refusal ('' for none)."""
    count = SalesQuoteLine.objects.filter(item=item, unit_of_measure_id=unit_id).count()
    if not count:
        return ""
    return ngettext("%(n)d sales quote line", "%(n)d sales quote lines", count) % {"n": count}


def quote_total(quote) -> Decimal:
    return quote.lines.aggregate(total=models.Sum("line_amount"))["total"] or Decimal(0)
