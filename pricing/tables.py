import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from pricing.models import Item, ItemUnitOfMeasure, SalesLineDiscount, SalesPrice


class ItemTable(tables.Table):
    no = tables.Column(linkify=True)

    class Meta:
        model = Item
        fields = [
            "no",
            "description",
            "base_unit_of_measure",
            "unit_price",
            "item_discount_group",
            "blocked",
        ]


class ItemUnitOfMeasureTable(tables.Table):
    item = tables.Column(
        accessor="item__no",
        verbose_name=_("Item No."),
        linkify=lambda record: record.get_absolute_url(),
    )
    description = tables.Column(
        accessor="item__description", verbose_name=_("Description"), orderable=False
    )
    unit_of_measure = tables.Column(
        accessor="unit_of_measure__code", verbose_name=_("Unit of measure")
    )

    class Meta:
        model = ItemUnitOfMeasure
        fields = ["item", "description", "unit_of_measure", "quantity_per_unit_of_measure"]


class SalesPriceTable(tables.Table):
    item = tables.Column(
        accessor="item__no",
        verbose_name=_("Item No."),
        linkify=lambda record: record.get_absolute_url(),
    )
    description = tables.Column(
        accessor="item__description", verbose_name=_("Description"), orderable=False
    )
    unit_of_measure = tables.Column(
        accessor="unit_of_measure__code", verbose_name=_("Unit of measure")
    )

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "item": 1,
        "description": 2,
        "sales_type": 2,
        "sales_code": 2,
        "starting_date": 3,
        "ending_date": 3,
        "currency_code": 5,
        "unit_of_measure": 4,
        "minimum_quantity": 4,
        "unit_price": 1,
        "allow_line_discount": 5,
    }

    class Meta:
        model = SalesPrice
        fields = [
            "item",
            "description",
            "sales_type",
            "sales_code",
            "starting_date",
            "ending_date",
            "currency_code",
            "unit_of_measure",
            "minimum_quantity",
            "unit_price",
            "allow_line_discount",
        ]


class SalesLineDiscountTable(tables.Table):
    code = tables.Column(linkify=lambda record: record.get_absolute_url())
    unit_of_measure = tables.Column(
        accessor="unit_of_measure__code", verbose_name=_("Unit of measure")
    )

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "type": 3,
        "code": 1,
        "sales_type": 2,
        "sales_code": 2,
        "starting_date": 3,
        "ending_date": 3,
        "currency_code": 4,
        "unit_of_measure": 4,
        "minimum_quantity": 4,
        "line_discount_percent": 1,
    }

    class Meta:
        model = SalesLineDiscount
        fields = [
            "type",
            "code",
            "sales_type",
            "sales_code",
            "starting_date",
            "ending_date",
            "currency_code",
            "unit_of_measure",
            "minimum_quantity",
            "line_discount_percent",
        ]
