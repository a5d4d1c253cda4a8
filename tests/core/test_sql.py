"""``core.sql.insert_from_select``: one INSERT … SELECT, idempotent, and a large
insert refreshes PostgreSQL's statistics of the table."""

import pytest
from django.db import connection
from django.db.models import F, Value
from django.test.utils import CaptureQueriesContext

from contacts.models import Contact, ContactType, MailingGroup
from core import sql

pytestmark = pytest.mark.django_db


def copy_contacts_as_mailing_groups():
    """One mailing group per contact (code = the contact's No.)."""
    source = Contact.objects.annotate(g_code=F("no"), g_description=Value("copied"))
    return sql.insert_from_select(
        MailingGroup, {"code": "g_code", "description": "g_description"}, source
    )


@pytest.fixture
def contacts():
    Contact.objects.bulk_create(
        Contact(no=f"MGC{i:04d}", name=f"C{i}", type=ContactType.COMPANY) for i in range(30)
    )


def statements(queries) -> list[str]:
    return [query["sql"].split()[0].upper() for query in queries]


def test_the_insert_is_one_statement_and_idempotent(contacts):
    with CaptureQueriesContext(connection) as queries:
        assert copy_contacts_as_mailing_groups() == 30
    assert statements(queries) == ["INSERT"]
    assert copy_contacts_as_mailing_groups() == 0  # ON CONFLICT DO NOTHING
    assert MailingGroup.objects.filter(description="copied").count() == 30


def test_a_large_insert_analyzes_the_table_on_postgresql_only(contacts, monkeypatch):
    monkeypatch.setattr(sql, "ANALYZE_AFTER_ROWS", 30)
    with CaptureQueriesContext(connection) as queries:
        copy_contacts_as_mailing_groups()
    expected = ["INSERT", "ANALYZE"] if connection.vendor == "postgresql" else ["INSERT"]
    assert statements(queries) == expected
    if connection.vendor == "postgresql":  # the key columns only
        assert queries[-1]["sql"].endswith('("id", "code")')


def test_a_small_insert_leaves_the_statistics_to_autovacuum(contacts, monkeypatch):
    monkeypatch.setattr(sql, "ANALYZE_AFTER_ROWS", 31)
    with CaptureQueriesContext(connection) as queries:
        copy_contacts_as_mailing_groups()
    assert statements(queries) == ["INSERT"]
