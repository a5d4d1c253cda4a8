"""Starting an import: at once for a small file, as a background job for a large one.

A job carries the file itself, so any worker host can run it; the worker reads it as
a stream from the job's payload (its memory is the file's size plus a bounded
amount: the files the page takes are limited in size; a file of millions of rows is
imported with ``manage.py import_contacts`` without ``--queue``, which reads it from
disk). It imports all rows in one transaction, so a worker killed mid-way leaves
nothing behind and the job simply runs again (``core.jobs``; docs/contacts.md, Import).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contacts.importing.file_format import binary_stream, stream_contacts_csv
from contacts.importing.writing import ImportResult, import_contacts
from core.arguments import text_arg
from core.jobs import start_job
from core.models import Job

# Files with more rows than this are imported by a worker (``core.jobs``), with progress.
QUEUE_THRESHOLD = 5000


def count_rows(data: bytes) -> int:
    """The number of data rows of a readable file (0 when it cannot be read), read as
    a stream."""
    try:
        _columns, rows = stream_contacts_csv(binary_stream(data))
        return sum(1 for _row in rows)
    except ValidationError:
        return 0


def queue_import(*, data: bytes, user=None, rows: int | None = None, name: str = "") -> Job:
    """Queue the import of ``data``; the file travels in the job, so any worker host can run it."""
    if not isinstance(data, bytes):
        raise ValidationError(_("The file could not be read."))
    stream_contacts_csv(binary_stream(data))  # a bad header is refused now, not by the worker
    name = text_arg(name, label=_("Name"), max_length=100)
    if rows is not None and (isinstance(rows, bool) or not isinstance(rows, int) or rows < 0):
        raise ValidationError(_("Rows: not a number of rows."))
    rows = count_rows(data) if rows is None else min(rows, 2**31 - 1)
    return start_job(
        kind=Job.Kind.CONTACT_IMPORT,
        user=user,
        description=ngettext(
            "Import of %(n)d contact row%(name)s",
            "Import of %(n)d contact rows%(name)s",
            rows,
        )
        % {"n": rows, "name": f" ({name})" if name else ""},
        total=rows,
        payload=data,
        result_url=reverse("contacts:contact_list"),
    )


@dataclass
class ImportStarted:
    """What ``start_contact_import`` did: imported the rows now (``result``) or queued
    them for a worker (``job``)."""

    rows: int
    result: ImportResult | None = None
    job: Job | None = None


def start_contact_import(*, data: bytes, user=None, name: str = "") -> ImportStarted:
    """Import a checked file: now when it has up to ``QUEUE_THRESHOLD`` rows, else in
    the background (a job with progress). Raises ``ContactImportError`` when the
    contacts changed since the check, ``ValidationError`` for an unreadable file."""
    if not isinstance(data, bytes):
        raise ValidationError(_("The file could not be read."))
    rows = count_rows(data)
    if rows > QUEUE_THRESHOLD:
        with transaction.atomic():
            return ImportStarted(rows, job=queue_import(data=data, user=user, rows=rows, name=name))
    return ImportStarted(rows, result=import_contacts(data=data, user=user))


def run_import_job(job: Job, progress) -> str:
    """The handler of import jobs: all rows in one transaction, or none.

    A worker killed mid-way leaves nothing behind, so the job simply runs again.
    The job is marked done inside the import's transaction: a job whose import
    committed is never imported a second time.
    """
    data = bytes(job.payload or b"")
    with transaction.atomic():
        result = import_contacts(
            data=data,
            user=job.user,
            progress=lambda done, total: progress(done, total, in_transaction=True),
        )
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.DONE,
            processed=result.contacts,
            total=result.contacts,
            finished_at=timezone.now(),
        )
    progress.job.processed = progress.job.total = result.contacts
    return ""
