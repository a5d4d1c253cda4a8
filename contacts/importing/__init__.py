"""Import (CSV or Excel) and CSV export of contacts (docs/contacts.md, Import).

The import checks *every* row first and collects all problems with their row
number (the first ``MAX_ERRORS`` of them are listed); only a file without a single
error is written, in one transaction and set-based. The file is read as a stream and
staged in chunks, so memory does not grow with its size. A large file uploaded on the
page is imported by a background job.

- ``file_format``: the columns, reading a file, the cells of the export
- ``columns``: any CSV or XLSX file mapped to the import columns; the good rows
- ``checking``: checking every row, the plan of what to write, the summary shown
- ``staging``: a file of any size read as a stream, checked and written a chunk at
  a time through temporary staging tables (bounded memory), published set-based
- ``writing``: the import service (every row or none)
- ``export``: contacts written in the import format
- ``uploads``: files kept between the page's *check* and *import*
- ``jobs``: importing now or queueing a job, and the job's handler

The names below are the package's interface; callers import them from here.
"""

from contacts.importing.checking import (
    PREVIEW_ROWS,
    ContactImportError,
    ImportCheck,
    RowError,
    check_contact_file,
    more_errors_text,
)
from contacts.importing.columns import (
    IGNORE,
    XLSX_MAGIC,
    SourceTable,
    auto_mapping,
    check_mapping,
    column_labels,
    contact_file,
    good_rows,
    import_csv,
    mapped_rows,
    read_table,
    remember,
    samples,
    stream_workbook,
)
from contacts.importing.export import export_contacts_csv
from contacts.importing.file_format import (
    BATCH_SIZE,
    CODE_SEPARATOR,
    COLUMNS,
    REQUIRED_COLUMNS,
    TEXT_COLUMNS,
    ContactFile,
    ContactFileError,
    read_contacts_csv,
    stream_contacts_csv,
)
from contacts.importing.jobs import (
    QUEUE_THRESHOLD,
    ImportStarted,
    count_rows,
    queue_import,
    run_import_job,
    start_contact_import,
)
from contacts.importing.staging import (
    CHUNK_ROWS,
    MAX_ERRORS,
    check_contacts_csv,
    check_rows,
    import_rows,
)
from contacts.importing.uploads import (
    UPLOAD_MAX_AGE_SECONDS,
    UPLOAD_TOKEN_RE,
    discard_upload,
    load_upload,
    save_upload,
    upload_dir,
)
from contacts.importing.writing import HISTORY_REASON, ImportResult, import_contacts

__all__ = [
    "BATCH_SIZE",
    "CHUNK_ROWS",
    "MAX_ERRORS",
    "CODE_SEPARATOR",
    "COLUMNS",
    "HISTORY_REASON",
    "PREVIEW_ROWS",
    "QUEUE_THRESHOLD",
    "REQUIRED_COLUMNS",
    "TEXT_COLUMNS",
    "UPLOAD_MAX_AGE_SECONDS",
    "UPLOAD_TOKEN_RE",
    "IGNORE",
    "XLSX_MAGIC",
    "ContactFile",
    "ContactFileError",
    "ContactImportError",
    "ImportCheck",
    "ImportResult",
    "ImportStarted",
    "RowError",
    "SourceTable",
    "auto_mapping",
    "check_contact_file",
    "check_mapping",
    "column_labels",
    "contact_file",
    "good_rows",
    "import_csv",
    "read_table",
    "remember",
    "samples",
    "check_contacts_csv",
    "check_rows",
    "import_rows",
    "mapped_rows",
    "more_errors_text",
    "stream_contacts_csv",
    "stream_workbook",
    "count_rows",
    "discard_upload",
    "export_contacts_csv",
    "import_contacts",
    "load_upload",
    "queue_import",
    "read_contacts_csv",
    "run_import_job",
    "save_upload",
    "start_contact_import",
    "upload_dir",
]
