"""``manage.py db_worker``: the job worker of django-tasks-db, made to survive.

The library's worker runs the queued tasks. This command runs the same worker
with two additions (docs/jobs.md):

* a lost database connection (the server restarted, a connection was terminated)
  makes the worker reconnect with backoff instead of exiting, and take back the
  job it was running so that the job resumes;
* a watchdog thread takes over the jobs of workers that are gone
  (``core.jobs.recover_stalled_jobs``) when the worker starts and then every
  ``JOB_RECOVERY_INTERVAL_SECONDS``, so that a killed worker's job resumes without
  anyone pressing *Run again*;
* the watchdog also writes the worker's heartbeat (``core.heartbeats``) each time
  it wakes, which readiness and the metrics read (docs/monitoring.md); the worker
  deletes it when it stops.

Django runs this command rather than the library's because ``core`` comes before
``django_tasks_db`` in ``INSTALLED_APPS`` (of two commands with one name, the app
listed first wins). The library's ``Worker`` class is replaced while this command runs; the
library is pinned in pyproject.toml and ``tests/core/test_worker.py`` runs a real
worker process against it.
"""

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections
from django.db import connections as db_connections
from django.utils import timezone
from django_tasks_db.management.commands import db_worker as library

from core import heartbeats
from core.jobs import recover_stalled_jobs, task_log_context

logger = logging.getLogger("core.worker")

BACKOFF_START_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
# A worker that ran this long since its last reconnect starts its backoff afresh.
BACKOFF_RESET_SECONDS = 60.0
# How often the watchdog removes the heartbeats of workers gone for a day.
SWEEP_INTERVAL = timedelta(hours=1)


class ResilientWorker(library.Worker):
    def __init__(self, **options):
        super().__init__(**options)
        self.started_at = timezone.now()
        # The watchdog's heartbeat and the final delete never cross (a beat after the
        # delete would leave the row of a stopped worker).
        self.heartbeat_lock = threading.Lock()
        self.swept_at = None

    def run(self) -> None:
        watchdog = threading.Thread(target=self.watch, name="job-watchdog", daemon=True)
        watchdog.start()
        try:
            self.run_with_reconnect()
        finally:
            self.stop_heartbeat()

    def run_with_reconnect(self) -> None:
        delay = BACKOFF_START_SECONDS
        while True:
            started = time.monotonic()
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as error:
                if not self.running:
                    raise
                if time.monotonic() - started > BACKOFF_RESET_SECONDS:
                    delay = BACKOFF_START_SECONDS
                logger.warning(
                    "Worker %s lost its database connection (%s); reconnecting in %.0f s",
                    self.worker_id,
                    error,
                    delay,
                )
                self.running_task = False
                db_connections.close_all()
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX_SECONDS)
                self.take_back_own_jobs()

    def run_task(self, db_task_result) -> None:
        # The library's own lines about the task carry its job's request id (docs/logs.md).
        args = (db_task_result.args_kwargs or {}).get("args", [])
        with task_log_context(db_task_result.task_path, args):
            super().run_task(db_task_result)
        # A job this worker was running when its connection broke could not record
        # its end (the library saw the error and went on): queue it again now, not
        # when its lease runs out. No job of this worker runs between two tasks.
        self.take_back_own_jobs()

    def take_back_own_jobs(self) -> None:
        """The job this worker was running when its connection broke is queued again."""
        try:
            recover_stalled_jobs(own=True)
        except DatabaseError as error:  # still unreachable: the loop retries
            logger.warning("Worker %s cannot reach the database yet: %s", self.worker_id, error)
            db_connections.close_all()

    def beat(self) -> None:
        """Write this worker's heartbeat (one statement), and now and then remove the
        heartbeats of workers gone for a day."""
        with self.heartbeat_lock:
            if not self.running:
                return
            heartbeats.beat(started_at=self.started_at)
        now = timezone.now()
        if self.swept_at is None or now - self.swept_at >= SWEEP_INTERVAL:
            self.swept_at = now
            heartbeats.sweep()

    def stop_heartbeat(self) -> None:
        """The worker stops (a signal, ``--batch``, ``--max-tasks``, or a crash): its
        heartbeat goes, so that readiness no longer counts it."""
        with self.heartbeat_lock:
            self.running = False
            try:
                heartbeats.forget()
            except DatabaseError as error:  # it goes stale and is swept instead
                logger.warning(
                    "Worker %s could not delete its heartbeat: %s", self.worker_id, error
                )

    def watch(self) -> None:
        """Take over the jobs of workers that are gone, now and every few seconds, and
        write this worker's heartbeat."""
        while self.running:
            try:
                close_old_connections()
                self.beat()
                recover_stalled_jobs()
            except DatabaseError as error:
                logger.warning("Job watchdog: %s", error)
                db_connections.close_all()
            except Exception:  # the watchdog must outlive any surprise
                logger.exception("Job watchdog failed")
            time.sleep(settings.JOB_RECOVERY_INTERVAL_SECONDS)
        db_connections.close_all()


class Command(library.Command):
    help = "Run the background job worker (it reconnects and takes over stalled jobs)."

    def handle(self, *args, **options):
        library.Worker = ResilientWorker
        return super().handle(*args, **options)
