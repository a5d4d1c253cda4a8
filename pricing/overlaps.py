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

``campaign_overlaps`` finds them set-based: whom other rows may be for first (the
targeted customers by group, the other campaigns sharing targets, the group codes),
then one statement for the prices and one for the line discounts (the number in all
and the first rows), then the names of the customers shown: at most seven queries,
whatever the number of rows. A warning, never a refusal.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThanOrEqual
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaigns.models import Campaign
from contacts.models import Contact, Customer, CustomerDiscountGroup, CustomerPriceGroup
from core.presentation import decimal_text
from pricing.models import (
    CampaignTarget,
    DiscountSalesType,
    DiscountType,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
)
from pricing.services import targeted

SHOWN_CUSTOMERS = 5  # customers named per warning
EARLIEST = datetime.date(1, 1, 1)  # a blank starting date
LATEST = datetime.date(9999, 12, 31)  # a blank ending date

# Audiences: whom the other row is for, among this campaign's customers.
CUSTOMER, PRICE_GROUP, DISCOUNT_GROUP, ALL, CAMPAIGN = (
    "customer",
    "price_group",
    "discount_group",
    "all",
    "campaign",
)


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
        if self.other_campaign:
            return ngettext(
                "%(n)d shared target: %(names)s.",
                "%(n)d shared targets: %(names)s.",
                self.customers,
            ) % {"n": self.customers, "names": names}
        return ngettext(
            "%(n)d customer concerned: %(names)s.",
            "%(n)d customers concerned: %(names)s.",
            self.customers,
        ) % {"n": self.customers, "names": names}


@dataclass
class CampaignOverlaps:
    """How many overlaps the campaign's rows have in all, and the first of them."""

    total: int = 0
    rows: list = field(default_factory=list)

    @property
    def more(self) -> int:
        """How many are not in ``rows``."""
        return self.total - len(self.rows)

    def __bool__(self):
        return bool(self.total)

    def texts(self) -> list[str]:
        """One line per overlap shown, then how many more there are."""
        lines = [row.text() for row in self.rows]
        if self.more:
            lines.append(
                ngettext("And %(n)d more overlap.", "And %(n)d more overlaps.", self.more)
                % {"n": self.more}
            )
        return lines

    def summary(self) -> str:
        return ngettext(
            "Warning: %(n)d overlap of this campaign's prices and line discounts with "
            "others for the same customers.",
            "Warning: %(n)d overlaps of this campaign's prices and line discounts with "
            "others for the same customers.",
            self.total,
        ) % {"n": self.total}


def campaign_overlaps(campaign: Campaign, limit: int = 50) -> CampaignOverlaps:
    """The overlaps of ``campaign``'s prices and line discounts: the number in all
    and the first ``limit`` (prices by item, then discounts by type and code), each
    with the number of customers concerned and the first few of them."""
    audiences = _Audiences(campaign)
    result = CampaignOverlaps()
    for kind in ("price", "discount"):
        if not audiences.any_for(kind):
            continue
        rows = list(_overlapping(kind, campaign, audiences)[:limit])
        if rows:
            result.total += rows[0]["total"]
        result.rows += [_overlap(kind, row) for row in rows]
    del result.rows[limit:]
    audiences.add_customers(result.rows)
    return result


# Whom the campaign targets ---------------------------------------------------------


def _company_targets():
    """Target rows with the company each stands for (``company``): a customer
    target stands for the customer's company contact."""
    return CampaignTarget.objects.annotate(company=Coalesce("customer__contact_id", "contact_id"))


def _company_q(campaign: Campaign) -> Q:
    """A ``Q`` on a field ``company``: a company the campaign targets (its target group
    when activated, else what activation would make it)."""
    if campaign.activated:
        return Q(company__in=_company_targets().filter(campaign=campaign).values("company"))
    return targeted(campaign, "company")


def _targeted_customers(campaign: Campaign):
    """The customers the campaign's prices are for, as the engine finds them."""
    if campaign.activated:
        targets = CampaignTarget.objects.filter(campaign=campaign)
        return Customer.objects.filter(
            Q(pk__in=targets.filter(customer__isnull=False).values("customer_id"))
            | Q(contact_id__in=targets.filter(contact__isnull=False).values("contact_id"))
        )
    return Customer.objects.filter(targeted(campaign, "contact_id"))


def _first_per(queryset, partitions: dict, order):
    """Per partition (name: expression, None for all rows) each row's rank in
    ``order`` and the number of rows of its partition, keeping the rows ranked within
    the first ``SHOWN_CUSTOMERS`` of any partition: one pass, one query."""
    annotations, first = {}, Q()
    for name, expression in partitions.items():
        by = [expression] if expression is not None else None
        annotations |= {
            f"{name}_rank": Window(RowNumber(), partition_by=by, order_by=order),
            f"{name}_n": Window(Count("pk"), partition_by=by),
        }
        first |= Q(**{f"{name}_rank__lte": SHOWN_CUSTOMERS})
    return queryset.annotate(**annotations).filter(first)


def _group_codes(rows) -> dict:
    """The codes of the price and discount groups of ``rows`` (pk, price group id,
    discount group id, …): one query, a handful of codes."""
    price_groups = {row[1] for row in rows if row[1]}
    discount_groups = {row[2] for row in rows if row[2]}
    found = {PRICE_GROUP: {}, DISCOUNT_GROUP: {}}
    if price_groups or discount_groups:
        for kind, pk, code in (
            CustomerPriceGroup.objects.filter(pk__in=price_groups)
            .order_by()
            .values_list(Value(PRICE_GROUP), "pk", "code")
            .union(
                CustomerDiscountGroup.objects.filter(pk__in=discount_groups)
                .order_by()
                .values_list(Value(DISCOUNT_GROUP), "pk", "code"),
                all=True,
            )
        ):
            found[kind][pk] = code
    return found


class _Audiences:
    """Whom the other rows may be for among the campaign's targets, found first (two
    queries): the targeted customers by price group, by discount group and in all,
    and the other activated campaigns sharing targets, each with its number of
    customers (or shared targets) and the first few of them (by id: no sort of names).
    The names, and the customers of the customers' own rows, are read after the rows
    (one or two small queries)."""

    def __init__(self, campaign):
        self.campaign = campaign
        self.customers = _targeted_customers(campaign)
        self.found = {}  # (audience, code) -> (count, [("customer" / "contact", id)])
        partitions = {ALL: None, PRICE_GROUP: F("price_group"), DISCOUNT_GROUP: F("discount_group")}
        rows = _first_per(self.customers, partitions, [F("pk").asc()]).values_list(
            "pk",
            "price_group_id",
            "discount_group_id",
            *[f"{name}_{what}" for name in partitions for what in ("rank", "n")],
        )
        rows = list(rows.order_by())
        group_codes = _group_codes(rows)
        for pk, price_group_id, discount_group_id, *ranks in rows:
            price_group = group_codes[PRICE_GROUP].get(price_group_id)
            discount_group = group_codes[DISCOUNT_GROUP].get(discount_group_id)
            for (audience, code), rank, count in zip(
                [(ALL, ""), (PRICE_GROUP, price_group), (DISCOUNT_GROUP, discount_group)],
                ranks[0::2],
                ranks[1::2],
                strict=True,
            ):
                self._add(audience, code, rank, count, ("customer", pk))
        # The targets each other activated campaign shares: a customer, or a company
        # contact that is no customer.
        shared = (
            _company_targets()
            .filter(campaign__activated=True)
            .exclude(campaign=campaign)
            .filter(_company_q(campaign))
        )
        rows = _first_per(shared, {CAMPAIGN: F("campaign")}, [F("pk").asc()]).values_list(
            "campaign__no",
            "customer_id",
            "contact_id",
            f"{CAMPAIGN}_rank",
            f"{CAMPAIGN}_n",
        )
        for campaign_no, customer, contact, rank, count in rows.order_by():
            who = ("customer", customer) if customer else ("contact", contact)
            self._add(CAMPAIGN, campaign_no, rank, count, who)

    def _add(self, audience, code, rank, count, who):
        if code is None or rank > SHOWN_CUSTOMERS:
            return
        self.found.setdefault((audience, code), (count, []))[1].append(who)

    def codes(self, audience) -> list[str]:
        return sorted(code for kind, code in self.found if kind == audience)

    def any_for(self, kind) -> bool:
        """Whether another row may concern any target at all."""
        return bool(self.found)

    def add_customers(self, rows) -> None:
        """Fill in the customers concerned, with their No. and name (at most two
        queries); a customer's own row concerns that customer only."""
        shown = {row.audience for row in rows}
        wanted = {who for key in shown if key in self.found for who in self.found[key][1]}
        nos = {code for kind, code in shown if kind == CUSTOMER}
        names = {}
        customer_ids = {pk for kind, pk in wanted if kind == "customer"}
        if customer_ids or nos:
            for pk, no, name in Customer.objects.filter(
                Q(pk__in=customer_ids) | Q(no__in=nos)
            ).values_list("pk", "no", "name"):
                names[("customer", pk)] = (no, name)
                if no in nos:
                    self.found[(CUSTOMER, no)] = (1, [("customer", pk)])
        contact_ids = {pk for kind, pk in wanted if kind == "contact"}
        if contact_ids:
            for pk, no, name in Contact.objects.filter(pk__in=contact_ids).values_list(
                "pk", "no", "name"
            ):
                names[("contact", pk)] = (no, name)
        for row in rows:
            count, first = self.found.get(row.audience, (0, []))
            row.customers = count
            row.first_customers = sorted(names[who] for who in first if who in names)


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
        Q(**{type_: sales_types.CUSTOMER, f"{code}__in": audiences.customers.values("no")})
        | Q(**{type_: group_type, f"{code}__in": audiences.codes(group)})
        | Q(**{type_: sales_types.CAMPAIGN, f"{code}__in": audiences.codes(CAMPAIGN)})
    )
    if audiences.codes(ALL):
        q |= Q(**{type_: sales_types.ALL_CUSTOMERS})
    return q


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
    return (
        _with_keys(SalesPrice.objects.for_campaign(campaign).filter(unit_price__gt=0))
        .filter(same_keys, for_targeted, Q(**{f"{other}sales_type": SalesType.CAMPAIGN}) | wins)
        .annotate(total=Window(Count("pk")))
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
    return (
        _with_keys(SalesLineDiscount.objects.exclude(line_discount_percent=0))
        .filter(for_targeted, Exists(campaign_rows))
        .annotate(total=Window(Count("pk")))
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
