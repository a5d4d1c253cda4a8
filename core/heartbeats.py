"""Heartbeats of the running job workers (docs/monitoring.md, Readiness).

The watchdog thread of every ``manage.py db_worker`` calls :func:`beat` each time it
wakes (every ``JOB_RECOVERY_INTERVAL_SECONDS``): one INSERT … ON CONFLICT UPDATE of
its own row, named as the worker names itself on the jobs it runs
(``core.jobs.worker_name()``). A worker that stops cleanly deletes its row
(:func:`forget`); a killed one leaves it to go stale, and rows not seen for a day
are removed (:func:`sweep`). Readiness asks for one worker seen lately
(:func:`fresh_workers`).
"""

import os
import socket
from datetime import timedelta

from django.utils import timezone

from core.jobs import worker_name
from core.models import WorkerHeartbeat

STALE_AFTER = timedelta(days=1)


def beat(*, started_at=None) -> None:
    """Record that this worker process is alive now: one statement."""
    now = timezone.now()
    WorkerHeartbeat.objects.bulk_create(
        [
            WorkerHeartbeat(
                worker=worker_name(),
                host=socket.gethostname()[:255],
                pid=os.getpid(),
                started_at=started_at or now,
                last_seen=now,
            )
        ],
        update_conflicts=True,
        unique_fields=["worker"],
        update_fields=["last_seen"],
    )


def forget() -> None:
    """This worker stops: its row goes."""
    WorkerHeartbeat.objects.filter(worker=worker_name()).delete()


def sweep() -> int:
    """Remove the rows of workers not seen for a day (killed, never to return)."""
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen__lt=timezone.now() - STALE_AFTER).delete()
    return deleted


def fresh_workers(max_age_seconds: float) -> int:
    """How many workers were seen in the last ``max_age_seconds``."""
    since = timezone.now() - timedelta(seconds=max_age_seconds)
    return WorkerHeartbeat.objects.filter(last_seen__gte=since).count()
