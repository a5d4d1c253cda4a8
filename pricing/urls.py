from django.urls import include, path

from core.code_tables import code_table_urls
from core.urls_helpers import record_urls
from pricing import views
from pricing.models import (
    Item,
    ItemDiscountGroup,
    ItemUnitOfMeasure,
    SalesLineDiscount,
    SalesPrice,
    UnitOfMeasure,
)

app_name = "pricing"

urlpatterns = [
    path(
        "items/",
        include(
            record_urls(
                Item,
                list=views.ItemList,
                card=views.ItemCard,
                create=views.ItemCreate,
                edit=views.ItemEdit,
                delete=views.ItemDelete,
            )
        ),
    ),
    path(
        "item-units-of-measure/",
        include(
            record_urls(
                ItemUnitOfMeasure,
                list=views.ItemUnitOfMeasureList,
                card=views.ItemUnitOfMeasureCard,
                create=views.ItemUnitOfMeasureCreate,
                edit=views.ItemUnitOfMeasureEdit,
                delete=views.ItemUnitOfMeasureDelete,
            )
        ),
    ),
    path(
        "sales-prices/",
        include(
            record_urls(
                SalesPrice,
                list=views.SalesPriceList,
                card=views.SalesPriceCard,
                create=views.SalesPriceCreate,
                edit=views.SalesPriceEdit,
                delete=views.SalesPriceDelete,
            )
        ),
    ),
    path(
        "sales-line-discounts/",
        include(
            record_urls(
                SalesLineDiscount,
                list=views.SalesLineDiscountList,
                card=views.SalesLineDiscountCard,
                create=views.SalesLineDiscountCreate,
                edit=views.SalesLineDiscountEdit,
                delete=views.SalesLineDiscountDelete,
            )
        ),
    ),
    path(
        "campaigns/<str:key>/activate/",
        views.ActivateCampaign.as_view(),
        name="campaign_activate",
    ),
    path(
        "campaigns/<str:key>/overlaps/",
        views.CampaignOverlapsPanel.as_view(),
        name="campaign_overlaps",
    ),
    path(
        "campaigns/<str:key>/deactivate/",
        views.DeactivateCampaign.as_view(),
        name="campaign_deactivate",
    ),
    path("setup/units-of-measure/", include(code_table_urls(UnitOfMeasure))),
    path("setup/item-discount-groups/", include(code_table_urls(ItemDiscountGroup))),
]
