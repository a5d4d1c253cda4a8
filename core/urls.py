from django.urls import include, path

from core import views
from core.models import NumberSeries
from core.urls_helpers import record_urls

app_name = "core"

urlpatterns = [
    path(
        "setup/number-series/",
        include(
            record_urls(
                NumberSeries,
                list=views.NumberSeriesList,
                card=views.NumberSeriesCard,
                create=views.NumberSeriesCreate,
                edit=views.NumberSeriesEdit,
                delete=views.NumberSeriesDelete,
            )
        ),
    ),
]
