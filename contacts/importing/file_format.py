"""The CSV file of the contact import and export: its columns, how a file is read
and how its cells are written.

File format: UTF-8 (a byte order mark is fine), a header row, comma separated
(semicolon when the header uses semicolons). Row numbers in messages are the line
numbers a spreadsheet shows: the header is row 1. The export writes the same
columns, so an exported file imports again as it is. A text a spreadsheet would run
as a formula (``=…``, ``+…``, ``-…``, ``@…``) is written with a leading ``'`` and
read back without it (``core.spreadsheet_safety``; docs/security.md).
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from contacts.codes import CODE_GROUPS
from contacts.models import CONTACT_FIELDS
from core.spreadsheet_safety import neutralise_row, restore

COLUMNS = [
    *CONTACT_FIELDS,
    # One column per classification-code table, the codes separated by CODE_SEPARATOR.
    *(group.name for group in CODE_GROUPS),
]
REQUIRED_COLUMNS = ["name"]
# Plain text columns copied to the contact as they are (after trimming).
TEXT_COLUMNS = [
    "name",
    "job_title",
    "address",
    "post_code",
    "city",
    "country_code",
    "phone",
    "mobile",
    "email",
]
CODE_SEPARATOR = "|"
# The words a yes/no column takes, in English and Dutch.
TRUE_WORDS = {"1", "yes", "y", "true", "x", "ja", "j", "waar"}
FALSE_WORDS = {"", "0", "no", "n", "false", "nee", "onwaar"}
# Rows are checked, written and exported this many at a time.
BATCH_SIZE = 2000


class ContactFileError(ValidationError):
    """The file as a whole cannot be read (not UTF-8, no header, no name column, empty)."""


@dataclass
class ContactFile:
    columns: list[str]
    # (row number as a spreadsheet shows it, {column: value}); extra values under None.
    rows: list[tuple[int, dict]]


def csv_reader(data: bytes, not_utf8: str):
    """A CSV reader of ``data``: UTF-8 (a byte order mark is fine), separated by
    semicolons when the header holds more of them than commas, else by commas.
    ``not_utf8`` (with ``%(line)d``) refuses text that is not UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContactFileError(not_utf8 % {"line": line}) from None
    if "\x00" in text:
        raise ContactFileError(_("The file contains NUL characters; it is not a CSV text file."))
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def read_contacts_csv(data: bytes) -> ContactFile:
    """Parse ``data`` into rows; raise ``ContactFileError`` when the file cannot be used."""
    if not isinstance(data, bytes | bytearray):
        raise ContactFileError(_("The file could not be read."))
    if not data or not data.strip():
        raise ContactFileError(_("The file is empty."))
    reader = csv_reader(
        data,
        _(
            "The file is not UTF-8 text (line %(line)d). Save it as “CSV UTF-8” and "
            "upload it again."
        ),
    )
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            raise ContactFileError(_("The file has no header row."))
        columns = [cell.strip().lower().replace(" ", "_") for cell in header]
        _check_header(columns)
        rows = []
        # Spreadsheet row numbers: the header is row 1, so data starts at row 2.
        for index, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue  # blank lines, also ",,,," from spreadsheets
            row = dict(zip(columns, values, strict=False))
            if len(values) > len(columns):
                row[None] = values[len(columns) :]
            rows.append((index, row))
    except csv.Error as error:
        raise ContactFileError(
            _("The file is not a readable CSV file (line %(line)d): %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    if not rows:
        raise ContactFileError(_("The file has a header row but no contacts."))
    return ContactFile(columns=columns, rows=rows)


def _check_header(columns: list[str]) -> None:
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        raise ContactFileError(
            _("Unknown column(s) in the header: %(unknown)s. The columns are: %(columns)s.")
            % {"unknown": ", ".join(c or "“”" for c in unknown), "columns": ", ".join(COLUMNS)}
        )
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise ContactFileError(
            _("Column(s) %(columns)s appear more than once in the header.")
            % {"columns": ", ".join(doubled)}
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise ContactFileError(
            _("The header has no %(columns)s column; it is required.")
            % {"columns": ", ".join(missing)}
        )


def read_cells(raw: dict) -> dict[str, str]:
    """Every column's value of a row of ``read_contacts_csv``: trimmed, then the
    spreadsheet-safety prefix of the export taken off, so an exported name
    "'=HYPERLINK(…)" or "'\\tx" imports as "=HYPERLINK(…)" or "\\tx"."""
    return {column: restore((raw.get(column) or "").strip()) for column in COLUMNS}


def split_codes(value: str) -> list[str]:
    """The codes of a classification-code cell, upper case, each once."""
    codes = [code.strip().upper() for code in value.split(CODE_SEPARATOR)]
    return list(dict.fromkeys(code for code in codes if code))


def csv_writer(output):
    """A CSV writer of this format on text stream ``output``, the header written.

    Lines end in CRLF (RFC 4180): the writer quotes a cell holding any character of
    the line end, so a carriage return inside a name cannot split its row.
    """
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    return writer


def cells(values: dict) -> list[str]:
    """A row's ``values`` in column order, each cell safe to open in a spreadsheet."""
    return neutralise_row([values[column] for column in COLUMNS])


def chunks(values: list, size: int = BATCH_SIZE) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
