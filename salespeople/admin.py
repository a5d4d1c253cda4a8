from django.contrib import admin

from core.admin_base import RecordAdmin, RecordHistoryAdmin
from salespeople.models import Salesperson, Team, TeamMember


@admin.register(Salesperson)
class SalespersonAdmin(RecordHistoryAdmin):
    list_display = ["code", "name", "email", "phone", "commission_percent", "user", "blocked"]
    search_fields = ["code", "name", "email"]
    list_filter = ["blocked"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 1
    autocomplete_fields = ["salesperson"]


@admin.register(Team)
class TeamAdmin(RecordHistoryAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    inlines = [TeamMemberInline]


@admin.register(TeamMember)
class TeamMemberAdmin(RecordAdmin):
    list_display = ["team", "salesperson"]
    list_select_related = ["team", "salesperson"]
    search_fields = ["team__code", "salesperson__code", "salesperson__name"]
