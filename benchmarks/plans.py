"""Plans that stay linear (docs/performance.md): the statements of a bulk workload,
EXPLAINed on PostgreSQL as they run, with every SubPlan over a contact-sized set found.

A SubPlan is a subquery the executor answers per outer row. ``IN (subquery)`` under
``NOT`` or ``OR`` becomes one: PostgreSQL hashes its rows while they fit in
``work_mem`` (a *hashed SubPlan*) and otherwise scans the materialised rows once per
outer row. At a million contacts the hash fits; at ten million a 2-million-row list
did not and *Add contacts* ran for hours instead of seconds. So a SubPlan that is not
hashed and expects at least ``CONTACT_SIZED`` rows fails the workload: at the size
measured it is that scan per row. A hashed one passes (it fits at this size; the
PostgreSQL test of the services, tests/segments/test_linear_plans.py, keeps the
``NOT IN`` shape out at any size), and so does a correlated SubPlan that probes an
index: it expects a row or a few per run (an ``EXISTS`` under ``OR``, which PostgreSQL
hashes while it fits and otherwise probes row by row). Anti- and semi-joins
(``NOT EXISTS``, ``IN`` alone, ``core.sql.absent`` / ``among``) are joins, not
SubPlans, and spill to disk when they do not fit: linear at any size.
"""

import json
from dataclasses import asdict, dataclass

from django.db import connection

CONTACT_SIZED = 10_000  # estimated rows of a SubPlan that fail the check
EXPLAINED = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


@dataclass
class SubPlan:
    name: str  # "SubPlan 1" or "hashed SubPlan 1"
    rows: int  # the planner's estimate of the rows of one run of the subquery
    statement: str  # the statement's start

    def as_dict(self):
        return asdict(self)


def subplans(plan: dict, statement: str) -> list[SubPlan]:
    """Every SubPlan node of an ``EXPLAIN (FORMAT JSON)`` plan, with its estimated rows.
    A hashed one is named so where it is used ("NOT (hashed SubPlan 1)" in a filter),
    not on its own node."""
    text = json.dumps(plan)
    found = []
    pending = [plan]
    while pending:
        node = pending.pop()
        if node.get("Parent Relationship") == "SubPlan":
            name = node.get("Subplan Name", "SubPlan")
            found.append(
                SubPlan(
                    name=f"hashed {name}" if f"hashed {name}" in text else name,
                    rows=int(node.get("Plan Rows", 0)),
                    statement=statement[:160],
                )
            )
        pending.extend(node.get("Plans", []))
    return found


# Nodes that read all their input before giving a row: a Limit above them does not
# stop the scan below them.
BLOCKING = {"Hash", "Sort", "Aggregate", "SetOp", "WindowAgg", "Materialize", "Unique"}


def unlimited_scans(plan: dict, relations: set[str], statement: str) -> list[str]:
    """The sequential scans of ``relations`` that no ``Limit`` stops: each reads the
    whole table, whatever the page shows (``relations``: the names of the tables that
    are big at the size measured)."""
    found = []
    pending = [(plan, False)]
    while pending:
        node, limited = pending.pop()
        kind = node.get("Node Type")
        if kind == "Limit":
            limited = True
        elif kind in BLOCKING:
            limited = False
        if kind == "Seq Scan" and node.get("Relation Name") in relations and not limited:
            found.append(f"Seq Scan on {node['Relation Name']} without a limit: {statement[:120]}")
        pending.extend((child, limited) for child in node.get("Plans", []))
    return found


class PlanCheck:
    """An execute wrapper (``connection.execute_wrapper(check)``) that EXPLAINs each
    statement before it runs, on the same connection and transaction (temporary tables
    and uncommitted rows included), and keeps the SubPlans of ``CONTACT_SIZED`` rows or
    more in ``findings``. Planning only: nothing runs twice. Does nothing on SQLite,
    which has no such fallback (it builds an index for an ``IN`` subquery)."""

    def __init__(self, threshold: int = CONTACT_SIZED, scanned: set[str] = frozenset()):
        self.threshold = threshold
        self.findings: list[SubPlan] = []
        self.explained = 0
        self.every_subplan: list[SubPlan] = []
        self.statements: list[str] = []  # each statement EXPLAINed, and its plan (JSON)
        self.plans: list[str] = []
        # Tables a whole sequential scan of is a problem (``unlimited_scans``), once
        # they hold ``threshold`` rows: below that a scan is the planner's right choice
        # (the interactions of the bulk data set: a few hundred rows).
        self.scanned = scanned
        self._big: set[str] | None = None
        self.scans: list[str] = []

    def big_tables(self, raw) -> set[str]:
        """The tables of ``scanned`` that hold ``threshold`` rows or more (the planner's
        count, ``pg_class.reltuples``), read once."""
        if self._big is None:
            raw.execute(
                "SELECT relname FROM pg_class WHERE relname = ANY(%s) AND reltuples >= %s",
                [sorted(self.scanned), self.threshold],
            )
            self._big = {name for (name,) in raw.fetchall()}
        return self._big

    def __call__(self, execute, sql, params, many, context):
        if (
            connection.vendor == "postgresql"
            and not many
            and sql.lstrip().upper().startswith(EXPLAINED)
        ):
            # A driver's cursor of its own (not through the wrappers, and not the
            # statement's, which may be a server-side cursor of ``.iterator()``).
            with context["connection"].connection.cursor() as raw:
                raw.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                (document,) = raw.fetchone()
                big = self.big_tables(raw) if self.scanned else set()
            self.explained += 1
            statement = " ".join(sql.split())
            found = subplans(document[0]["Plan"], statement)
            self.scans += unlimited_scans(document[0]["Plan"], big, statement)
            self.every_subplan += found
            self.statements.append(statement)
            self.plans.append(json.dumps(document))
            self.findings += [
                subplan
                for subplan in found
                if subplan.rows >= self.threshold and not subplan.name.startswith("hashed")
            ]
        return execute(sql, params, many, context)
