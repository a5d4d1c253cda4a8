"""Search *inside* names, numbers, e-mail addresses and cities (docs/performance.md,
Search).

A model with a ``SearchTextField`` keeps one normalized copy of the fields a list
searches: folded (lower case, accents removed, ``fold``) and joined with a
separator that cannot be typed, so that a field's start and end can be found in
it. The folding happens here, in Python, the same way for SQLite and PostgreSQL,
so both databases compare the same strings and give the same results:

- **PostgreSQL**: a trigram GIN index (``pg_trgm``, ``gin_trgm_ops``) on the
  column answers ``search_text LIKE '%anse%'``.
- **SQLite**: an FTS5 table with the ``trigram`` tokenizer (case-sensitive: the
  text is already folded) over the column, kept in sync by triggers; a search is
  ``id IN (SELECT rowid FROM <table>_search WHERE … MATCH '"anse"')``.

A term of fewer than 3 characters has no trigram: those keep the prefix search
(core.filters).
"""

import re
import unicodedata
from contextlib import contextmanager

from django.db import connection as default_connection
from django.db import models

SEPARATOR = "\x1f"  # ASCII unit separator: between fields, never in a search term
MIN_LENGTH = 3  # a trigram
# Letters NFKD does not split into a base letter and an accent.
_LETTERS = str.maketrans(
    {"ø": "o", "đ": "d", "ł": "l", "ħ": "h", "ŧ": "t", "æ": "ae", "œ": "oe", "þ": "th"}
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def fold(text: str) -> str:
    """``text`` without case and accents: "Pieter Jänsen" → "pieter jansen"."""
    text = unicodedata.normalize("NFKD", str(text or "")).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c)).translate(_LETTERS)
    return unicodedata.normalize("NFC", text)


def fold_term(text: str) -> str:
    """A search term folded like the indexed text, control characters removed."""
    return fold(_CONTROL.sub("", str(text or ""))).strip()


def search_text(*values) -> str:
    """The stored text of ``values``: each folded, between separators."""
    return (
        SEPARATOR
        + SEPARATOR.join(fold(_CONTROL.sub(" ", str(v or ""))) for v in values)
        + (SEPARATOR)
    )


class SearchTextField(models.TextField):
    """The folded copy of ``sources`` (field names of the model), computed whenever
    the row is saved or bulk-created (``pre_save``). ``QuerySet.update()`` and
    ``bulk_update()`` do not call it: a writer that changes a source that way sets
    ``search_text`` too."""

    def __init__(self, *args, sources=(), **kwargs):
        self.sources = tuple(sources)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = self.sources
        for key, value in (("editable", False), ("default", ""), ("blank", True)):
            if kwargs.get(key) == value:
                del kwargs[key]
        return name, path, args, kwargs

    def compute(self, instance) -> str:
        values = []
        for source in self.sources:
            value = instance
            for part in source.split("__"):
                value = getattr(value, part, None) if value is not None else None
            values.append(value)
        return search_text(*values)

    def pre_save(self, model_instance, add):
        value = self.compute(model_instance)
        setattr(model_instance, self.attname, value)
        return value


class SearchTextMixin:
    """Saving with ``update_fields`` that name a source of the search text saves
    the search text too."""

    def save(self, *args, update_fields=None, **kwargs):
        field = search_field(type(self))
        if update_fields is not None and field is not None:
            names = set(update_fields)
            if names & {source.split("__")[0] for source in field.sources}:
                update_fields = [*names, field.name]
        super().save(*args, update_fields=update_fields, **kwargs)


def search_field(model) -> SearchTextField | None:
    for field in model._meta.concrete_fields:
        if isinstance(field, SearchTextField):
            return field
    return None


# ----------------------------------------------------------------- the indexes


def fts_table(model) -> str:
    return f"{model._meta.db_table}_search"


def _triggers(table: str, fts: str, column: str) -> list[tuple[str, str]]:
    delete = (
        f'INSERT INTO "{fts}"("{fts}", rowid, "{column}") '  # noqa: S608 - model names only
        f"VALUES ('delete', old.id, old.\"{column}\");"
    )
    insert = f'INSERT INTO "{fts}"(rowid, "{column}") VALUES (new.id, new."{column}");'  # noqa: S608
    return [
        (f"{fts}_ai", f'AFTER INSERT ON "{table}" BEGIN {insert} END'),
        (f"{fts}_ad", f'AFTER DELETE ON "{table}" BEGIN {delete} END'),
        (f"{fts}_au", f'AFTER UPDATE OF "{column}" ON "{table}" BEGIN {delete} {insert} END'),
    ]


def create_sqlite_triggers(cursor, model) -> None:
    table, fts, column = model._meta.db_table, fts_table(model), search_field(model).column
    for name, body in _triggers(table, fts, column):
        cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" {body}')


def drop_sqlite_triggers(cursor, model) -> None:
    for name, _body in _triggers(model._meta.db_table, fts_table(model), "x"):
        cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')


def rebuild_sqlite_index(cursor, model) -> None:
    fts = fts_table(model)
    cursor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')  # noqa: S608


def create_index(schema_editor, model) -> None:
    """The search index of ``model``'s ``search_text`` (a migration's RunPython)."""
    connection = schema_editor.connection
    table, column = model._meta.db_table, search_field(model).column
    if connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{table}_search_trgm" ON "{table}" '
            f'USING gin ("{column}" gin_trgm_ops)'
        )
    elif connection.vendor == "sqlite":
        ensure_sqlite_index(connection, model)


def drop_index(schema_editor, model) -> None:
    connection = schema_editor.connection
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{table}_search_trgm"')
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            drop_sqlite_triggers(cursor, model)
            cursor.execute(f'DROP TABLE IF EXISTS "{fts_table(model)}"')


def ensure_sqlite_index(connection, model) -> None:
    """SQLite: the FTS5 table and its triggers, created when missing and the index
    rebuilt then. Also run after every ``migrate`` (post_migrate): SQLite alters a
    table by copying it, which drops its triggers."""
    if connection.vendor != "sqlite" or search_field(model) is None:
        return
    table, fts = model._meta.db_table, fts_table(model)
    column = search_field(model).column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND tbl_name = %s",
            [table],
        )
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [fts])
        has_table = cursor.fetchone() is not None
        if table not in names:
            return
        wanted = {name for name, _body in _triggers(table, fts, column)}
        if has_table and wanted <= names:
            return
        if not has_table:
            cursor.execute(
                f'CREATE VIRTUAL TABLE "{fts}" USING fts5("{column}", content="{table}", '
                f"content_rowid=\"id\", tokenize='trigram case_sensitive 1')"
            )
        create_sqlite_triggers(cursor, model)
        rebuild_sqlite_index(cursor, model)


@contextmanager
def sqlite_index_rebuilt_afterwards(*models, stdout=None):
    """Bulk loads on SQLite: no trigger per row; the FTS indexes are rebuilt once
    after (PostgreSQL's trigram index is a secondary index: core.demo_bulk's
    ``indexes_built_afterwards`` builds it again)."""
    from core.demo_bulk import step

    connection = default_connection
    models = [model for model in models if search_field(model) is not None]
    if connection.vendor != "sqlite" or not models:
        yield
        return
    with connection.cursor() as cursor:
        for model in models:
            drop_sqlite_triggers(cursor, model)
    yield
    with step(stdout, "search indexes built (FTS5)"), connection.cursor() as cursor:
        for model in models:
            create_sqlite_triggers(cursor, model)
            rebuild_sqlite_index(cursor, model)


# ----------------------------------------------------------------- the query


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Like(models.Func):
    """``expression LIKE pattern ESCAPE '\\'``: the same on both databases (the folded
    text has no upper case, so SQLite's case-insensitive LIKE changes nothing)."""

    output_field = models.BooleanField()

    def __init__(self, expression, pattern: str):
        super().__init__(expression, models.Value(pattern))

    def as_sql(self, compiler, connection, **extra):
        lhs, lhs_params = compiler.compile(self.source_expressions[0])
        rhs, rhs_params = compiler.compile(self.source_expressions[1])
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


class _Unindexed(models.Func):
    template = "(%(expressions)s || '')"
    output_field = models.TextField()


class _FtsMatch(models.Func):
    """SQLite: ``id IN (SELECT rowid FROM <fts> WHERE <fts> MATCH '"term"')``; with
    ``limit``, only the first ``limit`` matches the index gives (``LIMIT n`` inside)."""

    output_field = models.BooleanField()

    def __init__(self, model, term: str, limit: int | None = None):
        self.fts = fts_table(model)
        self.term = term
        self.limit = limit
        super().__init__(models.F("pk"))

    def as_sql(self, compiler, connection, **extra):
        pk, params = compiler.compile(self.source_expressions[0])
        phrase = '"' + self.term.replace('"', '""') + '"'
        limit, limit_params = ("", []) if self.limit is None else (" LIMIT %s", [self.limit])
        return (
            f'{pk} IN (SELECT rowid FROM "{self.fts}" WHERE "{self.fts}" MATCH %s{limit})',  # noqa: S608
            [*params, phrase, *limit_params],
        )


def contains_condition(model, term: str, *, using="default", indexed: bool = True):
    """An expression for "``term`` (folded, ≥ 3 characters) is inside the search
    text", answered by the search index, or, ``indexed=False``, checked on each row
    read (a list that reads in its order, core.filters)."""
    field = search_field(model)
    from django.db import connections

    vendor = connections[using].vendor
    if not indexed:
        return _Like(_Unindexed(models.F(field.name)), f"%{_like_escape(term)}%")
    if vendor == "sqlite":
        return _FtsMatch(model, term)
    return _Like(models.F(field.name), f"%{_like_escape(term)}%")


def first_matches(model, term: str, limit: int, *, using="default") -> models.Q:
    """A condition for "the row is one of the first ``limit`` rows the search index
    finds with ``term`` (folded, ≥ 3 characters) inside": the work is bounded by
    ``limit`` however many rows match (the global search ranks only these,
    core.global_search). SQLite reads ``limit`` row ids from the FTS5 table; on
    PostgreSQL the planner reads them through the trigram index, or, when the term
    is in most rows, from the table until it has them."""
    from django.db import connections

    if connections[using].vendor == "sqlite":
        return models.Q(_FtsMatch(model, term, limit=limit))
    column = models.F(search_field(model).name)
    ids = (
        model._base_manager.using(using)
        .filter(_Like(column, f"%{_like_escape(term)}%"))
        .order_by()
        .values("pk")[:limit]
    )
    return models.Q(pk__in=ids)


def rank_expression(model, term: str):
    """0: a field is the term; 1: a field starts with it; 2: a word in a field does;
    3: it is elsewhere inside."""
    column = models.F(search_field(model).name)
    escaped = _like_escape(term)
    return models.Case(
        models.When(_Like(column, f"%{SEPARATOR}{escaped}{SEPARATOR}%"), then=0),
        models.When(_Like(column, f"%{SEPARATOR}{escaped}%"), then=1),
        models.When(_Like(column, f"% {escaped}%"), then=2),
        default=3,
        output_field=models.IntegerField(),
    )
