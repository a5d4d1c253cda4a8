from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from campaigns.models import Campaign, CampaignStatus


@admin.register(CampaignStatus)
class CampaignStatusAdmin(SimpleHistoryAdmin):
    list_display = ["code", "description"]
    search_fields = ["code", "description"]


@admin.register(Campaign)
class CampaignAdmin(SimpleHistoryAdmin):
    list_display = [
        "no",
        "description",
        "status",
        "starting_date",
        "ending_date",
        "salesperson",
        "activated",
        "last_date_modified",
    ]
    list_filter = ["status", "activated", "salesperson"]
    search_fields = ["no", "description"]
    list_select_related = ["status", "salesperson"]
    readonly_fields = ["activated", "last_date_modified"]
    autocomplete_fields = ["status", "salesperson"]
    date_hierarchy = "starting_date"
