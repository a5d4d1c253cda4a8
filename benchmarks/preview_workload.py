"""W8: the counts before committing (docs/segments.md, Counts before committing): what
*Add contacts*, *Reduce* and *Refine* would do, counted as the filters are filled in,
for typical criteria on the segment of 200,000 lines and on an empty one, timed as the
page asks for them (``segments:segment_criteria_preview``: one transaction with its
statement time limit)."""

import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.harness import Result, percentile
from benchmarks.workloads import World
from core.sql import TimeUp, statement_time_limit
from segments.criteria_views import PREVIEW_SECONDS
from segments.services import preview_add, preview_remove

# Typical criteria over the bulk data set (contacts/demo_bulk.py): ~200,000 contacts
# each, but for the combination (~75,000) and the name (a few thousand).
PREVIEW_FILTERS = {
    "mailing group BULK20": {"mailing_groups": ["BULK20"]},
    "business relation CUST": {"business_relations": ["CUST"]},
    "industry group RETAIL": {"industry_groups": ["RETAIL"]},
    "salesperson AH": {"salesperson": "AH"},
    "No. CT0100000..CT0300000": {"no": "CT0100000..CT0300000"},
    "name M*": {"name": "M*"},
    "persons, RETAIL and NEWSLETTER": {
        "type": "person",
        "industry_groups": ["RETAIL"],
        "mailing_groups": ["NEWSLETTER"],
    },
}
PREVIEW_RUNS = 10  # per criteria and action


def _cases(world: World):
    full, empty = world.target_segment, world.empty_segment
    for label, filters in PREVIEW_FILTERS.items():
        yield (
            f"Add, {label}, segment of {world.target_lines:,}",
            lambda f=filters: preview_add(segment=full, filters=f),
        )
        yield (
            f"Add, {label}, empty segment",
            lambda f=filters: preview_add(segment=empty, filters=f),
        )
        yield (
            f"Reduce, {label}",
            lambda f=filters: preview_remove(segment=full, filters=f),
        )
        yield (
            f"Refine, {label}",
            lambda f=filters: preview_remove(segment=full, filters=f, keep_matching=True),
        )


def w8_previews(world: World, runs: int = PREVIEW_RUNS) -> list[Result]:
    results = []
    for title, preview in _cases(world):
        seconds, queries, given_up = [], set(), 0
        answer = None
        for _run in range(runs):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                try:
                    with statement_time_limit(PREVIEW_SECONDS):
                        answer = preview()
                except TimeUp:
                    given_up += 1
                seconds.append(time.perf_counter() - start)
            queries.add(len(captured))
        ms = [value * 1000 for value in seconds]
        result = Result("W8", f"Counts before committing: {title}")
        result.extra = {
            "median_ms": round(statistics.median(ms)),
            "p95_ms": round(percentile(ms, 95)),
            "min_ms": round(min(ms)),
            "queries": sorted(queries),
            "given_up": given_up,
            "count": "" if answer is None else _count(answer),
        }
        results.append(result)
    return results


def _count(answer) -> str:
    more = "more than " if answer.capped else ""
    return f"{more}{answer.matching:,} match, {answer.added or answer.removed:,} lines"
