import django_filters
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from core.filters import SearchFilterSet
from core.forms import DATE_INPUT
from quotes.forms import typed_no
from quotes.models import SalesQuote


class SalesQuoteFilter(SearchFilterSet):
    """The filter panel of the sales quote list."""

    search_fields = ("no", "customer__no", "customer__name")
    search_labels = {"customer__no": _("customer No."), "customer__name": _("customer name")}

    customer = django_filters.CharFilter(label=_("Customer No."), method="filter_customer")
    order_date_from = django_filters.DateFilter(
        label=_("Order date from"), field_name="order_date", lookup_expr="gte", widget=DATE_INPUT
    )
    order_date_to = django_filters.DateFilter(
        label=_("Order date to"), field_name="order_date", lookup_expr="lte", widget=DATE_INPUT
    )

    class Meta:
        model = SalesQuote
        fields = ["customer", "campaign", "order_date_from", "order_date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["campaign"].queryset = Campaign.objects.order_by("-no")

    def filter_customer(self, queryset, name, value):
        number = typed_no(value)
        return queryset.filter(customer__no=number) if number else queryset
