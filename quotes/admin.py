from django.contrib import admin

from core.admin_base import RecordAdmin, RecordHistoryAdmin
from quotes import services
from quotes.models import SalesQuote, SalesQuoteLine


class SalesQuoteLineInline(admin.TabularInline):
    model = SalesQuoteLine
    extra = 0
    raw_id_fields = ["item"]
    exclude = ["price_trace"]


@admin.register(SalesQuote)
class SalesQuoteAdmin(RecordHistoryAdmin):
    def save_service(self, request, obj, form, change):
        services.save_quote(quote=obj, user=request.user)

    list_display = ["no", "customer", "order_date", "currency_code", "campaign"]
    search_fields = ["no", "customer__no", "customer__name"]
    list_select_related = ["customer", "campaign"]
    raw_id_fields = ["customer", "contact", "campaign"]
    inlines = [SalesQuoteLineInline]


@admin.register(SalesQuoteLine)
class SalesQuoteLineAdmin(RecordAdmin):
    def save_service(self, request, obj, form, change):
        services.save_quote_line(line=obj, user=request.user)

    def delete_service(self, request, obj):
        services.delete_quote_line(line=obj, user=request.user)

    list_display = [
        "quote",
        "line_no",
        "item",
        "quantity",
        "unit_price",
        "line_discount_percent",
        "line_amount",
    ]
    raw_id_fields = ["quote", "item"]
