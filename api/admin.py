from django.contrib import admin

from api.models import ApiToken, IdempotentRequest


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created", "expires", "last_used", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["key_hash", "prefix", "created", "last_used", "revoked"]
    list_select_related = ["user"]


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(admin.ModelAdmin):
    list_display = ["key", "user", "method_path", "status", "created"]
    list_filter = ["status", "created"]
    search_fields = ["key"]
    list_select_related = ["user"]
    readonly_fields = ["user", "key", "method_path", "request_hash", "status", "body", "created"]
