"""Keyset ("seek") pagination and cheap row counts for lists of any size.

A page is addressed by a *cursor*: the sort values of the row just before it
(Next) or just after it (Previous), signed so that it cannot be forged. The
query for a page is ``WHERE <sort columns> after <cursor values> ORDER BY <sort
columns> LIMIT n+1``, which an index on the sort column answers by reading n+1
rows, however deep the page is: no ``OFFSET`` and no ``COUNT(*)`` over the table
(ARCHITECTURE, performance rules 2 and 3).

The order is the queryset's own ``order_by`` (or the model's ``Meta.ordering``),
completed with the primary key as tiebreaker unless it already ends in a unique
column, so that equal sort values never make rows appear twice or not at all.
NULLs sort where the database puts them naturally (first ascending on SQLite,
last on PostgreSQL), so an index on the column still serves the order.

The count shown above a list is "exact when small": the rows of a ``LIMIT
COUNT_LIMIT + 1`` subquery are counted, and above that the planner's estimate of
an unfiltered table (``pg_class.reltuples`` on PostgreSQL, ``sqlite_stat1`` after
``ANALYZE`` on SQLite) or simply "1,000+".
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.core import signing
from django.db import DatabaseError, connections, models
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

CURSOR_PARAM = "cursor"
# Counted exactly up to here. Measured at a million contacts: a broad filter's
# capped count reads COUNT_LIMIT / selectivity rows, ~0.5 s on PostgreSQL for
# 10,000 ("q=a"), so the cap is 1,000 ("1–50 of 1,000+").
COUNT_LIMIT = 1_000
_SALT = "core.pagination.cursor"
_FORWARD, _BACKWARD = "n", "p"


class KeysetError(ValueError):
    """The ordering cannot be paginated by keyset (random order, to-many relation …)."""


class CursorError(ValueError):
    """A cursor from the query string that is forged, damaged or for another order."""


# --------------------------------------------------------------------- sort keys


@dataclass(frozen=True)
class SortKey:
    """One column of the keyset order.

    ``name`` is what filters and ``order_by`` use (a local field path, or an
    annotation); ``attribute`` is where the value is read on a fetched row.
    """

    path: str
    descending: bool
    nullable: bool
    name: str
    attribute: str
    annotate: bool = False  # a relation path, fetched as an annotation

    def signature(self) -> str:
        return ("-" if self.descending else "") + self.path


def _ordering_terms(queryset) -> list[tuple[str, bool]]:
    query = queryset.query
    if query.order_by:
        raw = list(query.order_by)
    elif query.default_ordering:
        raw = list(queryset.model._meta.ordering)
    else:
        raw = []
    terms = []
    for term in raw:
        if isinstance(term, str):
            if term == "?" or term.startswith("-?"):
                raise KeysetError("random order")
            terms.append((term.lstrip("-"), term.startswith("-")))
        elif isinstance(term, models.OrderBy) and isinstance(term.expression, F):
            if term.nulls_first or term.nulls_last:
                raise KeysetError("explicit NULLS placement")
            terms.append((term.expression.name, term.descending))
        elif isinstance(term, F):
            terms.append((term.name, False))
        else:
            raise KeysetError(f"cannot page by {term!r}")
    return terms


def _expand(model, path: str, descending: bool, annotations, nullable=False, depth=0):
    """``(path, descending, nullable, unique_local)`` tuples a term orders by, as Django
    does: a relation orders by the related model's ``Meta.ordering`` (or its key)."""
    if depth > 5:
        raise KeysetError("ordering loops through relations")
    if path in annotations:
        return [(path, descending, True, False)]
    if path == "pk":
        path = model._meta.pk.name
    parts = path.split(LOOKUP_SEP)
    opts = model._meta
    prefix = []
    for index, part in enumerate(parts):
        try:
            field_ = opts.get_field(part)
        except Exception as error:
            raise KeysetError(f"unknown field {path}") from error
        last = index == len(parts) - 1
        if last and field_.concrete and part == field_.attname != field_.name:
            # "segment_id": the foreign key's own column, as Django orders by it.
            unique = not prefix and field_.unique and not (nullable or field_.null)
            return [(path, descending, nullable or field_.null, unique)]
        if field_.is_relation:
            if field_.many_to_many or field_.one_to_many:
                raise KeysetError(f"{path} goes through a to-many relation")
            if not field_.concrete:  # reverse one-to-one
                nullable = True
            elif field_.null:
                nullable = True
            if last:
                related = field_.related_model
                ordering = related._meta.ordering
                base = LOOKUP_SEP.join([*prefix, part])
                if not field_.concrete or not ordering:
                    if not field_.concrete:
                        raise KeysetError(f"{path} is a reverse relation")
                    name = LOOKUP_SEP.join([*prefix, field_.attname])
                    unique = not prefix and field_.unique and not nullable
                    return [(name, descending, nullable, unique)]
                keys = []
                for item in ordering:
                    if not isinstance(item, str):
                        raise KeysetError(f"ordering of {related.__name__}")
                    keys += _expand(
                        model,
                        f"{base}{LOOKUP_SEP}{item.lstrip('-')}",
                        descending != item.startswith("-"),
                        annotations,
                        nullable,
                        depth + 1,
                    )
                return keys
            prefix.append(part)
            opts = field_.related_model._meta
            continue
        if not last:
            raise KeysetError(f"{path} uses a lookup or transform")
        nullable = nullable or field_.null
        unique_local = not prefix and field_.unique and not field_.null
        name = LOOKUP_SEP.join([*prefix, field_.attname])
        return [(name, descending, nullable, unique_local)]
    raise KeysetError(f"cannot resolve {path}")


def _index_tiebreaker(model, columns: list[str]) -> str | None:
    """A unique, non-null column that an index of ``model`` has right after
    ``columns`` (Contact's ``(type, no)``): ordering by it instead of the primary key
    lets that index deliver the whole order."""
    if not columns:
        return None
    opts = model._meta
    for index in opts.indexes:
        fields = [name.lstrip("-") for name in index.fields]
        if len(fields) <= len(columns) or getattr(index, "condition", None):
            continue
        try:
            attnames = [opts.get_field(name).attname for name in fields]
        except Exception:  # noqa: S112 - an index we cannot read is not one to use
            continue
        if attnames[: len(columns)] != columns:
            continue
        candidate = opts.get_field(fields[len(columns)])
        if candidate.unique and not candidate.null and not candidate.is_relation:
            return candidate.attname
    return None


def sort_keys(queryset) -> list[SortKey]:
    """The keyset order of ``queryset``: its ordering plus the primary key as
    tiebreaker (unless a unique, non-null column of the model already decides)."""
    model = queryset.model
    annotations = queryset.query.annotations
    resolved = []
    expanded = (
        column
        for path, descending in _ordering_terms(queryset)
        for column in _expand(model, path, descending, annotations)
    )
    for name, descending, nullable, unique in expanded:
        if name in {r[0] for r in resolved}:
            continue
        resolved.append((name, descending, nullable, unique))
        if unique:  # a unique column decides: later columns never matter
            break
    if not resolved or not resolved[-1][3]:
        descending = resolved[-1][1] if resolved else False
        tiebreaker = _index_tiebreaker(model, [r[0] for r in resolved]) or model._meta.pk.attname
        resolved.append((tiebreaker, descending, False, True))
    keys = []
    for index, (name, descending, nullable, _unique) in enumerate(resolved):
        through = LOOKUP_SEP in name and name not in annotations
        alias = f"keyset_{index}" if through else name
        keys.append(
            SortKey(
                path=name,
                descending=descending,
                nullable=nullable,
                name=alias,
                attribute=alias,
                annotate=through,
            )
        )
    return keys


def leading_key_indexed(queryset, keys: list[SortKey] | None = None) -> bool:
    """Whether an index of the model can deliver the first sort column in order
    (a local column that leads an index, a unique column or the primary key)."""
    keys = keys if keys is not None else sort_keys(queryset)
    first = keys[0]
    if first.annotate or first.path in queryset.query.annotations:
        return False
    return first.path in indexed_columns(queryset.model)


def indexed_columns(model) -> set[str]:
    """Attribute names of the columns that lead an index of ``model``."""
    opts = model._meta
    columns = {opts.pk.attname}
    for field_ in opts.concrete_fields:
        if field_.unique or field_.db_index:
            columns.add(field_.attname)
    for index in opts.indexes:
        if index.fields and not getattr(index, "condition", None):
            columns.add(opts.get_field(index.fields[0].lstrip("-")).attname)
    for constraint in opts.constraints:
        fields = getattr(constraint, "fields", ())
        if isinstance(constraint, models.UniqueConstraint) and fields and not constraint.condition:
            columns.add(opts.get_field(fields[0]).attname)
    for together in opts.unique_together:
        columns.add(opts.get_field(together[0]).attname)
    return columns


def ordered(queryset, keys: list[SortKey], *, reverse: bool = False):
    """``queryset`` annotated with the relation sort values and ordered by ``keys``."""
    annotations = {key.name: F(key.path) for key in keys if key.annotate}
    if annotations:
        queryset = queryset.annotate(**annotations)
    order = []
    for key in keys:
        expression = F(key.name)
        order.append(expression.desc() if key.descending != reverse else expression.asc())
    return queryset.order_by(*order)


def _after(keys: list[SortKey], values: list, *, reverse: bool, nulls_largest: bool) -> Q:
    """The rows that come after the row with ``values`` in the order of ``keys``
    (before it, with ``reverse``). Each column adds ``col >= v AND (col > v OR
    (col = v AND <the rest>))``, so the first column is a plain index range."""
    condition = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        descending = key.descending != reverse
        nulls_last = key.nullable and (nulls_largest != descending)
        name = key.name
        if value is None:
            if not key.nullable:
                raise CursorError("NULL in a column that has none")
            rest = Q(**{f"{name}__isnull": True}) & condition if condition is not None else None
            if nulls_last:
                condition = rest if rest is not None else Q(pk__in=[])
            else:
                condition = Q(**{f"{name}__isnull": False})
                if rest is not None:
                    condition |= rest
            continue
        beyond = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        if condition is not None:
            beyond = Q(**{f"{name}__{'lte' if descending else 'gte'}": value}) & (
                beyond | (Q(**{name: value}) & condition)
            )
        if nulls_last:
            beyond |= Q(**{f"{name}__isnull": True})
        condition = beyond
    return condition


# ----------------------------------------------------------------------- cursors


def _encode_value(value):
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, datetime.time):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    raise KeysetError(f"cannot put a {type(value).__name__} in a cursor")


_DECODERS = {
    "dt": datetime.datetime.fromisoformat,
    "d": datetime.date.fromisoformat,
    "t": datetime.time.fromisoformat,
    "n": Decimal,
    "u": uuid.UUID,
}


def _decode_value(value):
    if isinstance(value, dict):
        if len(value) != 1:
            raise CursorError("bad value")
        ((tag, text),) = value.items()
        if tag not in _DECODERS or not isinstance(text, str):
            raise CursorError("bad value")
        try:
            return _DECODERS[tag](text)
        except (ValueError, ArithmeticError) as error:
            raise CursorError("bad value") from error
    if value is None or isinstance(value, bool | int | str | float):
        return value
    raise CursorError("bad value")


def _signature(keys: list[SortKey]) -> str:
    return ",".join(key.signature() for key in keys)


def make_cursor(keys, direction: str, values: list | None, offset: int | None) -> str:
    payload = {
        "s": _signature(keys),
        "d": direction,
        "v": None if values is None else [_encode_value(v) for v in values],
        "o": offset,
    }
    return signing.dumps(payload, salt=_SALT, compress=True)


def read_cursor(text: str, keys) -> tuple[str, list | None, int | None]:
    """``(direction, values, offset)`` of a cursor made for ``keys``; CursorError else."""
    try:
        payload = signing.loads(text, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as error:
        raise CursorError("bad signature") from error
    if not isinstance(payload, dict) or payload.get("s") != _signature(keys):
        raise CursorError("cursor of another order")
    direction, values, offset = payload.get("d"), payload.get("v"), payload.get("o")
    if direction not in (_FORWARD, _BACKWARD):
        raise CursorError("bad direction")
    if values is not None:
        if not isinstance(values, list) or len(values) != len(keys):
            raise CursorError("bad values")
        values = [_decode_value(v) for v in values]
    elif direction == _FORWARD:
        raise CursorError("a forward cursor needs values")
    if offset is not None and (not isinstance(offset, int) or offset < 0):
        raise CursorError("bad offset")
    return direction, values, offset


# ------------------------------------------------------------------------ counts


@dataclass(frozen=True)
class RowCount:
    """How many rows a list has: exact up to ``COUNT_LIMIT``, else an estimate
    (``estimated``) or only a lower bound (neither exact nor estimated)."""

    value: int
    exact: bool = True
    estimated: bool = False

    @property
    def large(self) -> bool:
        return not self.exact

    def __str__(self):
        shown = number_format(self.value, force_grouping=True)
        if self.exact:
            return shown
        if self.estimated:
            return _("about %(n)s") % {"n": shown}
        return f"{shown}+"


def _estimate(queryset) -> int | None:
    """The planner's idea of the table's size (no scan), or None."""
    connection = connections[queryset.db]
    table = queryset.model._meta.db_table
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
                    [connection.ops.quote_name(table)],
                )
                row = cursor.fetchone()
                return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
                )
                if cursor.fetchone() is None:
                    return None
                cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = %s LIMIT 1", [table])
                row = cursor.fetchone()
                return int(str(row[0]).split()[0]) if row else None
    except (DatabaseError, ValueError, IndexError):
        return None
    return None


def count_rows(queryset, limit: int = COUNT_LIMIT) -> RowCount:
    """Count up to ``limit`` rows (``SELECT COUNT(*) FROM (… LIMIT limit+1)``);
    above that, estimate an unfiltered table from the planner statistics."""
    counted = queryset.order_by().values("pk")[: limit + 1].count()
    if counted <= limit:
        return RowCount(counted)
    if not queryset.query.where:
        estimate = _estimate(queryset)
        if estimate is not None and estimate > limit:
            return RowCount(estimate, exact=False, estimated=True)
    return RowCount(limit, exact=False)


# ------------------------------------------------------------------------- pages


@dataclass
class KeysetPage:
    """One page of rows and the cursors of its neighbours."""

    object_list: list
    count: RowCount | None
    has_previous: bool
    has_next: bool
    offset: int | None  # rows before this page, when known
    query: object = None  # the request's QueryDict, for the links
    next_cursor: str | None = None
    previous_cursor: str | None = None
    last_cursor: str | None = None
    invalid_cursor: bool = False
    fragment: str = ""

    def __bool__(self):
        return True

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def start_index(self) -> int | None:
        if not self.object_list or self.offset is None:
            return None
        return self.offset + 1

    @property
    def end_index(self) -> int | None:
        start = self.start_index
        return None if start is None else start + len(self.object_list) - 1

    @property
    def summary(self) -> str:
        """ "1–50 of 234", "51–100 of about 1,000,000", "1–50 of 1,000+"."""
        if not self.object_list:
            return _("No rows")
        if self.start_index is None:  # the last page of a list too large to count
            rows = _("%(n)s rows") % {"n": number_format(len(self.object_list))}
        else:
            rows = "–".join(
                number_format(n, force_grouping=True) for n in (self.start_index, self.end_index)
            )
        if self.count is None:
            return rows
        return _("%(rows)s of %(count)s") % {"rows": rows, "count": self.count}

    def _url(self, cursor: str | None) -> str:
        query = self.query.copy() if self.query is not None else None
        params = ""
        if query is not None:
            for name in (CURSOR_PARAM, "page"):
                query.pop(name, None)
            if cursor:
                query[CURSOR_PARAM] = cursor
            params = query.urlencode()
        elif cursor:
            params = urlencode({CURSOR_PARAM: cursor})
        return f"?{params}{self.fragment}"

    @property
    def first_url(self) -> str:
        return self._url(None)

    @property
    def previous_url(self) -> str | None:
        return self._url(self.previous_cursor) if self.has_previous else None

    @property
    def next_url(self) -> str | None:
        return self._url(self.next_cursor) if self.has_next else None

    @property
    def last_url(self) -> str | None:
        return self._url(self.last_cursor) if self.has_next else None


def _values(row, keys) -> list:
    return [getattr(row, key.attribute) for key in keys]


def paginate(
    queryset,
    *,
    cursor: str | None,
    per_page: int,
    count: RowCount | None = None,
    query=None,
    fragment: str = "",
) -> KeysetPage:
    """The page of ``queryset`` that ``cursor`` points to (the first page without one).

    One query for the rows (``per_page + 1`` of them, to know whether more follow);
    a second only when a Previous page turns out to be the first and short.
    A bad cursor gives the first page with ``invalid_cursor`` set.
    """
    keys = sort_keys(queryset)
    nulls_largest = connections[queryset.db].features.nulls_order_largest
    direction, values, offset, invalid = _FORWARD, None, 0, False
    if cursor:
        try:
            direction, values, offset = read_cursor(cursor, keys)
            if values is not None:  # a NULL where the column has none: CursorError
                _after(keys, values, reverse=False, nulls_largest=nulls_largest)
        except CursorError:
            direction, values, offset, invalid = _FORWARD, None, 0, True

    def fetch(reverse: bool, after: list | None):
        rows = ordered(queryset, keys, reverse=reverse)
        if after is not None:
            rows = rows.filter(_after(keys, after, reverse=reverse, nulls_largest=nulls_largest))
        return list(rows[: per_page + 1])

    if direction == _FORWARD:
        rows = fetch(False, values)
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        has_previous = values is not None
    else:
        rows = fetch(True, values)
        has_previous = len(rows) > per_page
        rows = rows[:per_page][::-1]
        has_next = True
        if values is None:  # the last page
            has_next = False
            total = count.value if count is not None and count.exact else None
            offset = None if total is None else max(total - len(rows), 0)
        elif not has_previous:
            offset = 0
            if len(rows) < per_page:  # rows were deleted meanwhile: show a full first page
                rows = fetch(False, None)
                has_next = len(rows) > per_page
                rows = rows[:per_page]
        elif offset is not None and offset == 0:
            offset = None  # rows were added before this page meanwhile
    if not rows:
        has_next = False
    page = KeysetPage(
        object_list=rows,
        count=count,
        has_previous=has_previous,
        has_next=has_next,
        offset=offset,
        query=query,
        invalid_cursor=invalid,
        fragment=fragment,
    )
    if rows:
        if has_next:
            next_offset = None if offset is None else offset + len(rows)
            page.next_cursor = make_cursor(keys, _FORWARD, _values(rows[-1], keys), next_offset)
            page.last_cursor = make_cursor(keys, _BACKWARD, None, None)
        if has_previous:
            previous_offset = None if offset is None else max(offset - per_page, 0)
            page.previous_cursor = make_cursor(
                keys, _BACKWARD, _values(rows[0], keys), previous_offset
            )
    return page


def iterate(queryset, *, chunk_size: int = 2000):
    """Every row of ``queryset`` in its order, fetched ``chunk_size`` rows per
    keyset query (no long-open cursor, no OFFSET): for streaming exports."""
    keys = sort_keys(queryset)
    nulls_largest = connections[queryset.db].features.nulls_order_largest
    base = ordered(queryset, keys)
    values = None
    while True:
        rows = base
        if values is not None:
            rows = rows.filter(_after(keys, values, reverse=False, nulls_largest=nulls_largest))
        chunk = list(rows[:chunk_size])
        yield from chunk
        if len(chunk) < chunk_size:
            return
        values = _values(chunk[-1], keys)
