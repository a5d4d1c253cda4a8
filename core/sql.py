"""Set-based SQL helpers that run the same parameterised SQL on SQLite and PostgreSQL."""

from contextlib import contextmanager

from django.db import OperationalError, connection, connections, models, transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Cast

# An insert of at least this many rows refreshes PostgreSQL's statistics of the
# table (ANALYZE, a sample: ~0.2 s at a million rows). Without it the planner
# still believes e.g. a new segment has 1 line until autovacuum comes by, and
# the segment card joined all 200,000 lines before sorting (1.3 s instead of
# 0.05 s); statements later in the same transaction plan on the same belief.
ANALYZE_AFTER_ROWS = 10_000


def insert_from_select(model, columns: dict, queryset, *, analyze: bool = True) -> int:
    """``INSERT INTO model (…) SELECT … ON CONFLICT DO NOTHING`` in one statement.

    ``columns`` maps each model field name to write to the name of an annotation
    (or field) of ``queryset`` that supplies it. Rows that would break a unique
    constraint are skipped, which makes the insert idempotent. Returns the
    number of rows inserted. A large insert on PostgreSQL is followed by an
    ``ANALYZE`` of the table (``ANALYZE_AFTER_ROWS``) unless ``analyze`` is false:
    for a table that is only read back by an indexed key, such as a history.
    """
    connection = connections[queryset.db]
    qn = connection.ops.quote_name
    source = queryset.order_by().values(*columns.values())
    sql, params = source.query.sql_with_params()
    target_columns = ", ".join(qn(model._meta.get_field(name).column) for name in columns)
    source_columns = ", ".join(qn(alias) for alias in columns.values())
    # Identifiers are quoted by the backend; every value travels as a parameter.
    table = qn(model._meta.db_table)
    statement = "".join(
        [
            f"INSERT INTO {table} ({target_columns}) ",
            f"SELECT {source_columns} FROM ({sql}) AS source WHERE 1 = 1 ",  # noqa: S608
            "ON CONFLICT DO NOTHING",
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        inserted = cursor.rowcount
        if analyze and inserted >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table} ({_key_columns(model, qn)})")
    return inserted


def _key_columns(model, qn) -> str:
    """The columns the plans depend on: keys, foreign keys and indexed columns (pages
    and joins filter by them). Only these are analyzed: half the time of all columns."""
    indexed = {name for index in model._meta.indexes for name in index.fields}
    columns = [
        qn(field.column)
        for field in model._meta.concrete_fields
        if field.is_relation or field.db_index or field.unique or field.name in indexed
    ]
    return ", ".join(columns)


def column_type(model, field_name: str) -> models.Field:
    """The type of the column ``field_name`` of ``model`` as an expression's output
    field: a foreign key is its id (a big integer), other fields keep their kind and
    size."""
    field = model._meta.get_field(field_name)
    if field.is_relation:
        return models.BigIntegerField()
    if isinstance(field, models.DecimalField):
        return field.__class__(max_digits=field.max_digits, decimal_places=field.decimal_places)
    if isinstance(field, models.CharField):
        return field.__class__(max_length=field.max_length)
    return field.__class__()


def typed_value(model, field_name: str, value):
    """A constant column of an ``INSERT … SELECT`` into ``model.field_name``.

    The value carries the column's type, and NULL is cast to it: PostgreSQL cannot
    tell the type of a bare NULL in a select list. A foreign key takes a record or
    its id.
    """
    output = column_type(model, field_name)
    if isinstance(value, models.Model):
        value = value.pk
    if value is None:
        return Cast(Value(None), output_field=output)
    return Value(value, output_field=output)


def absent(field: str, values) -> Q:
    """Rows whose ``field`` is not among ``values`` (a one-column ``.values(…)``
    queryset of non-null values), planned linearly at any size (docs/performance.md,
    Plans that stay linear).

    PostgreSQL gets ``NOT EXISTS`` correlated on the column, which it plans as an
    anti-join (a hash that spills to disk, or index probes). ``NOT IN (subquery)``
    is hashed only while the subquery's rows fit in ``work_mem``; beyond that it
    scans the whole list once per outer row (at ten million contacts a 2-million-row
    list: hours). SQLite keeps ``NOT IN``: it builds an index of the subquery once,
    where its correlated ``NOT EXISTS`` runs the subquery again per row."""
    if connection.vendor != "postgresql":
        return ~Q(**{f"{field}__in": values})
    (column,) = values.query.values_select
    return ~Exists(values.order_by().filter(**{column: OuterRef(field)}))


def among(field: str, *sources) -> Q:
    """Rows whose ``field`` is in any of ``sources`` (one-column ``.values(…)``
    querysets): one ``IN`` over their ``UNION ALL``, which both databases plan as a
    semi-join. ``IN (a) OR IN (b)`` cannot become a join: PostgreSQL checks each row
    against a hashed list that must fit in ``work_mem``, else against the whole
    list per row (docs/performance.md, Plans that stay linear)."""
    first, *others = (source.order_by() for source in sources)
    return Q(**{f"{field}__in": first.union(*others, all=True) if others else first})


@contextmanager
def statement_time_limit(seconds: float):
    """A transaction whose statements PostgreSQL cancels after ``seconds`` each
    (``SET LOCAL statement_timeout``, gone with the transaction), for counts a page
    asks for while the user types or looks: a cancelled one raises ``TimeUp``.
    SQLite has no such limit; the block runs as it is."""
    limited = connection.vendor == "postgresql"
    try:
        with transaction.atomic():
            if limited:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT current_setting('statement_timeout'), "
                        "set_config('statement_timeout', %s, true)",
                        [str(max(1, int(seconds * 1000)))],
                    )
                    previous = cursor.fetchone()[0]
            yield
            if limited:  # the rest of an enclosing transaction runs without the limit
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
    except OperationalError as error:
        from psycopg.errors import QueryCanceled

        if isinstance(error.__cause__, QueryCanceled):
            raise TimeUp from None
        raise


class TimeUp(Exception):
    """A statement ran over ``statement_time_limit``."""
