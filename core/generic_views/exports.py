"""CSV export of a list: the filtered rows in the list's order, streamed in keyset
chunks, every text cell neutralised against spreadsheet formulas."""

import csv

import django_tables2 as tables
from django.utils.encoding import force_str
from django_tables2.rows import BoundRow

from core import pagination


class _Echo:
    """A file that hands back what is written to it (csv.writer into a stream)."""

    def write(self, value):
        return value


def stream_csv(rows, *, batch: int = 500):
    """CSV text of ``rows`` in pieces of ``batch`` lines, for a StreamingHttpResponse.
    Text cells a spreadsheet would run as a formula are neutralised
    (``core.spreadsheet_safety``)."""
    from core.spreadsheet_safety import neutralise_row

    writer = csv.writer(_Echo())
    lines = []
    for row in rows:
        lines.append(writer.writerow(neutralise_row(row)))
        if len(lines) >= batch:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


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
