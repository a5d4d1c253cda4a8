"""Sales quotes and their lines: where the best price, with the activated campaign
prices, shows up.

The tables keep the names they had when quotes were part of ``pricing``.
"""

import datetime
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from campaigns.models import Campaign
from contacts.models import Contact, Customer
from core.models import CardUrlMixin, NumberedModel
from pricing.models import Item, UnitOfMeasure


class SalesQuoteQuerySet(models.QuerySet):
    def with_total(self):
        """Annotate ``total``: the sum of the line amounts (0 without lines)."""
        return self.annotate(
            total=Coalesce(
                models.Sum("lines__line_amount"),
                models.Value(Decimal(0)),
                output_field=models.DecimalField(max_digits=18, decimal_places=2),
            )
        )


class SalesQuote(CardUrlMixin, NumberedModel):
    """A sales quote: where the activated campaign prices show up on the lines."""

    number_series = "SALES-QUOTE"

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="quotes"
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
    )
    order_date = models.DateField(_("order date"), default=datetime.date.today)
    currency_code = models.CharField(_("currency code"), max_length=10, blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="quotes",
        help_text=_("For information; prices follow the customer's activated campaigns."),
    )

    history = HistoricalRecords(table_name="pricing_historicalsalesquote")

    objects = SalesQuoteQuerySet.as_manager()

    class Meta:
        db_table = "pricing_salesquote"
        verbose_name = _("sales quote")
        verbose_name_plural = _("sales quotes")
        ordering = ["-no"]

    def __str__(self):
        return f"{self.no} {self.customer.name}" if self.customer_id else self.no


class SalesQuoteLine(models.Model):
    """One item on a quote, priced by the best-price engine unless overridden."""

    quote = models.ForeignKey(
        SalesQuote, verbose_name=_("sales quote"), on_delete=models.CASCADE, related_name="lines"
    )
    line_no = models.PositiveIntegerField(_("line No."))
    item = models.ForeignKey(
        Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=14,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0.01)],
    )
    unit_of_measure = models.ForeignKey(
        UnitOfMeasure,
        verbose_name=_("unit of measure"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2, default=0)
    line_discount_percent = models.DecimalField(
        _("line discount %"),
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    line_amount = models.DecimalField(_("line amount"), max_digits=16, decimal_places=2, default=0)
    price_overridden = models.BooleanField(
        _("price set by hand"),
        default=False,
        help_text=_("Recalculate leaves a price set by hand alone."),
    )
    price_trace = models.JSONField(_("why this price"), default=dict, blank=True)
    # Set when the line is priced: the campaign whose sales price won (blank when
    # another price won or the price was set by hand) and the line amount without
    # that campaign's prices, for the campaign's revenue and the margin it gives
    # away (docs/statistics.md, ROI).
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("priced from campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="quote_lines",
    )
    amount_without_campaign = models.DecimalField(
        _("line amount without the campaign price"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
    )

    class Meta:
        db_table = "pricing_salesquoteline"
        verbose_name = _("sales quote line")
        verbose_name_plural = _("sales quote lines")
        ordering = ["quote", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "line_no"], name="sales_quote_line_no_once"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="sales_quote_line_quantity_positive"
            ),
        ]

    def __str__(self):
        return f"{self.quote_id} #{self.line_no}"

    @property
    def price_source(self) -> str:
        """What set the price ("Campaign CP0002") in the reader's language."""
        from pricing.trace import source_text  # the trace imports the models

        return source_text(self.price_trace or {})
