"""Items, sales prices, sales line discounts and campaign targets (docs/pricing.md).
Sales quotes are the ``quotes`` app's."""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Campaign
from contacts.models import Contact, Customer
from core.models import CardUrlMixin, CodeTable, NumberedModel

NO_DATE = datetime.date(1, 1, 1)  # stands for a blank starting date in unique keys
ZERO = 0


class UnitOfMeasure(CodeTable):
    """PCS, BOX, HOUR …"""

    class Meta(CodeTable.Meta):
        verbose_name = _("unit of measure")
        verbose_name_plural = _("units of measure")


class ItemDiscountGroup(CodeTable):
    """Items that get the same sales line discounts."""

    class Meta(CodeTable.Meta):
        verbose_name = _("item discount group")
        verbose_name_plural = _("item discount groups")


class Item(CardUrlMixin, NumberedModel):
    """Something we sell; its unit price applies when no price rule does."""

    number_series = "ITEM"

    description = models.CharField(_("description"), max_length=100)
    base_unit_of_measure = models.ForeignKey(
        UnitOfMeasure,
        verbose_name=_("base unit of measure"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    item_discount_group = models.ForeignKey(
        ItemDiscountGroup,
        verbose_name=_("item discount group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
    )
    blocked = models.BooleanField(_("blocked"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["no"]
        indexes = [models.Index(fields=["description"], name="item_description_idx")]

    def __str__(self):
        return f"{self.no} {self.description}"


class ItemUnitOfMeasure(CardUrlMixin, models.Model):
    """A unit an item is sold in, with how many base units it holds (NAV's item units
    of measure; docs/pricing.md, Units of measure). The base unit holds 1."""

    url_key = "pk"

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="units_of_measure"
    )
    unit_of_measure = models.ForeignKey(
        UnitOfMeasure,
        verbose_name=_("unit of measure"),
        on_delete=models.PROTECT,
        related_name="item_units",
    )
    quantity_per_unit_of_measure = models.DecimalField(
        _("quantity per unit of measure"),
        max_digits=14,
        decimal_places=5,
        default=1,
        validators=[MinValueValidator(Decimal("0.00001"))],
        help_text=_("How many of the item's base unit one of this unit holds (a box of 12: 12)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("item unit of measure")
        verbose_name_plural = _("item units of measure")
        ordering = ["item__no", "quantity_per_unit_of_measure", "unit_of_measure__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "unit_of_measure"],
                name="item_unit_of_measure_once",
                violation_error_message=_("The item already has this unit of measure."),
            ),
            models.CheckConstraint(
                condition=Q(quantity_per_unit_of_measure__gt=0),
                name="item_unit_of_measure_quantity_positive",
                violation_error_message=_("The quantity per unit of measure must be more than 0."),
            ),
        ]

    def __str__(self):
        if not self.item_id or not self.unit_of_measure_id:
            return ""
        return f"{self.item.no} · {self.unit_of_measure.code}"


class SalesType(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CUSTOMER_PRICE_GROUP = "customer_price_group", _("Customer price group")
    ALL_CUSTOMERS = "all_customers", _("All customers")
    CAMPAIGN = "campaign", _("Campaign")


class DiscountSalesType(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CUSTOMER_DISCOUNT_GROUP = "customer_discount_group", _("Customer discount group")
    ALL_CUSTOMERS = "all_customers", _("All customers")
    CAMPAIGN = "campaign", _("Campaign")


class DiscountType(models.TextChoices):
    ITEM = "item", _("Item")
    ITEM_DISCOUNT_GROUP = "item_discount_group", _("Item discount group")


class ValidOnQuerySet(models.QuerySet):
    def valid_on(self, date):
        """Rows whose period holds ``date`` (a blank date is open-ended)."""
        return self.filter(
            Q(starting_date__isnull=True) | Q(starting_date__lte=date),
            Q(ending_date__isnull=True) | Q(ending_date__gte=date),
        )

    def for_campaign(self, campaign):
        return self.filter(sales_type=SalesType.CAMPAIGN, sales_code=campaign.no)


class PriceRuleFields(CardUrlMixin, models.Model):
    """What sales prices and sales line discounts share (docs/pricing.md, Price and
    discount rows)."""

    url_key = "pk"

    sales_code = models.CharField(
        _("sales code"),
        max_length=20,
        blank=True,
        help_text=_("Customer No., group code or campaign No.; blank for all customers."),
    )
    starting_date = models.DateField(_("starting date"), null=True, blank=True)
    ending_date = models.DateField(_("ending date"), null=True, blank=True)
    currency_code = models.CharField(
        _("currency code"), max_length=10, blank=True, help_text=_("Blank: local currency.")
    )
    unit_of_measure = models.ForeignKey(
        UnitOfMeasure,
        verbose_name=_("unit of measure"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Blank: any unit of measure."),
    )
    minimum_quantity = models.DecimalField(
        _("minimum quantity"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )

    objects = ValidOnQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.get_sales_type_display()} {self.sales_code}".strip()


DATES_IN_ORDER = (
    Q(starting_date__isnull=True)
    | Q(ending_date__isnull=True)
    | Q(starting_date__lte=models.F("ending_date"))
)


class SalesPrice(PriceRuleFields):
    """A unit price of an item for a customer, a price group, all customers or a campaign."""

    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.CASCADE, related_name="sales_prices"
    )
    sales_type = models.CharField(_("sales type"), max_length=25, choices=SalesType.choices)
    unit_price = models.DecimalField(
        _("unit price"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    price_includes_vat = models.BooleanField(_("price includes VAT"), default=False)
    allow_line_discount = models.BooleanField(_("allow line discount"), default=True)
    allow_invoice_discount = models.BooleanField(_("allow invoice discount"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales price")
        verbose_name_plural = _("sales prices")
        ordering = ["item__no", "sales_type", "sales_code", "starting_date"]
        indexes = [
            models.Index(
                fields=["item", "sales_type", "sales_code"], name="sales_price_lookup_idx"
            ),
            models.Index(fields=["sales_type", "sales_code"], name="sales_price_code_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                "item",
                "sales_type",
                "sales_code",
                Coalesce("starting_date", Value(NO_DATE)),
                "currency_code",
                Coalesce("unit_of_measure", Value(ZERO)),
                "minimum_quantity",
                name="sales_price_unique",
                violation_error_message=_(
                    "A sales price with this item, sales type, sales code, starting date, "
                    "currency, unit of measure and minimum quantity already exists."
                ),
            ),
            models.CheckConstraint(
                condition=DATES_IN_ORDER,
                name="sales_price_dates_in_order",
                violation_error_message=_("The starting date may not be after the ending date."),
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="sales_price_not_negative",
                violation_error_message=_("The unit price may not be negative."),
            ),
        ]

    def __str__(self):
        # "IT00001 · Campaign CP0001": the item, then for whom.
        return f"{self.item.no} · {super().__str__()}" if self.item_id else super().__str__()


class SalesLineDiscount(PriceRuleFields):
    """A line discount % on an item or item discount group."""

    type = models.CharField(_("type"), max_length=25, choices=DiscountType.choices)
    code = models.CharField(
        _("code"), max_length=20, help_text=_("Item No. or item discount group.")
    )
    sales_type = models.CharField(_("sales type"), max_length=25, choices=DiscountSalesType.choices)
    line_discount_percent = models.DecimalField(
        _("line discount %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sales line discount")
        verbose_name_plural = _("sales line discounts")
        ordering = ["type", "code", "sales_type", "sales_code", "starting_date"]
        indexes = [
            models.Index(fields=["type", "code", "sales_type"], name="line_discount_lookup_idx"),
            models.Index(fields=["sales_type", "sales_code"], name="line_discount_code_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                "type",
                "code",
                "sales_type",
                "sales_code",
                Coalesce("starting_date", Value(NO_DATE)),
                "currency_code",
                Coalesce("unit_of_measure", Value(ZERO)),
                "minimum_quantity",
                name="sales_line_discount_unique",
                violation_error_message=_(
                    "A line discount with this type, code, sales type, sales code, starting "
                    "date, currency, unit of measure and minimum quantity already exists."
                ),
            ),
            models.CheckConstraint(
                condition=DATES_IN_ORDER,
                name="sales_line_discount_dates_in_order",
                violation_error_message=_("The starting date may not be after the ending date."),
            ),
            models.CheckConstraint(
                condition=Q(line_discount_percent__gte=0, line_discount_percent__lte=100),
                name="sales_line_discount_0_100",
                violation_error_message=_("The line discount % must be between 0 and 100."),
            ),
        ]

    def __str__(self):
        # "IT00001 · Campaign CP0001": what the discount is on, then for whom.
        return f"{self.code} · {super().__str__()}"


class CampaignTarget(models.Model):
    """One member of a campaign's target group: a customer, or a company contact
    that is not (yet) a customer (NAV's campaign target group)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="targets"
    )
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="campaign_targets",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="campaign_targets",
    )

    class Meta:
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign target group")
        permissions = [
            ("activate_campaign", _("Can activate and deactivate campaign prices and discounts"))
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False, contact__isnull=True)
                | Q(customer__isnull=True, contact__isnull=False),
                name="campaign_target_customer_or_contact",
            ),
            models.UniqueConstraint(
                fields=["campaign", "customer"],
                condition=Q(customer__isnull=False),
                name="campaign_target_customer_once",
            ),
            models.UniqueConstraint(
                fields=["campaign", "contact"],
                condition=Q(contact__isnull=False),
                name="campaign_target_contact_once",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "campaign"], name="campaign_target_customer_idx"),
            models.Index(fields=["contact", "campaign"], name="campaign_target_contact_idx"),
        ]

    def __str__(self):
        return f"{self.campaign_id}: {self.customer_id or self.contact_id}"
