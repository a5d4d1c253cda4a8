"""Export of a list: the filtered rows in the list's order, read in keyset chunks
(docs/architecture.md, Lists).

- CSV: streamed; a byte-order mark first, so that Excel reads UTF-8; the separator and
  the decimal sign of the user's language (Dutch: ``;`` and ``12,50``), so that Excel
  in that language splits the columns and reads the numbers; every text cell
  neutralised against spreadsheet formulas.
- XLSX: numbers, dates and yes/no as Excel's own types, text always as text (a cell
  starting with ``=`` is never a formula, so it needs no neutralising and comes back
  exactly); at most Excel's 1,048,575 rows under the header.
"""

import csv
import datetime
import tempfile
from decimal import Decimal

import django_tables2 as tables
from django.utils.encoding import force_str
from django_tables2.rows import BoundRow

from core import pagination


class _Echo:
    """A file that hands back what is written to it (csv.writer into a stream)."""

    def write(self, value):
        return value


BOM = "\ufeff"
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet holds 1,048,576 rows, the header included


def csv_format() -> tuple[str, str]:
    """The CSV separator and decimal sign of the active language: ``;`` and ``,``
    where the language writes decimals with a comma (Excel's own choice there)."""
    from django.utils.formats import get_format

    decimal_sign = get_format("DECIMAL_SEPARATOR")
    return (";" if decimal_sign == "," else ","), decimal_sign


def _csv_cell(value, decimal_sign: str):
    if isinstance(value, bool):
        # 1 / 0 in every language (never "True" in a Dutch file); the import reads them.
        return "1" if value else "0"
    if isinstance(value, Decimal | float):
        return format(value, "f").replace(".", decimal_sign)
    return value


def stream_csv(rows, *, batch: int = 500):
    """CSV text of ``rows`` in pieces of ``batch`` lines, for a StreamingHttpResponse,
    starting with a byte-order mark, in the active language's separator and decimal
    sign (``csv_format``). Text cells a spreadsheet would run as a formula are
    neutralised (``core.spreadsheet_safety``)."""
    from core.spreadsheet_safety import neutralise_row

    delimiter, decimal_sign = csv_format()
    writer = csv.writer(_Echo(), delimiter=delimiter)
    lines = [BOM]
    for row in rows:
        cells = [_csv_cell(value, decimal_sign) for value in neutralise_row(row)]
        lines.append(writer.writerow(cells))
        if len(lines) >= batch:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def xlsx_file(rows, *, title: str):
    """An XLSX workbook of ``rows`` (the first is the header, in bold) in a temporary
    file, written row by row (openpyxl's write-only mode: memory stays flat)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.writer.excel import save_workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    bold = Font(bold=True)
    for index, row in enumerate(rows):
        if index > XLSX_MAX_ROWS:
            break
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
            if index == 0:
                cell.font = bold
            cells.append(cell)
        sheet.append(cells)
    output = tempfile.TemporaryFile()
    save_workbook(workbook, output)
    output.seek(0)
    return output


def _xlsx_value(value):
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    if value is None or isinstance(value, str | int | float | Decimal | datetime.date):
        return value
    return str(value)


def _sheet_title(title: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip()
    return cleaned[:31].strip() or "Sheet1"


def table_export_rows(table, exclude_columns=(), rows=None):
    """The header and the values of every row of ``table`` (as django-tables2's
    ``as_values``; ``rows`` instead of the table's own queryset), read in keyset
    chunks so that a million rows never sit in memory."""
    columns = [
        column
        for column in table.columns.iterall()
        if not (column.column.exclude_from_export or column.name in exclude_columns)
    ]
    yield [force_str(column.header, strings_only=True) for column in columns]
    model = table.data.model
    # Plain columns are read straight from the record (per cell, django-tables2
    # inspects call signatures: 2-3 ms a row, most of an export's time).
    readers = {
        column.name: _plain_reader(model, column)
        for column in columns
        if _plain_column(table, column)
    }

    def value_of(row, column):
        reader = readers.get(column.name)
        return row.get_cell_value(column.name) if reader is None else reader(row.record)

    for record in pagination.iterate(table.data.data if rows is None else rows):
        row = BoundRow(record, table=table)
        yield [force_str(value_of(row, column), strings_only=True) for column in columns]


def _plain_reader(model, bound_column):
    """Read the accessor's value of a record as django-tables2 does for a plain
    column: through relations, the choice label for a field with choices, None
    for an empty value."""
    bits = tables.A(bound_column.accessor).bits
    try:
        field = tables.A(bound_column.accessor).get_field(model)
    except Exception:  # noqa: BLE001 - not a model field: the attribute as is
        field = None
    label = bool(getattr(field, "choices", None))
    empty = bound_column.column.empty_values

    def read(record):
        value = record
        for bit in bits[:-1]:
            value = getattr(value, bit, None)
            if value is None:
                return None
        if label:
            value = getattr(value, f"get_{bits[-1]}_display")()
        else:
            value = getattr(value, bits[-1], None)
            if callable(value):
                value = value()
        return None if value in empty else value

    return read


def _plain_column(table, bound_column) -> bool:
    """A column whose export value is the accessor's value (or choice label) as is:
    a plain ``Column`` without ``render_FOO``/``value_FOO`` on the table."""
    column = bound_column.column
    name = bound_column.name
    return (
        type(column).value is tables.Column.value
        and type(column).render is tables.Column.render
        and not hasattr(table, f"render_{name}")
        and not hasattr(table, f"value_{name}")
    )
