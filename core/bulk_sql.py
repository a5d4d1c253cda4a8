"""Many rows of values in one statement, parameterised: on PostgreSQL ``INSERT …
SELECT * FROM unnest(<one array per column>) RETURNING …`` and ``UPDATE … FROM
unnest(…)``; on SQLite (≥ 3.35) ``INSERT … VALUES (…), (…) RETURNING …`` and ``UPDATE …
FROM (VALUES …)``.

``bulk_create`` and ``bulk_update`` do the same, but compile every value of every row
through the ORM (``bulk_update`` even builds a ``CASE WHEN`` per field with a branch
per row, which the database then walks per row): for 1,000 contacts that is most of a
second of Python, against a few hundredths in the database. Here a value is handed to
the database driver as it is, unless it needs the field's conversion (a date, a
decimal …). On SQLite the statements are cut into as many as its limit of parameters
needs (32,766): their number depends on the number of rows only beyond that.
"""

import sqlite3
from collections.abc import Sequence

from django.db import connections

# Values both drivers take as they are.
_PLAIN = (str, int, float, bool, type(None))


def max_parameters(connection) -> int:
    """SQLite's limit of parameters per statement (Django assumes the historic 999)."""
    connection.ensure_connection()
    getlimit = getattr(connection.connection, "getlimit", None)
    return getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if getlimit else 999


# Field types whose values both drivers take as they are (a text, a number, a flag, a
# key, None); any other value goes through the field's own conversion.
_AS_THEY_ARE = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def _prepared(fields, rows, connection) -> list[list]:
    """The rows' values as the driver takes them (the field's conversion where needed)."""
    special = [
        index for index, field in enumerate(fields) if field.get_internal_type() not in _AS_THEY_ARE
    ]
    if not special:
        return [list(row) for row in rows]
    prepared = []
    for row in rows:
        values = list(row)
        for index in special:
            if not isinstance(values[index], _PLAIN):
                values[index] = fields[index].get_db_prep_save(values[index], connection)
        prepared.append(values)
    return prepared


def _chunks(rows: list, width: int, connection) -> list[list]:
    size = max(1, max_parameters(connection) // max(1, width))
    return [rows[start : start + size] for start in range(0, len(rows), size)]


def _array_types(fields, connection) -> list[str]:
    return [f"{field.db_type(connection)}[]" for field in fields]


def insert_values(
    model, names: Sequence[str], rows: Sequence[Sequence], *, returning=("pk",), using="default"
) -> list[tuple]:
    """Insert ``rows`` (tuples of the values of fields ``names``) into ``model``'s table;
    returns the ``returning`` fields of the new rows (default: their keys)."""
    if not rows:
        return []
    connection = connections[using]
    qn = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    columns = ", ".join(qn(field.column) for field in fields)
    back = ", ".join(
        qn((meta.pk if name == "pk" else meta.get_field(name)).column) for name in returning
    )
    back = f" RETURNING {back}" if back else ""
    table = qn(meta.db_table)
    prepared = _prepared(fields, rows, connection)
    found = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array per column: a statement of a few parameters, however many rows.
            arrays = ", ".join(f"%s::{kind}" for kind in _array_types(fields, connection))
            sql = f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}){back}"  # noqa: S608
            cursor.execute(sql, [list(column) for column in zip(*prepared, strict=True)])
            return [tuple(row) for row in cursor.fetchall()] if back else []
        placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for chunk in _chunks(prepared, len(fields), connection):
            values = ", ".join([placeholder] * len(chunk))
            sql = f"INSERT INTO {table} ({columns}) VALUES {values}{back}"  # noqa: S608
            cursor.execute(sql, [value for row in chunk for value in row])
            if back:
                found += [tuple(row) for row in cursor.fetchall()]
    return found


def update_values(model, names: Sequence[str], rows: Sequence[Sequence], *, using="default"):
    """Set fields ``names`` of the records of ``rows`` (tuples: the primary key, then the
    values of ``names``) in one ``UPDATE … FROM`` a set of values (per chunk of rows on
    SQLite). Returns the number of records updated."""
    if not rows or not names:
        return 0
    connection = connections[using]
    qn = connection.ops.quote_name
    meta = model._meta
    fields = [meta.pk, *(meta.get_field(name) for name in names)]
    table = qn(meta.db_table)
    key = f"{table}.{qn(meta.pk.column)}"
    prepared = _prepared(fields, rows, connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            kinds = [f"{meta.pk.rel_db_type(connection)}[]", *_array_types(fields[1:], connection)]
            arrays = ", ".join(f"%s::{kind}" for kind in kinds)
            aliases = ", ".join(f"c{index}" for index in range(len(fields)))
            assignments = ", ".join(
                f"{qn(field.column)} = v.c{index}" for index, field in enumerate(fields) if index
            )
            sql = (
                f"UPDATE {table} SET {assignments} "  # noqa: S608
                f"FROM unnest({arrays}) AS v({aliases}) WHERE {key} = v.c0"
            )
            cursor.execute(sql, [list(column) for column in zip(*prepared, strict=True)])
            return cursor.rowcount
        # VALUES columns are named column1, column2 … (SQLite ≥ 3.33 updates FROM them).
        assignments = ", ".join(
            f"{qn(field.column)} = v.column{index}"
            for index, field in enumerate(fields, 1)
            if index > 1
        )
        placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
        updated = 0
        for chunk in _chunks(prepared, len(fields), connection):
            values = ", ".join([placeholder] * len(chunk))
            sql = (
                f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS v "  # noqa: S608
                f"WHERE {key} = v.column1"
            )
            cursor.execute(sql, [value for row in chunk for value in row])
            updated += cursor.rowcount
    return updated
