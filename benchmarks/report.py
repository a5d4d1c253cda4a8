"""The targets of the benchmark suite (docs/performance.md), and the JSON and markdown
reports of a run."""

import json
from pathlib import Path

APP_OVER_FLOOR_MAX = 1.5
NAIVE_OVER_APP_MIN = 20
LOOKUPS_PER_SECOND_MIN = 2000
QUOTE_QUERIES_MAX = 10
OVERLAPS_SECONDS_MAX = 1.0  # the overlap warnings of a campaign with 10,000 prices
OVERLAPS_QUERIES_MAX = 7
PAGE_P95_MS_MAX = 150
PREVIEW_P95_MS_MAX = 300  # the counts before committing (W8), per criteria and action
LOAD_P95_MS_MAX = 250
MAIL_MESSAGES_PER_SECOND_MIN = 500  # one worker
# A worker's peak memory at 50,000 e-mails may exceed its peak at 10,000 by this much.
MAIL_PEAK_RSS_GROWTH_MIB_MAX = 20
API_UPSERTS_PER_SECOND_MIN = 5000  # contacts through the bulk upsert, one gunicorn worker (W9)
# Pages by cursor (W9): the slowest of the first, middle and last pages' median time at
# most this many times the fastest ("about equal": a keyset page does not slow down).
API_PAGE_TIME_RATIO_MAX = 1.5
# W10: a CSV import by manage.py import_contacts (bounded memory, docs/contacts.md).
IMPORT_ROWS_PER_SECOND_MIN = 20_000  # on PostgreSQL
IMPORT_PEAK_RSS_MIB_MAX = 300  # for a million rows, and any other size
# Peak memory of a larger file over the smallest one's: independent of the file's size.
IMPORT_PEAK_RSS_GROWTH_MIB_MAX = 30


def verdict(result) -> list[str]:
    """What misses its target ([] when everything holds)."""
    misses = []
    if result.workload in {"W1", "W2", "W4"}:
        over_floor = result.ratio("app", "floor")
        naive_over = result.ratio("naive", "app")
        if over_floor is not None and over_floor > APP_OVER_FLOOR_MAX:
            misses.append(f"app/floor {over_floor:.2f} > {APP_OVER_FLOOR_MAX}")
        if naive_over is not None and naive_over < NAIVE_OVER_APP_MIN:
            misses.append(f"naive/app {naive_over:.1f} < {NAIVE_OVER_APP_MIN}")
        app, floor = result.ways.get("app"), result.ways.get("floor")
        if app and floor and app.rows != floor.rows:
            misses.append(f"app made {app.rows:,} rows, floor {floor.rows:,}")
        misses += [
            f"{subplan['name']} over {subplan['rows']:,} rows in: {subplan['statement'][:100]}"
            for subplan in (app.subplans if app else None) or []
        ]
    elif result.workload == "W3":
        speed = result.extra.get("lookups_per_second")
        if speed is not None and "single" in result.title and speed < LOOKUPS_PER_SECOND_MIN:
            misses.append(f"{speed:,} lookups/s < {LOOKUPS_PER_SECOND_MIN:,}")
        queries = result.extra.get("queries")
        if "overlaps" in result.extra:
            seconds = result.ways["app"].seconds
            if seconds >= OVERLAPS_SECONDS_MAX:
                misses.append(f"{seconds:.2f} s >= {OVERLAPS_SECONDS_MAX} s")
            if queries > OVERLAPS_QUERIES_MAX:
                misses.append(f"{queries} queries > {OVERLAPS_QUERIES_MAX}")
        elif queries is not None and queries > QUOTE_QUERIES_MAX:
            misses.append(f"{queries} queries > {QUOTE_QUERIES_MAX}")
    elif result.workload == "W5":
        extra = result.extra
        if extra["p95_ms"] > PAGE_P95_MS_MAX:
            misses.append(f"p95 {extra['p95_ms']} ms > {PAGE_P95_MS_MAX}")
        if len(extra["queries"]) != 1:
            misses.append(f"query count varies: {extra['queries']}")
        if extra["status"] != 200:
            misses.append(f"status {extra['status']}")
        misses += extra["problems"]
    elif result.workload == "W8":
        extra = result.extra
        if extra["p95_ms"] > PREVIEW_P95_MS_MAX:
            misses.append(f"p95 {extra['p95_ms']} ms > {PREVIEW_P95_MS_MAX}")
        if len(extra["queries"]) != 1:
            misses.append(f"query count varies: {extra['queries']}")
        if extra["given_up"]:
            misses.append(f"given up {extra['given_up']} times")
    elif result.workload == "W6":
        if result.extra["errors"]:
            misses.append(f"{result.extra['errors']} errors")
        if result.extra["p95_ms"] > LOAD_P95_MS_MAX:
            misses.append(f"p95 {result.extra['p95_ms']} ms > {LOAD_P95_MS_MAX}")
    elif result.workload == "W7":
        misses += _mail_misses(result.extra)
    elif result.workload == "W9":
        misses += _api_misses(result.extra)
    elif result.workload == "W10":
        misses += _import_misses(result.extra)
    return misses


def _import_misses(extra) -> list[str]:
    misses = []
    if extra["imported"] != extra["rows"]:
        misses.append(f"imported {extra['imported']:,} of {extra['rows']:,} rows")
    if extra["database"] == "postgres" and extra["rows_per_second"] < IMPORT_ROWS_PER_SECOND_MIN:
        miss = f"{extra['rows_per_second']:,} rows/s < {IMPORT_ROWS_PER_SECOND_MIN:,}"
        if "floor_rows_per_second" in extra:
            miss += f" (COPY alone: {extra['floor_rows_per_second']:,} rows/s)"
        misses.append(miss)
    if extra["peak_rss_mib"] > IMPORT_PEAK_RSS_MIB_MAX:
        misses.append(f"peak memory {extra['peak_rss_mib']} MiB > {IMPORT_PEAK_RSS_MIB_MAX}")
    smallest = extra.get("peak_rss_mib_at_smallest")
    if smallest is not None and extra["peak_rss_mib"] - smallest > IMPORT_PEAK_RSS_GROWTH_MIB_MAX:
        misses.append(f"peak memory grew {extra['peak_rss_mib'] - smallest:.0f} MiB")
    return misses


def _api_misses(extra) -> list[str]:
    misses = []
    if extra.get("errors"):
        misses.append(f"{extra['errors']} calls failed")
    if extra.get("problems"):
        misses.append(f"{extra['problems']} calls answered other counts than sent")
    if "created" in extra:
        speed = extra["contacts_per_second"]
        if speed < API_UPSERTS_PER_SECOND_MIN:
            misses.append(f"{speed:,} contacts/s < {API_UPSERTS_PER_SECOND_MIN:,}")
    if "pages" in extra:
        if extra["contacts"] != extra["expected"]:
            misses.append(f"{extra['contacts']:,} contacts read of {extra['expected']:,}")
        if extra["out_of_order"]:
            misses.append(f"{extra['out_of_order']} contacts out of order")
        times = [extra["first_ms"], extra["middle_ms"], extra["last_ms"]]
        if min(times) > 0 and max(times) / min(times) > API_PAGE_TIME_RATIO_MAX:
            misses.append(
                f"pages slow down: first/middle/last {'/'.join(str(ms) for ms in times)} ms"
            )
    return misses


def _mail_misses(extra) -> list[str]:
    misses = []
    if not extra["jobs_done"]:
        misses.append("a job did not finish")
    if extra["duplicates"]:
        misses.append(f"{extra['duplicates']} messages received twice")
    if not extra["invariant"] or not extra["received"] == extra["sent"] == extra["emails"]:
        misses.append(
            f"{extra['emails']:,} e-mails: {extra['received']:,} received, {extra['sent']:,} sent"
        )
    speed = extra["messages_per_second"]
    if extra["workers"] == 1 and speed < MAIL_MESSAGES_PER_SECOND_MIN:
        misses.append(f"{speed} messages/s < {MAIL_MESSAGES_PER_SECOND_MIN}")
    baseline = extra.get("peak_rss_mib_at_10000")
    if baseline is not None:
        growth = max(extra["peak_rss_mib"]) - baseline
        if growth > MAIL_PEAK_RSS_GROWTH_MIB_MAX:
            misses.append(f"peak memory grew {growth:.0f} MiB from 10,000 e-mails")
    return misses


def targets_met(results) -> bool:
    return not any(verdict(result) for result in results)


def _seconds(way) -> str:
    return f"{way.seconds:.3f}" if way else ""


def _ratio(value, digits=2) -> str:
    return f"{value:.{digits}f}" if value is not None else ""


def line(result) -> str:
    """One line for the console while the suite runs."""
    misses = verdict(result)
    status = "ok" if not misses else "MISS: " + "; ".join(misses)
    if result.workload in {"W5", "W6", "W7", "W8", "W9", "W10"}:
        extra = result.extra
        hidden = {"url", "paths", "page_ms"}
        detail = ", ".join(f"{key} {extra[key]}" for key in extra if key not in hidden)
        return f"  {result.workload} {result.title}: {detail} [{status}]"
    ways = ", ".join(
        f"{name} {way.seconds:.3f} s / {way.rows:,} rows / {way.queries:,} q"
        for name, way in result.ways.items()
    )
    # A run stopped early still shows where the time went.
    slowest = [f"    {item}" for item in _slowest_statements([result])[5:]]
    return "\n".join(
        [f"  {result.workload} {result.title}: {ways} {result.extra or ''} [{status}]", *slowest]
    )


def markdown(meta, results) -> str:
    out = [
        f"# Benchmark {meta['date']}: {meta['database_version']}, {meta['contacts']:,} contacts",
        "",
        f"Machine: {meta['machine']}. Set-up of the workloads' segments: {meta['setup_s']} s. "
        f"Whole run: {meta['total_s']} s.",
    ]
    if meta.get("data"):
        out.append(f"Data set made in this run: {meta['data']}.")
    if any(result.workload in {"W1", "W2", "W3", "W4"} for result in results):
        out += [
            "",
            "## Bulk work (W1-W4): seconds, rows, queries",
            "",
            "| Workload | app s | floor s | naive s | rows | app q | naive q "
            "| app/floor | naive/app | |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
    for result in results:
        if result.workload not in {"W1", "W2", "W3", "W4"}:
            continue
        app, floor, naive = (result.ways.get(name) for name in ("app", "floor", "naive"))
        speed = result.extra.get("lookups_per_second")
        title = result.title + (f" ({speed:,} lookups/s)" if speed else "")
        naive_seconds = _seconds(naive) + (
            f" (from {naive.extrapolated_from:,})" if naive and naive.extrapolated_from else ""
        )
        misses = verdict(result)
        out.append(
            f"| {result.workload} {title} | {_seconds(app)} | {_seconds(floor)} | "
            f"{naive_seconds} | {app.rows:,} | {app.queries:,} | "
            f"{f'{naive.queries:,}' if naive else ''} | "
            f"{_ratio(result.ratio('app', 'floor'))} | {_ratio(result.ratio('naive', 'app'), 0)} | "
            f"{'ok' if not misses else 'MISS ' + '; '.join(misses)} |"
        )
    checked = [
        result.ways["app"]
        for result in results
        if "app" in result.ways and result.ways["app"].explained is not None
    ]
    if checked:
        out += [
            "",
            f"Plans checked (benchmarks.plans): {sum(way.explained for way in checked):,} "
            f"statements of {len(checked)} workloads EXPLAINed, "
            f"{sum(len(way.subplans) for way in checked)} SubPlans over contact-sized sets.",
        ]
    out += _slowest_statements(results)
    pages = [result for result in results if result.workload == "W5"]
    if pages:
        out += [
            "",
            "## Pages (W5): server time over the requests, queries per request",
            "",
            "| Page | median ms | p95 ms | queries | |",
            "|---|---:|---:|---:|---|",
        ]
        for result in pages:
            extra, misses = result.extra, verdict(result)
            out.append(
                f"| {result.title} | {extra['median_ms']} | {extra['p95_ms']} | "
                f"{'/'.join(str(count) for count in extra['queries'])} | "
                f"{'ok' if not misses else 'MISS ' + '; '.join(misses)} |"
            )
    previews = [result for result in results if result.workload == "W8"]
    if previews:
        out += [
            "",
            "## Counts before committing (W8): ms per count, queries",
            "",
            "| Criteria and action | count | min ms | median ms | p95 ms | queries | |",
            "|---|---|---:|---:|---:|---:|---|",
        ]
        for result in previews:
            extra, misses = result.extra, verdict(result)
            out.append(
                f"| {result.title.removeprefix('Counts before committing: ')} | {extra['count']} "
                f"| {extra['min_ms']} | {extra['median_ms']} | {extra['p95_ms']} | "
                f"{'/'.join(str(count) for count in extra['queries'])} | "
                f"{'ok' if not misses else 'MISS ' + '; '.join(misses)} |"
            )
    for result in results:
        if result.workload == "W6":
            extra, misses = result.extra, verdict(result)
            out += [
                "",
                f"## {result.title} (W6)",
                "",
                f"{extra['requests']:,} requests, {extra['requests_per_second']} per second, "
                f"{extra['errors']} errors; latency p50 {extra['p50_ms']} ms, "
                f"p95 {extra['p95_ms']} ms, p99 {extra['p99_ms']} ms, max {extra['max_ms']} ms"
                + (f"; load {extra['load_average']}" if "load_average" in extra else "")
                + f" — {'ok' if not misses else 'MISS ' + '; '.join(misses)}.",
            ]
            if extra.get("cpu_seconds"):
                out.append(
                    "CPU seconds during the run: "
                    + ", ".join(f"{kind} {value}" for kind, value in extra["cpu_seconds"].items())
                    + "; CPU ms per request: "
                    + ", ".join(
                        f"{kind} {value}" for kind, value in extra["cpu_ms_per_request"].items()
                    )
                    + "."
                )
    mails = [result for result in results if result.workload == "W7"]
    if mails:
        out += [
            "",
            "## E-mail (W7): real workers, local SMTP server",
            "",
            "| Run | seconds | messages/s | worker CPU ms/message | peak memory per worker MiB "
            "| received | sent | received twice | load | |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for result in mails:
            extra, misses = result.extra, verdict(result)
            out.append(
                f"| {result.title} | {extra['seconds']} | {extra['messages_per_second']:,} | "
                f"{extra['worker_cpu_ms_per_message']} | "
                f"{' / '.join(str(mib) for mib in extra['peak_rss_mib'])} | "
                f"{extra['received']:,} | {extra['sent']:,} | {extra['duplicates']} | "
                f"{extra['load_average']} | "
                f"{'ok' if not misses else 'MISS ' + '; '.join(misses)} |"
            )
    out += _api_markdown([result for result in results if result.workload == "W9"])
    imports = [result for result in results if result.workload == "W10"]
    if imports:
        out += [
            "",
            "## Import of a CSV file (W10): manage.py import_contacts in a subprocess",
            "",
            "| Rows | file MiB | seconds | rows/s | floor s (COPY) | app/floor "
            "| CPU s (command) | peak memory MiB | imported | load (before / after) | |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for result in imports:
            extra, misses = result.extra, verdict(result)
            out.append(
                f"| {extra['rows']:,} | {extra['file_mib']} | {extra['seconds']} | "
                f"{extra['rows_per_second']:,} | {extra.get('floor_seconds', '–')} | "
                f"{extra.get('app_over_floor', '–')} | {extra['cpu_seconds']} | "
                f"{extra['peak_rss_mib']} "
                f"| {extra['imported']:,} | {extra['load_average']} | "
                f"{'ok' if not misses else 'MISS ' + '; '.join(misses)} |"
            )
    notes = [note for result in results for note in result.notes]
    if notes:
        out += ["", "Notes:", *[f"- {note}" for note in dict.fromkeys(notes)]]
    return "\n".join(out) + "\n"


def _slowest_statements(results) -> list[str]:
    """Where the app's time went in the workloads that miss against the floor: the
    slowest statements of its first run."""
    out = []
    for result in results:
        app = result.ways.get("app")
        over = result.ratio("app", "floor")
        if not app or not app.slowest or over is None or over <= APP_OVER_FLOOR_MAX:
            continue
        if not out:
            out += ["", "## The slowest statements of the app where it misses against the floor"]
        out += ["", f"{result.workload} {result.title} (app {app.seconds:.1f} s):", ""]
        out += [f"- {took:.2f} s: `{sql}`" for took, sql in app.slowest]
    return out


def _api_markdown(results) -> list[str]:
    if not results:
        return []
    out = ["", "## The API over HTTP (W9): one gunicorn worker, calls one after the other"]

    def status(result):
        misses = verdict(result)
        return "ok" if not misses else "MISS " + "; ".join(misses)

    upserts = [result for result in results if "created" in result.extra]
    if upserts:
        out += [
            "",
            "| Upsert | contacts/s | seconds | calls | p50 ms | p95 ms | created | updated "
            "| load | |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for result in upserts:
            extra = result.extra
            out.append(
                f"| {result.title.removeprefix('API upsert: ')} | "
                f"{extra['contacts_per_second']:,} | {extra['seconds']} | {extra['calls']:,} | "
                f"{extra['p50_ms']} | {extra['p95_ms']} | {extra['created']:,} | "
                f"{extra['updated']:,} | {extra['load_average']} | {status(result)} |"
            )
    for result in results:
        extra = result.extra
        if "calls_per_second" in extra:
            server = ""
            if "server_p50_ms" in extra:
                server = (
                    f" (in the server: p50 {extra['server_p50_ms']} ms, "
                    f"p95 {extra['server_p95_ms']} ms)"
                )
            out += [
                "",
                f"{result.title}: {extra['calls_per_second']:,} calls per second, latency p50 "
                f"{extra['p50_ms']} ms, p95 {extra['p95_ms']} ms, max {extra['max_ms']} ms"
                f"{server}; {extra['errors']} errors; load {extra['load_average']} — "
                f"{status(result)}.",
            ]
        elif "pages" in extra:
            out += [
                "",
                f"{result.title}: {extra['contacts']:,} contacts in {extra['pages']:,} pages, "
                f"{extra['seconds']} s ({extra['contacts_per_second']:,} contacts/s); "
                f"p50 {extra['p50_ms']} ms, p95 {extra['p95_ms']} ms per page; the first, "
                f"middle and last full page again, ten times in turn (median ms): "
                f"{extra['first_ms']}, {extra['middle_ms']}, {extra['last_ms']}; "
                f"load {extra['load_average']} — {status(result)}.",
            ]
    return out


def write(directory: Path, meta, results) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{meta['date']}-{meta['database']}"
    if meta["contacts"] != 1_000_000:  # the reference size keeps the plain name
        stem += f"-{meta['contacts']}"
    if meta.get("workloads"):  # a run of some workloads only: e.g. "-w7"
        stem += "-" + "-".join(name.lower() for name in meta["workloads"])
    if meta.get("w3_rows"):  # some W3 rows only: e.g. "-w3-overlaps"
        stem += "-" + "-".join(name.strip().lower() for name in meta["w3_rows"].split(","))
    if meta.get("w9_parts"):  # some W9 parts only: e.g. "-w9-pages"
        stem += "-" + "-".join(name.strip().lower() for name in meta["w9_parts"].split(","))
    if meta.get("scaleout"):  # several processes, PgBouncer (docs/scaling.md)
        stem += "-scaleout"
    json_path = directory / f"{stem}.json"
    md_path = directory / f"{stem}.md"
    payload = {
        **meta,
        "results": [{**result.as_dict(), "misses": verdict(result)} for result in results],
    }
    json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    md_path.write_text(markdown(meta, results))
    return json_path, md_path
