"""Backups that restore (docs/backups.md): a backup made by ``backup_database`` and
restored by ``restore_database`` into a fresh database holds every record of every
model, on SQLite and on PostgreSQL.

pg_dump and SQLite's backup API read committed data only (pg_dump is another session;
the backup API cannot copy a connection with an open transaction), so the tests that
make a backup commit their data (``transactional_db``; pytest-django empties the test
database afterwards). The restored copy is a second database alias, ``restored``, on a
new file (SQLite) or a database made with CREATE DATABASE (PostgreSQL) and dropped at
the end; it is compared with the original through the ORM, as ``values()`` dicts.
"""

import datetime
import io
import json
import os
import re
import sqlite3
import stat
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.db.utils import load_backend
from django.utils import timezone

from core import backups
from core.models import AuditEntry, Job
from mailings.models import DeliveryEvent
from segments.models import SavedSegmentCriteria
from tests.factories import UserFactory

MODELS = [
    model
    for model in apps.get_models(include_auto_created=True)
    if model._meta.managed and not model._meta.proxy
]
# Text that must come back byte for byte (pg_restore's COPY lines escape the newline).
AWKWARD_TEXT = "two\nlines,\ta tab, a \\ backslash, 'quotes', é and ✓"


def run_json(name, *args):
    out = io.StringIO()
    call_command(name, *args, "--json", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1, out.getvalue()  # stdout is the JSON object only
    return json.loads(lines[0])


def row_counts(alias="default"):
    return {model._meta.label: model._base_manager.using(alias).count() for model in MODELS}


def snapshot(alias):
    """Every model's row count and its first and last record by pk."""
    found = {}
    for model in MODELS:
        rows = model._base_manager.using(alias).order_by("pk")
        found[model._meta.label] = (rows.count(), rows.values().first(), rows.values().last())
    return found


def applied_migrations(alias):
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        return cursor.fetchall()


def fill_with_data(settings):
    """The demo data set, plus rows of the kinds the demo has none of."""
    settings.DEMO_PASSWORD = "a-demo-password"
    call_command("demo", stdout=io.StringIO())
    user = UserFactory(username="backup-user")
    old = timezone.now() - datetime.timedelta(days=400)
    Job.objects.create(
        kind=Job.Kind.CONTACT_IMPORT, state=Job.State.DONE, description=AWKWARD_TEXT, user=user
    )
    AuditEntry.objects.create(action="campaign_activated", created_at=old, detail=AWKWARD_TEXT)
    DeliveryEvent.objects.create(event="delivered", occurred_at=old)
    SavedSegmentCriteria.objects.create(code="BACKUP", description=AWKWARD_TEXT)


def postgres_admin(statement):
    """A statement (CREATE / DROP DATABASE) on the server, outside any transaction."""
    import psycopg
    from psycopg import sql

    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(sql.SQL(statement[0]).format(*map(sql.Identifier, statement[1:])))


@pytest.fixture
def fresh_database(transactional_db, tmp_path):
    """The alias ``restored`` on a new, empty database, gone at the end."""
    alias = "restored"
    default = connection.settings_dict
    if connection.vendor == "postgresql":
        name = f"{default['NAME']}_restored"
        postgres_admin(("DROP DATABASE IF EXISTS {} WITH (FORCE)", name))
        postgres_admin(("CREATE DATABASE {}", name))
    else:
        name = str(tmp_path / "restored.sqlite3")
    # A connection made here, not an alias of settings.DATABASES: Django's test case
    # allows those (and pytest-django neither creates nor empties it).
    backend = load_backend(default["ENGINE"])
    connections[alias] = backend.DatabaseWrapper({**default, "NAME": name}, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        if connection.vendor == "postgresql":
            postgres_admin(("DROP DATABASE IF EXISTS {} WITH (FORCE)", name))


@pytest.fixture
def small_backup(transactional_db, tmp_path):
    """A backup of a database with a few committed rows, and those rows' counts."""
    UserFactory(username="one")
    Job.objects.create(kind=Job.Kind.CONTACT_IMPORT, state=Job.State.DONE)
    made = run_json("backup_database", "--output", str(tmp_path / "backups") + os.sep)
    return made


def test_a_backup_restored_into_a_fresh_database_holds_every_record(
    fresh_database, tmp_path, settings
):
    fill_with_data(settings)
    original = snapshot("default")
    made = run_json("backup_database", "--output", str(tmp_path))
    restored = run_json("restore_database", made["file"], "--yes", "--database", fresh_database)

    assert snapshot(fresh_database) == original
    assert applied_migrations(fresh_database) == applied_migrations("default")
    # The counts printed at backup time are the rows in the file and the rows restored.
    for model in MODELS:
        assert made["tables"][model._meta.db_table] == original[model._meta.label][0]
    assert restored["tables"] == made["tables"]
    assert restored["rows"] == made["rows"]
    # The data is worth comparing: logins, history rows and the text that is hard to dump.
    User = get_user_model()  # noqa: N806
    assert original[User._meta.label][0] >= 5
    history = [model for model in MODELS if model.__name__.startswith("Historical")]
    assert sum(original[model._meta.label][0] for model in history) > 50
    filled = [label for label, (count, _first, _last) in original.items() if count]
    assert len(filled) >= 0.75 * len(MODELS)
    restored_job = Job.objects.using(fresh_database).get(description=AWKWARD_TEXT)
    assert restored_job.user.username == "backup-user"


def test_a_dry_run_changes_nothing_and_reports_the_counts_of_the_real_run(small_backup):
    # Rows made after the backup, which restoring it removes.
    UserFactory(username="after-the-backup")
    Job.objects.create(kind=Job.Kind.CONTACT_IMPORT, state=Job.State.QUEUED)
    before = row_counts()
    preview = run_json("restore_database", small_backup["file"], "--dry-run")
    assert row_counts() == before
    assert preview["dry_run"] is True
    assert preview["tables"] == small_backup["tables"]
    assert preview["warnings"] == []

    real = run_json("restore_database", small_backup["file"], "--yes")
    assert real["dry_run"] is False
    ignored = {"dry_run", "request_id"}
    assert {k: v for k, v in preview.items() if k not in ignored} == {
        k: v for k, v in real.items() if k not in ignored
    }
    after = row_counts()
    assert after != before
    assert after == {
        model._meta.label: small_backup["tables"][model._meta.db_table] for model in MODELS
    }
    assert not get_user_model().objects.filter(username="after-the-backup").exists()


def test_a_restore_without_yes_is_refused_and_changes_nothing(small_backup):
    UserFactory(username="after-the-backup")
    before = row_counts()
    out = io.StringIO()
    with pytest.raises(CommandError, match="run this again with --yes"):
        call_command("restore_database", small_backup["file"], "--json", stdout=out)
    assert json.loads(out.getvalue())["ok"] is False
    assert row_counts() == before


def not_a_backup(tmp_path, kind):
    """A file ``restore_database`` must refuse, of the given kind."""
    path = tmp_path / f"{kind}.bin"
    if kind == "text":
        path.write_text("name,email\nAnn,ann@example.com\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "sqlite without django_migrations":
        with sqlite3.connect(path) as database:
            database.execute("CREATE TABLE contacts (name TEXT)")
        database.close()
    elif kind == "truncated":
        with sqlite3.connect(path) as database:
            database.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, name)")
            database.executemany(
                "INSERT INTO django_migrations (name) VALUES (?)",
                [("x" * 500,) for _ in range(200)],
            )
        database.close()
        path.write_bytes(path.read_bytes()[: 3 * 4096])
    elif kind == "other vendor":
        if connection.vendor == "sqlite":  # what pg_dump --format=custom starts with
            path.write_bytes(b"PGDMP\x01\x0f\x00" + bytes(200))
        else:
            with sqlite3.connect(path) as database:
                database.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY)")
            database.close()
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind",
    ["text", "empty", "sqlite without django_migrations", "truncated", "other vendor", "missing"],
)
def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(kind, tmp_path):
    UserFactory(username="stays")
    path = not_a_backup(tmp_path, kind) if kind != "missing" else tmp_path / "nothing.dump"
    before = row_counts()
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("restore_database", str(path), "--yes", "--json", stdout=out)
    message = str(refused.value)
    if kind == "missing":
        assert message == f"{path} is not a file."
    else:
        vendor = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
        assert message.startswith(f"{path} is not a {vendor} backup of this application (")
        assert message.endswith("nothing was changed.")
    assert json.loads(out.getvalue()) == {
        "command": "restore_database",
        "request_id": json.loads(out.getvalue())["request_id"],
        "ok": False,
        "error": message,
    }
    assert row_counts() == before


def test_the_backup_file_is_its_owners_only_and_never_half_written(
    transactional_db, tmp_path, settings, monkeypatch
):
    UserFactory(username="one")
    settings.BACKUP_DIR = str(tmp_path / "backups")
    umask = os.umask(0o022)  # what would make a new file readable by everyone
    try:
        made = run_json("backup_database")
    finally:
        os.umask(umask)
    path = Path(made["file"])
    extension = "dump" if connection.vendor == "postgresql" else "sqlite3"
    assert path.parent == tmp_path / "backups"
    assert re.fullmatch(rf"marketing-{connection.vendor}-\d{{8}}T\d{{6}}Z\.{extension}", path.name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert made["size"] == path.stat().st_size
    assert made["tables"]["auth_user"] == 1
    assert sorted(os.listdir(path.parent)) == [path.name]  # no .partial, -wal or -journal

    # An existing file is replaced whole, and gets the backup's mode.
    chosen = tmp_path / "nightly.backup"
    chosen.write_text("an older backup")
    chosen.chmod(0o644)
    run_json("backup_database", "--output", str(chosen))
    assert stat.S_IMODE(chosen.stat().st_mode) == 0o600
    assert backups.inspect(connection, str(chosen)).tables["auth_user"] == 1

    # A backup that fails half way leaves neither its .partial file nor a backup.
    def fails_half_way(connection, partial):
        partial.write_bytes(b"half a backup")
        raise backups.BackupError("the disk is full")

    monkeypatch.setattr(backups, f"_backup_{connection.vendor}", fails_half_way)
    with pytest.raises(CommandError, match="the disk is full"):
        call_command("backup_database", stdout=io.StringIO())
    assert sorted(os.listdir(path.parent)) == [path.name]


@pytest.mark.django_db
def test_a_backup_inside_a_transaction_is_refused(tmp_path):
    with pytest.raises(CommandError, match="inside a transaction"):
        call_command("backup_database", "--output", str(tmp_path), stdout=io.StringIO())
    assert os.listdir(tmp_path) == []
