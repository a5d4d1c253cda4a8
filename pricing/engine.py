"""The best-price engine (SPEC §6.4): one function every caller uses.

``price_lines`` prices any number of lines of one customer on one date in three
queries (the customer's activated campaigns, the candidate prices, the
candidate discounts); ``find_price`` prices one line the same way. The result
carries a trace of every candidate considered, why it matched or not, and which
won ("why this price").
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.translation import gettext as _

from pricing.models import (
    CampaignTarget,
    DiscountSalesType,
    DiscountType,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
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


def customer_campaign_nos(customer, date) -> list[str]:
    """The activated campaigns, running on ``date``, whose target group holds the
    customer — or, if none does, the customer's company contact (one query)."""
    condition = Q(customer=customer)
    if customer.contact_id:
        condition |= Q(contact_id=customer.contact_id)
    rows = list(
        CampaignTarget.objects.filter(condition, campaign__activated=True)
        .filter(Q(campaign__starting_date__isnull=True) | Q(campaign__starting_date__lte=date))
        .filter(Q(campaign__ending_date__isnull=True) | Q(campaign__ending_date__gte=date))
        .values_list("campaign__no", "customer_id")
    )
    by_customer = sorted({no for no, customer_id in rows if customer_id})
    return by_customer or sorted({no for no, _customer_id in rows})


def _unit(request: PriceRequest):
    """The unit of measure asked for: blank means the item's base unit."""
    return request.unit_of_measure_id or request.item.base_unit_of_measure_id


def _check(row, request: PriceRequest, date) -> str:
    """Why ``row`` does not apply to ``request`` ('' when it does)."""
    if row.starting_date and row.starting_date > date:
        return _("starts on %(date)s") % {"date": row.starting_date}
    if row.ending_date and row.ending_date < date:
        return _("ended on %(date)s") % {"date": row.ending_date}
    if row.currency_code and row.currency_code != request.currency_code:
        return _("for currency %(code)s") % {"code": row.currency_code}
    if row.unit_of_measure_id and row.unit_of_measure_id != _unit(request):
        return _("for another unit of measure")
    if row.minimum_quantity > request.quantity:
        return _("minimum quantity %(qty)s not reached") % {"qty": row.minimum_quantity.normalize()}
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


def _describe(row) -> dict:
    return {
        "sales_type": row.get_sales_type_display(),
        "sales_code": row.sales_code,
        "starting_date": row.starting_date.isoformat() if row.starting_date else "",
        "ending_date": row.ending_date.isoformat() if row.ending_date else "",
        "currency_code": row.currency_code,
        "unit_of_measure": row.unit_of_measure.code if row.unit_of_measure_id else "",
        "minimum_quantity": str(row.minimum_quantity.normalize()),
    }


def _load(customer, requests, date):
    campaign_nos = customer_campaign_nos(customer, date)
    price_codes = Q(sales_type=SalesType.ALL_CUSTOMERS) | Q(
        sales_type=SalesType.CUSTOMER, sales_code=customer.no
    )
    discount_codes = Q(sales_type=DiscountSalesType.ALL_CUSTOMERS) | Q(
        sales_type=DiscountSalesType.CUSTOMER, sales_code=customer.no
    )
    if customer.price_group_id:
        price_codes |= Q(
            sales_type=SalesType.CUSTOMER_PRICE_GROUP, sales_code=customer.price_group.code
        )
    if customer.discount_group_id:
        discount_codes |= Q(
            sales_type=DiscountSalesType.CUSTOMER_DISCOUNT_GROUP,
            sales_code=customer.discount_group.code,
        )
    if campaign_nos:
        price_codes |= Q(sales_type=SalesType.CAMPAIGN, sales_code__in=campaign_nos)
        discount_codes |= Q(sales_type=DiscountSalesType.CAMPAIGN, sales_code__in=campaign_nos)
    item_ids = {request.item.pk for request in requests}
    prices = {}
    for row in SalesPrice.objects.filter(price_codes, item_id__in=item_ids).select_related(
        "unit_of_measure"
    ):
        prices.setdefault(row.item_id, []).append(row)
    item_nos = {request.item.no for request in requests}
    groups = {
        request.item.item_discount_group.code
        for request in requests
        if request.item.item_discount_group_id
    }
    discount_items = Q(type=DiscountType.ITEM, code__in=item_nos)
    if groups:
        discount_items |= Q(type=DiscountType.ITEM_DISCOUNT_GROUP, code__in=groups)
    discounts = list(
        SalesLineDiscount.objects.filter(discount_codes, discount_items).select_related(
            "unit_of_measure"
        )
    )
    return prices, discounts


def price_lines(customer, requests: list[PriceRequest], date=None) -> list[PriceResult]:
    """Price every request for ``customer`` (load it with ``price_group`` and
    ``discount_group``) in a fixed number of queries."""
    date = date or datetime.date.today()
    if not requests:
        return []
    prices, discounts = _load(customer, requests, date)
    return [
        _best(request, prices.get(request.item.pk, []), discounts, date) for request in requests
    ]


def find_price(customer, request: PriceRequest) -> PriceResult:
    return price_lines(customer, [request], request.date)[0]


def _best(request, price_rows, discount_rows, date) -> PriceResult:
    date = request.date or date
    item = request.item
    trace = []
    group = item.item_discount_group.code if item.item_discount_group_id else None

    best_discount, best_discount_row = Decimal(0), None
    for row in discount_rows:
        if row.code != (item.no if row.type == DiscountType.ITEM else group):
            continue
        reason = _check(row, request, date)
        entry = {"kind": "discount", **_describe(row), "value": str(row.line_discount_percent)}
        entry.update(status="rejected" if reason else "matched", reason=reason)
        trace.append(entry)
        if not reason and row.line_discount_percent > best_discount:
            best_discount, best_discount_row = row.line_discount_percent, entry
    if best_discount_row:
        best_discount_row["status"] = "best discount"

    matching = []
    for row in price_rows:
        reason = _check(row, request, date)
        if not reason and row.unit_price == 0:
            reason = _("a unit price of 0 is ignored")
        entry = {
            "kind": "price",
            **_describe(row),
            "value": str(row.unit_price),
            "allow_line_discount": row.allow_line_discount,
        }
        entry.update(status="rejected" if reason else "matched", reason=reason)
        trace.append(entry)
        if not reason:
            matching.append((row, entry))
    kept, beaten = _prefer_specific([row for row, _entry in matching], request)
    entries = {id(row): entry for row, entry in matching}
    for row in beaten:
        entries[id(row)].update(
            status="rejected", reason=_("a row for the specific currency or unit applies")
        )

    def amount(row):
        discount = best_discount if row.allow_line_discount else Decimal(0)
        return line_amount(row.unit_price, request.quantity, discount), discount

    if kept:
        winner = min(
            kept,
            key=lambda row: (
                amount(row)[0],
                -SPECIFICITY[row.sales_type],
                -bool(row.currency_code),
                -bool(row.unit_of_measure_id),
                -row.minimum_quantity,
            ),
        )
        for row in kept:
            entries[id(row)]["line_amount"] = str(amount(row)[0])
        total, discount = amount(winner)
        entries[id(winner)]["status"] = "won"
        source = f"{winner.get_sales_type_display()} {winner.sales_code}".strip()
        unit_price = winner.unit_price
        if not winner.allow_line_discount and best_discount:
            entries[id(winner)]["reason"] = _("allows no line discount")
    else:
        unit_price, discount = item.unit_price, best_discount
        total = line_amount(unit_price, request.quantity, discount)
        source = _("Item unit price")
        trace.append(
            {
                "kind": "price",
                "sales_type": source,
                "value": str(unit_price),
                "status": "won",
                "reason": _("no sales price applies"),
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
