from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.models import Job, NumberSeries


@admin.register(NumberSeries)
class NumberSeriesAdmin(SimpleHistoryAdmin):
    list_display = ["code", "description", "prefix", "digits", "last_number", "allow_manual"]
    search_fields = ["code", "description", "prefix"]
    list_filter = ["allow_manual"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "description",
        "user",
        "state",
        "processed",
        "total",
        "created_at",
    ]
    list_filter = ["state", "kind"]
    search_fields = ["description", "error", "reference"]
    readonly_fields = ["task_result_id", "started_at", "finished_at", "attempts"]
    exclude = ["payload"]
