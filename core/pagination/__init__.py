"""Keyset ("seek") pagination and cheap row counts for lists of any size.

A page is addressed by a *cursor*: the sort values of the row just before it
(Next) or just after it (Previous), signed so that it cannot be forged. The
query for a page is ``WHERE <sort columns> after <cursor values> ORDER BY <sort
columns> LIMIT n+1``, which an index on the sort column answers by reading n+1
rows, however deep the page is: no ``OFFSET`` and no ``COUNT(*)`` over the table
(docs/performance.md).

The order is the queryset's own ``order_by`` (or the model's ``Meta.ordering``),
completed with the primary key as tiebreaker unless it already ends in a unique
column, so that equal sort values never make rows appear twice or not at all.
NULLs sort where the database puts them naturally (first ascending on SQLite,
last on PostgreSQL), so an index on the column still serves the order.

The count shown above a list is "exact when small": the rows of a ``LIMIT
COUNT_LIMIT + 1`` subquery are counted, and above that the planner's estimate of
an unfiltered table (``pg_class.reltuples`` on PostgreSQL, ``sqlite_stat1`` after
``ANALYZE`` on SQLite) or simply "1,000+".

The package: ``keys`` (the sort order and the "after" condition), ``cursors``,
``counts`` and ``pages``.
"""

from core.pagination.counts import COUNT_LIMIT, RowCount, count_rows
from core.pagination.cursors import make_cursor, read_cursor
from core.pagination.keys import (
    CursorError,
    KeysetError,
    SortKey,
    indexed_columns,
    ordered,
    sort_keys,
)
from core.pagination.pages import CURSOR_PARAM, KeysetPage, iterate, paginate

__all__ = [
    "COUNT_LIMIT",
    "CURSOR_PARAM",
    "CursorError",
    "KeysetError",
    "KeysetPage",
    "RowCount",
    "SortKey",
    "count_rows",
    "indexed_columns",
    "iterate",
    "make_cursor",
    "ordered",
    "paginate",
    "read_cursor",
    "sort_keys",
]
