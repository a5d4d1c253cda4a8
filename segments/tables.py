import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import CountColumn
from segments.models import LoggedSegment, SavedSegmentCriteria, Segment


class SegmentTable(tables.Table):
    no = tables.Column(linkify=True)
    campaign = tables.Column(
        accessor="campaign__no", verbose_name=_("Campaign"), order_by="campaign__no"
    )
    salesperson = tables.Column(
        accessor="salesperson__code", verbose_name=_("Salesperson"), order_by="salesperson__code"
    )
    line_count = CountColumn()

    class Meta:
        model = Segment
        fields = [
            "no",
            "description",
            "campaign",
            "campaign_target",
            "campaign_response",
            "salesperson",
            "date",
            "line_count",
        ]


class SavedCriteriaTable(tables.Table):
    code = tables.Column(linkify=True)

    class Meta:
        model = SavedSegmentCriteria
        fields = ["code", "description"]


class LoggedSegmentTable(tables.Table):
    id = tables.Column(verbose_name=_("Entry No."), linkify=True)
    user = tables.Column(
        accessor="user__username", verbose_name=_("User"), order_by="user__username"
    )
    line_count = CountColumn()

    class Meta:
        model = LoggedSegment
        fields = ["id", "segment_no", "description", "date", "user", "line_count", "canceled"]
