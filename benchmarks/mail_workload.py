"""W7: the e-mails of logged segments sent by real ``manage.py db_worker`` processes to a
real SMTP server on loopback (aiosmtpd, ``tests/mailings/smtp.py``).

Runs: 10,000 and 50,000 e-mails of one logged segment with one worker, and 50,000 with
two workers. A logged segment's job runs on one worker at a time, so the two workers
get two logged segments of 25,000 each (two jobs at once). Each run logs its segments
(committed: the workers are other processes), starts the workers, waits for the jobs
and then checks the ledger against what the server received: every message received
once, sent = received = the number of e-mails, the ledger invariant. Messages per
second count from the first job's start to the last job's end (the workers' start-up
is left out); the peak memory of each worker is its ``VmHWM``. Everything the runs
wrote is deleted afterwards.
"""

import contextlib
import os
import time

from django.db import connection
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from benchmarks import scaleout
from benchmarks.harness import Result, execute, table
from campaigns.models import CampaignEntry, InteractionLogEntry, InteractionTemplate
from contacts.models import Contact, ContactType
from core.models import Job
from mailings.models import EmailDelivery
from segments import services
from segments.models import LoggedSegment, Segment
from segments.segment_logging import log_segment
from tests.mailings.smtp import LocalSMTPServer
from tests.worker_processes import WorkerPool, worker_env

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RUNS = [(10_000, 1), (50_000, 1), (50_000, 2)]  # (e-mails, workers)
TIMEOUT_SECONDS = 1800


def _persons_from(count: int, skip: int = 0) -> str:
    """The No. from which the last ``count`` persons (after skipping the last ``skip``)
    that a segment takes are found: the bulk contacts, all with an e-mail address."""
    persons = Contact.objects.filter(type=ContactType.PERSON, exclude_from_segments=False).exclude(
        email=""
    )
    return persons.order_by("-no").values_list("no", flat=True)[skip + count - 1]


def _log(count: int, skip: int, title: str):
    first = _persons_from(count, skip)
    last = _persons_from(1, skip)
    segment = Segment(
        description=f"W7 {title}",
        interaction_template=InteractionTemplate.objects.get(code="EMAIL"),
    )
    services.save_segment(segment=segment)
    added = services.add_contacts(
        segment=segment, filters={"type": "person", "no": f"{first}..{last}"}
    ).added
    if added != count:
        raise RuntimeError(f"W7: the segment has {added:,} lines, not {count:,}")
    with override_settings(TASKS=DATABASE_QUEUE):
        result = log_segment(segment=segment, send_attachments=True)
    if result.job is None or result.emails != count:
        raise RuntimeError(f"W7: {result.emails:,} e-mails queued, not {count:,}")
    return result.logged_segment, result.job


def _cleanup(logged_ids: list[int], job_ids: list[int]) -> None:
    """Delete what the run wrote (set-based; no signals are needed for these rows)."""
    if not logged_ids:
        return
    marks = ", ".join(["%s"] * len(logged_ids))
    execute(
        f"DELETE FROM {table(EmailDelivery)} WHERE logged_segment_id IN ({marks})",  # noqa: S608
        logged_ids,
    )
    execute(
        f"DELETE FROM {table(InteractionLogEntry)} WHERE logged_segment_id IN ({marks})",  # noqa: S608
        logged_ids,
    )
    CampaignEntry.objects.filter(logged_segment_id__in=logged_ids).delete()
    LoggedSegment.objects.filter(pk__in=logged_ids).delete()
    Job.objects.filter(pk__in=job_ids).delete()
    tasks = DBTaskResult.objects.filter(task_path="core.jobs.run_job")
    DBTaskResult.objects.filter(
        pk__in=[
            pk
            for pk, arguments in tasks.values_list("pk", "args_kwargs")
            if (arguments.get("args") or [None])[0] in job_ids
        ]
    ).delete()


def _run(count: int, workers: int, env: dict, log_dir, *, pooled: bool = False) -> Result:
    if workers == 1:
        title = f"{count:,} e-mails of one logged segment, 1 worker"
    else:
        title = (
            f"{count:,} e-mails of {workers} logged segments of {count // workers:,}, "
            f"{workers} workers"
        )
    if pooled:
        title += ", through PgBouncer (transaction mode)"
    result = Result("W7", title)
    per_job = count // workers
    logged_ids, job_ids = [], []
    try:
        jobs = []
        for n in range(workers):
            logged, job = _log(per_job, n * per_job, f"{count} {workers}w {n}")
            logged_ids.append(logged.pk)
            job_ids.append(job.pk)
            jobs.append(job)
        connection.close()  # SQLite: no reader of ours keeps an old snapshot
        with LocalSMTPServer() as smtp:
            worker_log_dir = log_dir / f"w7-{count}-{workers}"
            worker_log_dir.mkdir(parents=True, exist_ok=True)
            wall_start = time.perf_counter()
            with WorkerPool({**env, **smtp.env}, worker_log_dir) as pool:
                started = [pool.start() for _ in range(workers)]
                peaks, cpu_at_start, cpu_at_end = {}, {}, {}

                def finished():
                    states = list(
                        Job.objects.filter(pk__in=job_ids).values_list("state", flat=True)
                    )
                    for worker in started:  # read while it runs
                        peaks[worker.pid] = worker.peak_rss_kib() or peaks.get(worker.pid, 0)
                        cpu_at_end[worker.pid] = worker.cpu_seconds() or cpu_at_end.get(worker.pid)
                        if "queued" not in states:  # start-up done: every job is taken
                            cpu_at_start.setdefault(worker.pid, cpu_at_end[worker.pid])
                    return all(state in {"done", "failed"} for state in states)

                pool.wait_for(finished, timeout=TIMEOUT_SECONDS, what="W7 jobs", interval=0.5)
                wall = time.perf_counter() - wall_start
                load = os.getloadavg()[0]
            duplicates = smtp.duplicates()
            received = smtp.count
        rows = list(
            Job.objects.filter(pk__in=job_ids).values("state", "started_at", "finished_at", "error")
        )
        seconds = (
            max(row["finished_at"] for row in rows) - min(row["started_at"] for row in rows)
        ).total_seconds()
        counts = {"sent": 0, "failed": 0, "uncertain": 0, "skipped": 0, "total": 0}
        for logged_id in logged_ids:
            ledger = EmailDelivery.objects.of_logged_segment(logged_id).counts()
            for key in counts:
                counts[key] += ledger[key]
        settled = counts["sent"] + counts["failed"] + counts["uncertain"] + counts["skipped"]
        result.extra = {
            "emails": count,
            "workers": workers,
            "seconds": round(seconds, 1),
            "wall_seconds": round(wall, 1),
            "messages_per_second": round(received / seconds) if seconds else 0,
            "peak_rss_mib": [round(kib / 1024, 1) for kib in peaks.values()],
            # The workers' CPU time per message once they had taken their jobs: what one
            # message costs a worker, whatever else the machine does.
            "worker_cpu_ms_per_message": round(
                sum(cpu_at_end[pid] - cpu_at_start.get(pid, 0) for pid in cpu_at_end)
                * 1000
                / max(received, 1),
                2,
            ),
            "load_average": round(load, 1),
            "received": received,
            "sent": counts["sent"],
            "duplicates": len(duplicates),
            "invariant": settled == counts["total"] == count,
            "jobs_done": all(row["state"] == "done" for row in rows),
            "pgbouncer": pooled,
        }
        if not result.extra["jobs_done"]:
            result.notes.append(f"W7: a job did not finish: {[row['error'] for row in rows]}")
    finally:
        _cleanup(logged_ids, job_ids)
    return result


def w7_emails(env: dict, log_dir, runs=None, *, pooled: bool = False) -> list[Result]:
    """The three runs (or ``runs``: (e-mails, workers) pairs); the 50,000-message run of
    one worker carries the peak memory at 10,000 for the flat-memory check. With
    ``pooled`` the workers reach PostgreSQL through a PgBouncer in transaction mode
    (benchmarks/scaleout.py); this process does not."""
    results = []
    with contextlib.ExitStack() as stack:
        url, pooler = env["DATABASE_URL"], {}
        if pooled:
            url = stack.enter_context(scaleout.pgbouncer(url))
            pooler = scaleout.pooled_env(url)
        # The benchmark's settings are in os.environ.
        worker = {**worker_env(url), **pooler}
        for count, workers in runs or RUNS:
            results.append(_run(count, workers, worker, log_dir, pooled=pooled))
    if runs is None:
        baseline = results[0].extra["peak_rss_mib"][0]
        results[1].extra["peak_rss_mib_at_10000"] = baseline
    return results
