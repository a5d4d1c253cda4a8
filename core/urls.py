from django.urls import include, path

from core import health, metrics, views
from core.models import NumberSeries
from core.urls_helpers import record_urls

app_name = "core"

urlpatterns = [
    # For load balancers and Prometheus, without a login (docs/monitoring.md).
    path("healthz", health.LivenessView.as_view(), name="healthz"),
    path("readyz", health.ReadinessView.as_view(), name="readyz"),
    path("metrics", metrics.MetricsView.as_view(), name="metrics"),
    path("audit-log/", views.AuditEntryList.as_view(), name="auditentry_list"),
    path("jobs/", views.JobList.as_view(), name="job_list"),
    path("jobs/<str:key>/", views.JobCard.as_view(), name="job_card"),
    path("jobs/<str:key>/progress/", views.JobProgress.as_view(), name="job_progress"),
    path("jobs/<str:key>/run-again/", views.JobRequeue.as_view(), name="job_requeue"),
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
