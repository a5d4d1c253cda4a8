"""URLs of the sales quote pages, under ``sales-quotes/`` in the ``quotes`` namespace."""

from django.urls import include, path

from core.urls_helpers import record_urls
from quotes import views
from quotes.models import SalesQuote

app_name = "quotes"

quote_patterns = [
    *record_urls(
        SalesQuote,
        list=views.SalesQuoteList,
        card=views.SalesQuoteCard,
        create=views.SalesQuoteCreate,
        edit=views.SalesQuoteEdit,
        delete=views.SalesQuoteDelete,
    ),
    path("<str:key>/recalculate/", views.RecalculateQuote.as_view(), name="salesquote_recalculate"),
    path("<str:key>/lines/add/", views.QuoteLineAdd.as_view(), name="salesquoteline_add"),
    path(
        "<str:key>/lines/<int:line_id>/edit/",
        views.QuoteLineEdit.as_view(),
        name="salesquoteline_edit",
    ),
    path(
        "<str:key>/lines/<int:line_id>/delete/",
        views.QuoteLineDelete.as_view(),
        name="salesquoteline_delete",
    ),
    path(
        "<str:key>/lines/<int:line_id>/why/",
        views.QuoteLineTrace.as_view(),
        name="salesquoteline_trace",
    ),
]

urlpatterns = [path("sales-quotes/", include(quote_patterns))]
