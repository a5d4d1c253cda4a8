"""Backups of the whole database and restoring them (docs/backups.md).

``manage.py backup_database`` and ``manage.py restore_database`` are thin: the work is
here, one way per database vendor.

* PostgreSQL: ``pg_dump --format=custom`` of the database, taken in a snapshot that
  this process exported from a repeatable-read transaction, so that the row counts it
  prints are exactly the rows in the file. ``pg_restore --clean --if-exists
  --no-owner --single-transaction`` puts it back: all of it or, on any error,
  nothing. The password goes to both in ``PGPASSWORD``, never on the command line.
* SQLite: the online backup API (``sqlite3.Connection.backup``) copies the database
  page by page in one consistent read; in WAL mode writers go on meanwhile. Restoring
  is the same copy the other way, into the configured database file.

A backup is written under a ``.partial`` name with mode 0600 and renamed when it is
complete, so a file with the final name is always a whole backup.
"""

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils.connection import ConnectionDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# How long a copy waits for a lock held by another connection before it gives up.
LOCK_WAIT_SECONDS = 30
EXTENSIONS = {"postgresql": "dump", "sqlite": "sqlite3"}
VENDOR_NAMES = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
# pg_restore --list: "3391; 0 16386 TABLE DATA public django_migrations postgres"
TOC_TABLE_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA (\S+) (\S+)(?: |$)")
# pg_restore --data-only: "COPY public.core_job (id, kind, …) FROM stdin;"
COPY_START = re.compile(rb"^COPY (.+?) (?:\(.*\) )?FROM stdin;$")
COPY_END = b"\\.\n"


class BackupError(Exception):
    """A backup or restore that cannot be done, with a message for the operator."""


@dataclass
class Backup:
    path: Path
    size: int
    tables: dict[str, int]


@dataclass
class Contents:
    """What a backup file holds: its tables with their row counts (``None`` where the
    rows were not counted)."""

    tables: dict[str, int | None]


def connection_for(alias: str):
    """The connection of a ``DATABASES`` alias, checked to be one we can back up."""
    try:
        connection = connections[alias]
    except ConnectionDoesNotExist:
        raise BackupError(
            _("There is no database %(alias)s in DATABASES.") % {"alias": alias}
        ) from None
    check_vendor(connection)
    return connection


def check_vendor(connection) -> None:
    if connection.vendor not in EXTENSIONS:
        raise BackupError(
            _("Backups are made of SQLite and PostgreSQL databases only, not %(vendor)s.")
            % {"vendor": connection.vendor}
        )


def describe(connection) -> str:
    """The database for a person: vendor and name (and host for PostgreSQL)."""
    check_vendor(connection)
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return _("SQLite database %(name)s") % {"name": db["NAME"]}
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    return _("PostgreSQL database %(name)s on %(host)s") % {"name": db["NAME"], "host": where}


def default_file_name(vendor: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"marketing-{vendor}-{now:%Y%m%dT%H%M%SZ}.{EXTENSIONS[vendor]}"


def target_path(output: str | None, vendor: str) -> Path:
    """``output`` if it names a file; the default name inside it if it is a folder (or
    ends with a slash); the default name in ``BACKUP_DIR`` when it is not given."""
    if not output:
        return Path(settings.BACKUP_DIR) / default_file_name(vendor)
    path = Path(output)
    if path.is_dir() or output.endswith(os.sep):
        return path / default_file_name(vendor)
    return path


def _refuse_inside_a_transaction(connection) -> None:
    # pg_dump and pg_restore are other sessions that cannot see uncommitted rows (and
    # would wait for this transaction's locks); SQLite's backup API cannot copy from or
    # into a connection with an open transaction.
    if connection.in_atomic_block:
        raise BackupError(_("A backup cannot be made or restored inside a transaction."))


# Making a backup ---------------------------------------------------------------------


def backup(connection, output: str | None = None) -> Backup:
    """Back up the database of ``connection`` into a new file (``target_path``)."""
    check_vendor(connection)
    _refuse_inside_a_transaction(connection)
    path = target_path(output, connection.vendor)
    copy = _backup_postgresql if connection.vendor == "postgresql" else _backup_sqlite
    with _complete_file(path) as partial:
        tables = copy(connection, partial)
    return Backup(path=path, size=path.stat().st_size, tables=tables)


@contextlib.contextmanager
def _complete_file(path: Path):
    """A ``.partial`` file next to ``path``, readable by its owner only, renamed to
    ``path`` when the block succeeds and removed when it fails."""
    partial = path.with_name(path.name + ".partial")
    # umask 077 for the files SQLite may add next to it (-journal, -wal) as well.
    umask = os.umask(0o077)
    try:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError as error:
            raise BackupError(
                _("Cannot write %(file)s: %(error)s") % {"file": partial, "error": error.strerror}
            ) from None
        os.fchmod(descriptor, 0o600)  # an old .partial keeps its mode through O_CREAT
        os.close(descriptor)
        try:
            yield partial
            _flush(partial)
            os.replace(partial, path)
            _flush(path.parent)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    finally:
        os.umask(umask)


def _flush(path: Path) -> None:
    """On disk before the rename is (a backup that survives a power cut whole)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _backup_sqlite(connection, partial: Path) -> dict[str, int]:
    # Django's own connection is the source: an in-memory database (the tests') exists
    # only there, and a file database is read in one consistent step either way.
    connection.ensure_connection()
    target = sqlite3.connect(partial)
    try:
        connection.connection.backup(target, progress=_lock_wait())
        # One self-contained file: no -wal beside it when it is opened later.
        target.execute("PRAGMA journal_mode=DELETE")
        return _sqlite_counts(target)
    except sqlite3.Error as error:
        raise BackupError(_("The backup failed: %(error)s") % {"error": error}) from None
    finally:
        target.close()


def _backup_postgresql(connection, partial: Path) -> dict[str, int]:
    connection.ensure_connection()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
        tables = _counts(connection, cursor, connection.introspection.table_names(cursor))
        # pg_dump reads the same snapshot, so the file holds exactly the rows counted.
        _run_pg(
            "pg_dump",
            ["--format=custom", f"--snapshot={snapshot}", f"--file={partial}"],
            connection,
        )
    return tables


# Reading a backup --------------------------------------------------------------------


def inspect(connection, path: str, *, count_rows: bool = True) -> Contents:
    """Check that ``path`` is a backup of this application made for the vendor of
    ``connection`` and say what it holds; ``BackupError`` when it is not."""
    check_vendor(connection)
    file = Path(path)
    if not file.is_file():
        raise BackupError(_("%(file)s is not a file.") % {"file": path})
    if connection.vendor == "postgresql":
        return _inspect_postgresql(connection, file, count_rows=count_rows)
    source = _open_sqlite_backup(file)
    try:
        return Contents(tables=_sqlite_counts(source))
    finally:
        source.close()


def _not_a_backup(file: Path, vendor: str, detail: str) -> BackupError:
    return BackupError(
        _(
            "%(file)s is not a %(vendor)s backup of this application (%(detail)s); "
            "nothing was changed."
        )
        % {"file": file, "vendor": VENDOR_NAMES[vendor], "detail": detail}
    )


def _open_sqlite_backup(file: Path) -> sqlite3.Connection:
    """The backup file opened read-only, after PRAGMA integrity_check."""
    try:
        source = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise _not_a_backup(file, "sqlite", str(error)) from None
    try:
        (result,) = source.execute("PRAGMA integrity_check").fetchone()
        if result != "ok":
            raise _not_a_backup(
                file, "sqlite", _("integrity check: %(result)s") % {"result": result}
            )
        migrations = source.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()
        if not migrations:
            raise _not_a_backup(file, "sqlite", _("it has no django_migrations table"))
    except sqlite3.Error as error:
        source.close()
        raise _not_a_backup(file, "sqlite", str(error)) from None
    except BackupError:
        source.close()
        raise
    return source


def _inspect_postgresql(connection, file: Path, *, count_rows: bool) -> Contents:
    listed = _run_pg("pg_restore", ["--list", str(file)], connection, database=False, fail=None)
    if listed.returncode:
        detail = listed.stderr.strip().removeprefix("pg_restore: error: ")
        raise _not_a_backup(file, "postgresql", detail or _("pg_restore --list failed"))
    tables = {}
    for line in listed.stdout.splitlines():
        match = TOC_TABLE_DATA.match(line)
        if match:
            tables[match.group(2)] = None
    if "django_migrations" not in tables:
        raise _not_a_backup(file, "postgresql", _("it has no django_migrations table"))
    if count_rows:
        tables.update(_count_copied_rows(connection, file))
    return Contents(tables=tables)


def _count_copied_rows(connection, file: Path) -> dict[str, int]:
    """The rows of each table in a custom-format dump: pg_restore writes each table's
    data as a COPY block, one line a row (a newline inside a value is written ``\\n``)."""
    _args, env = _pg_connection(connection.settings_dict)
    command = ["pg_restore", "--data-only", "--file=-", str(file)]
    counts: dict[str, int] = {}
    table = None
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(  # noqa: S603 - fixed program, arguments as a list
            command, stdout=subprocess.PIPE, stderr=errors, env=env
        ) as process,
    ):
        for line in process.stdout:
            if table is not None:
                if line == COPY_END:
                    table = None
                else:
                    counts[table] += 1
                continue
            match = COPY_START.match(line.rstrip(b"\n"))
            if match:
                table = _unqualified(match.group(1).decode())
                counts[table] = 0
        process.wait()
        errors.seek(0)
        error = errors.read().decode(errors="replace").strip()
    if process.returncode:
        raise _not_a_backup(file, "postgresql", error)
    return counts


def _unqualified(name: str) -> str:
    return name.rpartition(".")[2].strip('"')


# Restoring ----------------------------------------------------------------------------


def restore(connection, path: str, contents: Contents) -> dict[str, int]:
    """Replace the database of ``connection`` with the backup at ``path`` (checked by
    ``inspect`` first); the row count of each of the backup's tables afterwards."""
    check_vendor(connection)
    _refuse_inside_a_transaction(connection)
    if connection.vendor == "postgresql":
        sessions = other_sessions(connection)
        if sessions:
            # pg_restore would wait for their locks (the dump sets lock_timeout to 0)
            # and they would go on writing into the restored tables.
            raise BackupError(
                ngettext(
                    "%(n)d other session is connected to %(database)s (%(sessions)s): "
                    "stop the web server and the job workers first; nothing was changed.",
                    "%(n)d other sessions are connected to %(database)s (%(sessions)s): "
                    "stop the web server and the job workers first; nothing was changed.",
                    len(sessions),
                )
                % {
                    "n": len(sessions),
                    "database": connection.settings_dict["NAME"],
                    "sessions": "; ".join(sessions),
                }
            )
        connection.close()
        _run_pg(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", str(path)],
            connection,
        )
    else:
        _restore_sqlite(connection, Path(path))
    with connection.cursor() as cursor:
        return _counts(connection, cursor, contents.tables)


def _restore_sqlite(connection, file: Path) -> None:
    source = _open_sqlite_backup(file)
    try:
        if connection.is_in_memory_db():
            # An in-memory database (the tests') lives in Django's connection only.
            connection.ensure_connection()
            target, own = connection.connection, False
        else:
            connection.close()
            target, own = sqlite3.connect(connection.settings_dict["NAME"], timeout=20), True
        try:
            source.backup(target, progress=_lock_wait())
        finally:
            if own:
                target.close()
    except sqlite3.Error as error:
        raise BackupError(_("Restoring failed: %(error)s") % {"error": error}) from None
    finally:
        source.close()


def other_sessions(connection) -> list[str]:
    """The other client sessions connected to the database (PostgreSQL), described as
    ``pid 123 postgres@10.0.0.5 'gunicorn' idle``; SQLite cannot tell."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT pid, usename, client_addr, application_name, state
            FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND backend_type = 'client backend'
            ORDER BY pid
            """
        )
        rows = cursor.fetchall()
    return [
        " ".join(
            part
            for part in (
                f"pid {pid}",
                f"{user or '?'}@{address or 'local'}",
                f"'{application}'" if application else "",
                state or "",
            )
            if part
        )
        for pid, user, address, application, state in rows
    ]


def other_tables(connection, contents: Contents) -> list[str]:
    """Tables of the database that are not in the backup (a restore leaves them)."""
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return sorted(set(names) - set(contents.tables))


# Helpers -----------------------------------------------------------------------------


def _counts(connection, cursor, tables) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_counts(database: sqlite3.Connection) -> dict[str, int]:
    names = [
        name
        for (name,) in database.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
        )
    ]
    counts = {}
    for name in sorted(names):
        quoted = '"' + name.replace('"', '""') + '"'
        counts[name] = database.execute(f"SELECT COUNT(*) FROM {quoted}").fetchone()[0]  # noqa: S608
    return counts


def _lock_wait():
    """A progress callback for ``Connection.backup`` that gives up when the other
    database stays locked (another process writing) for ``LOCK_WAIT_SECONDS``."""
    deadline = time.monotonic() + LOCK_WAIT_SECONDS

    def progress(status, remaining, total):
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) and time.monotonic() > deadline:
            raise BackupError(
                _(
                    "The database stayed locked for %(seconds)d seconds; stop the web "
                    "server and the job workers and try again."
                )
                % {"seconds": LOCK_WAIT_SECONDS}
            )

    return progress


def _pg_connection(db: dict) -> tuple[list[str], dict[str, str]]:
    """The connection arguments of pg_dump / pg_restore and their environment: the
    password in PGPASSWORD (never on the command line, where ``ps`` shows it)."""
    args = []
    if db.get("HOST"):
        args.append(f"--host={db['HOST']}")
    if db.get("PORT"):
        args.append(f"--port={db['PORT']}")
    if db.get("USER"):
        args.append(f"--username={db['USER']}")
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
        ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ):
        if options.get(option) is not None:
            env[variable] = str(options[option])
    return args, env


def _run_pg(program, arguments, connection, *, database=True, fail=BackupError):
    """Run pg_dump or pg_restore against the database of ``connection`` (``--no-password``:
    a missing password is an error, not a prompt that waits in cron)."""
    if shutil.which(program) is None:
        raise BackupError(
            _(
                "%(program)s was not found: install the PostgreSQL client programs of "
                "the server's major version."
            )
            % {"program": program}
        )
    args, env = _pg_connection(connection.settings_dict)
    command = [program, "--no-password", *arguments]
    if database:
        command += [*args, f"--dbname={connection.settings_dict['NAME']}"]
    done = subprocess.run(  # noqa: S603 - fixed program, arguments as a list
        command, capture_output=True, text=True, env=env, check=False
    )
    if done.returncode and fail is not None:
        raise fail(
            _("%(program)s failed: %(error)s")
            % {"program": program, "error": done.stderr.strip() or done.returncode}
        )
    return done
