"""Prometheus metrics (docs/monitoring.md, Metrics).

* :class:`MetricsMiddleware` counts every request by view name, method and status,
  and observes its duration and its number of database queries per view.
* On each scrape, :class:`DatabaseCollector` runs the readiness checks
  (``core.health``) and reads the state of the jobs, the task queue, the workers and
  the login lockouts with a few GROUP BY queries, plus what
  the higher apps registered with :func:`register` in their ``AppConfig.ready()``
  (core never imports them): the e-mail ledger comes from ``mailings.metrics``.
* :class:`MetricsView` answers ``/metrics`` in the Prometheus text format to a
  request with ``Authorization: Bearer <METRICS_TOKEN>`` or from an address in
  ``METRICS_ALLOWED_ADDRESSES``; 403 to any other, 404 when neither is configured.

Under gunicorn's several processes set ``PROMETHEUS_MULTIPROC_DIR`` (an empty
directory, cleared at every start) before the processes start: each process then
writes its counters there and a scrape adds up every process's.
"""

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from functools import lru_cache

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models import Count, Min
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult
from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from core import health, heartbeats
from core.client_address import client_address
from core.error_pages import close_broken_connections, is_database_outage
from core.models import Job

logger = logging.getLogger(__name__)

PREFIX = "marketing_"
HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNRESOLVED = "unresolved"  # the view of a request no URL pattern matched (or never reached)


def multiprocess_dir() -> str:
    """The directory of prometheus_client's multiprocess mode, or "" when off. Read from
    the environment, as the library does when it is first imported."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get(
        "prometheus_multiproc_dir", ""
    )


# --- Request metrics ----------------------------------------------------------------------

# This process's metrics. Exposed from here in single-process mode; in multiprocess
# mode the values go to files in PROMETHEUS_MULTIPROC_DIR and are read from there.
REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    PREFIX + "http_requests",
    "Requests answered, by view name, method and status.",
    ["view", "method", "status"],
    registry=REGISTRY,
)
REQUEST_SECONDS = Histogram(
    PREFIX + "http_request_duration_seconds",
    "Time from the first middleware to the response, by view name.",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=REGISTRY,
)
REQUEST_QUERIES = Histogram(
    PREFIX + "http_request_db_queries",
    "Database queries a request ran, by view name.",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
    registry=REGISTRY,
)


class QueryCounter:
    """An execute wrapper that counts the queries of one request."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def view_name(request) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None and match.view_name else UNRESOLVED


class MetricsMiddleware:
    """Counts and times every request, and counts its database queries. Goes first in
    ``MIDDLEWARE`` so that it sees what every other middleware answers (a redirect to
    HTTPS, the 400 for a NUL, the 503 outage page). Queries run while a streamed
    response is sent (a CSV export) are not counted."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        counter = QueryCounter()
        started = time.perf_counter()
        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(counter))
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = view_name(request)
        method = request.method if request.method in HTTP_METHODS else "other"
        REQUESTS.labels(view, method, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(view).observe(elapsed)
        REQUEST_QUERIES.labels(view).observe(counter.count)
        return response


# --- Metrics read from the database at each scrape ----------------------------------------

# name -> a function yielding metric families; registered by the apps that own the data.
Collect = Callable[[], Iterable[Metric]]
COLLECTORS: dict[str, Collect] = {}


def register(name: str, collect: Collect) -> None:
    """Add ``collect`` to every scrape; its failure is reported as
    ``marketing_metrics_collector_success{collector=name} 0``, never as an error."""
    COLLECTORS[name] = collect


def gauge(name: str, documentation: str, labels: list[str], samples) -> GaugeMetricFamily:
    """A gauge family ``marketing_<name>`` with ``samples``: ``{label values: value}``
    (a number alone when there are no labels)."""
    family = GaugeMetricFamily(PREFIX + name, documentation, labels=labels or None)
    if labels:
        for values, value in samples.items():
            family.add_metric(list(values), value)
    else:
        family.add_metric([], samples)
    return family


def collect_jobs() -> Iterable[Metric]:
    """Jobs by kind and state, the queue's depth, how long its oldest task has waited,
    and the workers seen lately: two GROUP BY queries and a count."""
    rows = Job.objects.order_by().values_list("kind", "state").annotate(n=Count("pk"))
    by_kind_state = {(kind, state): 0 for kind in Job.Kind.values for state in Job.State.values}
    by_kind_state.update({(kind, state): n for kind, state, n in rows})
    yield gauge("jobs", "Jobs by kind and state.", ["kind", "state"], by_kind_state)
    queued = sum(n for (_kind, state), n in by_kind_state.items() if state == Job.State.QUEUED)
    yield gauge("job_queue_depth", "Jobs waiting for a worker (state queued).", [], queued)

    tasks = (
        DBTaskResult.objects.ready()
        .order_by()
        .values_list("queue_name")
        .annotate(n=Count("pk"), oldest=Min("enqueued_at"))
    )
    depth = {(queue,): 0 for queue in settings.TASKS["default"].get("QUEUES", ["default"])}
    oldest = None
    for queue, n, enqueued_at in tasks:
        depth[(queue,)] = n
        oldest = enqueued_at if oldest is None else min(oldest, enqueued_at)
    yield gauge(
        "task_queue_depth", "Tasks in the django-tasks-db queue ready to run.", ["queue"], depth
    )
    age = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
    yield gauge(
        "job_oldest_queued_age_seconds",
        "Seconds the longest-waiting queued job has been in the queue (0 when none).",
        [],
        age,
    )
    max_age = settings.HEALTH_WORKER_MAX_AGE_SECONDS
    yield gauge(
        "workers",
        f"Job workers that wrote their heartbeat in the last {max_age} seconds.",
        [],
        heartbeats.fresh_workers(max_age),
    )


def collect_lockouts() -> Iterable[Metric]:
    """Login lockouts in force: django-axes attempts at or over the failure limit
    within the cool-off time."""
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    yield gauge(
        "login_lockouts",
        "User name and address pairs locked out of logging in now (django-axes).",
        [],
        attempts.count(),
    )


CORE_COLLECTORS: dict[str, Collect] = {"jobs": collect_jobs, "lockouts": collect_lockouts}


class DatabaseCollector:
    """Runs the readiness checks and every collector at scrape time. A collector that
    fails is skipped and reported in ``marketing_metrics_collector_success``; once the
    database is known to be unreachable the others are not tried (one connect timeout
    per scrape, not one per collector)."""

    def describe(self):
        return []  # registering must not query the database

    def collect(self):
        results = health.run_checks()  # never raises
        yield gauge(
            "readiness_check",
            "1 when the readiness check passes (as /readyz), 0 when it fails.",
            ["check"],
            {(result.name,): int(result.ok) for result in results},
        )
        database_down = not results[0].ok  # the database check comes first
        success = {}
        for name, collect in [*CORE_COLLECTORS.items(), *COLLECTORS.items()]:
            if database_down:
                success[(name,)] = 0
                continue
            try:
                families = list(collect())
            except Exception as error:
                if is_database_outage(error):
                    close_broken_connections()
                    database_down = True
                    logger.warning("Metrics %s: the database is not reachable: %s", name, error)
                else:
                    logger.exception("Metrics collector %s failed", name)
                success[(name,)] = 0
                continue
            success[(name,)] = 1
            yield from families
        yield gauge(
            "metrics_collector_success",
            "1 when the collector read its figures at this scrape, 0 when it failed.",
            ["collector"],
            success,
        )


DATABASE_COLLECTOR = DatabaseCollector()
if not multiprocess_dir():
    # Only meaningful for this one process; in multiprocess mode each scrape is
    # answered by whichever process gets it.
    ProcessCollector(registry=REGISTRY)
    PlatformCollector(registry=REGISTRY)
    GCCollector(registry=REGISTRY)
    REGISTRY.register(DATABASE_COLLECTOR)


def scrape_registry() -> CollectorRegistry:
    """What a scrape reads: this process's registry, or in multiprocess mode every
    process's files, and the database figures."""
    if not multiprocess_dir():
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    registry.register(DATABASE_COLLECTOR)
    return registry


# --- The endpoint -------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _networks(entries: tuple[str, ...]) -> tuple:
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"METRICS_ALLOWED_ADDRESSES: {entry!r} is not an IP address or network"
            ) from None
    return tuple(networks)


def allowed_networks() -> tuple:
    """``METRICS_ALLOWED_ADDRESSES`` as networks (an address is a network of one)."""
    return _networks(tuple(entry for entry in settings.METRICS_ALLOWED_ADDRESSES if entry.strip()))


def has_token(request, token: str) -> bool:
    """``Authorization: Bearer <token>``, compared in constant time."""
    if not token:
        return False
    scheme, _space, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def from_allowed_address(request, networks) -> bool:
    """The client's address (``core.client_address``: behind the trusted proxies) is in
    one of ``networks``."""
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(client_address(request) or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


@method_decorator([login_not_required, never_cache], name="dispatch")
class MetricsView(View):
    """``/metrics``: 404 unless a token or addresses are configured, 403 to a request
    that has neither the token nor an allowed address."""

    def get(self, request):
        token = settings.METRICS_TOKEN
        networks = allowed_networks()
        if not token and not networks:
            raise Http404(_("Metrics are not enabled."))
        if not (has_token(request, token) or from_allowed_address(request, networks)):
            return HttpResponse(
                _("Not allowed."), status=403, content_type="text/plain; charset=utf-8"
            )
        # The text format Prometheus has always read, or OpenMetrics when asked for.
        encode, content_type = choose_encoder(request.META.get("HTTP_ACCEPT", ""))
        return HttpResponse(encode(scrape_registry()), content_type=content_type)
