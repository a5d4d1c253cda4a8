from django.urls import include, path

from core import health, metrics, saved_view_views, search_views, views
from core.models import NumberSeries
from core.urls_helpers import record_urls

app_name = "core"

urlpatterns = [
    # For load balancers and Prometheus, without a login (docs/monitoring.md).
    path("healthz", health.LivenessView.as_view(), name="healthz"),
    path("readyz", health.ReadinessView.as_view(), name="readyz"),
    path("metrics", metrics.MetricsView.as_view(), name="metrics"),
    # The search box in the top bar (docs/search.md).
    path("search/", search_views.GlobalSearch.as_view(), name="search"),
    path("audit-log/", views.AuditEntryList.as_view(), name="auditentry_list"),
    path("jobs/", views.JobList.as_view(), name="job_list"),
    path("jobs/<str:key>/", views.JobCard.as_view(), name="job_card"),
    path("jobs/<str:key>/progress/", views.JobProgress.as_view(), name="job_progress"),
    path("jobs/<str:key>/run-again/", views.JobRequeue.as_view(), name="job_requeue"),
    # Saved views and the column chooser of the lists (docs/lists.md).
    path(
        "views/new/<str:list_key>/",
        saved_view_views.SaveView.as_view(),
        name="savedview_create",
    ),
    path("views/<int:pk>/", saved_view_views.OpenView.as_view(), name="savedview_open"),
    path("views/<int:pk>/rename/", saved_view_views.RenameView.as_view(), name="savedview_rename"),
    path("views/<int:pk>/delete/", saved_view_views.DeleteView.as_view(), name="savedview_delete"),
    path("lists/columns/", saved_view_views.ChooseColumns.as_view(), name="list_columns"),
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
