import django_filters
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Task, TaskStatus
from campaigns.models import Campaign
from core.filters import CONTAINS, SearchFilterSet, YesNoFilter
from core.forms import DATE_INPUT
from salespeople.models import Salesperson, Team


class ActivityFilter(SearchFilterSet):
    search_fields = ("code", "description")
    search_mode = CONTAINS  # setup table: stays small

    class Meta:
        model = Activity
        fields = []


class TaskFilter(SearchFilterSet):
    """Status, salesperson, team, campaign, date range, closed (docs/activities.md)."""

    search_fields = ("no", "description", "contact__name", "contact__no")
    search_labels = {"contact__name": _("contact name"), "contact__no": _("contact No.")}

    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label=_("Status"))
    salesperson = django_filters.ModelChoiceFilter(
        queryset=Salesperson.objects.order_by("code"), label=_("Salesperson")
    )
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.order_by("code"), label=_("Team"))
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.order_by("-no"), label=_("Campaign")
    )
    contact = django_filters.CharFilter(
        field_name="contact__no", label=_("Contact No."), method="filter_contact"
    )
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label=_("From date"), widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label=_("To date"), widget=DATE_INPUT
    )
    closed = YesNoFilter(label=_("Closed"))

    class Meta:
        model = Task
        fields = ["status", "salesperson", "team", "campaign", "contact", "closed"]

    def filter_contact(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(contact__no=value) if value else queryset
