"""Timing helpers shared by the workloads.

Every measured run happens inside a transaction that is rolled back afterwards,
so each of the three ways (app, floor, naive) starts from the same database
state and a run can be repeated. Commit cost is left out of every way alike.
"""

import contextlib
import statistics
import time
from collections import deque
from dataclasses import asdict, dataclass, field

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from benchmarks.plans import PlanCheck


def log_all_queries(limit: int = 2_000_000) -> None:
    """Let ``CaptureQueriesContext`` count the naive loops' queries (Django keeps 9,000)."""
    connection.queries_limit = limit
    connection.queries_log = deque(maxlen=limit)


class _Rollback(Exception):
    pass


@dataclass
class Run:
    seconds: float
    rows: int
    queries: int
    # The slowest statements: (seconds, the statement's start), slowest first.
    slowest: list = field(default_factory=list)


@dataclass
class Way:
    """One way of doing a workload: the median of its runs."""

    seconds: float
    rows: int
    queries: int
    runs: int
    extrapolated_from: int | None = None  # rows actually done (naive baseline on a sample)
    # The plan check (benchmarks.plans): statements EXPLAINed, SubPlans over
    # contact-sized sets (each a dict of name, rows, statement); None: not checked.
    explained: int | None = None
    subplans: list | None = None
    # The first run's slowest statements (STATEMENTS_KEPT): [seconds, statement start].
    slowest: list | None = None

    def as_dict(self):
        return asdict(self)


@dataclass
class Result:
    workload: str
    title: str
    ways: dict = field(default_factory=dict)  # "app" / "floor" / "naive" -> Way
    extra: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def ratio(self, a, b):
        if a in self.ways and b in self.ways and self.ways[b].seconds > 0:
            return self.ways[a].seconds / self.ways[b].seconds
        return None

    def as_dict(self):
        return {
            "workload": self.workload,
            "title": self.title,
            "ways": {name: way.as_dict() for name, way in self.ways.items()},
            "app_over_floor": self.ratio("app", "floor"),
            "naive_over_app": self.ratio("naive", "app"),
            "extra": self.extra,
            "notes": self.notes,
        }


# The tables the bulk workloads write. Every rolled-back run leaves its rows behind
# as dead tuples (hundreds of thousands per run) until autovacuum comes by; a
# database in use does not pile them up like that.
WRITTEN_TABLES = (
    "segments_segmentline",
    "segments_segmenthistory",
    "pricing_campaigntarget",
    "campaigns_interactionlogentry",
)


def vacuum_written_tables() -> None:
    """On PostgreSQL, clear the dead rows of the previous runs and refresh the
    statistics (``VACUUM (ANALYZE)``, outside any transaction), so that every run
    starts from the same state as the first."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in WRITTEN_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(name)}")


def run_once(fn, *, prepare=None, plans=None) -> Run:
    """Run ``fn`` (returning the number of rows it produced) in a transaction that is
    rolled back; ``prepare`` runs first in the same transaction, untimed. The
    written tables are vacuumed first (PostgreSQL), untimed. ``plans``: a
    ``benchmarks.plans.PlanCheck`` that sees every statement of ``fn`` (its EXPLAINs
    are inside the time: a few milliseconds)."""
    vacuum_written_tables()
    outcome = {}
    try:
        with transaction.atomic():
            if prepare:
                prepare()
            with CaptureQueriesContext(connection) as queries, _checked(plans):
                start = time.perf_counter()
                rows = fn()
                seconds = time.perf_counter() - start
            outcome["run"] = Run(
                seconds=seconds,
                rows=int(rows or 0),
                queries=len(queries),
                slowest=_slowest(queries.captured_queries),
            )
            raise _Rollback
    except _Rollback:
        pass
    return outcome["run"]


# The slowest statements of a run kept for the report, and how much of each.
STATEMENTS_KEPT = 5
STATEMENT_CHARS = 160


def _slowest(captured) -> list:
    # A prepared statement's text is not always known to the debug cursor (None).
    timed = sorted(((float(query["time"]), query["sql"] or "") for query in captured), reverse=True)
    return [[round(took, 3), sql[:STATEMENT_CHARS]] for took, sql in timed[:STATEMENTS_KEPT]]


def _checked(plans):
    return connection.execute_wrapper(plans) if plans else contextlib.nullcontext()


def measure(fn, *, repeat=3, prepare=None, scale_to=None, check_plans=False) -> Way:
    """The median of ``repeat`` rolled-back runs of ``fn``.

    ``scale_to``: ``fn`` did only a sample; its time is scaled linearly to that many
    rows (the naive baselines, whose per-row cost does not fall with size).
    ``check_plans``: the first run's statements are EXPLAINed (PostgreSQL) and the
    SubPlans over contact-sized sets kept in ``Way.subplans`` (benchmarks.plans).
    """
    check = PlanCheck() if check_plans and connection.vendor == "postgresql" else None
    runs = [run_once(fn, prepare=prepare, plans=check if n == 0 else None) for n in range(repeat)]
    seconds = statistics.median(run.seconds for run in runs)
    rows = runs[0].rows
    queries = runs[0].queries
    if scale_to and rows:
        factor = scale_to / rows
        return Way(
            seconds=seconds * factor,
            rows=scale_to,
            queries=round(queries * factor),
            runs=repeat,
            extrapolated_from=rows,
        )
    way = Way(seconds=seconds, rows=rows, queries=queries, runs=repeat, slowest=runs[0].slowest)
    if check:
        way.explained = check.explained
        way.subplans = [subplan.as_dict() for subplan in check.findings]
    return way


def execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        return row[0] if row else None


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def col(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def percentile(values, pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
