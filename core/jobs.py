"""Background jobs: a ``Job`` record per queued operation, run by Django's tasks API.

The queue is ``django-tasks`` (the backport of Django 6's ``django.tasks``) with the
database backend of ``django-tasks-db``; ``manage.py db_worker`` runs the jobs.
One task, ``run_job``, runs every job: it looks up the handler of the job's kind
(registered by the app that owns the work, in its ``AppConfig.ready()``, so that
core never imports a higher app), keeps the job's state and progress, and records
why it failed.

Handlers must be idempotent: a job whose worker was killed is run again and must
finish without doing anything twice.

A job survives its worker (docs/jobs.md): the worker that runs a job holds a lease
on it (``Job.worker``, ``Job.lease_expires_at``) and renews it whenever it reports
progress. ``recover_stalled_jobs`` — called by every worker when it starts and then
every few seconds — queues again the jobs whose worker is gone: on this host a
worker process that no longer exists, elsewhere a lease that expired. The run that
takes over resumes where the last one stopped; a run that finds its lease taken
stops (``LeaseLost``) without touching the job.
"""

import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

try:  # Django 6 has the tasks API built in; on 5.2 it is the django-tasks backport.
    from django.tasks import TaskResultStatus, task
    from django.tasks.backends.immediate import ImmediateBackend
    from django.tasks.exceptions import TaskResultDoesNotExist
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import TaskResultStatus, task
    from django_tasks.backends.immediate import ImmediateBackend
    from django_tasks.exceptions import TaskResultDoesNotExist

from core import request_context
from core.logs import WITHOUT_EXCEPTION_MESSAGE
from core.models import Job

logger = logging.getLogger(__name__)

# kind -> handler(job, progress) returning a short summary (kept as the job's note
# when something partly failed) or "".
Handler = Callable[[Job, "Progress"], str]
HANDLERS: dict[str, Handler] = {}
ERROR_MAX_LENGTH = 2000
PROGRESS_INTERVAL_SECONDS = 0.5


class LeaseLost(Exception):  # noqa: N818 - a state, not an error of the job
    """Another worker took the job over (this one was taken for dead): stop."""


_worker_names: dict[int, str] = {}


def worker_name() -> str:
    """This process as a job worker: ``host:pid:nonce`` (the nonce tells apart a
    process that reuses the pid of one that died)."""
    pid = os.getpid()
    if pid not in _worker_names:
        _worker_names[pid] = f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}"
    return _worker_names[pid]


def _lease_end():
    return timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS)


def _process_exists(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie — killed, not yet reaped — does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        pass
    try:
        # /proc/<pid>/stat: "pid (name) state …"; the name may hold spaces.
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True  # no /proc (not Linux): the signal check has to do
    return state != "Z"


def _worker_is_gone(worker: str) -> bool:
    """Whether the worker ``host:pid:nonce`` is known to be gone: on this host its
    process no longer exists (or is a new process with the same pid)."""
    host, _, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return worker != worker_name()
    return not _process_exists(pid)


def _is_stalled(worker: str, lease_expires_at, now, *, own: bool = False) -> bool:
    """Whether a running job's worker is gone. On this host the process decides: a
    live process is still at work even when its lease ran out (on SQLite a long import
    renews it only through its progress file). Elsewhere the lease decides."""
    if not worker or lease_expires_at is None:
        return True  # taken before jobs had leases
    if own and worker == worker_name():
        return True
    if worker.partition(":")[0] == socket.gethostname():
        return _worker_is_gone(worker)
    return lease_expires_at < now


def recover_stalled_jobs(*, own: bool = False) -> list[int]:
    """Queue again the running jobs whose worker is gone; returns their ids.

    A job is stalled when its worker process on this host no longer exists, or when
    the lease of a worker on another host expired (it stopped renewing it: killed,
    frozen, cut off from the database). ``own=True`` also takes back this process's
    own running jobs: a worker calls it after it lost its database connection in the
    middle of a job. Each job is requeued by one conditional UPDATE, so two workers
    recovering at once queue it once.
    """
    now = timezone.now()
    running = Job.objects.filter(state=Job.State.RUNNING)
    candidates = [
        (pk, worker)
        for pk, worker, lease in running.values_list("pk", "worker", "lease_expires_at")
        if _is_stalled(worker, lease, now, own=own)
    ]
    recovered = []
    for pk, worker in candidates:
        taken = Job.objects.filter(pk=pk, state=Job.State.RUNNING, worker=worker).update(
            state=Job.State.QUEUED, lease_expires_at=None
        )
        if taken:
            job = Job.objects.get(pk=pk)
            with job_log_context(job):
                logger.warning("Job %s: its worker %s is gone; queued again", pk, worker or "?")
            _enqueue(job)
            recovered.append(pk)
    return recovered + _requeue_untaken_jobs(now)


def _requeue_untaken_jobs(now) -> list[int]:
    """Queue a new task for the queued jobs whose task a worker took from the queue
    longer than a lease ago without taking the job: that worker died in between, and
    no other worker would ever run the task."""
    backend = run_job.get_backend()
    if not backend.supports_get_result:
        return []
    cutoff = now - timedelta(seconds=settings.JOB_LEASE_SECONDS)
    queued = Job.objects.filter(state=Job.State.QUEUED, created_at__lt=cutoff)
    requeued = []
    for pk, task_id in queued.values_list("pk", "task_result_id"):
        try:
            result = run_job.get_result(task_id)
        except TaskResultDoesNotExist:
            result = None
        if result is not None and (
            result.status == TaskResultStatus.READY or (result.started_at or now) >= cutoff
        ):
            continue  # waiting in the queue, or just taken by a worker
        # One worker wins: the job's task changes only here and in _enqueue.
        if Job.objects.filter(pk=pk, state=Job.State.QUEUED, task_result_id=task_id).update(
            task_result_id=""
        ):
            job = Job.objects.get(pk=pk)
            with job_log_context(job):
                logger.warning("Job %s: the worker that took its task is gone; queued again", pk)
            _enqueue(job)
            requeued.append(pk)
    return requeued


def register(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


def visible_jobs(user):
    """The jobs ``user`` may see: their own; a manager sees everyone's."""
    jobs = Job.objects.defer("payload").select_related("user")
    if user.has_perm("core.view_all_jobs"):
        return jobs
    return jobs.filter(user_id=user.pk)


def start_job(
    *,
    kind: str,
    user=None,
    description: str = "",
    total: int = 0,
    params: dict | None = None,
    payload: bytes | None = None,
    reference: str = "",
    result_url: str = "",
) -> Job:
    """Record a job and queue it.

    Call it inside the transaction that makes the work: with the database queue
    the job and its task commit together with the work; with the immediate
    backend the job runs once that transaction has committed.

    The job keeps the id of the request that starts it, and its worker logs under
    that id; a job started outside a request (a management command) gets an id of
    its own (docs/logs.md).
    """
    request_id = request_context.current_request_id() or request_context.new_request_id()
    job = Job.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        description=description[:200],
        total=total,
        params=params or {},
        payload=payload,
        reference=reference,
        result_url=result_url,
        request_id=request_id,
    )
    _enqueue(job)
    with request_context.bind(request_id=request_id, job_id=job.pk):
        logger.info("Job %s (%s) queued", job.pk, job.kind)
    return job


def requeue_job(job: Job) -> Job:
    """Queue a failed or stalled job again. Refused for a done job and for one that a
    live worker is running (it would be taken over if that worker stopped)."""
    if job.state == Job.State.DONE:
        raise ValidationError(
            _("Job %(id)s is done; there is nothing to run again.") % {"id": job.pk}
        )
    stored = Job.objects.filter(pk=job.pk).values("state", "worker", "lease_expires_at").first()
    if (
        stored is not None
        and stored["state"] == Job.State.RUNNING
        and not _is_stalled(stored["worker"], stored["lease_expires_at"], timezone.now())
    ):
        raise ValidationError(
            _(
                "Job %(id)s is running. Should its worker stop, another worker takes it "
                "over by itself."
            )
            % {"id": job.pk}
        )
    # Run again from a page: the run is followed under that request's id (docs/logs.md).
    job.request_id = request_context.current_request_id() or job.request_id
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.QUEUED, finished_at=None, request_id=job.request_id
    )
    job.state = Job.State.QUEUED
    _enqueue(job)
    with request_context.bind(request_id=job.request_id, job_id=job.pk):
        logger.info("Job %s (%s) queued again", job.pk, job.kind)
    return job


def _enqueue(job: Job) -> None:
    def enqueue():
        result = run_job.enqueue(job.pk)
        Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id)[:64])
        job.task_result_id = str(result.id)

    if isinstance(run_job.get_backend(), ImmediateBackend):
        transaction.on_commit(enqueue)  # runs now: only once the work is committed
    else:
        enqueue()  # the task row commits (or rolls back) with the work


class Progress:
    """Writes a job's processed / total at most twice a second.

    ``in_transaction=True`` is for work that runs inside one long transaction (an
    import): its writes would only be seen at commit, so on PostgreSQL progress
    goes through a second connection; SQLite allows one writer at a time, so there
    it goes to a small file that the progress panel reads (``side_progress``).
    """

    def __init__(self, job: Job):
        self.job = job
        self.last_write = 0.0
        self._side = None

    def renew(self) -> None:
        """Renew this worker's lease on the job; ``LeaseLost`` when it was taken over."""
        self.last_write = time.monotonic()
        kept = Job.objects.filter(pk=self.job.pk, worker=self.job.worker).update(
            processed=self.job.processed, total=self.job.total, lease_expires_at=_lease_end()
        )
        if not kept:
            raise LeaseLost(self.job.pk)

    def __call__(self, processed: int, total: int | None = None, *, in_transaction=False):
        now = time.monotonic()
        finished = total is not None and processed >= total
        if not finished and now - self.last_write < PROGRESS_INTERVAL_SECONDS:
            return
        self.last_write = now
        self.job.processed = processed
        if total is not None:
            self.job.total = total
        if not in_transaction or not connection.in_atomic_block:
            self.renew()
        elif connection.vendor == "postgresql":
            self._side_update()
        else:
            _write_side_progress(self.job.pk, self.job.processed, self.job.total)

    def _side_update(self):
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Job._meta.db_table} SET processed = %s, total = %s, "  # noqa: S608 - table name from the model
                "lease_expires_at = %s WHERE id = %s",
                [self.job.processed, self.job.total, _lease_end(), self.job.pk],
            )

    def close(self):
        if self._side is not None:
            self._side.close()
            self._side = None
        _side_progress_file(self.job.pk).unlink(missing_ok=True)


def _side_progress_file(job_id: int) -> Path:
    return Path(settings.JOB_PROGRESS_DIR) / f"{int(job_id)}.json"


def _write_side_progress(job_id: int, processed: int, total: int) -> None:
    path = _side_progress_file(job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"processed": processed, "total": total}))
    temporary.replace(path)  # readers never see half a file


def side_progress(job: Job) -> Job:
    """``job`` with the progress its worker reported outside the database (SQLite,
    during one long transaction), when there is such a report."""
    if job.state != Job.State.RUNNING:
        return job
    try:
        report = json.loads(_side_progress_file(job.pk).read_text())
    except (OSError, ValueError):
        return job
    job.processed = max(job.processed, int(report.get("processed", 0)))
    job.total = max(job.total, int(report.get("total", 0)))
    return job


# SQLSTATEs of a lost connection: class 08, and the server shutting down or terminating
# the session (57P01-57P03).
LOST_CONNECTION_STATES = ("08", "57P01", "57P02", "57P03")


def connection_lost(error: BaseException) -> bool:
    """Whether ``error`` is the database connection breaking (a restart, a terminated
    session, a network cut) rather than a failure of the job. A locked SQLite
    database, a deadlock or a statement timeout is not.

    Decided by the error, not by the connection: by the time the job sees it, Django
    may already have replaced the connection (``CONN_HEALTH_CHECKS``)."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    sqlstate = getattr(error.__cause__, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith(LOST_CONNECTION_STATES)
    if connection.vendor == "postgresql":
        return True  # raised by the client library itself: the connection failed
    return connection.connection is None or not connection.is_usable()


def error_summary(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        text = " ".join(str(message) for message in error.messages)
    else:
        text = f"{type(error).__name__}: {error}"
    if len(text) > ERROR_MAX_LENGTH:
        text = text[: ERROR_MAX_LENGTH - 1] + "…"
    return text


@task()
def run_job(job_id: int) -> str:
    """Run job ``job_id``: take its lease, call its handler, record the outcome.

    The job is taken only when it is queued or its last worker is gone; a second
    delivery of the task while another worker holds the job does nothing.
    """
    now = timezone.now()
    me = worker_name()
    taken = (
        Job.objects.filter(pk=job_id)
        .filter(
            Q(state=Job.State.QUEUED)
            | Q(state=Job.State.RUNNING, lease_expires_at__lt=now)
            | Q(state=Job.State.RUNNING, lease_expires_at=None)
        )
        .update(
            state=Job.State.RUNNING,
            started_at=now,
            finished_at=None,
            error="",
            attempts=F("attempts") + 1,
            worker=me,
            lease_expires_at=_lease_end(),
        )
    )
    job = Job.objects.filter(pk=job_id, worker=me).first() if taken else None
    if job is None:
        return "skipped"  # deleted, finished, or held by a live worker
    # Every line logged while the job runs carries the id of the request that started
    # it, the job's id and its user's id (docs/logs.md).
    with job_log_context(job):
        started = time.monotonic()
        logger.info("Job %s (%s) started, attempt %s", job.pk, job.kind, job.attempts)
        outcome = "interrupted"  # the worker stops, or lost its database connection
        try:
            outcome = _run(job, me)
        except Exception as error:
            if not connection_lost(error):
                outcome = "failed"
            raise
        finally:
            logger.info(
                "Job %s (%s) ended: %s in %.2f s",
                job.pk,
                job.kind,
                outcome,
                time.monotonic() - started,
            )
        return outcome


def job_log_context(job: Job):
    """The log context of a job's run: its request id, its id and its user's id."""
    return request_context.bind(request_id=job.request_id, user_id=job.user_id, job_id=job.pk)


def task_log_context(task_path: str, args: list):
    """The log context for a worker running the task ``task_path(*args)``: the job's
    when it is ``run_job``, so that the task library's own lines about it carry the
    job's request id too (``manage.py db_worker``)."""
    if task_path != run_job.module_path or len(args) != 1 or not isinstance(args[0], int):
        return contextlib.nullcontext()
    try:
        job = Job.objects.only("pk", "user_id", "request_id").filter(pk=args[0]).first()
    except DatabaseError:
        return contextlib.nullcontext()  # the run itself meets the outage
    return job_log_context(job) if job is not None else contextlib.nullcontext()


def _run(job: Job, me: str) -> str:
    """Call the handler of ``job``, taken by this worker ``me``; record the outcome."""
    handler = HANDLERS.get(job.kind)
    progress = Progress(job)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        note = handler(job, progress) or ""
    except LeaseLost:
        logger.warning("Job %s was taken over by another worker; this run stops", job.pk)
        return "taken over"
    except Exception as error:
        if connection_lost(error):
            # Not the job's failure: it stays running, and its worker takes it back
            # once it has reconnected (manage.py db_worker), or the lease runs out.
            logger.warning("Job %s lost its database connection; it will resume", job.pk)
            raise
        # Without the exception's message, which may quote a contact's data (an
        # import's row errors): that is the job's error summary.
        logger.exception("Job %s (%s) failed", job.pk, job.kind, extra=WITHOUT_EXCEPTION_MESSAGE)
        Job.objects.filter(pk=job.pk, worker=me).update(
            state=Job.State.FAILED,
            finished_at=timezone.now(),
            error=error_summary(error),
            lease_expires_at=None,
        )
        raise
    finally:
        progress.close()
    Job.objects.filter(pk=job.pk, worker=me).update(
        state=Job.State.DONE,
        finished_at=timezone.now(),
        processed=job.processed,
        total=job.total,
        error=note[:ERROR_MAX_LENGTH],
        payload=None,
        lease_expires_at=None,
    )
    return "done"
