"""The Prometheus metrics at ``/metrics`` (docs/monitoring.md, Metrics).

Protected: 404 while neither ``METRICS_TOKEN`` nor ``METRICS_ALLOWED_ADDRESSES`` is
set, 403 to a request with neither the token nor an allowed address. The request
counters, latencies and query counts per view come from the middleware; the jobs, the
task queue, the workers, the login lockouts and (registered by the mailings app) the
e-mail ledger are read from the database at each scrape with a fixed number of
queries, whatever the number of rows.
"""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from contacts.models import CorrespondenceType
from core import metrics
from core.jobs import start_job
from core.models import Job, WorkerHeartbeat
from mailings.models import DeliveryState, EmailDelivery
from segments.segment_logging import log_segment
from tests.factories import CampaignFactory, JobFactory, World, make_template, segment_to_log

METRICS = reverse("core:metrics")
TOKEN = "a-long-random-metrics-token-0123456789"
COLLECTORS = ["jobs", "lockouts", "email_deliveries"]


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_ADDRESSES = []


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def scrape(client) -> dict:
    """``{(sample name, labels): value}`` of one scrape with the token."""
    response = client.get(METRICS, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    return parse(response.content.decode())


def parse(text: str) -> dict:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float | None:
    return samples.get((name, frozenset(labels.items())))


# --- Who may read them ------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, f"Bearer {TOKEN}"])
def test_without_a_token_or_addresses_there_is_no_endpoint(client, db, settings, header):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = []
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    assert client.get(METRICS, **extra).status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong-token",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Basic {TOKEN}",
        TOKEN,
    ],
)
def test_a_wrong_or_missing_token_is_403(client, db, token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get(METRICS, **extra)
    assert response.status_code == 403
    assert b"marketing_" not in response.content


def test_the_token_opens_the_metrics_without_a_login(client, db, token):
    response = client.get(METRICS, HTTP_AUTHORIZATION=f"bearer {TOKEN}")  # any case
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "no-store" in response["Cache-Control"]
    assert b"# TYPE marketing_http_requests_total counter" in response.content
    openmetrics = client.get(
        METRICS,
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
        HTTP_ACCEPT="application/openmetrics-text; version=1.0.0",
    )
    assert openmetrics["Content-Type"].startswith("application/openmetrics-text")
    assert openmetrics.content.endswith(b"# EOF\n")


@pytest.mark.parametrize(
    ("allowed", "proxies", "remote", "forwarded", "status"),
    [
        (["10.1.2.3"], 0, "10.1.2.3", None, 200),
        (["10.1.2.0/24"], 0, "10.1.2.77", None, 200),
        (["10.1.2.0/24", "::1"], 0, "::1", None, 200),
        (["10.1.2.0/24"], 0, "10.1.3.1", None, 403),
        # No trusted proxy: a client's own X-Forwarded-For counts for nothing.
        (["10.1.2.0/24"], 0, "203.0.113.9", "10.1.2.3", 403),
        # Behind one trusted proxy: the address the proxy saw is the client's.
        (["10.1.2.0/24"], 1, "10.0.0.2", "10.1.2.3", 200),
        (["10.1.2.0/24"], 1, "10.0.0.2", "10.1.2.3, 203.0.113.9", 403),
    ],
)
def test_an_allowed_address_needs_no_token(
    client, db, settings, allowed, proxies, remote, forwarded, status
):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_ADDRESSES = allowed
    settings.TRUSTED_PROXIES = proxies
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client.get(METRICS, **extra).status_code == status


def test_with_both_configured_either_one_is_enough(client, db, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_ADDRESSES = ["192.0.2.0/24"]
    assert client.get(METRICS, REMOTE_ADDR="192.0.2.8").status_code == 200
    assert client.get(METRICS, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200
    assert client.get(METRICS, HTTP_AUTHORIZATION="Bearer nope").status_code == 403


def test_a_wrong_allowed_address_is_a_configuration_error(client, db, settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.0/8", "not-an-address"]
    with pytest.raises(ImproperlyConfigured, match="not-an-address"):
        client.get(METRICS)


def test_metrics_are_reachable_over_plain_http(client, db, token, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(METRICS, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


# --- Requests -----------------------------------------------------------------------------------


def test_requests_are_counted_and_timed_per_view(client, db, token):
    before = scrape(client)
    client.get(reverse("core:healthz"))
    client.get(reverse("core:healthz"))
    client.post(reverse("core:healthz"))  # 405
    client.get("/no/such/page/")
    after = scrape(client)

    def delta(name, **labels):
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    healthz = {"view": "core:healthz"}
    assert delta("marketing_http_requests_total", **healthz, method="GET", status="200") == 2
    assert delta("marketing_http_requests_total", **healthz, method="POST", status="405") == 1
    assert delta("marketing_http_request_duration_seconds_count", **healthz) == 3
    assert delta("marketing_http_request_duration_seconds_bucket", **healthz, le="30.0") == 3
    assert delta("marketing_http_request_db_queries_count", **healthz) == 3
    assert delta("marketing_http_request_db_queries_sum", **healthz) == 0
    assert delta("marketing_http_request_db_queries_bucket", **healthz, le="0.0") == 3
    unresolved = {"view": "unresolved", "method": "GET", "status": "404"}
    assert delta("marketing_http_requests_total", **unresolved) == 1
    # The scrape before this one was counted as a request of its own view.
    scrapes = {"view": "core:metrics", "method": "GET", "status": "200"}
    assert delta("marketing_http_requests_total", **scrapes) == 1


class Queries:
    """An execute wrapper that counts the queries run through it."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def test_the_queries_of_a_page_are_counted(client, manager_client, token):
    before = scrape(client)
    queries = Queries()
    with connection.execute_wrapper(queries):
        assert manager_client.get(reverse("home")).status_code == 200
    after = scrape(client)
    name = "marketing_http_request_db_queries_sum"
    assert queries.count > 0
    added = value(after, name, view="home") - (value(before, name, view="home") or 0)
    assert added == queries.count


# --- Jobs, queue, workers -----------------------------------------------------------------------


def test_job_queue_depth_oldest_age_and_jobs_by_state(client, db, token, database_queue):
    empty = scrape(client)
    assert value(empty, "marketing_job_queue_depth") == 0
    assert value(empty, "marketing_job_oldest_queued_age_seconds") == 0
    assert value(empty, "marketing_task_queue_depth", queue="default") == 0

    first = start_job(kind=Job.Kind.CONTACT_IMPORT, description="Big import")
    start_job(kind=Job.Kind.CONTACT_IMPORT, description="Another import")
    DBTaskResult.objects.filter(pk=first.task_result_id).update(
        enqueued_at=timezone.now() - timedelta(seconds=700)
    )
    JobFactory(state=Job.State.DONE)
    JobFactory(state=Job.State.RUNNING, kind=Job.Kind.SEGMENT_EMAILS)
    JobFactory(state=Job.State.FAILED, kind=Job.Kind.SEGMENT_EMAILS)

    samples = scrape(client)
    assert value(samples, "marketing_job_queue_depth") == 2
    assert value(samples, "marketing_task_queue_depth", queue="default") == 2
    assert 700 <= value(samples, "marketing_job_oldest_queued_age_seconds") < 760
    jobs = {
        (labels["kind"], labels["state"]): count
        for (name, label_items), count in samples.items()
        if name == "marketing_jobs"
        for labels in [dict(label_items)]
    }
    assert len(jobs) == len(Job.Kind.values) * len(Job.State.values)  # zeros too
    assert jobs[("contact_import", "queued")] == 2
    assert jobs[("contact_import", "done")] == 1
    assert jobs[("segment_emails", "running")] == 1
    assert jobs[("segment_emails", "failed")] == 1
    assert jobs[("contact_import", "failed")] == 0
    assert sum(jobs.values()) == 5


def test_a_job_queued_again_counts_its_wait_from_then(client, db, token, database_queue):
    """A job created long ago and queued again a minute ago has waited a minute."""
    job = start_job(kind=Job.Kind.CONTACT_IMPORT)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=3))
    DBTaskResult.objects.filter(pk=job.task_result_id).update(
        enqueued_at=timezone.now() - timedelta(seconds=60)
    )
    assert 60 <= value(scrape(client), "marketing_job_oldest_queued_age_seconds") < 120


def test_workers_seen_lately(client, db, token):
    now = timezone.now()
    for name, age in [("a:1:x", 5), ("b:2:x", 30), ("c:3:x", 600)]:
        WorkerHeartbeat.objects.create(
            worker=name,
            host=name[0],
            pid=1,
            started_at=now - timedelta(hours=1),
            last_seen=now - timedelta(seconds=age),
        )
    assert value(scrape(client), "marketing_workers") == 2


# --- Login lockouts -----------------------------------------------------------------------------


def attempt(username, failures, *, minutes_ago=0):
    row = AccessAttempt.objects.create(
        username=username,
        ip_address="203.0.113.5",
        user_agent="test",
        http_accept="*/*",
        path_info="/login/",
        get_data="",
        post_data="",
        failures_since_start=failures,
    )
    AccessAttempt.objects.filter(pk=row.pk).update(
        attempt_time=timezone.now() - timedelta(minutes=minutes_ago)
    )


def test_login_lockouts_in_force(client, db, token, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = 0.25  # 15 minutes
    attempt("ann", 5)
    attempt("bram", 9, minutes_ago=10)
    attempt("cat", 4)  # not yet locked
    attempt("dirk", 7, minutes_ago=20)  # the cool-off is over
    assert value(scrape(client), "marketing_login_lockouts") == 2


# --- E-mail ledger (registered by the mailings app) ---------------------------------------------


def test_email_deliveries_by_state(client, db, token):
    assert metrics.COLLECTORS["email_deliveries"]  # mailings registered it when ready
    segment = segment_to_log(
        World(), CampaignFactory(), make_template("EMAIL", CorrespondenceType.EMAIL)
    )
    logged = log_segment(segment=segment, send_attachments=True).logged_segment  # not sent yet
    deliveries = EmailDelivery.objects.of_logged_segment(logged.pk).order_by("pk")
    assert deliveries.count() == 3
    first, second, _third = deliveries
    EmailDelivery.objects.filter(pk=first.pk).update(state=DeliveryState.SENT)
    EmailDelivery.objects.filter(pk=second.pk).update(state=DeliveryState.UNCERTAIN)

    samples = scrape(client)
    states = {
        state: value(samples, "marketing_email_deliveries", state=state)
        for state in DeliveryState.values
    }
    assert states == {
        **dict.fromkeys(DeliveryState.values, 0),
        "queued": 1,
        "sent": 1,
        "uncertain": 1,
    }


# --- Set-based, and robust ----------------------------------------------------------------------


def test_a_scrape_runs_the_same_queries_whatever_the_number_of_rows(
    client, db, token, database_queue
):
    def scrape_queries():
        queries = Queries()
        with connection.execute_wrapper(queries):
            scrape(client)
        return queries.count

    empty = scrape_queries()
    for _ in range(3):
        start_job(kind=Job.Kind.CONTACT_IMPORT)
    JobFactory.create_batch(5, state=Job.State.DONE)
    attempt("ann", 9)
    attempt("bram", 9)
    assert scrape_queries() == empty
    assert empty <= 12  # readiness checks, jobs, queue, workers, lockouts, e-mails


def test_every_collector_reports_success(client, db, token):
    samples = scrape(client)
    for name in COLLECTORS:
        assert value(samples, "marketing_metrics_collector_success", collector=name) == 1


def test_the_readiness_checks_are_a_gauge(client, db, token, database_queue):
    samples = scrape(client)
    checks = ["database", "migrations", "job_queue", "worker", "email"]
    expected = {**dict.fromkeys(checks, 1), "worker": 0}  # no worker yet
    assert {name: value(samples, "marketing_readiness_check", check=name) for name in checks} == (
        expected
    )
    now = timezone.now()
    WorkerHeartbeat.objects.create(worker="a:1:x", host="a", pid=1, started_at=now, last_seen=now)
    assert value(scrape(client), "marketing_readiness_check", check="worker") == 1


class DatabaseDown:
    def __init__(self):
        self.tried = 0

    def __call__(self, execute, sql, params, many, context):
        self.tried += 1
        raise OperationalError('connection to server at "db-7.internal.example" failed')


def test_while_the_database_is_down_the_request_metrics_still_answer(client, db, token, settings):
    settings.DEBUG = False
    down = DatabaseDown()
    with connection.execute_wrapper(down):
        response = client.get(METRICS, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    text = response.content.decode()
    assert "db-7.internal.example" not in text
    samples = parse(text)
    for name in COLLECTORS:
        assert value(samples, "marketing_metrics_collector_success", collector=name) == 0
    assert value(samples, "marketing_readiness_check", check="database") == 0
    assert value(samples, "marketing_readiness_check", check="email") == 1
    assert value(samples, "marketing_job_queue_depth") is None
    assert any(name == "marketing_http_requests_total" for name, _labels in samples)
    assert down.tried == 1  # nothing else was tried after the lost connection


def test_a_failing_collector_is_reported_and_the_others_still_answer(client, db, token):
    def broken():
        raise ValueError("a bug")
        yield  # pragma: no cover - a generator, as the real collectors are

    metrics.register("broken", broken)
    try:
        samples = scrape(client)
    finally:
        del metrics.COLLECTORS["broken"]
    assert value(samples, "marketing_metrics_collector_success", collector="broken") == 0
    assert value(samples, "marketing_metrics_collector_success", collector="jobs") == 1
    assert value(samples, "marketing_email_deliveries", state="sent") == 0


# --- Several gunicorn processes -----------------------------------------------------------------

PROCESS_SCRIPT = """
import sys
import django

django.setup()
from django.test import Client

client = Client()
for _ in range(int(sys.argv[1])):
    assert client.get("/healthz").status_code == 200
if sys.argv[2] == "scrape":
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer " + sys.argv[3])
    assert response.status_code == 200, response.status_code
    sys.stdout.write(response.content.decode())
"""


def test_multiprocess_mode_adds_up_the_counters_of_every_process(tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR set, one process's scrape counts the requests
    that another process answered (as gunicorn's workers do)."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "METRICS_TOKEN": TOKEN,
        "DJANGO_LOG_LEVEL": "CRITICAL",
    }

    def run(*args):
        return subprocess.run(  # noqa: S603 - our own script with fixed arguments
            [sys.executable, "-c", PROCESS_SCRIPT, *args],
            cwd=django_settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout

    run("2", "visit", "")
    samples = parse(run("1", "scrape", TOKEN))
    healthz = {"view": "core:healthz", "method": "GET", "status": "200"}
    assert value(samples, "marketing_http_requests_total", **healthz) == 3
    assert list(directory.glob("*.db"))
    # The database of this test has no tables: the figures from it are reported as failed.
    assert value(samples, "marketing_metrics_collector_success", collector="jobs") == 0
    assert value(samples, "marketing_readiness_check", check="migrations") == 0
