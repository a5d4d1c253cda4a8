"""W10: import a million-row CSV file with ``manage.py import_contacts`` (docs/performance.md).

The file is generated (companies, each followed by its persons; half of the persons
leave No. blank, the series numbers them; every row has classification codes) and
imported by the command in a subprocess, as an operator would run it: its wall time
and peak memory (the child's maximum resident set, ``wait4``) are measured. Each size
of ``--w10-rows`` is imported into an empty contact table, so the sizes compare: peak
memory must not grow with the file (bounded-memory import, docs/contacts.md, Import).

The workload has its own database (``--w10-database``; PostgreSQL ``w10_import`` or
SQLite ``benchmarks/data/w10-import.sqlite3``), never the suite's ``bench_<N>``: its
contacts are emptied before each import. ``python -m benchmarks.run --db postgres
--only W10`` runs it alone without touching the suite's data set.
"""

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.harness import Result

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / "data"
CODES = {
    "salesperson": "W10SP",
    "industry_groups": "W10IND",
    "business_relations": "W10REL",
    "job_responsibilities": "W10JOB",
    "mailing_groups": "W10MAIL",
}
CITIES = ["Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven", "Groningen", "Zwolle"]
STREETS = ["Hoofdstraat", "Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg", "Schoolstraat"]
FIRST = ["Jan", "Anna", "Pieter", "Sanne", "Kees", "Lotte", "Daan", "Emma", "Bram", "Julia"]
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer"]
PERSONS_PER_COMPANY = 4


def database_url(options) -> str:
    if options.w10_database:
        return options.w10_database
    if options.db == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / 'w10-import.sqlite3'}"
    from benchmarks.run import PG_SERVER

    return f"{PG_SERVER}/w10_import"


def write_file(path: Path, rows: int) -> int:
    """A CSV file of the import format with ``rows`` contacts; its size in bytes."""
    columns = [
        "no",
        "type",
        "name",
        "company_no",
        "address",
        "post_code",
        "city",
        "country_code",
        "phone",
        "mobile",
        "email",
        "salesperson",
        "language",
        "correspondence_type",
        "exclude_from_segments",
        "job_title",
        "industry_groups",
        "business_relations",
        "job_responsibilities",
        "mailing_groups",
    ]
    with path.open("w", newline="", encoding="utf-8") as output:
        writer = csv.writer(output, lineterminator="\r\n")
        writer.writerow(columns)
        company = ""
        for index in range(rows):
            city = CITIES[index % len(CITIES)]
            if index % (PERSONS_PER_COMPANY + 1) == 0:
                company = f"W10C{index:08d}"
                name = f"{LAST[index % len(LAST)]} {STREETS[index % len(STREETS)]} B.V. {index}"
                writer.writerow(
                    [
                        company,
                        "company",
                        name,
                        "",
                        f"{STREETS[index % len(STREETS)]} {index % 300 + 1}",
                        f"{1000 + index % 8999} AB",
                        city,
                        "NL",
                        f"+31 20 {index % 10_000_000:07d}",
                        "",
                        f"info{index}@example.com",
                        CODES["salesperson"],
                        "nl",
                        "email",
                        "",
                        "",
                        CODES["industry_groups"],
                        CODES["business_relations"],
                        "",
                        CODES["mailing_groups"],
                    ]
                )
            else:
                first, last = FIRST[index % len(FIRST)], LAST[(index // 3) % len(LAST)]
                writer.writerow(
                    [
                        f"W10P{index:08d}" if index % 2 else "",
                        "person",
                        f"{first} {last}",
                        company,
                        "",  # address, post code, city and phone from the company
                        "",
                        "" if index % 3 else city,
                        "",
                        "",
                        f"+31 6 {index % 100_000_000:08d}",
                        f"{first.lower()}.{index}@example.com",
                        "",
                        "nl" if index % 4 else "en",
                        "email",
                        "yes" if index % 50 == 0 else "",
                        "Inkoper",
                        "",
                        "",
                        CODES["job_responsibilities"],
                        CODES["mailing_groups"],
                    ]
                )
    return path.stat().st_size


def _run(command: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, cwd=ROOT, check=True, text=True, **kwargs)  # noqa: S603


def _ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    if name.startswith("bench_"):
        raise SystemExit("W10 empties its database's contacts: give it its own, not bench_*.")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not found.fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def w10_import(options, env: dict, log) -> tuple[list[Result], str]:
    """Import each size of ``--w10-rows``: the results and the database's version."""
    url = database_url(options)
    env = {**env, "DATABASE_URL": url}
    _ensure_database(url)
    python = sys.executable
    _run([python, "manage.py", "migrate", "--verbosity", "0"], env)
    version = ""
    results = []
    DATA.mkdir(parents=True, exist_ok=True)
    baseline = None
    for rows in [int(size) for size in str(options.w10_rows).split(",") if size.strip()]:
        setup = _run(
            [python, "-m", "benchmarks.import_workload", "empty"], env, capture_output=True
        )
        version = json.loads(setup.stdout.strip().splitlines()[-1])["version"]
        path = DATA / f"w10-{rows}.csv"
        start = time.perf_counter()
        size = write_file(path, rows)
        took = time.perf_counter() - start
        log(f"  W10 wrote {rows:,} rows ({size / 2**20:.0f} MiB) in {took:.0f} s")
        load_before = os.getloadavg()[0]
        start = time.perf_counter()
        out_path, err_path = DATA / "w10-import.out", DATA / "w10-import.err"
        with out_path.open("w") as out, err_path.open("w") as err:
            child = subprocess.Popen(  # noqa: S603 - our own manage.py
                [python, "manage.py", "import_contacts", str(path), "--json"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=err,
            )
            # The child's own resource use: its peak resident set (Linux: KiB).
            _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        peak_mib = round(usage.ru_maxrss / 1024, 1)
        stdout, stderr = out_path.read_text(), err_path.read_text()
        load_after = os.getloadavg()[0]
        path.unlink(missing_ok=True)
        summary = {}
        if child.returncode == 0:
            summary = json.loads(stdout.strip().splitlines()[-1])
        else:
            log(stderr[-2000:])
        extra = {
            "rows": rows,
            "file_mib": round(size / 2**20, 1),
            "seconds": round(seconds, 1),
            "rows_per_second": round(rows / seconds) if seconds else 0,
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mib": peak_mib,
            "imported": summary.get("contacts", 0),
            "code_assignments": summary.get("code_assignments", 0),
            "load_average": f"{load_before:.1f} / {load_after:.1f}",
            "database": env["DATABASE_URL"].split(":", 1)[0],
        }
        if baseline is not None:
            extra["peak_rss_mib_at_smallest"] = baseline
        baseline = peak_mib if baseline is None else baseline
        if child.returncode == 0 and url.startswith("postgres"):
            found = _run(
                [python, "-m", "benchmarks.import_workload", "floor"], env, capture_output=True
            )
            floor_seconds = json.loads(found.stdout.strip().splitlines()[-1])["seconds"]
            extra["floor_seconds"] = round(floor_seconds, 1)
            extra["floor_rows_per_second"] = round(rows / floor_seconds)
            extra["app_over_floor"] = round(seconds / floor_seconds, 2)
            log(
                f"  W10 floor: the same rows copied into the tables in {floor_seconds:.1f} s "
                f"({rows / floor_seconds:,.0f} rows/s)"
            )
        results.append(Result(workload="W10", title=f"Import a {rows:,}-row CSV file", extra=extra))
    return results, version


def empty() -> None:
    """In the workload's database: no contacts, the contact series at 0, the codes
    the file uses; prints the database's version as JSON."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection, transaction

    from contacts.codes import CODE_GROUPS
    from contacts.models import Contact
    from core.models import NumberSeries
    from salespeople.models import Salesperson

    tables = _import_tables()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            cursor.execute("SELECT version()")
            version = "PostgreSQL " + cursor.fetchone()[0].split()[1]
        else:
            import sqlite3

            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - model tables
            version = f"SQLite {sqlite3.sqlite_version}"
        NumberSeries.objects.filter(code=Contact.number_series).update(last_number=0)
        Salesperson.objects.get_or_create(code=CODES["salesperson"], defaults={"name": "W10"})
        for group in CODE_GROUPS:
            group.code_model.objects.get_or_create(code=CODES[group.name])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(json.dumps({"version": version}))


def _import_tables() -> list[str]:
    from contacts.codes import CODE_GROUPS
    from contacts.models import Contact

    return [
        Contact._meta.db_table,
        Contact.history.model._meta.db_table,
        *(group.through._meta.db_table for group in CODE_GROUPS),
    ]


def _copy(cursor, table: str, direction: str):
    return cursor.cursor.copy(f"COPY {table} {direction} (FORMAT binary)")


def floor() -> None:
    """The floor of the import just done (PostgreSQL): the rows it wrote (contacts,
    their history and codes) written again with nothing but ``COPY`` in one
    transaction, into the same tables with their indexes, constraints and foreign keys
    (checked at the commit, as the import's are); prints the seconds as JSON. What the
    rows cost the database whatever the program, so the import's time has a yardstick
    (docs/performance.md, Ten million contacts)."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection, transaction

    tables = _import_tables()
    files = {table: DATA / f"w10-floor-{table}.bin" for table in tables}
    with connection.cursor() as cursor:
        for table, path in files.items():
            with path.open("wb") as out, _copy(cursor, table, "TO STDOUT") as copy:
                for data in copy:
                    out.write(data)
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, path in files.items():
            with path.open("rb") as data, _copy(cursor, table, "FROM STDIN") as copy:
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
    seconds = time.perf_counter() - start
    for path in files.values():
        path.unlink()
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    if sys.argv[1:] == ["empty"]:
        empty()
    elif sys.argv[1:] == ["floor"]:
        floor()
