from django.contrib import admin

from core.admin_base import RecordAdmin, RecordHistoryAdmin
from opportunities import services
from opportunities.models import Opportunity, OpportunityEntry, SalesCycle, SalesCycleStage


class SalesCycleStageInline(admin.TabularInline):
    model = SalesCycleStage
    extra = 0
    raw_id_fields = ["activity"]


@admin.register(SalesCycle)
class SalesCycleAdmin(RecordHistoryAdmin):
    list_display = ["code", "description", "probability_calculation", "blocked"]
    list_filter = ["probability_calculation", "blocked"]
    search_fields = ["code", "description"]
    inlines = [SalesCycleStageInline]


@admin.register(SalesCycleStage)
class SalesCycleStageAdmin(RecordHistoryAdmin):
    list_display = [
        "sales_cycle",
        "stage",
        "description",
        "completed_percent",
        "activity",
        "quote_required",
        "allow_skip",
        "date_formula",
    ]
    list_filter = ["sales_cycle", "quote_required", "allow_skip"]
    search_fields = ["sales_cycle__code", "description"]
    list_select_related = ["sales_cycle", "activity"]
    raw_id_fields = ["activity"]


class OpportunityEntryInline(admin.TabularInline):
    model = OpportunityEntry
    extra = 0
    can_delete = False
    fields = [
        "date_of_change",
        "action_taken",
        "stage",
        "estimated_value",
        "chances_of_success_percent",
        "completed_percent",
        "probability_percent",
        "calculated_current_value",
        "estimated_close_date",
        "active",
        "user",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # entries are written by the stage changes only


@admin.register(Opportunity)
class OpportunityAdmin(RecordHistoryAdmin):
    def save_service(self, request, obj, form, change):
        if change:
            services.save_opportunity(opportunity=obj, user=request.user)
        else:
            super().save_service(request, obj, form, change)

    def delete_service(self, request, obj):
        services.delete_opportunity(opportunity=obj, user=request.user)

    list_display = [
        "no",
        "description",
        "status",
        "contact",
        "salesperson",
        "campaign",
        "sales_cycle",
        "current_stage",
        "estimated_value",
        "probability_percent",
        "calculated_current_value",
        "estimated_closing_date",
    ]
    list_filter = ["status", "closed", "priority", "sales_cycle", "salesperson"]
    search_fields = ["no", "description", "contact__no", "contact__name", "salesperson__code"]
    list_select_related = ["contact", "salesperson", "campaign", "sales_cycle", "current_stage"]
    raw_id_fields = ["contact", "campaign"]
    readonly_fields = [
        "status",
        "closed",
        "date_closed",
        "current_stage",
        "estimated_value",
        "chances_of_success_percent",
        "probability_percent",
        "calculated_current_value",
        "estimated_closing_date",
    ]
    date_hierarchy = "creation_date"
    inlines = [OpportunityEntryInline]
    show_full_result_count = False


@admin.register(OpportunityEntry)
class OpportunityEntryAdmin(RecordAdmin):
    list_display = [
        "opportunity",
        "date_of_change",
        "action_taken",
        "stage",
        "estimated_value",
        "probability_percent",
        "calculated_current_value",
        "active",
        "user",
    ]
    list_filter = ["action_taken", "active"]
    search_fields = ["opportunity__no", "opportunity__description"]
    list_select_related = ["opportunity", "stage", "user"]
    raw_id_fields = ["opportunity", "stage"]
    date_hierarchy = "date_of_change"
    show_full_result_count = False
