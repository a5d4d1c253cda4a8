import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import SearchFilterSet
from core.forms import DATE_INPUT
from pricing.models import Item, ItemUnitOfMeasure, SalesLineDiscount, SalesPrice

# The search hint's names of the item's fields (core.filters.SearchFilterSet).
ITEM_LABELS = {"item__no": _("item No."), "item__description": _("item description")}


class ValidOnFilterMixin(django_filters.FilterSet):
    valid_on = django_filters.DateFilter(
        label=_("Valid on"),
        method="filter_valid_on",
        widget=DATE_INPUT,
    )

    def filter_valid_on(self, queryset, name, value):
        return queryset.valid_on(value) if value else queryset


class ItemFilter(SearchFilterSet):
    search_fields = ("no", "description")

    class Meta:
        model = Item
        fields = ["item_discount_group", "base_unit_of_measure", "blocked"]


class ItemUnitOfMeasureFilter(SearchFilterSet):
    search_fields = ("item__no", "item__description")
    search_labels = ITEM_LABELS
    item = django_filters.CharFilter(
        label=_("Item No."), field_name="item__no", lookup_expr="iexact"
    )

    class Meta:
        model = ItemUnitOfMeasure
        fields = ["item", "unit_of_measure"]


class SalesPriceFilter(ValidOnFilterMixin, SearchFilterSet):
    search_fields = ("item__no", "item__description", "sales_code")
    search_labels = ITEM_LABELS
    item = django_filters.CharFilter(
        label=_("Item No."), field_name="item__no", lookup_expr="iexact"
    )
    sales_code = django_filters.CharFilter(label=_("Sales code"), lookup_expr="iexact")

    class Meta:
        model = SalesPrice
        fields = ["item", "sales_type", "sales_code", "valid_on", "currency_code"]


class SalesLineDiscountFilter(ValidOnFilterMixin, SearchFilterSet):
    search_fields = ("code", "sales_code")
    code = django_filters.CharFilter(label=_("Code"), lookup_expr="iexact")
    sales_code = django_filters.CharFilter(label=_("Sales code"), lookup_expr="iexact")

    class Meta:
        model = SalesLineDiscount
        fields = ["type", "code", "sales_type", "sales_code", "valid_on"]
