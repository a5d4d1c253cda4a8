from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from activities.models import Activity, ActivityStep, Task


class ActivityStepInline(admin.TabularInline):
    model = ActivityStep
    extra = 0


@admin.register(Activity)
class ActivityAdmin(SimpleHistoryAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]
    inlines = [ActivityStepInline]


@admin.register(ActivityStep)
class ActivityStepAdmin(SimpleHistoryAdmin):
    list_display = ["activity", "step_no", "type", "description", "priority", "date_formula"]
    list_filter = ["type", "priority"]
    search_fields = ["activity__code", "description"]
    list_select_related = ["activity"]


@admin.register(Task)
class TaskAdmin(SimpleHistoryAdmin):
    list_display = [
        "no",
        "description",
        "date",
        "status",
        "salesperson",
        "team",
        "campaign",
        "contact",
        "closed",
        "canceled",
    ]
    list_filter = ["status", "closed", "canceled", "type", "priority", "team"]
    search_fields = ["no", "description", "contact__no", "contact__name", "salesperson__code"]
    list_select_related = ["salesperson", "team", "campaign", "contact"]
    raw_id_fields = ["campaign", "contact", "segment", "team_task", "activity"]
    date_hierarchy = "date"
    readonly_fields = ["assignment"]
    show_full_result_count = False
