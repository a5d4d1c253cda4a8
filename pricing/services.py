"""Activation of campaign prices and discounts, and the rules of price rows (docs/pricing.md).

The campaign target group is computed set-based: a fixed number of statements
per campaign whatever the number of segment lines.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from campaigns.models import Campaign, InteractionLogEntry
from campaigns.services import lock_campaigns
from contacts.models import Contact, Customer, CustomerDiscountGroup, CustomerPriceGroup
from core import audit
from core.arguments import record_arg
from core.concurrency import lock_stored
from core.models import AuditAction
from core.presentation import decimal_text
from core.services import delete_record, save_record, validate_record, write_record
from core.sql import absent, insert_from_select, typed_value
from pricing.engine import unknown_unit_message
from pricing.models import (
    CampaignTarget,
    DiscountSalesType,
    DiscountType,
    Item,
    ItemDiscountGroup,
    ItemUnitOfMeasure,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
)
from segments.models import SegmentLine


def _target_lines(campaign):
    return SegmentLine.objects.filter(campaign=campaign, campaign_target=True)


def _target_interactions(campaign):
    # Unlike NAV, a canceled (or postponed) interaction gives no campaign prices.
    return InteractionLogEntry.objects.counting().filter(campaign=campaign, campaign_target=True)


# The companies a campaign targets while its target group is made (a temporary table).
TARGETED = "pricing_targeted_companies"


@contextmanager
def _targeted_companies(campaign: Campaign):
    """The ids of the companies the campaign targets (the company of one of its
    segment lines or interactions with *campaign target*), each once, written to a
    temporary table for the statements of ``sync_targets``: a ``RawSQL`` of them.

    Written once and analysed, the planner knows how many there are. Read through the
    union of the two sources in every statement, PostgreSQL guessed 200 and looked each
    company up by index: at ten million contacts two million random reads per
    statement (docs/performance.md, Ten million contacts). Dropped at the end; a
    failure rolls its creation back with the caller's transaction."""
    lines = _target_lines(campaign).order_by().values("contact_company_id")
    interactions = _target_interactions(campaign).order_by().values("contact_company_id")
    sql, params = lines.union(interactions).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {TARGETED} AS {sql}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {TARGETED}")
    yield RawSQL(f"SELECT contact_company_id FROM {TARGETED}", [])  # noqa: S608, S611
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TARGETED}")


def has_target_sources(campaign: Campaign) -> bool:
    return _target_lines(campaign).exists() or _target_interactions(campaign).exists()


@transaction.atomic
def sync_targets(campaign: Campaign) -> int:
    """Make the target group exactly what the campaign's sources say: each
    targeted company as its customer, or as the company contact when it is not a
    customer. The targeted companies written once, four statements against them, and
    the count kept on the campaign; returns the number of targets. Each removal is an
    anti-join of its own (``core.sql.absent``): under one ``OR`` neither could be
    planned as a join."""
    with _targeted_companies(campaign) as companies:
        customers = Customer.objects.filter(contact_id__in=companies)
        # Not a customer: an anti-join (``customer__isnull`` is a left join whose
        # "no customer" PostgreSQL estimates at one row, then plans a scan per row).
        contacts = Contact.objects.filter(
            Q(id__in=companies),
            absent("id", Customer.objects.filter(contact__isnull=False).values("contact_id")),
        )
        targets = CampaignTarget.objects.filter(campaign=campaign)
        targets.filter(customer__isnull=False).filter(
            absent("customer_id", customers.values("id"))
        ).delete()
        targets.filter(contact__isnull=False).filter(
            absent("contact_id", contacts.values("id"))
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


# Lazy: translated when the refusal is raised, in the language of the user who activates.
NO_TARGETS = gettext_lazy(
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
        audit.message(
            gettext_noop("Sales prices: %(prices)d, sales line discounts: %(discounts)d"),
            prices=prices,
            discounts=discounts,
        ),
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
    """Keep the target groups of the activated campaigns among ``campaign_ids`` current.

    Every one of the campaigns is locked first, in key order (``lock_campaigns``), and
    *activated* read only then: an activation or deactivation at the same moment locks
    the campaign too, so it has either committed and is seen here, or waits and then
    sees these lines (docs/concurrency.md, Lock order). Read before the lock, an
    activation not yet committed would be passed over."""
    lock_campaigns(campaign_ids)
    for campaign in Campaign.objects.filter(pk__in=campaign_ids, activated=True).order_by("pk"):
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
    errors.update(_rule_unit_errors(rule))
    return errors


def _rule_unit_errors(rule) -> dict:
    """A row for a unit of measure of one item names a unit the item is sold in (a
    discount on an item discount group may name any unit)."""
    if not rule.unit_of_measure_id:
        return {}
    if isinstance(rule, SalesPrice):
        item = Item.objects.filter(pk=rule.item_id).first()
    elif rule.type == DiscountType.ITEM:
        item = Item.objects.filter(no=rule.code).first()
    else:
        return {}
    if item is None or item_has_unit(item, rule.unit_of_measure_id):
        return {}
    return {"unit_of_measure": unknown_unit_message(item.pk, rule.unit_of_measure_id)}


# Items and their units of measure (docs/pricing.md, Units of measure) ----------

# What else may use an item's unit of measure: callables ``(item, unit_id) -> str``
# that describe the uses ("2 sales quote lines") or return '' (apps register theirs).
UNIT_USES = []


def item_has_unit(item, unit_id) -> bool:
    return unit_id == item.base_unit_of_measure_id or (
        ItemUnitOfMeasure.objects.filter(item=item, unit_of_measure_id=unit_id).exists()
    )


def unit_uses(item, unit_id) -> list[str]:
    """What uses ``item`` in unit ``unit_id``: its sales prices and line discounts for
    that unit, and what other apps register."""
    prices = SalesPrice.objects.filter(item=item, unit_of_measure_id=unit_id).count()
    discounts = SalesLineDiscount.objects.filter(
        type=DiscountType.ITEM, code=item.no, unit_of_measure_id=unit_id
    ).count()
    uses = []
    if prices:
        uses.append(ngettext("%(n)d sales price", "%(n)d sales prices", prices) % {"n": prices})
    if discounts:
        uses.append(
            ngettext("%(n)d sales line discount", "%(n)d sales line discounts", discounts)
            % {"n": discounts}
        )
    return uses + [text for use in UNIT_USES if (text := use(item, unit_id))]


def _base_unit_errors(item_unit, quantity) -> dict:
    return {
        "quantity_per_unit_of_measure": _(
            "%(unit)s is the base unit of measure of item %(item)s: one of it holds 1 base "
            "unit, not %(qty)s."
        )
        % {
            "unit": item_unit.unit_of_measure.code,
            "item": item_unit.item.no,
            "qty": decimal_text(quantity),
        }
    }


@transaction.atomic
def save_item(*, item: Item, user=None, version: str | None = None) -> Item:
    """Create or change an item. Its base unit of measure is one of its units with a
    quantity of 1: added when the item does not have it yet, refused when the item
    has it with another quantity."""
    record_arg(item, Item, label=_("Item"), saved=False)
    base = None
    if item.base_unit_of_measure_id and item.pk:
        base = (
            ItemUnitOfMeasure.objects.select_related("item", "unit_of_measure")
            .filter(item_id=item.pk, unit_of_measure_id=item.base_unit_of_measure_id)
            .first()
        )
        if base is not None and base.quantity_per_unit_of_measure != 1:
            error = _base_unit_errors(base, base.quantity_per_unit_of_measure)
            raise ValidationError({"base_unit_of_measure": error["quantity_per_unit_of_measure"]})
    item = save_record(instance=item, version=version, user=user)
    if item.base_unit_of_measure_id and base is None:
        ItemUnitOfMeasure.objects.get_or_create(
            item=item,
            unit_of_measure_id=item.base_unit_of_measure_id,
            defaults={"quantity_per_unit_of_measure": 1},
        )
    return item


@transaction.atomic
def save_item_unit(
    *, item_unit: ItemUnitOfMeasure, user=None, version: str | None = None
) -> ItemUnitOfMeasure:
    """Add or change a unit of measure of an item. The base unit holds 1; a unit stays
    with its item, and a unit in use (prices, discounts, quote lines) is not swapped
    for another."""
    record_arg(item_unit, ItemUnitOfMeasure, label=_("Item unit of measure"), saved=False)
    stored = lock_stored(item_unit, version=version)
    validate_record(item_unit, stored=stored)
    item = lock_stored(item_unit.item)
    if stored is not None and stored.item_id != item_unit.item_id:
        raise ValidationError({"item": _("A unit of measure stays with its item.")})
    quantity = item_unit.quantity_per_unit_of_measure
    if item_unit.unit_of_measure_id == item.base_unit_of_measure_id and quantity != 1:
        item_unit.item = item
        raise ValidationError(_base_unit_errors(item_unit, quantity))
    if stored is not None and stored.unit_of_measure_id != item_unit.unit_of_measure_id:
        _check_unused(stored, item)
    write_record(item_unit, stored=stored, user=user)
    return item_unit


def _check_unused(item_unit, item) -> None:
    code = item_unit.unit_of_measure.code
    if item_unit.unit_of_measure_id == item.base_unit_of_measure_id:
        raise ValidationError(
            _(
                "%(unit)s is the base unit of measure of item %(item)s; choose another base "
                "unit on the item card first."
            )
            % {"unit": code, "item": item.no}
        )
    uses = unit_uses(item, item_unit.unit_of_measure_id)
    if uses:
        raise ValidationError(
            _("Item %(item)s is still sold in %(unit)s: %(uses)s.")
            % {"item": item.no, "unit": code, "uses": ", ".join(uses)}
        )


@transaction.atomic
def delete_item_unit(*, item_unit: ItemUnitOfMeasure, user=None) -> None:
    """Remove a unit of measure from an item: not its base unit, nor a unit still used
    by its prices, discounts or quote lines."""
    record_arg(item_unit, ItemUnitOfMeasure, label=_("Item unit of measure"))
    stored = lock_stored(item_unit)
    _check_unused(stored, lock_stored(stored.item))
    delete_record(instance=stored, user=user)


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
