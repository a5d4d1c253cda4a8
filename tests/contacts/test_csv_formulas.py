"""Contact CSV files that no spreadsheet executes (docs/security.md): the list's
*Export CSV* and ``manage.py export_contacts`` write no cell that starts with a formula
trigger, and the import takes the export's prefix off again, so every name comes back
exactly."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from contacts.models import Contact
from core.spreadsheet_safety import TRIGGERS
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

NAMES = ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "'=x", "'t Hoekje"]


@pytest.fixture
def contacts():
    return [CompanyFactory(name=name, phone="+31 20 555 0000") for name in NAMES]


def cells_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def triggered(rows) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(TRIGGERS)]


def test_the_list_export_writes_no_cell_that_starts_with_a_formula_trigger(
    manager_client, contacts
):
    response = manager_client.get(reverse("contacts:contact_list"), {"_export": "csv"})
    assert response.status_code == 200
    rows = cells_of(b"".join(response.streaming_content).decode("utf-8-sig"))
    assert len(rows) == 1 + len(NAMES)
    assert triggered(rows) == []
    cells = {cell for row in rows for cell in row}
    assert {'\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx"} <= cells
    assert "''=x" in cells
    assert "'t Hoekje" in cells  # a name that only starts with a quote is left alone


def test_the_export_command_writes_no_cell_that_starts_with_a_formula_trigger(tmp_path, contacts):
    path = tmp_path / "contacts.csv"
    call_command("export_contacts", "--output", str(path), stdout=io.StringIO())
    rows = cells_of(path.read_bytes().decode("utf-8-sig"))
    assert len(rows) == 1 + len(NAMES)
    assert triggered(rows) == []
    names = [row[rows[0].index("name")] for row in rows[1:]]
    assert sorted(names) == sorted(
        ['\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "''=x", "'t Hoekje"]
    )
    phones = {row[rows[0].index("phone")] for row in rows[1:]}
    assert phones == {"'+31 20 555 0000"}


def test_an_exported_file_imports_back_with_every_name_exactly(tmp_path, contacts):
    path = tmp_path / "contacts.csv"
    call_command("export_contacts", "--output", str(path), stdout=io.StringIO())
    exported = {c.no: (c.name, c.phone) for c in Contact.objects.all()}
    Contact.objects.all().delete()

    call_command("import_contacts", str(path), stdout=io.StringIO(), stderr=io.StringIO())

    imported = {c.no: (c.name, c.phone) for c in Contact.objects.all()}
    assert imported == exported
    assert sorted(name for name, _phone in imported.values()) == sorted(NAMES)


def test_the_import_keeps_a_cell_that_only_starts_with_a_quote(tmp_path):
    """A hand-made file: "'t Hoekje" is a name, "=x" without a quote is taken as it is."""
    path = tmp_path / "contacts.csv"
    path.write_text("name\n't Hoekje\n=x\n''t\n", encoding="utf-8")
    call_command("import_contacts", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["'t", "'t Hoekje", "=x"]
