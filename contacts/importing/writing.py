"""Writing a checked contact file: all rows in one transaction, set-based.

Numbers for blank No.s are reserved in one locked update of the CONTACT number
series (``core.numbering``); companies, then persons (with the ids of companies from
the same file) are inserted with ``bulk_create`` in batches, then their history and
the four classification-code tables. The number of queries depends on the number
of batches, never on the number of rows.
"""

import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from contacts.codes import CODE_GROUPS
from contacts.importing.checking import (
    Candidate,
    ContactImportError,
    inherit_from_company,
    plan_import,
)
from contacts.importing.file_format import BATCH_SIZE, chunks, read_contacts_csv
from contacts.models import Contact, ContactType
from core import audit
from core.models import AuditAction
from core.numbering import reserve_free_numbers

HISTORY_REASON = gettext_noop("Imported from CSV")


@dataclass(frozen=True)
class ImportResult:
    companies: int
    persons: int
    code_assignments: int

    @property
    def contacts(self) -> int:
        return self.companies + self.persons


@contextmanager
def _full_sqlite_parameter_limit(alias: str):
    """Let ``bulk_create`` use SQLite's real limit of parameters per statement.

    Django 5.2 assumes the historic limit of 999, so 2,000 contacts of 16 columns
    would be 35 INSERTs; SQLite ≥ 3.32 allows 32,766 and says so through
    ``getlimit()`` (Python ≥ 3.11). The limit is raised for this connection only
    and only while the import writes.
    """
    connection = connections[alias]
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    getlimit = getattr(connection.connection, "getlimit", None)
    limit = getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else 0
    features = connection.features
    if limit <= features.max_query_params:
        yield
        return
    missing = object()
    previous = features.__dict__.get("max_query_params", missing)
    features.max_query_params = limit
    try:
        yield
    finally:
        if previous is missing:
            del features.max_query_params
        else:
            features.max_query_params = previous


def import_contacts(
    *,
    data: bytes,
    user=None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import the contacts of CSV ``data``: every row or, when any row is wrong, none.

    Raises ``ContactFileError`` for an unreadable file, ``ContactImportError``
    (with ``row_errors``) when rows are wrong, ``ValidationError`` otherwise.
    ``progress(done, total)`` is called after every batch of contacts written.
    """
    if progress is not None and not callable(progress):
        raise ValidationError(_("Progress: not something to call."))
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int)
        or not (1 <= batch_size <= 100_000)
    ):
        raise ValidationError(_("Batch size: a number from 1 to 100,000."))
    contact_file = read_contacts_csv(data)
    try:
        return _import(contact_file, user=user, progress=progress, batch_size=batch_size)
    except IntegrityError:
        # Validation passed, so someone else created the same No. meanwhile.
        raise ValidationError(
            _(
                "Another user created contacts with the same No. while the file was "
                "imported; nothing was imported. Please try again."
            )
        ) from None


@transaction.atomic
def _import(contact_file, *, user, progress, batch_size) -> ImportResult:
    plan = plan_import(contact_file)
    if plan.errors:
        raise ContactImportError(plan.errors)
    candidates = plan.candidates
    total = len(candidates)
    blank = [c.contact for c in candidates if not c.contact.no]
    if blank:
        # As take_next_number would one by one: numbers in use and those typed in the
        # file are skipped.
        typed = {c.contact.no for c in candidates if c.contact.no}
        numbers = reserve_free_numbers(Contact.number_series, len(blank), model=Contact, skip=typed)
        for contact, number in zip(blank, numbers, strict=True):
            contact.no = number
    companies = [c for c in candidates if c.contact.type == ContactType.COMPANY]
    persons = [c for c in candidates if c.contact.type == ContactType.PERSON]
    done = 0
    if progress:
        progress(0, total)
    with _full_sqlite_parameter_limit(Contact.objects.db):
        for group in (companies, persons):
            if group is persons:
                # Companies of this file have their ids now.
                company_of = {c.contact.no: c.contact for c in companies}
                for person in persons:
                    company = company_of.get(person.company_no)
                    if company is not None:
                        person.contact.company_id = company.pk
                        inherit_from_company(person.contact, company)
            for chunk in chunks(group, batch_size):
                contacts = [c.contact for c in chunk]
                Contact.objects.bulk_create(contacts, batch_size=batch_size)
                done += len(contacts)
                if progress:
                    progress(done, total)
            _fill_missing_ids([c.contact for c in group])
        _write_history([c.contact for c in candidates], user=user, batch_size=batch_size)
        assignments = _write_codes(candidates, plan.code_ids, batch_size=batch_size)
    audit.record(
        user,
        AuditAction.CONTACTS_IMPORTED,
        None,
        total,
        audit.message(
            gettext_noop(
                "Companies: %(companies)d, persons: %(persons)d, classification codes: %(codes)d"
            ),
            companies=len(companies),
            persons=len(persons),
            codes=assignments,
        ),
    )
    return ImportResult(
        companies=len(companies), persons=len(persons), code_assignments=assignments
    )


def _fill_missing_ids(contacts: list[Contact]) -> None:
    """Databases that cannot return ids from a bulk insert: look them up by No."""
    missing = {c.no: c for c in contacts if c.pk is None}
    for chunk in chunks(list(missing)):
        for no, pk in Contact.objects.filter(no__in=chunk).values_list("no", "pk"):
            missing[no].pk = pk


def _write_history(contacts: list[Contact], *, user, batch_size: int) -> None:
    """One *Created* history record per contact, as a form save would write."""
    Contact.history.bulk_history_create(
        contacts,
        batch_size=batch_size,
        default_user=user,
        default_change_reason=HISTORY_REASON,
        default_date=timezone.now(),
    )


def _write_codes(candidates: list[Candidate], code_ids: dict, *, batch_size: int) -> int:
    written = 0
    for group in CODE_GROUPS:
        ids = code_ids[group.name]
        rows = [
            group.through(contact_id=c.contact.pk, **{f"{group.code_field}_id": ids[code]})
            for c in candidates
            for code in c.codes[group.name]
        ]
        for chunk in chunks(rows, batch_size):
            group.through.objects.bulk_create(chunk, batch_size=batch_size)
        written += len(rows)
    return written
