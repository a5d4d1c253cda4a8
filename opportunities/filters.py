import django_filters
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from core.filters import CONTAINS, SearchFilterSet, YesNoFilter
from opportunities.models import Opportunity, OpportunityStatus, SalesCycle
from salespeople.models import Salesperson


class SalesCycleFilter(SearchFilterSet):
    search_fields = ("code", "description")
    search_mode = CONTAINS  # setup table: stays small

    blocked = YesNoFilter(label=_("Blocked"))

    class Meta:
        model = SalesCycle
        fields = ["blocked"]


class OpportunityFilter(SearchFilterSet):
    """Status, salesperson, campaign, sales cycle, contact No., closed (docs/opportunities.md)."""

    search_fields = ("no", "description", "contact__name", "contact__no")
    search_labels = {"contact__name": _("contact name"), "contact__no": _("contact No.")}

    status = django_filters.ChoiceFilter(choices=OpportunityStatus.choices, label=_("Status"))
    salesperson = django_filters.ModelChoiceFilter(
        queryset=Salesperson.objects.order_by("code"), label=_("Salesperson")
    )
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.order_by("-no"), label=_("Campaign")
    )
    sales_cycle = django_filters.ModelChoiceFilter(
        queryset=SalesCycle.objects.order_by("code"), label=_("Sales cycle")
    )
    contact = django_filters.CharFilter(
        field_name="contact__no", label=_("Contact No."), method="filter_contact"
    )
    closed = YesNoFilter(label=_("Closed"))

    class Meta:
        model = Opportunity
        fields = ["status", "salesperson", "campaign", "sales_cycle", "contact", "closed"]

    def filter_contact(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(contact__no=value) if value else queryset
