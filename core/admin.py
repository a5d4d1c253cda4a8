from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from core.admin_base import InUseFilter, RecordAdmin, RecordHistoryAdmin
from core.models import AuditEntry, Job, ListState, NumberSeries, SavedView, UserPreference

# The admin's own name in the header and the browser tab, in the user's language.
admin.site.site_header = gettext_lazy("Marketing Campaigns administration")
admin.site.site_title = gettext_lazy("Marketing Campaigns administration")
admin.site.index_title = gettext_lazy("Administration")

# Every list in the admin has filters and a search box (docs/operations.md, The admin),
# the two that come from other packages too.
admin.site.unregister(Group)
admin.site.unregister(DBTaskResult)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    list_filter = [InUseFilter]  # roles some user has, or none


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    search_fields = ["task_path", "queue_name", "exception_class_path"]


@admin.register(NumberSeries)
class NumberSeriesAdmin(RecordHistoryAdmin):
    list_display = ["code", "description", "prefix", "digits", "last_number", "allow_manual"]
    search_fields = ["code", "description", "prefix"]
    list_filter = ["allow_manual"]


@admin.register(Job)
class JobAdmin(RecordAdmin):
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
    search_fields = ["description", "error", "reference", "request_id"]
    readonly_fields = ["task_result_id", "request_id", "started_at", "finished_at", "attempts"]
    exclude = ["payload"]


@admin.register(AuditEntry)
class AuditEntryAdmin(RecordAdmin):
    """Read-only: entries are written by the bulk operations (``core.audit.record``)."""

    list_display = ["created_at", "user", "action", "object_repr", "count", "detail"]
    list_filter = ["action", "created_at"]
    search_fields = ["object_key", "object_repr", "detail", "user__username"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UserPreference)
class UserPreferenceAdmin(RecordAdmin):
    list_display = ["user", "language"]
    list_filter = ["language"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(SavedView)
class SavedViewAdmin(RecordAdmin):
    list_display = ["name", "list_key", "user", "shared_with_team", "updated_at"]
    list_filter = ["list_key", "shared_with_team"]
    search_fields = ["name", "list_key", "user__username"]
    list_select_related = ["user", "shared_with_team"]


@admin.register(ListState)
class ListStateAdmin(RecordAdmin):
    list_display = ["user", "list_key", "query", "updated_at"]
    list_filter = ["list_key"]
    search_fields = ["list_key", "user__username", "query"]
    list_select_related = ["user"]
