import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from campaigns.tables import InteractionLogEntryTable
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

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "no": 1,
        "description": 1,
        "campaign": 2,
        "campaign_target": 3,
        "campaign_response": 3,
        "salesperson": 4,
        "date": 2,
        "line_count": 3,
    }

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

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "id": 1,
        "segment_no": 2,
        "description": 1,
        "date": 2,
        "user": 3,
        "line_count": 3,
        "canceled": 3,
    }

    class Meta:
        model = LoggedSegment
        fields = ["id", "segment_no", "description", "date", "user", "line_count", "canceled"]


class LoggedInteractionTable(InteractionLogEntryTable):
    """The interactions on a logged segment's card: how each went out, and its state."""

    status = tables.Column(empty_values=(), verbose_name=_("Status"), orderable=False)

    class Meta(InteractionLogEntryTable.Meta):
        fields = [
            "entry_no",
            "contact",
            "contact_name",
            "date",
            "template",
            "subject",
            "campaign",
            "campaign_target",
            "campaign_response",
            "correspondence_type",
            "cost",
        ]
        exclude = ["salesperson"]
        sequence = [*fields, "status"]

    def render_status(self, record):
        badges = []
        if record.canceled:
            badges.append(
                format_html('<span class="badge text-bg-danger">{}</span>', _("Canceled"))
            )
        if record.attempt_failed:
            badges.append(
                format_html('<span class="badge text-bg-warning">{}</span>', _("Attempt failed"))
            )
        return format_html_join(" ", "{}", ((badge,) for badge in badges))
