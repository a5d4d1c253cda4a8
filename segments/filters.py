from core.filters import SearchFilterSet
from segments.models import SavedSegmentCriteria, Segment


class SegmentFilter(SearchFilterSet):
    search_fields = ("no", "description", "subject")

    class Meta:
        model = Segment
        fields = ["campaign", "salesperson", "campaign_target", "campaign_response"]


class SavedCriteriaFilter(SearchFilterSet):
    search_fields = ("code", "description")

    class Meta:
        model = SavedSegmentCriteria
        fields = []
