"""Liveness and readiness (docs/monitoring.md, Health and readiness).

``/healthz`` says the process answers: it touches no database and always says "ok".
``/readyz`` runs the checks below and answers 200 when every one passes, else 503,
with a small JSON body that names each check and, for a failed one, a fixed short
reason: never data, an exception's text or a host name. ``manage.py check_health``
prints the same checks for cron.

Every check returns a :class:`Result` and never raises: an exception is logged and
becomes "failed". A lost database connection is closed at once (as the outage page
does, ``core.error_pages``) and the checks that need the database are not tried
again in the same round, so an unreachable server costs one connect timeout, not
one per check.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult

from core import heartbeats
from core.error_pages import close_broken_connections, is_database_outage

logger = logging.getLogger(__name__)

OK = "ok"
FAILED = "failed"
READY = "ready"
NOT_READY = "not ready"


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool
    reason: str = ""  # a fixed, translatable text; empty when the check passed

    @property
    def status(self) -> str:
        return OK if self.ok else FAILED


# --- The checks ---------------------------------------------------------------------------


def check_database() -> Result:
    """The default database answers ``SELECT 1``."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Result("database", True)


def unapplied_migrations() -> list:
    """The migrations this code has that the database has not applied, in order."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())


def check_migrations() -> Result:
    if unapplied_migrations():
        return Result("migrations", False, _("migrations not applied"))
    return Result("migrations", True)


def check_job_queue() -> Result:
    """The queue of django-tasks-db (its result table) can be read."""
    DBTaskResult.objects.order_by().values("pk")[:1].exists()
    return Result("job_queue", True)


def tasks_run_at_once() -> bool:
    """Jobs run in the process that queues them (``DJANGO_TASKS_BACKEND=immediate``):
    no worker is needed."""
    backend = settings.TASKS["default"]["BACKEND"]
    return backend.endswith(".ImmediateBackend")


def check_worker() -> Result:
    """At least one job worker wrote its heartbeat lately (``core.heartbeats``)."""
    if tasks_run_at_once():
        return Result("worker", True)
    max_age = settings.HEALTH_WORKER_MAX_AGE_SECONDS
    if heartbeats.fresh_workers(max_age) == 0:
        return Result(
            "worker",
            False,
            _("no job worker seen in the last %(seconds)s seconds") % {"seconds": max_age},
        )
    return Result("worker", True)


def check_email() -> Result:
    """``EMAIL_BACKEND`` can be loaded; the SMTP backend has a host to send to. No
    connection is made: a mail server that is down shows in the e-mail states."""
    try:
        backend = import_string(settings.EMAIL_BACKEND)
    except ImportError:
        return Result("email", False, _("the e-mail backend cannot be loaded"))
    if isinstance(backend, type) and issubclass(backend, SMTPBackend):
        if not (settings.EMAIL_HOST or "").strip():
            return Result("email", False, _("no e-mail host is set"))
    return Result("email", True)


# Checks that need the database, after the database check itself.
DATABASE_CHECKS = [
    ("migrations", check_migrations),
    ("job_queue", check_job_queue),
    ("worker", check_worker),
]
FAILURE_REASONS = {
    "database": _("the database is not reachable"),
    "migrations": _("the migrations could not be read"),
    "job_queue": _("the job queue is not reachable"),
    "worker": _("the worker heartbeats could not be read"),
    "email": _("the e-mail settings could not be checked"),
}


def _guarded(name, check) -> Result:
    """``check()``, or "failed" with a fixed reason when it raised (logged here, never
    shown). A lost connection is closed so that the next query opens a new one."""
    try:
        return check()
    except Exception as error:
        if is_database_outage(error):
            close_broken_connections()
            logger.warning("Readiness check %s: the database is not reachable: %s", name, error)
        else:
            logger.exception("Readiness check %s failed", name)
        return Result(name, False, FAILURE_REASONS[name])


def run_checks() -> list[Result]:
    """Every check, in a fixed order. When the database cannot be reached the checks
    that need it fail at once without trying again."""
    database = _guarded("database", check_database)
    results = [database]
    for name, check in DATABASE_CHECKS:
        if database.ok:
            results.append(_guarded(name, check))
        else:
            results.append(Result(name, False, FAILURE_REASONS["database"]))
    results.append(_guarded("email", check_email))
    return results


def report(results: list[Result] | None = None) -> dict:
    """``{"status": "ready"|"not ready", "checks": {name: "ok"|"failed"}, "reasons":
    {name: reason}}`` (reasons of the failed checks only, in the active language)."""
    results = run_checks() if results is None else results
    return {
        "status": READY if all(result.ok for result in results) else NOT_READY,
        "checks": {result.name: result.status for result in results},
        "reasons": {result.name: str(result.reason) for result in results if not result.ok},
    }


# --- The views ----------------------------------------------------------------------------


@method_decorator([login_not_required, never_cache], name="dispatch")
class LivenessView(View):
    """``/healthz``: the process answers. No database, no session, no template."""

    def get(self, request):
        return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


@method_decorator([login_not_required, never_cache], name="dispatch")
class ReadinessView(View):
    """``/readyz``: 200 when every check passes, else 503; always the JSON body."""

    def get(self, request):
        body = report()
        if body["status"] == READY:
            return JsonResponse(body)
        response = JsonResponse(body, status=503)
        # A load balancer probes every few seconds: one warning naming the failed checks
        # instead of Django's error line for every 503.
        logger.warning("Not ready: %s", ", ".join(sorted(body["reasons"])))
        response._has_been_logged = True
        return response
