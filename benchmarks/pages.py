"""W5: server time of the main pages at full size, and their queries.

Pages are requested in-process through Django's test client (the whole
middleware stack and template rendering, no network), logged in as a
superuser, ``requests`` times each after one warm-up request. The SQL of every
request is checked for a ``COUNT(*)`` without a limit over a table with a row
per contact, and for ``OFFSET`` beyond the first pages; on PostgreSQL the warm-up
request's statements are EXPLAINed for a sequential scan of such a table that no
``LIMIT`` stops and for SubPlans over contact-sized sets (benchmarks.plans). Any of
these fails the page.
"""

import gc
import re
import statistics
import time
from html import unescape

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from benchmarks.harness import Result, percentile
from benchmarks.plans import PlanCheck

_NEXT_LINK = re.compile(
    r'<a[^>]+rel="next"[^>]+href="([^"]+)"|<a[^>]+href="([^"]+)"[^>]+rel="next"'
)
_OFFSET = re.compile(r"\bOFFSET\s+(\d+)", re.IGNORECASE)
_COUNT = re.compile(r"SELECT\s+COUNT\(\*\)", re.IGNORECASE)
SMALL_OFFSET = 1000
# Tables with a row per contact (or more): a COUNT over them must be capped. Counts
# of one campaign's targets or prices are bounded by that campaign and may be exact.
BIG_TABLES = ('"contacts_contact"', '"segments_segmentline"', '"campaigns_interactionlogentry"')


def _problems(sqls: list[str]) -> list[str]:
    found = []
    for sql in sqls:
        found.extend(
            f"deep OFFSET {match.group(1)}"
            for match in _OFFSET.finditer(sql)
            if int(match.group(1)) > SMALL_OFFSET
        )
        big = any(name in sql for name in BIG_TABLES)
        if _COUNT.search(sql) and big and "LIMIT" not in sql.upper():
            found.append("COUNT(*) without LIMIT: " + sql[:160])
    return found


def _next_url(client, url, hops: int) -> str:
    """Follow the list's *Next* link ``hops`` times (keyset pages: each hop is cheap)."""
    for _ in range(hops):
        html = client.get(url).content.decode()
        match = _NEXT_LINK.search(html)
        if not match:
            break
        href = unescape(match.group(1) or match.group(2))
        url = href if href.startswith("/") else reverse("contacts:contact_list") + href
    return url


def deep_contact_url(client) -> str:
    """A page far into the contact list: the list sorted by name descending jumps to
    the end of the default order, then a few *Next* hops go deeper still."""
    base = reverse("contacts:contact_list")
    return _next_url(client, f"{base}?sort=-name", hops=3)


def page_urls(world, client) -> list[tuple[str, str]]:
    contacts = reverse("contacts:contact_list")
    return [
        # The home dashboard: the running campaigns' figures, tasks, opportunities, jobs
        # (docs/dashboard.md).
        ("Home dashboard", reverse("home")),
        # "?q=" (nothing searched): the whole list's first page, not the query the
        # benchmark's user last opened and the bare list would remember (docs/lists.md).
        ("Contact list, first page", f"{contacts}?q="),
        ("Contact list, search 'FAB' (inside: names, e-mails)", f"{contacts}?q=FAB"),
        ("Contact list, search inside names 'anse'", f"{contacts}?q=anse"),
        # The search box in the top bar: every kind of record, one query per group.
        ("Global search 'anse' (every kind of record)", f"{reverse('core:search')}?q=anse"),
        ("Contact list, filtered: persons of one salesperson", f"{contacts}?type=person"),
        ("Contact list, deep page (keyset)", deep_contact_url(client)),
        (
            f"Segment card ({world.target_lines:,} lines)",
            reverse("segments:segment_card", kwargs={"key": world.target_segment.no}),
        ),
        ("Campaign card", reverse("campaigns:campaign_card", kwargs={"key": world.campaign.no})),
        (
            "Campaign statistics",
            reverse("campaigns:campaign_statistics", kwargs={"key": world.campaign.no}),
        ),
    ]


def w5_pages(world, user, requests: int) -> list[Result]:
    # As a web worker does (gunicorn.conf.py, post_worker_init): what the process holds
    # so far (here the whole benchmark's set-up) is frozen out of the garbage
    # collector's full collections, which otherwise made one request in ten 120 ms
    # slower walking it.
    gc.collect()
    gc.freeze()
    try:
        return _w5_pages(world, user, requests)
    finally:
        gc.unfreeze()


def _w5_pages(world, user, requests: int) -> list[Result]:
    client = Client()
    client.force_login(user)
    results = []
    for title, url in page_urls(world, client):
        # Warm-up (caches, compiled templates), its statements EXPLAINed on PostgreSQL.
        plans = PlanCheck(scanned={name.strip('"') for name in BIG_TABLES})
        with connection.execute_wrapper(plans):
            client.get(url)
        times, counts, problems = [], set(), set()
        status = None
        for _ in range(requests):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - start)
            status = response.status_code
            counts.add(len(queries))
            problems.update(_problems([query["sql"] for query in queries]))
        problems.update(plans.scans)
        problems.update(
            f"{subplan.name} over {subplan.rows:,} rows: {subplan.statement[:120]}"
            for subplan in plans.findings
        )
        result = Result("W5", title)
        result.extra = {
            "url": url,
            "status": status,
            "median_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(percentile(times, 95) * 1000, 1),
            "queries": sorted(counts),
            "problems": sorted(problems),
        }
        results.append(result)
    return results
