"""Importing a contact file: every row or, when any row is wrong, none.

The file is read as a stream and imported through temporary staging tables
(``staging``): peak memory does not grow with the file's size, the checks and the
inserts are set-based, and everything happens in one transaction.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from contacts.importing import staging
from contacts.importing.file_format import BATCH_SIZE, binary_stream, stream_contacts_csv

HISTORY_REASON = staging.HISTORY_REASON


@dataclass(frozen=True)
class ImportResult:
    companies: int
    persons: int
    code_assignments: int

    @property
    def contacts(self) -> int:
        return self.companies + self.persons


def import_contacts(
    *,
    data: bytes,
    user=None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Import the contacts of CSV ``data`` (bytes, or a file opened for reading in
    binary, read as a stream): every row or, when any row is wrong, none.

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
    columns, rows = stream_contacts_csv(binary_stream(data))
    staged = staging.import_rows(columns, rows, user=user, progress=progress, batch_size=batch_size)
    return ImportResult(
        companies=staged.companies,
        persons=staged.persons,
        code_assignments=staged.code_assignments,
    )
