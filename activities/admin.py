from django.contrib import admin

from activities import services
from activities.models import Activity, ActivityStep, Task
from core.admin_base import RecordHistoryAdmin


class ActivityStepInline(admin.TabularInline):
    model = ActivityStep
    extra = 0


@admin.register(Activity)
class ActivityAdmin(RecordHistoryAdmin):
    def save_service(self, request, obj, form, change):
        services.save_activity(activity=obj, user=request.user)  # steps: the inline

    list_display = ["code", "description"]
    search_fields = ["code", "description"]
    inlines = [ActivityStepInline]


@admin.register(ActivityStep)
class ActivityStepAdmin(RecordHistoryAdmin):
    list_display = ["activity", "step_no", "type", "description", "priority", "date_formula"]
    list_filter = ["type", "priority"]
    search_fields = ["activity__code", "description"]
    list_select_related = ["activity"]


@admin.register(Task)
class TaskAdmin(RecordHistoryAdmin):
    def save_service(self, request, obj, form, change):
        if change:
            services.save_task(task=obj, user=request.user)
        else:
            super().save_service(request, obj, form, change)

    def delete_service(self, request, obj):
        services.delete_task(task=obj, user=request.user)

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
