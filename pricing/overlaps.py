"""Overlapping campaign prices (docs/pricing.md, Overlapping campaign prices).

A campaign's sales price or line discount *overlaps* another row for the same item
(discount: type and code), unit of measure (both blank counts as the same),
currency, minimum quantity and a period that meets its own (a blank date is
open-ended), when the customers it is meant for meet that other row too:

1. a row of another **activated campaign** whose target group shares companies
   with this campaign's (the target group when the campaign is activated, else
   the companies activation would target);
2. a row of a **targeted customer**, of the **price / discount group** of targeted
   customers or for **all customers** that the best-price engine always prefers,
   so the campaign row can never win for those customers: a price that is lower,
   or equal where the engine gives the tie to the other row (the customer's own
   row), while the other row allows a line discount or the campaign row does not;
   a line discount that is higher, or equal where the engine takes the other row
   first (all customers). Rows with a unit price or a % of 0 never win and are left
   out.

``campaign_overlaps`` finds them set-based, whatever the number of rows, in seven
statements: the targeted companies with their customers written once to a temporary
table, then indexed by customer No. (and analysed on PostgreSQL); whom other rows may
be for (the targeted customers by group, the other campaigns sharing targets) counted
by ``GROUP BY``; one statement for the prices and one for the line discounts (the
first rows, and the number in all counted up to ``MOST``: beyond it the warning says
"more than"); the first customers of the rows shown with their names; the table
dropped. A warning, never a refusal. Every statement joins the targets by hash, merge
or index, so the time grows with the targets, never with their square
(docs/performance.md, Ten million contacts). Whom the campaign targets (the temporary
table, the counts, the first customers) is ``pricing.overlap_targets``; this module
finds the rows and words the warnings.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import Campaign
from core.presentation import decimal_text
from pricing.models import (
    DiscountSalesType,
    DiscountType,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
)
from pricing.overlap_targets import (
    ALL,
    CAMPAIGN,
    CUSTOMER,
    DISCOUNT_GROUP,
    PRICE_GROUP,
    Audiences,
    IsTargetedCustomerNo,
    sql_of,
)

MOST = 10_000  # overlaps counted; beyond, "more than 10,000"
EARLIEST = datetime.date(1, 1, 1)  # a blank starting date
LATEST = datetime.date(9999, 12, 31)  # a blank ending date


@dataclass
class Overlap:
    """One campaign row and one row it overlaps, with the customers concerned."""

    kind: str  # "price" or "discount"
    item: str  # the item No. (price), or the discount's code
    discount_type: str  # "" for a price
    unit_of_measure: str  # the unit's code, "" for any unit
    currency_code: str
    minimum_quantity: Decimal
    campaign_value: Decimal  # this campaign's unit price or line discount %
    sales_type: str  # of the other row
    sales_code: str
    value: Decimal  # the other row's unit price or line discount %
    customers: int = 0  # case 1: the shared targets
    first_customers: list = field(default_factory=list)  # [(No., name)], at most 5

    @property
    def other_campaign(self) -> str:
        """The other campaign's No. when the other row is a campaign's."""
        return self.sales_code if self.sales_type == SalesType.CAMPAIGN else ""

    @property
    def audience(self) -> tuple[str, str]:
        return _audience(self.kind, self.sales_type, self.sales_code)

    def text(self) -> str:
        """The warning in the active language."""
        return " ".join([self._campaign_row(), self._other_row(), self._customers()])

    def _conditions(self) -> dict:
        return {
            "unit": self.unit_of_measure or _("any unit"),
            "currency": self.currency_code or _("local currency"),
            "quantity": decimal_text(self.minimum_quantity),
        }

    def _value(self, value) -> str:
        if self.kind == "price":
            return number_format(value, decimal_pos=2, force_grouping=True)
        return f"{decimal_text(value)} %"

    def _campaign_row(self) -> str:
        if self.kind == "price":
            return _(
                "Sales price %(value)s of item %(item)s (%(unit)s, %(currency)s, "
                "minimum quantity %(quantity)s):"
            ) % {"value": self._value(self.campaign_value), "item": self.item, **self._conditions()}
        return _(
            "Line discount %(value)s on %(type)s %(code)s (%(unit)s, %(currency)s, "
            "minimum quantity %(quantity)s):"
        ) % {
            "value": self._value(self.campaign_value),
            "type": DiscountType(self.discount_type).label.lower(),
            "code": self.item,
            **self._conditions(),
        }

    def _other_row(self) -> str:
        value = self._value(self.value)
        if self.other_campaign:
            return _("activated campaign %(no)s (%(value)s) targets the same companies;") % {
                "no": self.other_campaign,
                "value": value,
            }
        labels = dict(SalesType.choices) | dict(DiscountSalesType.choices)
        who = f"{labels[self.sales_type]} {self.sales_code}".strip()
        if self.kind == "price":
            return _("the price for %(who)s (%(value)s) always wins;") % {
                "who": who,
                "value": value,
            }
        return _("the line discount for %(who)s (%(value)s) is always the best;") % {
            "who": who,
            "value": value,
        }

    def _customers(self) -> str:
        names = ", ".join(f"{no} {name}".strip() for no, name in self.first_customers)
        if self.customers > len(self.first_customers):
            names += ", …"
        number = number_format(self.customers, force_grouping=True)  # 1,740,764
        if self.other_campaign:
            return ngettext(
                "%(n)s shared target: %(names)s.",
                "%(n)s shared targets: %(names)s.",
                self.customers,
            ) % {"n": number, "names": names}
        return ngettext(
            "%(n)s customer concerned: %(names)s.",
            "%(n)s customers concerned: %(names)s.",
            self.customers,
        ) % {"n": number, "names": names}


@dataclass
class CampaignOverlaps:
    """How many overlaps the campaign's rows have in all, and the first of them.
    Beyond ``MOST`` they are not counted: ``total`` is ``MOST`` and ``capped`` says
    there are more."""

    total: int = 0
    rows: list = field(default_factory=list)
    capped: bool = False

    @property
    def more(self) -> int:
        """How many are not in ``rows`` (at least, when capped)."""
        return self.total - len(self.rows)

    def __bool__(self):
        return bool(self.total)

    def texts(self) -> list[str]:
        """One line per overlap shown, then how many more there are."""
        lines = [row.text() for row in self.rows]
        n = number_format(self.more, force_grouping=True)
        if self.capped and self.more:
            lines.append(
                ngettext(
                    "And more than %(n)s further overlap.",
                    "And more than %(n)s further overlaps.",
                    self.more,
                )
                % {"n": n}
            )
        elif self.more:
            lines.append(
                ngettext("And %(n)s more overlap.", "And %(n)s more overlaps.", self.more)
                % {"n": n}
            )
        return lines

    def summary(self) -> str:
        n = number_format(self.total, force_grouping=True)
        if self.capped:
            return ngettext(
                "Warning: more than %(n)s overlap of this campaign's prices and line "
                "discounts with others for the same customers.",
                "Warning: more than %(n)s overlaps of this campaign's prices and line "
                "discounts with others for the same customers.",
                self.total,
            ) % {"n": n}
        return ngettext(
            "Warning: %(n)s overlap of this campaign's prices and line discounts with "
            "others for the same customers.",
            "Warning: %(n)s overlaps of this campaign's prices and line discounts with "
            "others for the same customers.",
            self.total,
        ) % {"n": n}


def campaign_overlaps(campaign: Campaign, limit: int = 50) -> CampaignOverlaps:
    """The overlaps of ``campaign``'s prices and line discounts: the number in all (up
    to ``MOST``, then "more than") and the first ``limit`` (prices by item, then
    discounts by type and code), each with the number of customers concerned and the
    first few of them.

    The targeted customers (or companies) are written once to a temporary table that
    the later statements read; it goes at the end, and with the transaction on an
    error."""
    result = CampaignOverlaps()
    with transaction.atomic(savepoint=False):
        audiences = Audiences(campaign)
        for kind in ("price", "discount"):
            if not audiences.any_for(kind):
                continue
            rows = list(_overlapping(kind, campaign, audiences)[:limit])
            if rows:
                result.total += rows[0]["total"]
            result.rows += [_overlap(kind, row) for row in rows]
        del result.rows[limit:]
        audiences.add_customers(result.rows)
        audiences.drop()
    if result.total > MOST:
        result.total, result.capped = MOST, True
        del result.rows[MOST:]
    return result


# The rows --------------------------------------------------------------------------


def _outer_is(name: str, value) -> Q:
    """The outer row's ``name`` is ``value`` (inside a subquery)."""
    return Q(Exact(OuterRef(name), Value(value)))


def _overlapping(kind, campaign, audiences):
    """The other rows that overlap a row of the campaign, as dicts with the campaign
    row's value and the number in all (``total``)."""
    if kind == "price":
        return _overlapping_prices(campaign, audiences)
    return _overlapping_discounts(campaign, audiences)


def _for_targeted(audiences, sales_types, group_type, group, prefix="") -> Q:
    """The other row (its fields under ``prefix``) is for some of the campaign's
    targets: a targeted customer, a group of targeted customers, all customers when
    some are targeted, or another activated campaign sharing targets."""
    type_, code = f"{prefix}sales_type", f"{prefix}sales_code"
    q = (
        Q(IsTargetedCustomerNo(F(code)), **{type_: sales_types.CUSTOMER})
        | Q(**{type_: group_type, f"{code}__in": audiences.codes(group)})
        | Q(**{type_: sales_types.CAMPAIGN, f"{code}__in": audiences.codes(CAMPAIGN)})
    )
    if audiences.codes(ALL):
        q |= Q(**{type_: sales_types.ALL_CUSTOMERS})
    return q


def _capped_total(queryset) -> RawSQL:
    """The number of rows of ``queryset``, counted up to ``MOST`` + 1 only: the
    statement stops there (a subquery run once)."""
    sql, params = sql_of(queryset.order_by().values(one=Value(1))[: MOST + 1])
    return RawSQL(f"SELECT COUNT(*) FROM ({sql}) capped", params)  # noqa: S608, S611


def _overlapping_prices(campaign, audiences):
    """The campaign's prices joined to the other prices of their item (through the
    item: the index on item, sales type and sales code finds them).

    The other row always wins (docs/pricing.md, Best price) when it is lower, or equal
    and the customer's own (the more specific row takes a tie), unless only the
    campaign's row allows the line discount."""
    other = "item__sales_prices__"  # the other row: one join, in one filter() call
    same_keys = Q(
        Exact(Coalesce(f"{other}unit_of_measure_id", Value(0)), F("unit")),
        LessThanOrEqual(Coalesce(f"{other}starting_date", Value(EARLIEST)), F("ending_by")),
        GreaterThanOrEqual(Coalesce(f"{other}ending_date", Value(LATEST)), F("starting_from")),
        **{
            f"{other}currency_code": F("currency_code"),
            f"{other}minimum_quantity": F("minimum_quantity"),
            f"{other}unit_price__gt": 0,
        },
    )
    wins = (Q(**{f"{other}allow_line_discount": True}) | Q(allow_line_discount=False)) & (
        Q(**{f"{other}unit_price__lt": F("unit_price")})
        | Q(**{f"{other}unit_price": F("unit_price"), f"{other}sales_type": SalesType.CUSTOMER})
    )
    for_targeted = _for_targeted(
        audiences, SalesType, SalesType.CUSTOMER_PRICE_GROUP, PRICE_GROUP, prefix=other
    )
    overlapping = _with_keys(
        SalesPrice.objects.for_campaign(campaign).filter(unit_price__gt=0)
    ).filter(same_keys, for_targeted, Q(**{f"{other}sales_type": SalesType.CAMPAIGN}) | wins)
    return (
        overlapping.annotate(total=_capped_total(_overlapped_prices(campaign, audiences)))
        # By item id, not by the item's No.: an order the item table's No. index
        # delivers tempts the planner into walking every item against every overlap.
        .order_by(
            "item_id",
            "unit_of_measure_id",
            "currency_code",
            "minimum_quantity",
            f"{other}sales_type",
            f"{other}sales_code",
            f"{other}starting_date",
        )
        .values(
            "currency_code",
            "minimum_quantity",
            "total",
            item_code=F("item__no"),
            discount_type=Value(""),
            unit_code=Coalesce("unit_of_measure__code", Value("")),
            campaign_value=F("unit_price"),
            other_type=F(f"{other}sales_type"),
            other_code=F(f"{other}sales_code"),
            other_value=F(f"{other}unit_price"),
        )
    )


def _overlapped_prices(campaign, audiences):
    """The other prices that a price of the campaign overlaps, for counting them: as
    many as the pairs of ``_overlapping_prices``, for a campaign has one price per
    item, unit, currency and minimum quantity (its rows carry its dates). Read from
    the other rows, the count stops after ``MOST`` + 1 of them."""
    other = OuterRef("unit_price")
    wins = (Q(allow_line_discount=False) | _outer_is("allow_line_discount", True)) & (
        Q(unit_price__gt=other)
        | (Q(unit_price=other) & _outer_is("sales_type", SalesType.CUSTOMER))
    )
    campaign_rows = (
        _with_keys(SalesPrice.objects.for_campaign(campaign).filter(unit_price__gt=0))
        .filter(
            item=OuterRef("item"),
            minimum_quantity=OuterRef("minimum_quantity"),
            currency_code=OuterRef("currency_code"),
            unit=OuterRef("unit"),
            starting_from__lte=OuterRef("ending_by"),
            ending_by__gte=OuterRef("starting_from"),
        )
        .filter(wins | _outer_is("sales_type", SalesType.CAMPAIGN))
        .order_by()
    )
    for_targeted = _for_targeted(audiences, SalesType, SalesType.CUSTOMER_PRICE_GROUP, PRICE_GROUP)
    return _with_keys(SalesPrice.objects.filter(unit_price__gt=0)).filter(
        for_targeted, Exists(campaign_rows)
    )


def _overlapping_discounts(campaign, audiences):
    """The other line discounts for which the campaign has a row of the same type and
    code etc.

    The other row is always the best (docs/pricing.md, Best price) when its % is
    higher, or equal and it comes first among the candidates (all customers: the
    engine takes equal discounts in the order of the sales types)."""
    other = OuterRef("line_discount_percent")
    wins = Q(line_discount_percent__lt=other) | (
        Q(line_discount_percent=other) & _outer_is("sales_type", DiscountSalesType.ALL_CUSTOMERS)
    )
    campaign_rows = (
        _with_keys(SalesLineDiscount.objects.for_campaign(campaign))
        .exclude(line_discount_percent=0)
        .filter(
            type=OuterRef("type"),
            code=OuterRef("code"),
            minimum_quantity=OuterRef("minimum_quantity"),
            currency_code=OuterRef("currency_code"),
            unit=OuterRef("unit"),
            starting_from__lte=OuterRef("ending_by"),
            ending_by__gte=OuterRef("starting_from"),
        )
        .filter(wins | _outer_is("sales_type", DiscountSalesType.CAMPAIGN))
        .order_by()
    )
    for_targeted = _for_targeted(
        audiences,
        DiscountSalesType,
        DiscountSalesType.CUSTOMER_DISCOUNT_GROUP,
        DISCOUNT_GROUP,
    )
    overlapping = _with_keys(SalesLineDiscount.objects.exclude(line_discount_percent=0)).filter(
        for_targeted, Exists(campaign_rows)
    )
    return (
        overlapping.annotate(total=_capped_total(overlapping))
        .order_by(
            "type",
            "code",
            "unit_of_measure_id",
            "currency_code",
            "minimum_quantity",
            "sales_type",
            "sales_code",
            "starting_date",
        )
        .values(
            "currency_code",
            "minimum_quantity",
            "total",
            item_code=F("code"),
            discount_type=F("type"),
            unit_code=Coalesce("unit_of_measure__code", Value("")),
            campaign_value=Subquery(campaign_rows.values("line_discount_percent")[:1]),
            other_type=F("sales_type"),
            other_code=F("sales_code"),
            other_value=F("line_discount_percent"),
        )
    )


def _with_keys(queryset):
    """Rows with their unit (0 for blank) and period (blank dates open-ended) as
    comparable values."""
    return queryset.annotate(
        unit=Coalesce("unit_of_measure_id", Value(0), output_field=IntegerField()),
        starting_from=Coalesce("starting_date", Value(EARLIEST)),
        ending_by=Coalesce("ending_date", Value(LATEST)),
    )


def _overlap(kind, row) -> Overlap:
    return Overlap(
        kind=kind,
        item=row["item_code"],
        discount_type=row["discount_type"],
        unit_of_measure=row["unit_code"],
        currency_code=row["currency_code"],
        minimum_quantity=row["minimum_quantity"],
        campaign_value=row["campaign_value"],
        sales_type=row["other_type"],
        sales_code=row["other_code"],
        value=row["other_value"],
    )


def _audience(kind, sales_type, sales_code) -> tuple[str, str]:
    """Whom another row is for: (audience, code)."""
    if sales_type == SalesType.CAMPAIGN:
        return CAMPAIGN, sales_code
    if sales_type == SalesType.CUSTOMER:
        return CUSTOMER, sales_code
    if sales_type == SalesType.ALL_CUSTOMERS:
        return ALL, ""
    return (PRICE_GROUP if kind == "price" else DISCOUNT_GROUP), sales_code
