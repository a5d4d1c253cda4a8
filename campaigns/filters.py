import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from core.filters import SearchFilterSet


class CampaignFilter(SearchFilterSet):
    search_fields = ("no", "description")

    active_on = django_filters.DateFilter(
        label=_("Active on"),
        method="filter_active_on",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Campaign
        fields = ["status", "salesperson", "active_on", "activated"]

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value) if value else queryset
