from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.models import NumberSeries


@admin.register(NumberSeries)
class NumberSeriesAdmin(SimpleHistoryAdmin):
    list_display = ["code", "description", "prefix", "digits", "last_number", "allow_manual"]
    search_fields = ["code", "description", "prefix"]
    list_filter = ["allow_manual"]
