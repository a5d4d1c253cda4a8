"""Indexes on the tables that grow with the contacts are built and dropped without
blocking writes: CONCURRENTLY on PostgreSQL, the plain way elsewhere
(core.migration_operations; docs/operations.md, Deployment)."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

MIGRATIONS = [
    ("contacts", "0010_contact_name_email_id_indexes"),
    ("campaigns", "0013_interaction_date_index"),
]


def sql_of(app, name, *, backwards=False) -> str:
    out = io.StringIO()
    call_command("sqlmigrate", app, name, backwards=backwards, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)  # SQLite: no schema editor inside a transaction
@pytest.mark.parametrize(("app", "name"), MIGRATIONS)
@pytest.mark.parametrize("backwards", [False, True])
def test_index_migrations_do_not_block_writes(app, name, backwards):
    statements = [
        line for line in sql_of(app, name, backwards=backwards).splitlines() if "INDEX" in line
    ]
    assert statements
    concurrent = connection.vendor == "postgresql"
    for statement in statements:
        assert ("CONCURRENTLY" in statement) == concurrent, statement
    migration = MigrationLoader(None, ignore_no_migrations=True).get_migration(app, name)
    assert migration.atomic is False  # PostgreSQL refuses CONCURRENTLY in a transaction


@pytest.mark.django_db(transaction=True)  # SQLite: no schema editor inside a transaction
def test_the_contact_list_sort_indexes_end_in_the_id():
    sql = sql_of("contacts", "0010_contact_name_email_id_indexes")
    assert '"contact_name_id_idx" ON "contacts_contact" ("name", "id")' in sql
    assert '"contact_email_id_idx" ON "contacts_contact" ("email", "id")' in sql
    assert 'DROP INDEX CONCURRENTLY IF EXISTS "contact_name_idx"' in sql or (
        'DROP INDEX "contact_name_idx"' in sql
    )
