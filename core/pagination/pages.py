"""A page of rows addressed by a cursor, and reading a whole queryset in keyset
chunks."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core.pagination.counts import RowCount
from core.pagination.cursors import BACKWARD, FORWARD, make_cursor, read_cursor
from core.pagination.keys import CursorError, after_condition, ordered, sort_keys

CURSOR_PARAM = "cursor"
# Counted exactly up to here. Measured at a million contacts: a broad filter's
# capped count reads COUNT_LIMIT / selectivity rows, ~0.5 s on PostgreSQL for
# 10,000 ("q=a"), so the cap is 1,000 ("1–50 of 1,000+").
COUNT_LIMIT = 1_000


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
    direction, values, offset, invalid = FORWARD, None, 0, False
    if cursor:
        try:
            direction, values, offset = read_cursor(cursor, keys)
            if values is not None:  # a NULL where the column has none: CursorError
                after_condition(keys, values, reverse=False, nulls_largest=nulls_largest)
        except CursorError:
            direction, values, offset, invalid = FORWARD, None, 0, True

    def fetch(reverse: bool, after: list | None):
        rows = ordered(queryset, keys, reverse=reverse)
        if after is not None:
            rows = rows.filter(
                after_condition(keys, after, reverse=reverse, nulls_largest=nulls_largest)
            )
        return list(rows[: per_page + 1])

    if direction == FORWARD:
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
            page.next_cursor = make_cursor(keys, FORWARD, _values(rows[-1], keys), next_offset)
            page.last_cursor = make_cursor(keys, BACKWARD, None, None)
        if has_previous:
            previous_offset = None if offset is None else max(offset - per_page, 0)
            page.previous_cursor = make_cursor(
                keys, BACKWARD, _values(rows[0], keys), previous_offset
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
            rows = rows.filter(
                after_condition(keys, values, reverse=False, nulls_largest=nulls_largest)
            )
        chunk = list(rows[:chunk_size])
        yield from chunk
        if len(chunk) < chunk_size:
            return
        values = _values(chunk[-1], keys)
