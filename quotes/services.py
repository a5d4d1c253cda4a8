"""Sales quotes: the header, its lines priced by the best-price engine, and
*Recalculate* (docs/pricing.md)."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from campaigns.models import Campaign
from contacts.models import Contact, Customer
from core.arguments import decimal_arg, record_arg
from core.concurrency import lock_stored
from core.services import delete_record, validate_record, write_record
from pricing.engine import PriceRequest, line_amount, price_lines
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
    """One change of a quote's lines at a time (line numbers, recalculation)."""
    record_arg(quote, SalesQuote, label=_("Sales quote"))
    return lock_stored(quote)


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
    stored = lock_stored(line, version=version)
    if stored is not None and stored.quote_id != line.quote_id:
        raise ValidationError(_("A line stays on its sales quote."))
    quote = _lock_quote(SalesQuote.objects.filter(pk=line.quote_id).first())
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
    stored = lock_stored(line)
    _lock_quote(stored.quote)
    delete_record(instance=stored, user=user)


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
