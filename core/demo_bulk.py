"""Toolkit for the apps' ``demo_bulk`` modules (``manage.py demo --contacts N``).

The bulk demo data is generated inside the database, set-based: one
``INSERT INTO … WITH seq … SELECT`` per table (or per code), whose rows come
from a generated series — ``generate_series`` on PostgreSQL, a recursive CTE on
SQLite — so the number of statements does not depend on the number of rows.
Values are plain arithmetic on the row number ``s``: word lists are one
parameter each (an array subscript on PostgreSQL, ``substr`` of a packed BLOB on
SQLite), foreign keys to small tables a ``CASE`` over their ids, and the ids of
generated rows are given explicitly (first id + ``s``) so that related rows can
point at them without a lookup. Secondary indexes (and PostgreSQL's foreign
keys) are dropped for the load and built again afterwards, in the same
transaction (``indexes_built_afterwards``).

Measured on the 2-core machine: row-by-row index maintenance made the million
contacts take 3-6 minutes longer, PostgreSQL's deferred foreign key triggers
2.5 minutes of commit, and ``substr()`` of a long text on PostgreSQL 10 times
the statement time; see the README for the timings per step.

Bulk rows get no history rows (django-simple-history only sees ``save()``);
cards show records without history fine.
"""

import enum
import time
from contextlib import contextmanager

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.db.models.functions import Length

from core.models import NumberSeries

# Knuth's multiplicative hash: spreads consecutive numbers over the lists, so that
# e.g. the city does not follow the industry group (both depend on the company).
HASH_MULTIPLIER = 2654435761


class Statement:
    """Builds one parameterised statement; fragments add their values by name.

    Named parameters (``%(p0)s``) let fragments be composed in any order; every
    literal ``%`` (the modulo operator) is written ``%%``.
    """

    def __init__(self):
        self.params: dict = {}

    def param(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value.value if isinstance(value, enum.Enum) else value
        return f"%({name})s"

    def pick(self, words: list[str], index: str) -> str:
        """SQL for ``words[index]`` (``index`` is 0-based): one parameter holds the list."""
        words = [str(word) for word in words]
        width = max(len(word) for word in words)
        if width == 0:
            return "''"
        packed = "".join(word.ljust(width) for word in words)
        if connection.vendor == "postgresql":
            # An array subscript: substr() of a long UTF-8 text counts characters from
            # the start and made the contacts statement 10 times slower.
            return f"(CAST({self.param(list(words))} AS TEXT[]))[({index}) + 1]"
        # SQLite: substr() of a BLOB goes straight to the byte offset (of TEXT it
        # counts characters; the words are ASCII, so bytes are characters).
        # ``rtrim`` drops the padding; no word ends in a space.
        packed = self.param(packed.encode("ascii"))
        return f"rtrim(CAST(substr({packed}, ({index}) * {width} + 1, {width}) AS TEXT))"

    def case(self, index: str, values: list) -> str:
        """SQL for ``values[index]`` (integers or None, e.g. foreign keys to code tables)."""
        if not values or all(value is None for value in values):
            return "NULL"
        whens = " ".join(
            f"WHEN {position} THEN {self.param(value)}" for position, value in enumerate(values)
        )
        return f"CASE ({index}) {whens} END"

    def date(self, value) -> str:
        """A date parameter typed for the backend (SQLite stores ISO text)."""
        if value is None:
            return "NULL"
        return self.param(connection.ops.adapt_datefield_value(value))


def mix(expression: str, salt: int, size: int) -> str:
    """SQL for a well-spread number in ``0 … size-1`` derived from ``expression``."""
    hashed = f"((((({expression}) + {salt}) * {HASH_MULTIPLIER}) %% 4294967296) / 65536) %% {size}"
    if connection.vendor == "postgresql":
        return f"CAST({hashed} AS INTEGER)"  # back from bigint, for substr() and friends
    return hashed


def pad(expression: str, digits: int) -> str:
    """SQL for ``expression`` zero-padded to ``digits`` digits (never cut)."""
    if connection.vendor == "postgresql":
        # lpad() would cut a longer number; callers reserve enough digits.
        return f"lpad(CAST(({expression}) AS TEXT), {int(digits)}, '0')"
    return f"printf('%%0{int(digits)}d', {expression})"


def series(count: int, step: int = 1) -> str:
    """The ``WITH`` clause of a series ``seq(s)``: 0, step, 2·step … below ``count``."""
    count, step = int(count), int(step)
    if connection.vendor == "postgresql":
        return f"WITH seq(s) AS (SELECT generate_series(0, {count - 1}, {step}))"
    return (
        "WITH RECURSIVE seq(s) AS "  # noqa: S608 - integers only
        f"(SELECT 0 WHERE {count} > 0 UNION ALL SELECT s + {step} FROM seq "
        f"WHERE s + {step} < {count})"
    )


def insert_select(
    statement: Statement, model, columns: dict, cte: str, source: str, where: str = ""
) -> int:
    """``INSERT INTO model (columns) [cte] SELECT … FROM source [WHERE where]``.

    ``columns`` maps field names to SQL expressions; ``cte`` is e.g. ``series(n)``.
    The ``WITH`` goes after ``INSERT INTO`` so that SQLite reports the row count.
    Returns the number of rows inserted.
    """
    qn = connection.ops.quote_name
    targets = ", ".join(qn(model._meta.get_field(name).column) for name in columns)
    condition = f" WHERE {where}" if where else ""
    # Only quoted identifiers, integers and placeholders are put into the text.
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({targets}) {cte} "  # noqa: S608
        f"SELECT {', '.join(columns.values())} FROM {source}{condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, statement.params)
        return cursor.rowcount


def ensure_codes(model, rows) -> dict[str, int]:
    """Create the ``(code, description)`` rows of code table ``model`` that are missing;
    returns every code's id."""
    for code, description in rows:
        model.objects.get_or_create(code=code, defaults={"description": description})
    return dict(model.objects.values_list("code", "id"))


def next_id(model) -> int:
    """The first id after the highest one in ``model``'s table (ids are given explicitly)."""
    return (model._default_manager.aggregate(top=Max("id"))["top"] or 0) + 1


def reset_sequences(*models) -> None:
    """After explicit ids: PostgreSQL's id sequences continue after the highest id."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def lock_tables(*models) -> None:
    """On PostgreSQL, keep other writers out of ``models``' tables until commit, so no
    id or No. is taken between reading the highest one and inserting after it.
    (SQLite's write transaction already excludes every other writer.)"""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


class ReservedNumbers:
    """A run of ``count`` numbers of a number series: ``prefix`` + ``start + s`` padded."""

    def __init__(self, prefix: str, digits: int, start: int):
        self.prefix, self.digits, self.start = prefix, digits, start

    def sql(self, statement: Statement, index: str) -> str:
        """SQL for the No. of the row with series index ``index`` (0-based)."""
        return f"{statement.param(self.prefix)} || {pad(f'{self.start} + ({index})', self.digits)}"

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.digits}d}"


def reserve_numbers(code: str, model, count: int) -> ReservedNumbers:
    """Take ``count`` consecutive numbers of series ``code`` for bulk rows of ``model``.

    The series row is locked and advanced past the run, so later records get fresh
    numbers from ``core.numbering``. The series gets more digits when the run needs
    them (a million contacts do not fit ``CT`` + 6 digits). Numbers typed by hand
    inside the run move the run after them.
    """
    series_row = NumberSeries.objects.select_for_update().get(code=code)
    start = series_row.last_number + 1
    for _attempt in range(10):
        digits = max(series_row.digits, len(str(start + count - 1)))
        numbers = ReservedNumbers(series_row.prefix, digits, start)
        low, high = numbers.format(start), numbers.format(start + count - 1)
        clash = (
            model._default_manager.annotate(no_length=Length("no"))
            .filter(no__gte=low, no__lte=high, no_length=len(low))
            .order_by("-no")
            .values_list("no", flat=True)
            .first()
        )
        if clash is None:
            NumberSeries.objects.filter(pk=series_row.pk).update(
                last_number=start + count - 1, digits=digits
            )
            return numbers
        suffix = clash[len(series_row.prefix) :]
        start = int(suffix) + 1 if suffix.isdigit() else start + count
    raise RuntimeError(f"No free run of {count} numbers in series {code}.")


def _secondary_indexes(model) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the indexes of ``model``'s table that no constraint
    (primary key, unique field, ``unique_together``) owns."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT index_class.relname, pg_get_indexdef(pg_index.indexrelid) "
                "FROM pg_index JOIN pg_class AS index_class "
                "ON index_class.oid = pg_index.indexrelid "
                "WHERE pg_index.indrelid = CAST(%s AS regclass) AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint WHERE conindid = pg_index.indexrelid)",
                [connection.ops.quote_name(table)],
            )
        elif connection.vendor == "sqlite":
            # Indexes of constraints have no SQL of their own (sqlite_autoindex_…).
            cursor.execute(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
                [table],
            )
        else:
            return []
        return cursor.fetchall()


def _foreign_keys(model) -> list[tuple[str, str]]:
    """PostgreSQL: (name, definition) of the foreign keys of ``model``'s table."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(%s AS regclass) AND contype = 'f'",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        return cursor.fetchall()


INDEX_BUILD_MEMORY = "512MB"


@contextmanager
def indexes_built_afterwards(*models, stdout=None):
    """Load ``models``' tables without maintaining their secondary indexes (and, on
    PostgreSQL, foreign keys) row by row: drop them, load, then create them again.

    Building an index from the loaded table sorts once instead of inserting a
    million keys at random places, and re-adding a foreign key checks every row
    in one join instead of one trigger query per row (PostgreSQL's deferred checks
    made the commit take minutes). Every definition is read from the database, so
    indexes added later by migrations come back too. It all happens inside the
    caller's transaction: a failure rolls back to the tables as they were.
    Unique constraints stay (the data is unique by construction; a unique index
    that is not a constraint checks its rows when it is built again).
    """
    qn = connection.ops.quote_name
    indexes = [(model, *index) for model in models for index in _secondary_indexes(model)]
    foreign_keys = [(model, *fk) for model in models for fk in _foreign_keys(model)]
    if foreign_keys:
        # PostgreSQL alters no table with deferred checks still pending (rows written
        # earlier in the same transaction): run them now.
        connection.check_constraints()
    with connection.cursor() as cursor:
        for model, name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {qn(model._meta.db_table)} DROP CONSTRAINT {qn(name)}")
        for _model, name, _definition in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    yield
    if foreign_keys:
        connection.check_constraints()
    with step(stdout, "indexes and foreign keys built"), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The trigram index of ten million names takes most of the build; with the
            # default 64 MB PostgreSQL writes it out in many small passes. For this
            # transaction only.
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        for _model, _name, definition in indexes:
            cursor.execute(definition)
        for model, name, definition in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {qn(model._meta.db_table)} ADD CONSTRAINT {qn(name)} {definition}"
            )


@contextmanager
def step(stdout, label: str):
    """Print ``label`` and how long the block took, with the rows it reports.

    The block sets ``result["rows"]`` to the number of rows it wrote.
    """
    result: dict = {"rows": None}
    started = time.perf_counter()
    yield result
    if stdout is not None:
        rows = f"{result['rows']:,} rows, " if result["rows"] is not None else ""
        stdout.write(f"  {label}: {rows}{time.perf_counter() - started:.1f} s")


@contextmanager
def bulk_session():
    """Connection settings for loading a lot of rows, restored afterwards.

    SQLite: a page cache of 512 MiB (the default 2 MiB makes building the indexes of
    a large table read pages from disk again and again), a helper thread for the
    sorts of ``CREATE INDEX`` and temporary B-trees in memory.
    PostgreSQL: more memory for sorts and index maintenance.
    """
    if connection.vendor == "sqlite":
        settings = {"cache_size": -512 * 1024, "threads": 2}
        if not connection.in_atomic_block:  # SQLite refuses it inside a transaction
            settings["temp_store"] = 2
    elif connection.vendor == "postgresql":
        settings = {"work_mem": "'256MB'", "maintenance_work_mem": "'512MB'"}
    else:
        settings = {}
    previous = {}
    with connection.cursor() as cursor:
        for name, value in settings.items():
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA {name}")
                previous[name] = cursor.fetchone()[0]
                cursor.execute(f"PRAGMA {name} = {value}")
            else:
                cursor.execute(f"SHOW {name}")
                previous[name] = f"'{cursor.fetchone()[0]}'"
                cursor.execute(f"SET {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in previous.items():
                if connection.vendor == "sqlite":
                    cursor.execute(f"PRAGMA {name} = {value}")
                else:
                    cursor.execute(f"SET {name} = {value}")


def analyze(*models) -> None:
    """PostgreSQL: fresh planner statistics for the loaded tables (autovacuum would
    get there later; the first queries after the load should not guess)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
