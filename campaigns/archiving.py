"""Archiving old interaction log entries by date (docs/archiving.md).

``archive_interactions(before=…)`` moves the interactions dated before a day out of the
database: each batch is written to a CSV file (when one is given) and deleted in its
own transaction, so a run that is stopped leaves the batches it finished done and
nothing half. The rows go in the order of their date, a day at a time, found through
the date index; a batch is a fixed number of statements whatever the table's size.

Never archived (``kept``): postponed interactions (not logged yet); the interactions
of a campaign that is activated (its target group is built from them, pricing.md) or
has not ended before the cutoff (no ending date, or ending on or after it), so that a
campaign's statistics are never cut in the middle; and what a higher app registers
with ``register_kept`` (the mailings app: an e-mail still queued, being sent or
uncertain). Archived interactions leave the statistics: the campaigns' sums per day
(``InteractionDay``) are made again in each batch's transaction, so the dashboard and
the statistics page keep agreeing.
"""

import csv
import datetime
import gzip
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from campaigns.models import InteractionLogEntry
from campaigns.services import notify_interactions_changed
from contacts.models import Contact
from core import audit
from core.arguments import date_arg
from core.bulk_records import delete_set
from core.models import AuditAction
from core.presentation import count_text

BATCH_SIZE = 10_000
MAX_BATCH_SIZE = 50_000

# (name, function returning a Q of the rows that must stay), added by higher apps.
_KEPT: list[tuple[str, Callable[[], Q]]] = []
# Lookups of related rows that go with an interaction (its e-mail), written to the file.
_COLUMNS: list[str] = []


def register_kept(name: str, rows: Callable[[], Q]) -> None:
    """A rule of a higher app: the interactions matching ``rows()`` are never archived."""
    if name not in {known for known, _rows in _KEPT}:
        _KEPT.append((name, rows))


def register_columns(*lookups: str) -> None:
    """Columns of related rows deleted with an interaction, kept in the archive file."""
    _COLUMNS.extend(lookup for lookup in lookups if lookup not in _COLUMNS)


def older(before: datetime.date) -> QuerySet:
    return InteractionLogEntry.objects.filter(date__lt=before).order_by()


def archivable(before: datetime.date) -> QuerySet:
    """The interactions dated before ``before`` that may go (the module's docstring)."""
    rows = older(before).filter(
        Q(campaign__isnull=True) | Q(campaign__activated=False, campaign__ending_date__lt=before),
        postponed=False,
    )
    for _name, kept in _KEPT:
        rows = rows.exclude(kept())
    return rows


def columns() -> list[str]:
    """The archive file's header: every column of the table, the contact's and the
    campaign's No., then the registered related columns."""
    own = [field.attname for field in InteractionLogEntry._meta.concrete_fields]
    return [*own, "contact__no", "contact_company__no", "campaign__no", *_COLUMNS]


def check_before(before) -> datetime.date:
    before = date_arg(before, label=_("Before"), key="before")
    if before > timezone.localdate():
        raise ValidationError(
            _("The date %(date)s is in the future: only interactions of the past are archived.")
            % {"date": before.isoformat()}
        )
    return before


@dataclass
class Preview:
    archivable: int
    kept: int


def preview(before) -> Preview:
    """How many interactions a run would archive, and how many older ones stay."""
    before = check_before(before)
    total = older(before).count()
    count = archivable(before).count()
    return Preview(archivable=count, kept=total - count)


class ArchiveFile:
    """A gzip CSV file written a batch at a time, each batch a gzip member of its own
    that is on disk before the batch's rows are deleted; a file of several members is
    one gzip file to every reader (``gzip``, ``zcat``, Python's ``gzip.open``)."""

    def __init__(self, path: str):
        self.path = path
        try:
            self._file = open(path, "xb")  # never overwrites an archive
        except FileExistsError:
            raise ValidationError(
                _("The file %(path)s exists already; name a new file.") % {"path": path}
            ) from None
        except OSError as error:
            raise ValidationError(
                _("The file %(path)s cannot be written: %(error)s.")
                % {"path": path, "error": error.strerror}
            ) from None

    def write(self, rows: list[list]) -> None:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        self._file.write(gzip.compress(text.getvalue().encode("utf-8")))
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def read_archive(path: str) -> list[dict]:
    """The rows of an archive file, as dictionaries keyed by its header."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@dataclass
class Result:
    archived: int = 0
    batches: int = 0
    campaigns: set = field(default_factory=set)


def _value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def archive_interactions(
    *,
    before,
    path: str | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    user=None,
) -> Result:
    """Archive (write to ``path`` when given, then delete) the interactions dated
    before ``before`` that are not kept, ``batch_size`` rows per transaction; one
    audit entry for the run."""
    before = check_before(before)
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValidationError(
            _("The batch size must be from 1 to %(max)s.") % {"max": count_text(MAX_BATCH_SIZE)}
        )
    header = columns()
    archive = ArchiveFile(path) if path else None
    result = Result()
    try:
        if archive:
            archive.write([header])
        # The next day is found through the date index alone; a day whose rows are
        # all kept costs one empty batch query.
        day = older(before).aggregate(day=Min("date"))["day"]
        while day is not None:
            last_id = 0
            while True:
                with transaction.atomic():
                    done = _archive_batch(before, day, last_id, batch_size, header, archive)
                if not done:
                    break
                last_id, count, campaign_ids = done
                result.archived += count
                result.batches += 1
                result.campaigns |= campaign_ids
                if progress:
                    progress(result.archived)
            day = older(before).filter(date__gt=day).aggregate(day=Min("date"))["day"]
    finally:
        if archive:
            archive.close()
        if result.archived:
            _audit(user, before, path, result)
    return result


def _archive_batch(before, day, last_id, batch_size, header, archive):
    """One batch of ``day``'s archivable interactions after ``last_id``: read, written,
    deleted with their e-mail, the campaigns' sums per day made again."""
    own = header[: header.index("contact__no")]
    related = header[header.index("campaign__no") :]
    rows = list(
        archivable(before)
        .filter(date=day, id__gt=last_id)
        .order_by("id")
        .values_list(*own, *related)[:batch_size]
    )
    if not rows:
        return None
    ids = [row[0] for row in rows]
    contact, company, campaign = (
        own.index("contact_id"),
        own.index("contact_company_id"),
        own.index("campaign_id"),
    )
    campaign_ids = {row[campaign] for row in rows if row[campaign]}
    # The contacts' No. in a query of their own: a join would make the batch's plan
    # depend on the contact table.
    numbers = dict(
        Contact.objects.filter(
            pk__in={row[contact] for row in rows} | {row[company] for row in rows}
        ).values_list("pk", "no")
    )
    # Set-based as one delete would: the e-mail's ledger row and its events go, an
    # opt-out keeps its record without the link (core.bulk_records).
    delete_set(InteractionLogEntry, ids)
    notify_interactions_changed(campaign_ids)
    if archive:
        # On disk before the transaction commits: a row deleted is always in the file.
        archive.write(
            [
                [
                    _value(value)
                    for value in (
                        *row[: len(own)],
                        numbers.get(row[contact], ""),
                        numbers.get(row[company], ""),
                        *row[len(own) :],
                    )
                ]
                for row in rows
            ]
        )
    return ids[-1], len(ids), campaign_ids


def _audit(user, before, path, result: Result) -> None:
    detail = audit.message(
        gettext_noop("dated before %(date)s; file: %(file)s"),
        date=before,
        file=os.path.basename(path) if path else "—",
    )
    with transaction.atomic():
        audit.record(user, AuditAction.INTERACTIONS_ARCHIVED, None, result.archived, detail)
