"""Liveness, readiness and the workers' heartbeats (docs/monitoring.md).

``/healthz`` answers without the database; ``/readyz`` answers 200 when every check
passes and 503 with its JSON body when one fails — also when the database cannot be
reached, which elsewhere is the 503 HTML page (core/error_pages.py). Neither needs a
login, neither is cached, and a load balancer may ask over plain HTTP. The worker's
watchdog writes the heartbeat that readiness looks for.
"""

import io
import json
import os
import socket
import sqlite3
import threading
from datetime import timedelta

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from core import heartbeats
from core.jobs import worker_name
from core.management.commands import check_health
from core.management.commands import db_worker as db_worker_command
from core.models import WorkerHeartbeat
from tests.worker_processes import WorkerPool, database_url, worker_env

HEALTHZ = reverse("core:healthz")
READYZ = reverse("core:readyz")
CHECKS = ["database", "migrations", "job_queue", "worker", "email"]
SECRET_HOST = "db-7.internal.example"


@pytest.fixture
def database_queue(settings):
    """Jobs go to the database queue, so a worker is needed (not the tests' default
    immediate backend, with which readiness needs no worker)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def heartbeat(age_seconds=0, worker=None):
    seen = timezone.now() - timedelta(seconds=age_seconds)
    return WorkerHeartbeat.objects.create(
        worker=worker or f"{socket.gethostname()}:4242:abcd1234",
        host=socket.gethostname(),
        pid=4242,
        started_at=seen - timedelta(hours=1),
        last_seen=seen,
    )


class DatabaseDown:
    """An execute wrapper that fails every query as a lost connection does; its
    message names a host, which must never reach a response."""

    def __init__(self):
        self.tried = 0

    def __call__(self, execute, sql, params, many, context):
        self.tried += 1
        raise OperationalError(f'connection to server at "{SECRET_HOST}" failed')


# --- /healthz ---------------------------------------------------------------------------------


def test_healthz_answers_ok_without_touching_the_database(client, django_assert_num_queries, db):
    with django_assert_num_queries(0):
        response = client.get(HEALTHZ)
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]


def test_healthz_answers_while_the_database_is_down(client, db, settings):
    settings.DEBUG = False
    with connection.execute_wrapper(DatabaseDown()):
        response = client.get(HEALTHZ)
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_health_endpoints_need_no_login_and_no_https(client, db, database_queue, settings):
    settings.SECURE_SSL_REDIRECT = True
    heartbeat()
    assert client.get(reverse("home")).status_code == 301  # every other page goes to https
    assert client.get(HEALTHZ).status_code == 200
    response = client.get(READYZ)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# --- /readyz ----------------------------------------------------------------------------------


def test_readyz_is_ready_with_a_fresh_worker_heartbeat(client, db, database_queue):
    heartbeat(age_seconds=5)
    response = client.get(READYZ)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ready",
        "checks": dict.fromkeys(CHECKS, "ok"),
        "reasons": {},
    }


@pytest.mark.parametrize("age", [None, 61, 3600])
def test_readyz_is_not_ready_without_a_recent_worker(client, db, database_queue, age):
    if age is not None:
        heartbeat(age_seconds=age)
    response = client.get(READYZ)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"] == {**dict.fromkeys(CHECKS, "ok"), "worker": "failed"}
    assert body["reasons"] == {"worker": "no job worker seen in the last 60 seconds"}


def test_the_worker_age_is_a_setting(client, db, database_queue, settings):
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 300
    heartbeat(age_seconds=200)
    assert client.get(READYZ).status_code == 200
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 100
    assert client.get(READYZ).status_code == 503


def test_with_jobs_run_at_once_no_worker_is_needed(client, db):
    assert not WorkerHeartbeat.objects.exists()
    response = client.get(READYZ)
    assert response.status_code == 200
    assert response.json()["checks"]["worker"] == "ok"


def test_readyz_is_a_json_503_while_the_database_is_down(client, db, database_queue, settings):
    settings.DEBUG = False
    heartbeat()
    down = DatabaseDown()
    with connection.execute_wrapper(down):
        response = client.get(READYZ)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"] == {**dict.fromkeys(CHECKS[:4], "failed"), "email": "ok"}
    # The checks that need the database are not tried once it failed: one connect
    # timeout per probe, not one per check.
    assert body["reasons"] == dict.fromkeys(CHECKS[:4], "the database is not reachable")
    assert down.tried == 1
    text = response.content.decode()
    assert SECRET_HOST not in text
    assert "OperationalError" not in text
    assert "<html" not in text
    # Once the database is back, so is readiness.
    assert client.get(READYZ).status_code == 200


def test_readyz_is_not_ready_with_unapplied_migrations(client, db, database_queue, monkeypatch):
    heartbeat()
    monkeypatch.setattr("core.health.unapplied_migrations", lambda: [("core.9999_pending", False)])
    response = client.get(READYZ)
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["migrations"] == "failed"
    assert body["reasons"] == {"migrations": "migrations not applied"}
    assert "9999_pending" not in response.content.decode()


def test_the_real_migration_check_finds_nothing_to_apply(db):
    from core.health import unapplied_migrations

    assert unapplied_migrations() == []


@pytest.mark.parametrize(
    ("backend", "host", "reason"),
    [
        ("no.such.Backend", "localhost", "the e-mail backend cannot be loaded"),
        ("django.core.mail.backends.smtp.EmailBackend", " ", "no e-mail host is set"),
    ],
)
def test_readyz_is_not_ready_without_a_usable_email_backend(
    client, db, settings, backend, host, reason
):
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_HOST = host
    response = client.get(READYZ)
    assert response.status_code == 503
    assert response.json()["reasons"] == {"email": reason}


def test_an_smtp_backend_with_a_host_is_configured(client, db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "smtp.example.com"
    assert client.get(READYZ).status_code == 200  # nothing is sent or connected to


def test_a_check_that_raises_fails_with_a_fixed_reason(client, db, monkeypatch):
    def broken():
        raise RuntimeError("/srv/secret/path went wrong")

    monkeypatch.setattr("core.health.DATABASE_CHECKS", [("job_queue", broken)])
    response = client.get(READYZ)
    assert response.status_code == 503
    assert response.json()["reasons"] == {"job_queue": "the job queue is not reachable"}
    assert "secret" not in response.content.decode()


def test_readyz_reveals_no_data(client, db, database_queue):
    heartbeat(worker="worker-host-9:77:feedbeef")
    response = client.get(READYZ)
    text = response.content.decode()
    assert set(response.json()) == {"status", "checks", "reasons"}
    assert "worker-host-9" not in text
    assert socket.gethostname() not in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_readyz_after_the_server_ended_its_connection_is_503_then_ready_again(
    client, database_queue, settings
):
    settings.DEBUG = False
    heartbeat()
    assert client.get(READYZ).status_code == 200
    pid = connection.connection.info.backend_pid
    params = connection.settings_dict
    with psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"] or None,
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    ) as killer:
        killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    response = client.get(READYZ)
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "failed"
    # The broken connection was closed: the next probe opens a new one.
    assert client.get(READYZ).status_code == 200
    assert connection.connection.info.backend_pid != pid


# --- manage.py check_health -------------------------------------------------------------------


@pytest.fixture
def run_check_health(monkeypatch):
    """The command as cron runs it: its exit status, stdout and stderr. (It closes the
    database connections at the end, which would end the test's transaction: not
    here.)"""
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    return _run_check_health


def _run_check_health(*args) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    command = check_health.Command(stdout=stdout, stderr=stderr)
    try:
        command.run_from_argv(["manage.py", "check_health", *args])
    except SystemExit as exit_:
        return exit_.code, stdout.getvalue(), stderr.getvalue()
    return 0, stdout.getvalue(), stderr.getvalue()


def test_check_health_prints_one_line_per_check_and_exits_0_when_ready(
    db, database_queue, run_check_health
):
    heartbeat()
    status, out, _err = run_check_health()
    assert status == 0
    assert out.splitlines() == [f"{name}: ok" for name in CHECKS]


def test_check_health_exits_1_when_not_ready(db, database_queue, run_check_health):
    status, out, err = run_check_health()
    assert status == 1
    assert "worker: failed (no job worker seen in the last 60 seconds)" in out.splitlines()
    assert "database: ok" in out.splitlines()
    assert "Not ready: worker." in err
    with pytest.raises(CommandError, match=r"^Not ready: worker\.$"):
        call_command("check_health", stdout=io.StringIO())


def test_check_health_json_is_the_readyz_body(client, db, database_queue, run_check_health):
    status, out, _err = run_check_health("--json")
    assert status == 1
    assert json.loads(out) == client.get(READYZ).json()
    heartbeat()
    status, out, _err = run_check_health("--json")
    assert status == 0
    assert json.loads(out)["status"] == "ready"


# --- The heartbeat of the worker --------------------------------------------------------------


def a_worker():
    return db_worker_command.ResilientWorker(
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def test_each_beat_of_the_watchdog_updates_one_row(db, django_assert_num_queries):
    worker = a_worker()
    worker.swept_at = timezone.now()  # not the hourly sweep
    with django_assert_num_queries(1):
        worker.beat()
    row = WorkerHeartbeat.objects.get()
    assert row.worker == worker_name()
    assert (row.host, row.pid) == (socket.gethostname(), os.getpid())
    assert row.started_at == worker.started_at
    first_seen = row.last_seen
    with django_assert_num_queries(1):
        worker.beat()
    row.refresh_from_db()
    assert WorkerHeartbeat.objects.count() == 1
    assert row.last_seen > first_seen
    assert row.started_at == worker.started_at


def test_the_watchdog_writes_the_heartbeat_each_time_it_wakes(db, monkeypatch):
    worker = a_worker()
    wakes = []

    def sleep(seconds):
        wakes.append(WorkerHeartbeat.objects.values_list("last_seen", flat=True).get())
        if len(wakes) == 2:
            worker.running = False

    # In the test's transaction: the watchdog's connection handling is not the point.
    monkeypatch.setattr(db_worker_command, "close_old_connections", lambda: None)
    monkeypatch.setattr(db_worker_command.db_connections, "close_all", lambda: None)
    monkeypatch.setattr(db_worker_command.time, "sleep", sleep)
    worker.watch()
    assert len(wakes) == 2
    assert wakes[1] > wakes[0]


def test_a_beat_sweeps_the_rows_of_workers_gone_for_a_day(db):
    gone = heartbeat(age_seconds=25 * 3600, worker="other-host:1:dead")
    quiet = heartbeat(age_seconds=3600, worker="other-host:2:quiet")
    worker = a_worker()
    worker.beat()  # the first beat sweeps
    names = set(WorkerHeartbeat.objects.values_list("worker", flat=True))
    assert names == {worker_name(), quiet.worker}
    assert gone.worker not in names


def test_a_worker_that_stops_deletes_its_heartbeat_and_beats_no_more(db):
    worker = a_worker()
    worker.beat()
    other = heartbeat(worker="other-host:3:alive")
    worker.stop_heartbeat()
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == [other.worker]
    worker.beat()  # a watchdog that wakes after the stop writes nothing
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == [other.worker]


def test_the_heartbeat_and_the_stop_never_cross(db):
    """A beat waits for a stop in progress, and then writes nothing."""
    worker = a_worker()
    worker.heartbeat_lock.acquire()
    beat = threading.Thread(target=worker.beat)
    beat.start()
    worker.running = False  # what stop_heartbeat does under the lock
    worker.heartbeat_lock.release()
    beat.join(timeout=10)
    assert not WorkerHeartbeat.objects.exists()


def heartbeat_rows(sqlite_file) -> list[tuple[str, int]]:
    if sqlite_file is None:
        return list(WorkerHeartbeat.objects.values_list("worker", "pid"))
    with sqlite3.connect(sqlite_file, timeout=20) as reader:
        return reader.execute("SELECT worker, pid FROM core_workerheartbeat").fetchall()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_beats_and_deletes_its_heartbeat_when_stopped(tmp_path):
    sqlite_file = None
    url = database_url()
    if connection.vendor == "sqlite":
        sqlite_file = tmp_path / "worker.sqlite3"
        target = sqlite3.connect(sqlite_file)
        connection.ensure_connection()
        connection.connection.backup(target)
        target.close()
        url = f"sqlite:///{sqlite_file}"
    env = worker_env(url, JOB_RECOVERY_INTERVAL_SECONDS="0.2")
    with WorkerPool(env, tmp_path) as pool:
        worker = pool.start()
        pool.wait_for(lambda: heartbeat_rows(sqlite_file), timeout=30, what="a heartbeat")
        [(name, pid)] = heartbeat_rows(sqlite_file)
        assert pid == worker.pid
        assert name.startswith(f"{socket.gethostname()}:{worker.pid}:")
        worker.stop(grace=10)
        assert worker.process.returncode == 0, pool.output()
    assert heartbeat_rows(sqlite_file) == [], pool.output()


def test_fresh_workers_counts_only_recent_heartbeats(db):
    heartbeat(age_seconds=1, worker="a:1:x")
    heartbeat(age_seconds=30, worker="b:2:x")
    heartbeat(age_seconds=90, worker="c:3:x")
    assert heartbeats.fresh_workers(60) == 2
    assert heartbeats.fresh_workers(120) == 3


def test_a_failing_probe_is_one_warning_naming_the_checks_not_an_error(
    client, db, database_queue, caplog
):
    with caplog.at_level("INFO"):
        assert client.get(READYZ).status_code == 503
    levels = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert ("WARNING", "Not ready: worker") in levels
    assert not [level for level, _message in levels if level == "ERROR"]
