"""A job survives its worker (docs/jobs.md): leases, takeover, a live worker's job is
never taken or run twice."""

import socket
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core import jobs
from core.models import Job

KIND = Job.Kind.CONTACT_IMPORT
DEAD_PID = 2**22 + 1  # above Linux's largest pid: no such process
HOST = socket.gethostname()


@pytest.fixture
def handler():
    calls = []

    def work(job, progress):
        calls.append(job.pk)
        progress(1, 1)
        return ""

    saved = jobs.HANDLERS.get(KIND)
    jobs.register(KIND, work)
    yield calls
    if saved is not None:
        jobs.register(KIND, saved)


def running_job(worker, lease_seconds=60):
    return Job.objects.create(
        kind=KIND,
        state=Job.State.RUNNING,
        worker=worker,
        lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds),
    )


def test_run_job_takes_the_lease_and_releases_it_when_done(db, handler):
    job = Job.objects.create(kind=KIND)
    assert jobs.run_job.call(job.pk) == "done"
    job.refresh_from_db()
    assert (job.state, job.worker, job.lease_expires_at) == (
        Job.State.DONE,
        jobs.worker_name(),
        None,
    )
    assert handler == [job.pk]


def test_a_job_held_by_a_live_worker_is_not_run_again(db, handler):
    job = running_job("otherhost:123:live")
    assert jobs.run_job.call(job.pk) == "skipped"
    assert handler == []
    with pytest.raises(ValidationError, match="is running"):
        jobs.requeue_job(job)


def test_a_job_whose_lease_expired_is_taken_over(db, handler, django_capture_on_commit_callbacks):
    job = running_job("otherhost:123:frozen", lease_seconds=-1)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.recover_stalled_jobs() == [job.pk]
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert handler == [job.pk]


def test_a_job_of_a_dead_process_on_this_host_is_taken_over_at_once(
    db, handler, django_capture_on_commit_callbacks
):
    job = running_job(f"{HOST}:{DEAD_PID}:gone", lease_seconds=600)
    alive = running_job(f"{HOST}:1:init")  # pid 1 exists
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.recover_stalled_jobs() == [job.pk]
    assert Job.objects.get(pk=alive.pk).state == Job.State.RUNNING
    assert handler == [job.pk]


def test_a_live_process_on_this_host_keeps_its_job_even_when_its_lease_ran_out(db, handler):
    # On SQLite a long import renews its lease only through its progress file.
    job = running_job(f"{HOST}:1:init", lease_seconds=-600)
    assert jobs.recover_stalled_jobs() == []
    assert Job.objects.get(pk=job.pk).state == Job.State.RUNNING
    with pytest.raises(ValidationError, match="is running"):
        jobs.requeue_job(job)


def test_a_worker_takes_back_its_own_job_after_losing_its_connection(
    db, handler, django_capture_on_commit_callbacks
):
    job = running_job(jobs.worker_name())
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.recover_stalled_jobs() == []  # its own live job: left alone
        assert jobs.recover_stalled_jobs(own=True) == [job.pk]
    assert Job.objects.get(pk=job.pk).state == Job.State.DONE


def test_a_run_whose_job_was_taken_over_stops_without_touching_it(db):
    job = Job.objects.create(kind=KIND)

    def taken_over(job, progress):
        Job.objects.filter(pk=job.pk).update(worker="otherhost:9:new")
        progress(5, 10)  # renewing the lease finds another worker
        raise AssertionError("not reached")

    saved = jobs.HANDLERS.get(KIND)
    jobs.register(KIND, taken_over)
    try:
        assert jobs.run_job.call(job.pk) == "taken over"
    finally:
        jobs.register(KIND, saved)
    job.refresh_from_db()
    assert (job.state, job.worker) == (Job.State.RUNNING, "otherhost:9:new")


def test_two_workers_recovering_at_once_queue_a_job_once(db, monkeypatch):
    job = running_job("otherhost:123:frozen", lease_seconds=-1)
    queued = []
    monkeypatch.setattr(jobs, "_enqueue", lambda j: queued.append(j.pk))
    assert jobs.recover_stalled_jobs() == [job.pk]
    assert jobs.recover_stalled_jobs() == []
    assert queued == [job.pk]


def test_a_killed_worker_not_yet_reaped_counts_as_gone():
    import subprocess
    import time

    child = subprocess.Popen(["sleep", "30"])  # noqa: S607 - a stand-in worker process
    try:
        time.sleep(0.1)
        assert jobs._process_exists(child.pid)
        child.kill()
        deadline = time.monotonic() + 5
        while jobs._process_exists(child.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not jobs._process_exists(child.pid)  # a zombie until waited for
    finally:
        child.kill()
        child.wait()
