"""Activation of campaign prices and discounts (SPEC §6.3) and sales quote pricing (§6.5).

The campaign target group is computed set-based: a fixed number of statements
per campaign whatever the number of segment lines (ARCHITECTURE rule 1).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from campaigns.models import Campaign, InteractionLogEntry
from contacts.models import Contact, Customer
from core import audit
from core.models import AuditAction
from core.sql import insert_from_select
from pricing.engine import PriceRequest, line_amount, price_lines
from pricing.models import CampaignTarget, SalesLineDiscount, SalesPrice, SalesQuote, SalesQuoteLine
from segments.models import SegmentLine

_ID = models.BigIntegerField()


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
    campaign_value = Value(campaign.pk, output_field=_ID)
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
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


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
    """Campaign prices and discounts take the campaign's dates (SPEC §3.2)."""
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
    return SalesQuote.objects.select_for_update().get(pk=quote.pk)


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
def save_quote_line(*, line: SalesQuoteLine, user=None, override_price: Decimal | None = None):
    """Add or change a quote line; it is priced by the best-price engine unless
    the user sets the price by hand (the line discount still applies)."""
    quote = _lock_quote(line.quote)
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
    line.save()
    return line


def _amount(line):
    return line_amount(line.unit_price, line.quantity, line.line_discount_percent)


@transaction.atomic
def recalculate_quote(*, quote: SalesQuote, user=None) -> int:
    """Price every line again (lines with a price set by hand keep that price);
    a fixed number of queries whatever the number of lines."""
    quote = _lock_quote(quote)
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
