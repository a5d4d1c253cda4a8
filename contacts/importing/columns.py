"""Any spreadsheet of contacts, as the import format (docs/contacts.md, Import).

A file is CSV (UTF-8, comma or semicolon separated) or XLSX (its first sheet). Its
header row names the columns in the user's own words: each is mapped to a column
of the import format (``file_format.COLUMNS``) or left out. The mapping is found
from the header: the format's own names, the field labels in English and Dutch
(``E-mail``, ``Postcode``, ``Bedrijfsnr.``), the headers the contact list exports,
and what users mapped such a header to before (``ImportColumnMapping``). The user
may change it. The mapped rows become a ``ContactFile`` with the file's row numbers,
and a CSV file of the import format (``import_csv``) is what is imported or queued.

*Import the good rows*: ``good_rows`` leaves out every row with an error, and then
the rows that depended on one (a person whose company row is left out), until
every remaining row passes.
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from contacts.codes import CODE_GROUPS
from contacts.importing.checking import plan_import
from contacts.importing.file_format import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ContactFile,
    ContactFileError,
    cells,
    csv_reader,
    csv_writer,
    read_cells,
)
from core.presentation import count_text
from core.spreadsheet_safety import neutralise

XLSX_MAGIC = b"PK\x03\x04"
IGNORE = ""  # a file column that is not imported
MAX_ROUNDS = 20  # of leaving out rows in ``good_rows``
# A workbook is compressed: 20 MB may unpack to far more cells than a CSV file of 20 MB
# holds. This many are read at most (a million contacts of 20 columns).
MAX_CELLS = 20_000_000


@dataclass
class SourceTable:
    """The cells of a file as read: the header and the data rows with their row
    numbers (the header is row 1). CSV cells keep a formula guard (``'=…``) as
    written; XLSX text is the text itself, never guarded."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    guarded: bool


def normalized(header: str) -> str:
    """A header as compared: case, spaces, dots, dashes and underscores ignored."""
    return re.sub(r"[\s._\-/]+", "", str(header)).casefold()


def read_table(data: bytes) -> SourceTable:
    """The header and rows of a CSV or XLSX file; ``ContactFileError`` when it
    cannot be read."""
    if not isinstance(data, bytes | bytearray) or not data or not data.strip():
        raise ContactFileError(_("The file is empty."))
    if bytes(data[:4]) == XLSX_MAGIC:
        return _read_xlsx(bytes(data))
    return _read_csv(bytes(data))


def _read_csv(data: bytes) -> SourceTable:
    reader = csv_reader(
        data,
        _(
            "The file is not UTF-8 text (line %(line)d). Save it as “CSV UTF-8” or as an "
            "Excel workbook and upload it again."
        ),
    )
    try:
        lines = list(enumerate(reader, start=1))
    except csv.Error as error:
        raise ContactFileError(
            _("The file is not a readable CSV file (line %(line)d): %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None
    return _table([(number, values) for number, values in lines], guarded=True)


def _read_xlsx(data: bytes) -> SourceTable:
    workbook = _open_workbook(io.BytesIO(data))
    try:
        lines = list(_xlsx_lines(workbook))
    finally:
        workbook.close()
    return _table(lines, guarded=False)


def _open_workbook(stream):
    from openpyxl import load_workbook

    try:
        return load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ContactFileError(
            _("The file is not a readable Excel workbook (.xlsx); save it again and upload it.")
        ) from None


def _xlsx_lines(workbook) -> Iterator[tuple[int, list[str]]]:
    """The rows of the workbook's first sheet as text, with their row numbers, read
    as the sheet is unpacked (openpyxl's read-only mode)."""
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        raise ContactFileError(_("The workbook has no sheet."))
    width, cells = None, 0
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if width is not None:
            values = values[:width]  # cells right of the header are not read
        elif any(value not in (None, "") for value in values):
            filled = [index for index, value in enumerate(values) if value not in (None, "")]
            width = filled[-1] + 1  # the header row ends at its last title
        cells += len(values)
        if cells > MAX_CELLS:
            raise ContactFileError(
                _("The workbook holds more than %(cells)s cells; import it in parts.")
                % {"cells": count_text(MAX_CELLS)}
            )
        yield number, [_xlsx_text(value) for value in values]


def stream_workbook(stream) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header of the workbook on binary ``stream`` and its filled rows as they are
    unpacked (as ``read_table``, without holding them): the workbook is closed when
    the rows end."""
    workbook = _open_workbook(stream)
    lines = _xlsx_lines(workbook)
    try:
        for _number, header in lines:
            if any(str(value).strip() for value in header):
                break
        else:
            raise ContactFileError(_("The file has no header row."))
    except BaseException:
        workbook.close()
        raise
    header = [str(cell).strip() for cell in header]
    while header and not header[-1]:
        header.pop()  # empty cells after the last column

    def rows():
        found = False
        try:
            for number, values in lines:
                if any(str(value).strip() for value in values):
                    found = True
                    yield number, values
        finally:
            workbook.close()
        if not found:
            raise ContactFileError(_("The file has a header row but no contacts."))

    return header, rows()


def mapped_rows(
    header: list[str], rows: Iterable[tuple[int, list[str]]], mapping: list[str]
) -> Iterator[tuple[int, dict]]:
    """Workbook ``rows`` under their import columns (as ``contact_file``), one at a time."""
    check_mapping(header, mapping)
    wanted = [(index, column) for index, column in enumerate(mapping) if column != IGNORE]
    for number, values in rows:
        yield (
            number,
            {
                column: neutralise(values[index] if index < len(values) else "")
                for index, column in wanted
            },
        )


def _xlsx_text(value) -> str:
    """An XLSX cell as the text the import reads: numbers without a needless ``.0``,
    dates in ISO, yes/no as 1/0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _table(lines, *, guarded: bool) -> SourceTable:
    filled = [(number, values) for number, values in lines if any(str(v).strip() for v in values)]
    if not filled:
        raise ContactFileError(_("The file has no header row."))
    (_number, header), *rows = filled
    header = [str(cell).strip() for cell in header]
    while header and not header[-1]:
        header.pop()  # empty cells after the last column
    if not rows:
        raise ContactFileError(_("The file has a header row but no contacts."))
    return SourceTable(header=header, rows=rows, guarded=guarded)


# The mapping ------------------------------------------------------------------------


def _label_aliases() -> dict[str, str]:
    """Normalized header -> column: the format's names, the contact fields' labels and
    the contact list's column headers, in every language."""
    from contacts.models import Contact
    from contacts.tables import ContactTable

    aliases = {}
    fields = {column: column.removesuffix("_no") for column in COLUMNS}
    groups = {group.name: group for group in CODE_GROUPS}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for column, field_name in fields.items():
                try:
                    label = str(Contact._meta.get_field(field_name).verbose_name)
                except FieldDoesNotExist:
                    label = str(groups[column].label) if column in groups else ""
                if not label:
                    continue
                aliases.setdefault(normalized(label), column)
                if column.endswith("_no"):
                    aliases.setdefault(normalized(f"{label} No."), column)
            for name, table_column in ContactTable.base_columns.items():
                # The list's "company No." column reads company__no: company_no.
                accessor = str(table_column.accessor or name).replace("__", "_")
                column = name if name in COLUMNS else accessor
                if column in COLUMNS and table_column.verbose_name:
                    aliases.setdefault(normalized(str(table_column.verbose_name)), column)
    for column in COLUMNS:  # the format's own names win
        aliases[normalized(column)] = column
    return aliases


def remembered() -> dict[str, str]:
    from contacts.models import ImportColumnMapping

    return dict(ImportColumnMapping.objects.values_list("header", "column"))


def auto_mapping(header: list[str]) -> list[str]:
    """Per file column, the import column it fills (``IGNORE``: none); each import
    column is filled from one file column at most."""
    known = {**_label_aliases(), **remembered()}
    mapping, taken = [], set()
    for title in header:
        column = known.get(normalized(title), IGNORE)
        if column in taken or column not in COLUMNS:
            column = IGNORE
        taken.add(column)
        mapping.append(column)
    return mapping


def samples(table: SourceTable, rows: int = 20) -> list[str]:
    """Per file column, its first value among the first ``rows`` rows (to recognise it)."""
    found = [""] * len(table.header)
    for _number, values in table.rows[:rows]:
        for index, value in enumerate(values[: len(found)]):
            if not found[index] and str(value).strip():
                found[index] = str(value).strip()[:60]
    return found


def column_labels() -> list[tuple[str, str]]:
    """The import columns as the mapping offers them: "E-mail (email)"."""
    from contacts.models import Contact

    groups = {group.name: group for group in CODE_GROUPS}
    labels = []
    for column in COLUMNS:
        try:
            label = Contact._meta.get_field(column.removesuffix("_no")).verbose_name
        except FieldDoesNotExist:
            label = groups[column].label if column in groups else column
        if column.endswith("_no"):
            label = _("%(field)s No.") % {"field": label}
        labels.append((column, f"{capfirst(str(label))} ({column})"))
    return labels


def check_mapping(header: list[str], mapping: list[str]) -> None:
    """A mapping fills each import column from one file column at most, and fills
    the required ones."""
    if len(mapping) != len(header) or any(c != IGNORE and c not in COLUMNS for c in mapping):
        raise ValidationError(_("The column mapping does not fit the file; upload it again."))
    used = [column for column in mapping if column != IGNORE]
    doubled = sorted({column for column in used if used.count(column) > 1})
    if doubled:
        raise ValidationError(
            _("Each field may be filled from one column only: %(columns)s.")
            % {"columns": ", ".join(doubled)}
        )
    missing = [column for column in REQUIRED_COLUMNS if column not in used]
    if missing:
        raise ValidationError(
            _("Choose the column that holds the %(columns)s; it is required.")
            % {"columns": ", ".join(missing)}
        )


def remember(header: list[str], mapping: list[str]) -> None:
    """Remember what each header was mapped to, for the next file with that header."""
    from contacts.models import ImportColumnMapping

    for title, column in zip(header, mapping, strict=True):
        key = normalized(title)[: ImportColumnMapping._meta.get_field("header").max_length]
        if key and key != normalized(column):
            ImportColumnMapping.objects.update_or_create(header=key, defaults={"column": column})


def contact_file(table: SourceTable, mapping: list[str]) -> ContactFile:
    """The rows of ``table`` under their import columns, with their row numbers."""
    check_mapping(table.header, mapping)
    wanted = [(index, column) for index, column in enumerate(mapping) if column != IGNORE]
    rows = []
    for number, values in table.rows:
        row = {}
        for index, column in wanted:
            value = values[index] if index < len(values) else ""
            row[column] = value if table.guarded else neutralise(value)
        rows.append((number, row))
    return ContactFile(columns=[column for _index, column in wanted], rows=rows)


def import_csv(contacts: ContactFile) -> bytes:
    """``contacts`` as a CSV file of the import format (what is imported or queued)."""
    output = io.StringIO()
    writer = csv_writer(output)
    for _number, row in contacts.rows:
        writer.writerow(cells(read_cells(row)))
    return output.getvalue().encode("utf-8")


def good_rows(contacts: ContactFile) -> tuple[ContactFile, list]:
    """The rows that import without an error, and the errors of those left out (a row
    is left out for its own error, or for a row it needs that is left out)."""
    errors, rows = [], list(contacts.rows)
    for _round in range(MAX_ROUNDS):
        plan = plan_import(ContactFile(columns=contacts.columns, rows=rows))
        if not plan.errors:
            break
        errors += plan.errors
        bad = {error.row for error in plan.errors}
        rows = [(number, row) for number, row in rows if number not in bad]
    else:  # pragma: no cover - each round leaves out at least one row
        rows = []
    errors.sort(key=lambda error: error.row)
    return ContactFile(columns=contacts.columns, rows=rows), errors
