import django_filters
from django.utils.translation import gettext_lazy as _

from campaigns.models import (
    Campaign,
    CampaignEntry,
    InformationFlow,
    InteractionLogEntry,
    InteractionTemplate,
)
from contacts.models import CorrespondenceType
from core.filters import CONTAINS, SearchFilterSet
from core.forms import DATE_INPUT
from salespeople.models import Salesperson


class CampaignFilter(SearchFilterSet):
    search_fields = ("no", "description")

    active_on = django_filters.DateFilter(
        label=_("Active on"),
        method="filter_active_on",
        widget=DATE_INPUT,
    )

    class Meta:
        model = Campaign
        fields = ["status", "salesperson", "active_on", "activated"]

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value) if value else queryset


def date_range_filters(field_name="date"):
    """``date_from`` / ``date_to`` filters (both inclusive) on ``field_name``."""
    return (
        django_filters.DateFilter(
            label=_("Date from"), field_name=field_name, lookup_expr="gte", widget=DATE_INPUT
        ),
        django_filters.DateFilter(
            label=_("Date to"), field_name=field_name, lookup_expr="lte", widget=DATE_INPUT
        ),
    )


class BlankableChoiceFilter(django_filters.ChoiceFilter):
    """A choice filter over a field whose blank value is a choice of its own:
    "(blank)" filters the blank rows instead of meaning "any"."""

    BLANK = "blank"

    def __init__(self, *args, choices, **kwargs):
        options = [(value, label) for value, label in choices if value]
        options.append((self.BLANK, _("(blank)")))
        super().__init__(*args, choices=options, **kwargs)

    def filter(self, qs, value):
        if value == self.BLANK:
            return qs.filter(**{self.field_name: ""})
        return super().filter(qs, value)


def campaign_filter():
    return django_filters.ModelChoiceFilter(
        label=_("Campaign"),
        queryset=Campaign.objects.order_by("-no"),
        to_field_name="no",
    )


def salesperson_filter():
    return django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=Salesperson.objects.all(), to_field_name="code"
    )


class InteractionTemplateFilter(SearchFilterSet):
    search_fields = ("code", "description")
    search_mode = CONTAINS  # setup table: stays small

    campaign = campaign_filter()
    correspondence_type = BlankableChoiceFilter(
        label=_("Correspondence type"), choices=CorrespondenceType.choices
    )
    information_flow = BlankableChoiceFilter(
        label=_("Information flow"), choices=InformationFlow.choices
    )

    class Meta:
        model = InteractionTemplate
        fields = ["campaign", "correspondence_type", "information_flow"]


class InteractionLogEntryFilter(SearchFilterSet):
    search_fields = ("description", "subject")

    contact = django_filters.CharFilter(
        label=_("Contact No."), field_name="contact__no", lookup_expr="iexact"
    )
    contact_company = django_filters.CharFilter(
        label=_("Contact company No."), field_name="contact_company__no", lookup_expr="iexact"
    )
    campaign = campaign_filter()
    template = django_filters.ModelChoiceFilter(
        label=_("Interaction template"),
        queryset=InteractionTemplate.objects.all(),
        to_field_name="code",
    )
    date_from, date_to = date_range_filters()
    salesperson = salesperson_filter()

    class Meta:
        model = InteractionLogEntry
        fields = [
            "contact",
            "contact_company",
            "campaign",
            "template",
            "date_from",
            "date_to",
            "canceled",
            "salesperson",
        ]


class CampaignEntryFilter(SearchFilterSet):
    search_fields = ("description", "segment_no")

    campaign = campaign_filter()
    date_from, date_to = date_range_filters()
    salesperson = salesperson_filter()

    class Meta:
        model = CampaignEntry
        fields = ["campaign", "date_from", "date_to", "canceled", "salesperson"]
