from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from segments.models import (
    LoggedSegment,
    SavedSegmentCriteria,
    SavedSegmentCriteriaAction,
    Segment,
    SegmentCriteriaAction,
    SegmentHistory,
    SegmentLine,
)


@admin.register(Segment)
class SegmentAdmin(SimpleHistoryAdmin):
    list_display = ["no", "description", "campaign", "salesperson", "date", "line_count"]
    list_filter = ["campaign_target", "campaign_response", "correspondence_type"]
    search_fields = ["no", "description"]
    list_select_related = ["campaign", "salesperson"]
    raw_id_fields = ["campaign"]
    readonly_fields = ["line_count"]


@admin.register(SegmentLine)
class SegmentLineAdmin(admin.ModelAdmin):
    list_display = ["segment", "contact", "campaign", "campaign_target", "campaign_response"]
    list_filter = ["campaign_target", "campaign_response"]
    search_fields = ["segment__no", "contact__no", "contact__name"]
    list_select_related = ["segment", "contact", "campaign"]
    raw_id_fields = ["segment", "contact", "contact_company", "campaign", "added_by"]
    show_full_result_count = False


@admin.register(SegmentCriteriaAction)
class SegmentCriteriaActionAdmin(admin.ModelAdmin):
    list_display = ["segment", "sequence", "action", "lines_added", "lines_removed", "created_at"]
    list_filter = ["action"]
    search_fields = ["segment__no"]
    list_select_related = ["segment"]
    raw_id_fields = ["segment"]


@admin.register(SegmentHistory)
class SegmentHistoryAdmin(admin.ModelAdmin):
    list_display = ["action", "contact", "campaign", "campaign_target"]
    search_fields = ["contact__no", "action__segment__no"]
    raw_id_fields = ["action", "contact", "contact_company", "campaign", "added_by"]
    show_full_result_count = False


class SavedActionInline(admin.TabularInline):
    model = SavedSegmentCriteriaAction
    extra = 0


@admin.register(SavedSegmentCriteria)
class SavedSegmentCriteriaAdmin(admin.ModelAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]
    inlines = [SavedActionInline]


@admin.register(SavedSegmentCriteriaAction)
class SavedSegmentCriteriaActionAdmin(admin.ModelAdmin):
    list_display = ["criteria", "sequence", "action"]
    list_filter = ["action"]


@admin.register(LoggedSegment)
class LoggedSegmentAdmin(admin.ModelAdmin):
    list_display = ["id", "segment_no", "description", "date", "user", "line_count", "canceled"]
    list_filter = ["canceled", "date"]
    search_fields = ["segment_no", "description"]
    list_select_related = ["user"]
    readonly_fields = ["created_at"]
