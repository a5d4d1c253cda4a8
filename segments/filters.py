import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.filters import CONTAINS, SearchFilterSet
from core.forms import DATE_INPUT
from segments.models import LoggedSegment, SavedSegmentCriteria, Segment


class SegmentFilter(SearchFilterSet):
    search_fields = ("no", "description", "subject")

    class Meta:
        model = Segment
        fields = ["campaign", "salesperson", "campaign_target", "campaign_response"]


class SavedCriteriaFilter(SearchFilterSet):
    search_fields = ("code", "description")
    search_mode = CONTAINS  # setup table: stays small

    class Meta:
        model = SavedSegmentCriteria
        fields = []


class LoggedSegmentFilter(SearchFilterSet):
    search_fields = ("segment_no", "description")

    date_from = django_filters.DateFilter(
        label=_("Date from"), field_name="date", lookup_expr="gte", widget=DATE_INPUT
    )
    date_to = django_filters.DateFilter(
        label=_("Date to"), field_name="date", lookup_expr="lte", widget=DATE_INPUT
    )
    user = django_filters.ModelChoiceFilter(
        label=_("User"), queryset=get_user_model().objects.order_by("username")
    )

    class Meta:
        model = LoggedSegment
        fields = ["date_from", "date_to", "canceled", "user"]
