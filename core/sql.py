"""Set-based SQL helpers that run the same parameterised SQL on SQLite and PostgreSQL."""

from django.db import connections


def insert_from_select(model, columns: dict, queryset) -> int:
    """``INSERT INTO model (…) SELECT … ON CONFLICT DO NOTHING`` in one statement.

    ``columns`` maps each model field name to write to the name of an annotation
    (or field) of ``queryset`` that supplies it. Rows that would break a unique
    constraint are skipped, which makes the insert idempotent. Returns the
    number of rows inserted.
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
        return cursor.rowcount
