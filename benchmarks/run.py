"""Run the benchmark suite on one database: ``python -m benchmarks.run --db sqlite``.

``make bench`` runs it on SQLite and PostgreSQL (see README "Performance"). The
data set (``manage.py demo --contacts N``) is made once per size and database
and kept: SQLite in ``benchmarks/data/``, PostgreSQL in the database
``bench_<N>``. Results go to ``benchmarks/results/<date>-<db>.json`` and ``.md``.
"""

import argparse
import datetime
import os
import platform
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
RESULTS = ROOT / "benchmarks" / "results"
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "W10"]
W3_ROWS = ["prices", "quote", "overlaps"]
W9_PARTS = ["upsert", "prices", "pages"]  # the API: benchmarks/api_workload.py


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--only", default=",".join(WORKLOADS), help="e.g. W1,W5")
    parser.add_argument(
        "--w3-rows",
        default=",".join(W3_ROWS),
        help=f"the W3 rows to run, e.g. overlaps (of {', '.join(W3_ROWS)})",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per way (median)")
    parser.add_argument(
        "--naive-sample", type=int, default=2000, help="rows the naive loops really do"
    )
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=50, help="requests per page (W5)")
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--w9-parts",
        default=",".join(W9_PARTS),
        help=f"the W9 (API) parts to run, e.g. pages (of {', '.join(W9_PARTS)})",
    )
    parser.add_argument(
        "--w9-upserts", type=int, default=100_000, help="contacts upserted through the API (W9)"
    )
    parser.add_argument("--w9-batch", type=int, default=1000, help="contacts per upsert call (W9)")
    parser.add_argument("--w9-calls", type=int, default=10_000, help="best-price calls (W9)")
    parser.add_argument(
        "--w9-page-size", type=int, default=1000, help="contacts per page by cursor (W9)"
    )
    parser.add_argument(
        "--web-processes",
        default="",
        help="W6 on N gunicorn processes of one worker behind haproxy, e.g. 0,2,4 "
        "(0, the default: one gunicorn of 2 workers); docs/scaling.md",
    )
    parser.add_argument(
        "--w7-workers",
        default="",
        help="W7 as one run of --w7-emails e-mails per worker count, e.g. 1,2,4 "
        "(default: the three standard runs)",
    )
    parser.add_argument(
        "--w7-emails", type=int, default=50_000, help="e-mails per run with --w7-workers"
    )
    parser.add_argument(
        "--pgbouncer",
        choices=["off", "on", "both"],
        default="off",
        help="W6 and W7 through a PgBouncer in transaction mode: on, or both ways",
    )
    parser.add_argument(
        "--w10-rows",
        default="200000,1000000",
        help="rows of the CSV files W10 imports, one import each (peak memory compared)",
    )
    parser.add_argument(
        "--w10-database",
        default="",
        help="database URL W10 imports into (default: its own, w10_import; emptied first)",
    )
    parser.add_argument("--rebuild", action="store_true", help="make the data set anew")
    return parser.parse_args(argv)


def database_url(options) -> str:
    if options.db == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / f'bench-{options.contacts}.sqlite3'}"
    return f"{PG_SERVER}/bench_{options.contacts}"


def reset_database(options) -> None:
    if options.db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(DATA / f"bench-{options.contacts}.sqlite3") + suffix).unlink(missing_ok=True)
        return
    import psycopg

    name = f"bench_{options.contacts}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def configure(options) -> dict:
    env = {
        "DATABASE_URL": database_url(options),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DJANGO_TASKS_BACKEND": "immediate",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Production settings over plain HTTP on loopback (no TLS proxy in front).
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12),
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    return env


def data_ready(options) -> bool:
    from django.db import connection
    from django.db.utils import DatabaseError

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM contacts_mailinggroup WHERE code = 'BULK20'")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SELECT COUNT(*) FROM contacts_contact")
            return cursor.fetchone()[0] >= options.contacts
    except DatabaseError:
        return False


def prepare_data(options, log) -> dict:
    from django.core.management import call_command
    from django.db import connection

    timings = {}
    if options.rebuild or not data_ready(options):
        connection.close()
        reset_database(options)
        start = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        timings["migrate_s"] = round(time.perf_counter() - start, 1)
        log(f"Generating {options.contacts:,} contacts (manage.py demo --contacts) …")
        start = time.perf_counter()
        call_command("demo", contacts=options.contacts, verbosity=1)
        timings["generate_s"] = round(time.perf_counter() - start, 1)
        log(f"  generated in {timings['generate_s']} s")
    else:
        call_command("migrate", verbosity=0, interactive=False)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")  # a steady state: no dead rows of earlier runs
    call_command("collectstatic", verbosity=0, interactive=False)
    return timings


def bench_user():
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    return user


def main(argv=None) -> int:
    options = parse_args(argv)
    env = configure(options)
    import django

    django.setup()
    from django.db import connection

    from benchmarks import harness, pages, price_workloads, report, workloads
    from pricing.services import activate_campaign

    only = {name.strip().upper() for name in options.only.split(",")}

    def log(message):
        print(message, flush=True)

    started = time.perf_counter()
    if only == {"W10"}:  # its own database: the suite's data set is not needed
        return _w10_alone(options, env, started, log)
    log(f"Benchmark on {options.db} with {options.contacts:,} contacts")
    data_timings = prepare_data(options, log)
    user = bench_user()
    harness.log_all_queries()
    results = []
    start = time.perf_counter()
    world = workloads.World(options, user)
    setup_s = round(time.perf_counter() - start, 1)
    log(f"Set-up: segments of {world.target_lines:,} and {world.log_lines:,} lines in {setup_s} s")
    try:
        steps = [
            ("W1", workloads.w1_add),
            ("W1", workloads.w1_reduce),
            ("W1", workloads.w1_go_back),
            ("W2", workloads.w2_activate),
            ("W2", workloads.w2_deactivate),
            ("W4", workloads.w4_log),
        ]
        for name, step in steps:
            if name in only:
                log(f"{name} {step.__name__} …")
                results.append(step(world))
                log(report.line(results[-1]))
        if "W8" in only:
            from benchmarks import preview_workload

            log("W8 counts before committing …")
            for result in preview_workload.w8_previews(world):
                results.append(result)
                log(report.line(result))
        # W3 and W5 read an activated campaign with prices, as a user would meet it.
        price_workloads.campaign_prices(world)
        activate_campaign(campaign=world.campaign)
        if "W3" in only:
            log("W3 prices …")
            rows = {name.strip().lower() for name in options.w3_rows.split(",")}
            w3 = {
                "prices": price_workloads.w3_prices,
                "quote": lambda world: [price_workloads.w3_quote(world)],
                "overlaps": lambda world: [price_workloads.w3_overlaps(world)],
            }
            for name in W3_ROWS:
                if name not in rows:
                    continue
                for result in w3[name](world):
                    results.append(result)
                    log(report.line(result))
        if "W5" in only or "W6" in only:
            client_urls = pages.page_urls(world, _client(user))
        if "W5" in only:
            log("W5 pages …")
            for result in pages.w5_pages(world, user, options.requests):
                results.append(result)
                log(report.line(result))
        if "W6" in only:
            from benchmarks import load

            for processes in _numbers(options.web_processes) or [None]:
                for pooled in _pooled(options):
                    log(f"W6 load for {options.load_seconds} s …")
                    connection.close()
                    result = load.w6_load(
                        [url for _title, url in client_urls],
                        user,
                        seconds=options.load_seconds,
                        connections=options.connections,
                        env=env,
                        web_processes=processes,
                        pooled=pooled,
                    )
                    results.append(result)
                    log(report.line(result))
        if "W7" in only:
            from benchmarks import mail_workload

            log("W7 e-mail: real workers and a local SMTP server …")
            runs = [
                (options.w7_emails // workers * workers, workers)
                for workers in _numbers(options.w7_workers)
            ]
            for pooled in _pooled(options):
                for result in mail_workload.w7_emails(
                    env, DATA / "w7-logs", runs or None, pooled=pooled
                ):
                    results.append(result)
                    log(report.line(result))
        if "W9" in only:
            from benchmarks import api_workload

            log("W9 the API over HTTP: one gunicorn worker …")
            results += api_workload.w9_api(world, env, options, DATA / "w9-logs", log)
    finally:
        world.cleanup()
    if "W10" in only:
        from benchmarks import import_workload

        log("W10 import of a CSV file (manage.py import_contacts, its own database) …")
        w10, _w10_version = import_workload.w10_import(options, env, log)
        for result in w10:
            results.append(result)
            log(report.line(result))
    meta = {
        "date": datetime.date.today().isoformat(),
        "database": options.db,
        "database_version": _version(connection),
        "contacts": options.contacts,
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "options": vars(options),
        "data": data_timings,
        "setup_s": setup_s,
        "total_s": round(time.perf_counter() - started, 1),
    }
    if not set(WORKLOADS) <= only:
        meta["workloads"] = [name for name in WORKLOADS if name in only]
    if "W3" in only and options.w3_rows != ",".join(W3_ROWS):
        meta["w3_rows"] = options.w3_rows
    if "W9" in only and options.w9_parts != ",".join(W9_PARTS):
        meta["w9_parts"] = options.w9_parts
    if options.web_processes or options.w7_workers or options.pgbouncer != "off":
        meta["scaleout"] = True
    json_path, md_path = report.write(RESULTS, meta, results)
    print()
    print(md_path.read_text())
    log(f"Results: {json_path.relative_to(ROOT)} and {md_path.relative_to(ROOT)}")
    return 0 if report.targets_met(results) else 1


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def _pooled(options) -> list[bool]:
    """Through PgBouncer or not: each W6 and W7 run once or both ways."""
    return {"off": [False], "on": [True], "both": [False, True]}[options.pgbouncer]


def _w10_alone(options, env, started, log) -> int:
    """W10 without the suite's data set: the import has a database of its own."""
    from benchmarks import import_workload, report

    log(f"W10 on {options.db}: import CSV files of {options.w10_rows} rows …")
    results, version = import_workload.w10_import(options, env, log)
    for result in results:
        log(report.line(result))
    meta = {
        "date": datetime.date.today().isoformat(),
        "database": options.db,
        "database_version": version,
        "contacts": options.contacts,
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        ),
        "options": vars(options),
        "data": {},
        "setup_s": 0,
        "total_s": round(time.perf_counter() - started, 1),
        "workloads": ["W10"],
    }
    json_path, md_path = report.write(RESULTS, meta, results)
    print()
    print(md_path.read_text())
    log(f"Results: {json_path.relative_to(ROOT)} and {md_path.relative_to(ROOT)}")
    return 0 if report.targets_met(results) else 1


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _version(connection) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


if __name__ == "__main__":
    sys.exit(main())
