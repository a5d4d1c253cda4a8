"""Counts that are exact when small: the rows of a ``LIMIT COUNT_LIMIT + 1`` subquery,
above that the planner's estimate of an unfiltered table, else "1,000+"."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DatabaseError, connections
from django.utils.formats import number_format
from django.utils.translation import gettext as _

# Counted exactly up to here. Measured at a million contacts: a broad filter's
# capped count reads COUNT_LIMIT / selectivity rows, ~0.5 s on PostgreSQL for
# 10,000 ("q=a"), so the cap is 1,000 ("1–50 of 1,000+").
COUNT_LIMIT = 1_000


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
