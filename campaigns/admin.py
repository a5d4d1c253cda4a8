from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from campaigns import services
from campaigns.models import (
    Campaign,
    CampaignEntry,
    CampaignStatus,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
)
from core.admin_base import RecordAdmin, RecordHistoryAdmin


@admin.register(CampaignStatus)
class CampaignStatusAdmin(RecordHistoryAdmin):
    list_display = ["code", "description", "stage"]
    search_fields = ["code", "description"]


@admin.register(Campaign)
class CampaignAdmin(RecordHistoryAdmin):
    def save_service(self, request, obj, form, change):
        services.save_campaign(campaign=obj, user=request.user)

    def delete_service(self, request, obj):
        services.delete_campaign(campaign=obj, user=request.user)

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


class InteractionTemplateLanguageInline(admin.StackedInline):
    """The template's language versions; saved through the record services with the
    template (``RecordAdminMixin.save_formset``)."""

    model = InteractionTemplateLanguage
    extra = 0


@admin.register(InteractionTemplate)
class InteractionTemplateAdmin(RecordHistoryAdmin):
    inlines = [InteractionTemplateLanguageInline]

    list_display = [
        "code",
        "description",
        "correspondence_type",
        "information_flow",
        "initiated_by",
        "unit_cost",
        "unit_duration",
        "campaign",
        "campaign_target",
        "campaign_response",
    ]
    list_filter = ["correspondence_type", "information_flow", "initiated_by", "campaign_target"]
    search_fields = ["code", "description"]
    list_select_related = ["campaign"]
    raw_id_fields = ["campaign"]


@admin.register(CampaignEntry)
class CampaignEntryAdmin(RecordAdmin):
    list_display = [
        "id",
        "campaign",
        "description",
        "date",
        "user",
        "segment_no",
        "canceled",
        "salesperson",
        "interaction_count",
        "cost",
        "duration",
    ]
    list_filter = ["canceled", "date", "salesperson"]
    search_fields = ["description", "segment_no", "campaign__no"]
    list_select_related = ["campaign", "user", "salesperson"]
    raw_id_fields = ["campaign", "logged_segment", "user", "salesperson"]
    date_hierarchy = "date"

    def get_queryset(self, request):
        return super().get_queryset(request).with_figures()

    @admin.display(description=_("No. of interactions"), ordering="interaction_count")
    def interaction_count(self, entry):
        return entry.interaction_count

    @admin.display(description=_("cost"), ordering="cost")
    def cost(self, entry):
        return entry.cost

    @admin.display(description=_("duration (min.)"), ordering="duration")
    def duration(self, entry):
        return entry.duration


@admin.register(InteractionLogEntry)
class InteractionLogEntryAdmin(RecordAdmin):
    list_display = [
        "id",
        "date",
        "contact",
        "template",
        "description",
        "campaign",
        "campaign_entry",
        "salesperson",
        "cost",
        "duration",
        "campaign_target",
        "campaign_response",
        "canceled",
    ]
    list_filter = ["canceled", "postponed", "campaign_target", "campaign_response", "date"]
    search_fields = ["description", "subject", "contact__no", "contact__name"]
    list_select_related = ["contact", "template", "campaign", "campaign_entry", "salesperson"]
    raw_id_fields = [
        "contact",
        "contact_company",
        "template",
        "campaign",
        "campaign_entry",
        "logged_segment",
        "salesperson",
        "user",
    ]
    show_full_result_count = False
    date_hierarchy = "date"

    # An interaction changed here changes its campaigns' figures like one changed on
    # the pages: their sums per day are made again (docs/dashboard.md).
    def save_service(self, request, obj, form, change):
        before = form.initial.get("campaign") if change else None
        super().save_service(request, obj, form, change)
        services.notify_interactions_changed({before, obj.campaign_id})

    def delete_service(self, request, obj):
        campaign_id = obj.campaign_id
        super().delete_service(request, obj)
        services.notify_interactions_changed({campaign_id})

    def delete_selection(self, request, queryset):
        # The campaigns' sums made again once, after all of them.
        campaign_ids = set(queryset.order_by().values_list("campaign_id", flat=True).distinct())
        for obj in queryset:
            super().delete_service(request, obj)
        services.notify_interactions_changed(campaign_ids)
