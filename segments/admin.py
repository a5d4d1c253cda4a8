from django.contrib import admin

from core.admin_base import RecordAdmin, RecordHistoryAdmin
from segments import services
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
class SegmentAdmin(RecordHistoryAdmin):
    def save_service(self, request, obj, form, change):
        services.save_segment(segment=obj, user=request.user)

    def delete_service(self, request, obj):
        services.delete_segment(segment=obj, user=request.user)

    list_display = ["no", "description", "campaign", "salesperson", "date", "line_count"]
    list_filter = ["campaign_target", "campaign_response", "correspondence_type"]
    search_fields = ["no", "description"]
    list_select_related = ["campaign", "salesperson"]
    raw_id_fields = ["campaign"]
    readonly_fields = ["line_count"]


@admin.register(SegmentLine)
class SegmentLineAdmin(RecordAdmin):
    def save_service(self, request, obj, form, change):
        services.save_line(line=obj, user=request.user)

    def delete_service(self, request, obj):
        services.delete_line(line=obj, user=request.user)

    list_display = ["segment", "contact", "campaign", "campaign_target", "campaign_response"]
    list_filter = ["campaign_target", "campaign_response"]
    search_fields = ["segment__no", "contact__no", "contact__name"]
    list_select_related = ["segment", "contact", "campaign"]
    raw_id_fields = ["segment", "contact", "contact_company", "campaign", "added_by"]
    show_full_result_count = False


@admin.register(SegmentCriteriaAction)
class SegmentCriteriaActionAdmin(RecordAdmin):
    list_display = ["segment", "sequence", "action", "lines_added", "lines_removed", "created_at"]
    list_filter = ["action"]
    search_fields = ["segment__no"]
    list_select_related = ["segment"]
    raw_id_fields = ["segment"]


@admin.register(SegmentHistory)
class SegmentHistoryAdmin(RecordAdmin):
    list_display = ["action", "contact", "campaign", "campaign_target"]
    search_fields = ["contact__no", "action__segment__no"]
    raw_id_fields = ["action", "contact", "contact_company", "campaign", "added_by"]
    show_full_result_count = False


class SavedActionInline(admin.TabularInline):
    model = SavedSegmentCriteriaAction
    extra = 0


@admin.register(SavedSegmentCriteria)
class SavedSegmentCriteriaAdmin(RecordAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]
    inlines = [SavedActionInline]


@admin.register(SavedSegmentCriteriaAction)
class SavedSegmentCriteriaActionAdmin(RecordAdmin):
    list_display = ["criteria", "sequence", "action"]
    list_filter = ["action"]


@admin.register(LoggedSegment)
class LoggedSegmentAdmin(RecordAdmin):
    list_display = ["id", "segment_no", "description", "date", "user", "line_count", "canceled"]
    list_filter = ["canceled", "date"]
    search_fields = ["segment_no", "description"]
    list_select_related = ["user"]
    readonly_fields = ["created_at"]
