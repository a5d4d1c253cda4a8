"""``manage.py db_worker`` as a real process (docs/architecture.md, Background jobs):
Django runs the project's command, not the library's, and a worker that starts takes
over the job of a worker that died, without anyone pressing *Run again*.

On SQLite the test database lives in memory, so the worker gets a copy of it in a file
and the test reads the outcome from that file; on PostgreSQL it shares the database.
"""

import socket
import sqlite3
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import get_commands
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from contacts.models import CorrespondenceType
from core.models import Job
from segments.segment_logging import log_segment
from tests.factories import CampaignFactory, World, make_template, segment_to_log
from tests.worker_processes import WorkerPool, database_url, worker_env

HELP = "Run the background job worker (it reconnects and takes over stalled jobs)."


def test_django_runs_the_project_s_db_worker_command_not_the_library_s():
    # Of two commands with one name, the app listed first in INSTALLED_APPS wins.
    assert get_commands()["db_worker"] == "core"
    apps = settings.INSTALLED_APPS
    assert apps.index("core") < apps.index("django_tasks_db")
    shown = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "help", "db_worker"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert HELP in shown


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    process = subprocess.Popen(["true"])  # noqa: S607 - coreutils
    process.wait()
    return process.pid


class WorkerDatabase:
    """Where the worker process finds the test's data, and how the test reads it back."""

    def __init__(self, tmp_path):
        self.sqlite_file = None
        if connection.vendor == "sqlite":
            self.sqlite_file = tmp_path / "worker.sqlite3"
            target = sqlite3.connect(self.sqlite_file)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.sqlite_file}"
        else:
            self.url = database_url()

    def job(self, pk) -> dict:
        if self.sqlite_file is None:
            return Job.objects.filter(pk=pk).values("state", "attempts", "worker").get()
        with sqlite3.connect(self.sqlite_file, timeout=20) as reader:
            row = reader.execute(
                "SELECT state, attempts, worker FROM core_job WHERE id = ?", [pk]
            ).fetchone()
        return dict(zip(("state", "attempts", "worker"), row, strict=True))


@pytest.fixture
def email_job(transactional_db, settings):
    """The queued job that sends the three e-mails of a logged segment."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    template = make_template("EMAIL", CorrespondenceType.EMAIL)
    segment = segment_to_log(World(), CampaignFactory(), template)
    return log_segment(segment=segment, send_attachments=True).job


def run_a_worker_until_done(job, smtp, tmp_path) -> tuple[dict, str, int]:
    """Start one worker on (a copy of) the test database and wait until ``job`` is done;
    returns the job as the worker left it, the worker's output and its pid."""
    database = WorkerDatabase(tmp_path)
    env = worker_env(database.url, **smtp.env, JOB_RECOVERY_INTERVAL_SECONDS="0.5")
    with WorkerPool(env, tmp_path) as pool:
        worker = pool.start()
        pool.wait_for(
            lambda: database.job(job.pk)["state"] == Job.State.DONE,
            timeout=30,
            what="job done",
        )
        output = pool.output()
    assert sorted(rcpt for _id, (rcpt,) in smtp.accepted) == [
        "ann@acme.example",
        "bram@acme.example",
        "cat@acme.example",
    ], output
    return database.job(job.pk), output, worker.pid


def test_a_worker_that_starts_takes_over_the_job_of_a_worker_that_died(
    email_job, smtp_server, tmp_path
):
    # Its worker took the task and the job, then died: the job is running, its lease
    # still valid for an hour, and its task is no longer in the queue.
    gone = f"{socket.gethostname()}:{dead_pid()}:x"
    Job.objects.filter(pk=email_job.pk).update(
        state=Job.State.RUNNING,
        worker=gone,
        attempts=1,
        started_at=timezone.now(),
        lease_expires_at=timezone.now() + timedelta(hours=1),
    )
    DBTaskResult.objects.filter(pk=email_job.task_result_id).update(
        status="RUNNING", started_at=timezone.now(), worker_ids=["died"]
    )
    job, output, pid = run_a_worker_until_done(email_job, smtp_server, tmp_path)
    assert job["attempts"] == 2, output
    assert job["worker"].split(":")[1] == str(pid), output
    assert f"its worker {gone} is gone" in output


def test_a_job_whose_task_was_taken_by_a_worker_that_died_before_starting_it_runs(
    email_job, smtp_server, tmp_path
):
    # An hour ago a worker took the task from the queue and died before it took the
    # job: the job is still queued, but its task will never run.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=email_job.pk).update(created_at=an_hour_ago)
    DBTaskResult.objects.filter(pk=email_job.task_result_id).update(
        status="RUNNING", started_at=an_hour_ago, worker_ids=["died"]
    )
    job, output, _pid = run_a_worker_until_done(email_job, smtp_server, tmp_path)
    assert job["attempts"] == 1, output
