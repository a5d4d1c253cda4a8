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
import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
# A file is read this many bytes at a time.
READ_BLOCK = 1 << 20


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
    return csv_stream_reader(io.BytesIO(data), not_utf8)


def text_lines(stream, not_utf8: str) -> Iterator[str]:
    """The lines of binary ``stream`` as text, each with its line end (``\\n``,
    ``\\r\\n`` or ``\\r``), read a block at a time: only the block and the line being
    read are in memory. ``ContactFileError`` for text that is not UTF-8 (``not_utf8``
    names the line) or holds NUL characters."""
    carry, number = b"", 0
    while True:
        block = stream.read(READ_BLOCK)
        if not block:
            break
        lines = (carry + block).splitlines(keepends=True)
        # The last line may go on in the next block (its "\\r" may be followed by "\\n").
        carry = lines.pop() if not lines[-1].endswith(b"\n") else b""
        for line in lines:
            number += 1
            yield _decoded(line, number, not_utf8)
    if carry:
        yield _decoded(carry, number + 1, not_utf8)


def _decoded(line: bytes, number: int, not_utf8: str) -> str:
    try:
        text = line.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        raise ContactFileError(not_utf8 % {"line": number}) from None
    if "\x00" in text:
        raise ContactFileError(_("The file contains NUL characters; it is not a CSV text file."))
    return text


def csv_stream_reader(stream, not_utf8: str):
    """A CSV reader of binary ``stream`` (as ``csv_reader``), reading it line by line.
    ``ContactFileError("The file is empty.")`` when it holds nothing but white space."""
    lines = text_lines(stream, not_utf8)
    first, header_line = [], None
    for line in lines:
        first.append(line)
        if header_line is None and line.strip("\r\n"):
            header_line = line  # the first line that is not just a line end
        if line.strip():
            break
    else:
        raise ContactFileError(_("The file is empty."))
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    return csv.reader(itertools.chain(first, lines), delimiter=delimiter)


def binary_stream(data):
    """A binary stream of ``data``: bytes, or a file opened for reading in binary."""
    if isinstance(data, bytes | bytearray):
        if not data.strip():
            raise ContactFileError(_("The file is empty."))
        return io.BytesIO(bytes(data))
    if callable(getattr(data, "read", None)):
        return data
    raise ContactFileError(_("The file could not be read."))


def read_contacts_csv(data: bytes) -> ContactFile:
    """Parse ``data`` into rows; raise ``ContactFileError`` when the file cannot be used."""
    if not isinstance(data, bytes | bytearray):
        raise ContactFileError(_("The file could not be read."))
    columns, rows = stream_contacts_csv(io.BytesIO(bytes(data)))
    return ContactFile(columns=columns, rows=list(rows))


def stream_contacts_csv(stream) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """The columns of the CSV file on binary ``stream`` and its rows as they are read
    (as ``read_contacts_csv``): the header is checked now, a row when it is reached;
    the rows end in ``ContactFileError`` when there is none."""
    reader = csv_stream_reader(
        stream,
        _(
            "The file is not UTF-8 text (line %(line)d). Save it as “CSV UTF-8” and "
            "upload it again."
        ),
    )
    with _csv_errors(reader):
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
    if header is None:
        raise ContactFileError(_("The file has no header row."))
    columns = [cell.strip().lower().replace(" ", "_") for cell in header]
    _check_header(columns)
    return columns, _rows(reader, columns)


def _rows(reader, columns) -> Iterator[tuple[int, dict]]:
    found = False
    with _csv_errors(reader):
        # Spreadsheet row numbers: the header is row 1, so data starts at row 2.
        for index, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue  # blank lines, also ",,,," from spreadsheets
            row = dict(zip(columns, values, strict=False))
            if len(values) > len(columns):
                row[None] = values[len(columns) :]
            found = True
            yield index, row
    if not found:
        raise ContactFileError(_("The file has a header row but no contacts."))


@contextmanager
def _csv_errors(reader):
    try:
        yield
    except csv.Error as error:
        raise ContactFileError(
            _("The file is not a readable CSV file (line %(line)d): %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None


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
    cells = dict.fromkeys(COLUMNS, "")
    for column, value in raw.items():
        if value and column in cells:
            cells[column] = restore(value.strip())
    return cells


def split_codes(value: str) -> list[str]:
    """The codes of a classification-code cell, upper case, each once."""
    if not value:
        return []
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
