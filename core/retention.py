"""What ``manage.py prune`` removes by age (docs/operations.md, Retention).

Each kind of record that piles up registers here with the queryset of the rows that
may go (never a queued or running job), the date field its age is taken from and a
default age in days. Apps register their own kinds in ``AppConfig.ready()`` (the
e-mail delivery events are the mailings app's), so core never imports a higher app.
Rows are deleted in batches of primary keys, each batch its own transaction, so a
prune of millions of rows never holds one long lock.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BATCH_SIZE = 5000


@dataclass(frozen=True)
class Retention:
    name: str
    label: str  # a lazy translation
    rows: Callable[[], QuerySet]  # the rows that may be pruned at all
    date_field: str
    default_days: int

    def older_than(self, days: int) -> QuerySet:
        cutoff = timezone.now() - timedelta(days=days)
        return self.rows().filter(**{f"{self.date_field}__lt": cutoff})

    def count(self, days: int) -> int:
        return self.older_than(days).count()

    def delete(self, days: int, progress: Callable[[int], None] | None = None) -> int:
        """Delete the rows older than ``days``, a batch at a time; the number deleted."""
        model = self.rows().model
        deleted = 0
        while True:
            batch = list(self.older_than(days).order_by().values_list("pk", flat=True)[:BATCH_SIZE])
            if not batch:
                return deleted
            with transaction.atomic():
                deleted += (
                    model._default_manager.filter(pk__in=batch)
                    .delete()[1]
                    .get(model._meta.label, 0)
                )
            if progress:
                progress(deleted)


KINDS: dict[str, Retention] = {}


def register(retention: Retention) -> None:
    KINDS[retention.name] = retention


def register_core_kinds() -> None:
    from django_tasks_db.models import DBTaskResult

    from core.jobs import TaskResultStatus
    from core.models import AuditEntry, Job

    register(
        Retention(
            name="jobs",
            label=_("finished jobs"),
            rows=lambda: Job.objects.filter(state__in=[Job.State.DONE, Job.State.FAILED]),
            date_field="finished_at",
            default_days=90,
        )
    )
    register(
        Retention(
            name="task_results",
            label=_("finished task rows of the job queue"),
            rows=lambda: DBTaskResult.objects.filter(
                status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED]
            ),
            date_field="finished_at",
            default_days=90,
        )
    )
    register(
        Retention(
            name="audit",
            label=_("audit log entries"),
            rows=lambda: AuditEntry.objects.all(),
            date_field="created_at",
            default_days=730,
        )
    )
