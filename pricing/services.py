"""Activation of campaign prices and discounts and sales quote pricing (docs/pricing.md).

The campaign target group is computed set-based: a fixed number of statements
per campaign whatever the number of segment lines.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from campaigns.models import Campaign, InteractionLogEntry
from contacts.models import Contact, Customer, CustomerDiscountGroup, CustomerPriceGroup
from core import audit
from core.arguments import decimal_arg, record_arg
from core.concurrency import lock_stored
from core.models import AuditAction
from core.services import delete_record, validate_record, write_record
from core.sql import insert_from_select, typed_value
from pricing.engine import PriceRequest, line_amount, price_lines
from pricing.models import (
    CampaignTarget,
    DiscountSalesType,
    DiscountType,
    Item,
    ItemDiscountGroup,
    SalesLineDiscount,
    SalesPrice,
    SalesQuote,
    SalesQuoteLine,
    SalesType,
)
from segments.models import SegmentLine


def _target_lines(campaign):
    return SegmentLine.objects.filter(campaign=campaign, campaign_target=True)


def _target_interactions(campaign):
    # Unlike NAV, a canceled (or postponed) interaction gives no campaign prices.
    return InteractionLogEntry.objects.counting().filter(campaign=campaign, campaign_target=True)


def targeted(campaign: Campaign, field: str) -> Q:
    """``field`` is the id of a company the campaign targets: the company of one
    of its segment lines or interactions with *campaign target*."""
    return Q(**{f"{field}__in": _target_lines(campaign).values("contact_company_id")}) | Q(
        **{f"{field}__in": _target_interactions(campaign).values("contact_company_id")}
    )


def has_target_sources(campaign: Campaign) -> bool:
    return _target_lines(campaign).exists() or _target_interactions(campaign).exists()


def sync_targets(campaign: Campaign) -> int:
    """Make the target group exactly what the campaign's sources say: each
    targeted company as its customer, or as the company contact when it is not a
    customer. Four statements, and the count kept on the campaign; returns the
    number of targets."""
    customers = Customer.objects.filter(targeted(campaign, "contact_id"))
    contacts = Contact.objects.filter(targeted(campaign, "id"), customer__isnull=True)
    CampaignTarget.objects.filter(campaign=campaign).filter(
        (Q(customer__isnull=False) & ~Q(customer_id__in=customers.values("id")))
        | (Q(contact__isnull=False) & ~Q(contact_id__in=contacts.values("id")))
    ).delete()
    campaign_value = typed_value(CampaignTarget, "campaign", campaign.pk)
    insert_from_select(
        CampaignTarget,
        {"campaign": "t_campaign", "customer": "t_customer"},
        customers.annotate(t_campaign=campaign_value, t_customer=F("id")),
    )
    insert_from_select(
        CampaignTarget,
        {"campaign": "t_campaign", "contact": "t_contact"},
        contacts.annotate(t_campaign=campaign_value, t_contact=F("id")),
    )
    count = CampaignTarget.objects.filter(campaign=campaign).count()
    Campaign.objects.filter(pk=campaign.pk).update(target_count=count)
    campaign.target_count = count
    return count


def _lock(campaign) -> Campaign:
    record_arg(campaign, Campaign, label=_("Campaign"))
    return lock_stored(campaign)


def price_counts(campaign: Campaign) -> tuple[int, int]:
    return (
        SalesPrice.objects.for_campaign(campaign).count(),
        SalesLineDiscount.objects.for_campaign(campaign).count(),
    )


@dataclass
class ActivationResult:
    targets: int
    prices: int
    discounts: int


NO_TARGETS = _(
    "Campaign %(no)s has no targets: link segment lines to the campaign and mark them as "
    "campaign target (on the segment header or per line), then activate again."
)


@transaction.atomic
def activate_campaign(*, campaign: Campaign, user=None) -> ActivationResult:
    """Give the campaign's sales prices and line discounts to its target group.

    Refused when no segment line of the campaign is marked as campaign target.
    Activating again recomputes the same targets (no duplicates).
    """
    campaign = _lock(campaign)
    if not has_target_sources(campaign):
        raise ValidationError(NO_TARGETS % {"no": campaign.no})
    targets = sync_targets(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(activated=True)
    prices, discounts = price_counts(campaign)
    audit.record(
        user,
        AuditAction.CAMPAIGN_ACTIVATED,
        campaign,
        targets,
        _("Sales prices: %(prices)d, sales line discounts: %(discounts)d")
        % {"prices": prices, "discounts": discounts},
    )
    return ActivationResult(targets=targets, prices=prices, discounts=discounts)


@transaction.atomic
def deactivate_campaign(*, campaign: Campaign, user=None) -> int:
    """Stop the campaign's prices applying; returns the number of targets removed."""
    campaign = _lock(campaign)
    removed, _detail = CampaignTarget.objects.filter(campaign=campaign).delete()
    Campaign.objects.filter(pk=campaign.pk).update(activated=False, target_count=0)
    audit.record(user, AuditAction.CAMPAIGN_DEACTIVATED, campaign, removed)
    return removed


def refresh_targets(campaign_ids) -> None:
    """Keep the target groups of the activated campaigns among ``campaign_ids`` current."""
    for campaign in Campaign.objects.filter(pk__in=campaign_ids, activated=True):
        sync_targets(campaign)


def customer_created(customer) -> int:
    """A company contact became a customer: its contact targets become customer targets."""
    return CampaignTarget.objects.filter(contact_id=customer.contact_id).update(
        customer=customer, contact=None
    )


def customer_deleting(customer) -> int:
    """A customer goes: its targets turn back into targets of its company contact."""
    return CampaignTarget.objects.filter(customer=customer).update(
        contact_id=customer.contact_id, customer=None
    )


def move_campaign_dates(campaign: Campaign) -> None:
    """Campaign prices and discounts take the campaign's dates (docs/campaigns.md)."""
    dates = {"starting_date": campaign.starting_date, "ending_date": campaign.ending_date}
    SalesPrice.objects.for_campaign(campaign).update(**dates)
    SalesLineDiscount.objects.for_campaign(campaign).update(**dates)


def delete_campaign_rows(campaign: Campaign) -> None:
    SalesPrice.objects.for_campaign(campaign).delete()
    SalesLineDiscount.objects.for_campaign(campaign).delete()
    CampaignTarget.objects.filter(campaign=campaign).delete()


def deletion_summary(campaign: Campaign) -> list[str]:
    prices, discounts = price_counts(campaign)
    targets = CampaignTarget.objects.filter(campaign=campaign).count()
    lines = []
    if prices:
        lines.append(ngettext("%(n)d sales price", "%(n)d sales prices", prices) % {"n": prices})
    if discounts:
        lines.append(
            ngettext("%(n)d sales line discount", "%(n)d sales line discounts", discounts)
            % {"n": discounts}
        )
    if targets:
        lines.append(
            ngettext("%(n)d campaign target", "%(n)d campaign targets", targets) % {"n": targets}
        )
    return lines


# Sales prices and line discounts (docs/pricing.md) ----------------------------

# sales type -> (model holding the codes, field with the code)
SALES_CODE_SOURCES = {
    SalesType.CUSTOMER: (Customer, "no"),
    SalesType.CUSTOMER_PRICE_GROUP: (CustomerPriceGroup, "code"),
    DiscountSalesType.CUSTOMER_DISCOUNT_GROUP: (CustomerDiscountGroup, "code"),
    SalesType.CAMPAIGN: (Campaign, "no"),
}


def sales_code_record(sales_type: str, code: str):
    """The customer, group or campaign a price rule's sales code names, or None."""
    model, field = SALES_CODE_SOURCES[sales_type]
    return model.objects.filter(**{field: code}).first()


def price_rule_errors(rule) -> dict:
    """What is wrong with a sales price or line discount, ``{field: message}``: the
    sales code is blank for all customers and names an existing customer, group or
    campaign otherwise; a campaign row has the campaign's dates; a line discount's
    code names an item or item discount group. (The model's constraints keep the dates
    in order.)"""
    errors = {}
    code = rule.sales_code or ""
    if rule.sales_type == SalesType.ALL_CUSTOMERS:
        if code:
            errors["sales_code"] = _("Leave the sales code blank for all customers.")
    elif rule.sales_type in SALES_CODE_SOURCES:
        found = sales_code_record(rule.sales_type, code) if code else None
        if not code:
            errors["sales_code"] = _("Fill in the sales code for this sales type.")
        elif found is None:
            model = SALES_CODE_SOURCES[rule.sales_type][0]
            errors["sales_code"] = _("%(code)s is not a %(what)s.") % {
                "code": code,
                "what": model._meta.verbose_name,
            }
        elif rule.sales_type == SalesType.CAMPAIGN and (
            rule.starting_date != found.starting_date or rule.ending_date != found.ending_date
        ):
            errors["starting_date"] = _(
                "The dates of a campaign row are the campaign's; change them on the "
                "campaign card of %(no)s."
            ) % {"no": found.no}
    if isinstance(rule, SalesLineDiscount) and rule.type and rule.code:
        model = Item if rule.type == DiscountType.ITEM else ItemDiscountGroup
        field = "no" if rule.type == DiscountType.ITEM else "code"
        if not model.objects.filter(**{field: rule.code}).exists():
            errors["code"] = _("%(code)s is not a %(what)s.") % {
                "code": rule.code,
                "what": model._meta.verbose_name,
            }
    return errors


@transaction.atomic
def save_price_rule(*, rule, user=None, version: str | None = None):
    """Create or change a sales price or sales line discount (``price_rule_errors``
    and the model's own rules checked here; an existing row checked against
    ``version``, ``core.concurrency``)."""
    if not isinstance(rule, SalesPrice | SalesLineDiscount):
        raise ValidationError(_("Not a sales price or sales line discount."))
    stored = lock_stored(rule, version=version)
    rule.sales_code = (rule.sales_code or "").strip().upper()
    validate_record(rule, stored=stored)
    errors = price_rule_errors(rule)
    if errors:
        raise ValidationError(errors)
    write_record(rule, stored=stored, user=user)
    return rule


# Sales quotes ---------------------------------------------------------------

# The line amount column holds 16 digits with 2 decimals.
LINE_AMOUNT_LIMIT = Decimal(10) ** 14
AMOUNT_TOO_LARGE = _lazy(
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


def _apply(line, result):
    line.unit_price = result.unit_price
    line.line_discount_percent = result.line_discount_percent
    line.line_amount = result.line_amount
    line.price_trace = result.as_json()


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
    _apply(line, result)
    line.price_overridden = override_price is not None
    if line.price_overridden:
        line.unit_price = override_price
        line.line_amount = _amount(line)
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
    for line, result in zip(lines, results, strict=True):
        manual_price = line.unit_price if line.price_overridden else None
        _apply(line, result)
        if manual_price is not None:
            line.unit_price = manual_price
            line.line_amount = _amount(line)
        _check_amount(line)
    SalesQuoteLine.objects.bulk_update(
        lines, ["unit_price", "line_discount_percent", "line_amount", "price_trace"], batch_size=500
    )
    return len(lines)


def quote_total(quote) -> Decimal:
    return quote.lines.aggregate(total=models.Sum("line_amount"))["total"] or Decimal(0)
