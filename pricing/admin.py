from django.contrib import admin

from core.admin_base import RecordAdmin, RecordHistoryAdmin
from pricing import services
from pricing.models import (
    CampaignTarget,
    Item,
    ItemDiscountGroup,
    ItemUnitOfMeasure,
    SalesLineDiscount,
    SalesPrice,
    UnitOfMeasure,
)

for code_table in [UnitOfMeasure, ItemDiscountGroup]:
    admin.site.register(
        code_table,
        RecordAdmin,
        list_display=["code", "description"],
        search_fields=["code", "description"],
    )


@admin.register(Item)
class ItemAdmin(RecordHistoryAdmin):
    list_display = [
        "no",
        "description",
        "base_unit_of_measure",
        "unit_price",
        "item_discount_group",
        "blocked",
    ]
    list_filter = ["blocked", "item_discount_group"]
    search_fields = ["no", "description"]

    def save_service(self, request, obj, form, change):
        services.save_item(item=obj, user=request.user)


@admin.register(ItemUnitOfMeasure)
class ItemUnitOfMeasureAdmin(RecordHistoryAdmin):
    def save_service(self, request, obj, form, change):
        services.save_item_unit(item_unit=obj, user=request.user)

    def delete_service(self, request, obj):
        services.delete_item_unit(item_unit=obj, user=request.user)

    list_display = ["item", "unit_of_measure", "quantity_per_unit_of_measure"]
    search_fields = ["item__no", "item__description"]
    list_select_related = ["item", "unit_of_measure"]
    raw_id_fields = ["item"]


@admin.register(SalesPrice)
class SalesPriceAdmin(RecordHistoryAdmin):
    def save_service(self, request, obj, form, change):
        services.save_price_rule(rule=obj, user=request.user)

    list_display = [
        "item",
        "sales_type",
        "sales_code",
        "starting_date",
        "ending_date",
        "currency_code",
        "unit_of_measure",
        "minimum_quantity",
        "unit_price",
    ]
    list_filter = ["sales_type", "allow_line_discount"]
    search_fields = ["item__no", "sales_code"]
    list_select_related = ["item", "unit_of_measure"]
    raw_id_fields = ["item"]
    show_full_result_count = False


@admin.register(SalesLineDiscount)
class SalesLineDiscountAdmin(RecordHistoryAdmin):
    def save_service(self, request, obj, form, change):
        services.save_price_rule(rule=obj, user=request.user)

    list_display = [
        "type",
        "code",
        "sales_type",
        "sales_code",
        "starting_date",
        "ending_date",
        "minimum_quantity",
        "line_discount_percent",
    ]
    list_filter = ["type", "sales_type"]
    search_fields = ["code", "sales_code"]


@admin.register(CampaignTarget)
class CampaignTargetAdmin(RecordAdmin):
    list_display = ["campaign", "customer", "contact"]
    search_fields = ["campaign__no", "customer__no", "contact__no"]
    list_select_related = ["campaign", "customer", "contact"]
    raw_id_fields = ["campaign", "customer", "contact"]
    show_full_result_count = False
