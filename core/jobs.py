"""Background jobs: a ``Job`` record per queued operation, run by Django's tasks API.

The queue is ``django-tasks`` (the backport of Django 6's ``django.tasks``) with the
database backend of ``django-tasks-db``; ``manage.py db_worker`` runs the jobs.
One task, ``run_job``, runs every job: it looks up the handler of the job's kind
(registered by the app that owns the work, in its ``AppConfig.ready()``, so that
core never imports a higher app), keeps the job's state and progress, and records
why it failed.

Handlers must be idempotent: a job whose worker was killed can be queued again
(``requeue_job``) and must finish without doing anything twice.
"""

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

try:  # Django 6 has the tasks API built in; on 5.2 it is the django-tasks backport.
    from django.tasks import task
    from django.tasks.backends.immediate import ImmediateBackend
except ImportError:  # pragma: no cover - depends on the Django version
    from django_tasks import task
    from django_tasks.backends.immediate import ImmediateBackend

from core.models import Job

logger = logging.getLogger(__name__)

# kind -> handler(job, progress) returning a short summary (kept as the job's note
# when something partly failed) or "".
Handler = Callable[[Job, "Progress"], str]
HANDLERS: dict[str, Handler] = {}
ERROR_MAX_LENGTH = 2000
PROGRESS_INTERVAL_SECONDS = 0.5


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
    """
    job = Job.objects.create(
        kind=kind,
        user=user if getattr(user, "pk", None) else None,
        description=description[:200],
        total=total,
        params=params or {},
        payload=payload,
        reference=reference,
        result_url=result_url,
    )
    _enqueue(job)
    return job


def requeue_job(job: Job) -> Job:
    """Queue an unfinished or failed job again (e.g. after its worker was killed)."""
    if job.state == Job.State.DONE:
        raise ValidationError(
            _("Job %(id)s is done; there is nothing to run again.") % {"id": job.pk}
        )
    Job.objects.filter(pk=job.pk).update(state=Job.State.QUEUED, finished_at=None)
    job.state = Job.State.QUEUED
    _enqueue(job)
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
            Job.objects.filter(pk=self.job.pk).update(
                processed=self.job.processed, total=self.job.total
            )
        elif connection.vendor == "postgresql":
            self._side_update()
        else:
            _write_side_progress(self.job.pk, self.job.processed, self.job.total)

    def _side_update(self):
        if self._side is None:
            self._side = connections.create_connection(DEFAULT_DB_ALIAS)
        with self._side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Job._meta.db_table} SET processed = %s, total = %s WHERE id = %s",  # noqa: S608 - table name from the model
                [self.job.processed, self.job.total, self.job.pk],
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
    """Run job ``job_id``: mark it running, call its handler, record the outcome."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.state == Job.State.DONE:
        return "skipped"  # deleted, or a second delivery of a finished job
    handler = HANDLERS.get(job.kind)
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING,
        started_at=timezone.now(),
        finished_at=None,
        error="",
        attempts=F("attempts") + 1,
    )
    job.state = Job.State.RUNNING
    progress = Progress(job)
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        note = handler(job, progress) or ""
    except Exception as error:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED, finished_at=timezone.now(), error=error_summary(error)
        )
        raise
    finally:
        progress.close()
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE,
        finished_at=timezone.now(),
        processed=job.processed,
        total=job.total,
        error=note[:ERROR_MAX_LENGTH],
        payload=None,
    )
    return "done"
