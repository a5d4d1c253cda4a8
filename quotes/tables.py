from decimal import Decimal

import django_tables2 as tables
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy

from quotes.models import SalesQuote


def money(value) -> str:
    """1,234.56 / 1.234,56 like the quote card's ``floatformat:"2g"``."""
    return number_format(Decimal(value or 0), 2, force_grouping=True)


def percent(value) -> str:
    return number_format(Decimal(value or 0).normalize(), use_l10n=True)


class SalesQuoteTable(tables.Table):
    no = tables.Column(linkify=True)
    customer_no = tables.Column(
        accessor="customer__no", order_by="customer__no", verbose_name=gettext_lazy("Customer No.")
    )
    customer_name = tables.Column(
        accessor="customer__name",
        order_by="customer__name",
        verbose_name=gettext_lazy("Customer name"),
    )
    campaign = tables.Column(
        accessor="campaign__no", order_by="campaign__no", verbose_name=gettext_lazy("Campaign")
    )
    total = tables.Column(
        verbose_name=gettext_lazy("Total"),
        attrs={"th": {"class": "text-end"}, "td": {"class": "text-end text-nowrap"}},
    )

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "no": 1,
        "customer_no": 3,
        "customer_name": 1,
        "order_date": 2,
        "currency_code": 4,
        "campaign": 3,
        "total": 2,
    }

    class Meta:
        model = SalesQuote
        fields = ["no", "order_date", "currency_code"]
        sequence = [
            "no",
            "customer_no",
            "customer_name",
            "order_date",
            "currency_code",
            "campaign",
            "total",
        ]

    def render_total(self, value):
        return money(value)

    def value_total(self, value):
        return value
