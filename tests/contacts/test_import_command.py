import io

import pytest
from django.core.management import CommandError, call_command

from contacts.models import Contact
from core.models import NumberSeries
from tests.contacts import csv_bytes, generated_rows
from tests.factories import (
    BusinessRelationFactory,
    CompanyFactory,
    IndustryGroupFactory,
    JobResponsibilityFactory,
    MailingGroupFactory,
    PersonFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes():
    SalespersonFactory(code="JD")
    IndustryGroupFactory(code="RETAIL")
    BusinessRelationFactory(code="PROS")
    JobResponsibilityFactory(code="PURCHASE")
    MailingGroupFactory(code="NEWSLETTER")


@pytest.fixture
def good_file(tmp_path, codes):
    path = tmp_path / "contacts.csv"
    path.write_bytes(csv_bytes(generated_rows(12)))
    return path


@pytest.fixture
def bad_file(tmp_path, codes):
    rows = generated_rows(12)
    rows[3]["email"] = "broken"
    rows[7]["company_no"] = "NOPE"
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(rows))
    return path


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_import_command_imports_the_file_and_says_what_it_did(good_file):
    out, _err = run("import_contacts", str(good_file))
    assert Contact.objects.count() == 12
    assert "Imported 12 contacts (companies: 3, persons: 9, classification codes: 27)." in out


def test_import_command_shows_progress_at_verbosity_2(good_file):
    # Progress goes to stderr, so that stdout stays the summary (or the JSON).
    _out, err = run("import_contacts", str(good_file), verbosity=2, batch_size=5)
    assert "0 / 12 (0%)" in err
    assert "12 / 12 (100%)" in err


def test_dry_run_checks_and_writes_nothing(good_file):
    out, _err = run("import_contacts", str(good_file), "--dry-run")
    assert (
        "is valid: 12 contacts (companies: 3, persons: 9, classification codes: 27) "
        "would be imported" in out
    )
    assert "Dry run: nothing was changed." in out
    assert not Contact.objects.exists()
    assert NumberSeries.objects.get(code="CONTACT").last_number == 0


@pytest.mark.parametrize("dry_run", [False, True])
def test_rows_with_errors_are_listed_and_the_command_fails(bad_file, dry_run):
    err = io.StringIO()
    args = ["import_contacts", str(bad_file), *(["--dry-run"] if dry_run else [])]
    with pytest.raises(CommandError, match="2 rows of .* have errors; nothing was imported"):
        call_command(*args, stdout=io.StringIO(), stderr=err)
    assert "Row 5: “broken” is not a valid e-mail address." in err.getvalue()
    assert "Row 9: Company NOPE does not exist" in err.getvalue()
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "The file is empty"), (b"city\nLeeds\n", "no name column")],
)
def test_an_unusable_file_fails_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run("import_contacts", str(path))


def test_a_missing_file_fails_with_a_clear_message(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_contacts", str(tmp_path / "missing.csv"))


def test_export_command_writes_a_file_that_imports_again(tmp_path, codes):
    company = CompanyFactory(no="ACME", name="Acme")
    PersonFactory(no="ANNA", name="Anna", company=company, city=company.city)
    path = tmp_path / "out.csv"

    out, _err = run("export_contacts", "--output", str(path))

    assert f"Exported 2 contacts to {path}." in out
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("no,type,name,company_no,")
    assert "ANNA,person,Anna,ACME," in text
    Contact.objects.persons().delete()
    Contact.objects.all().delete()
    run("import_contacts", str(path))
    assert Contact.objects.get(no="ANNA").company.no == "ACME"


def test_export_command_writes_to_stdout_by_default(codes):
    CompanyFactory(no="ACME", name="Acme")
    out, err = run("export_contacts")
    assert out.splitlines()[1].startswith("ACME,company,Acme,")
    assert "Exported 1 contact to standard output." in err


def test_export_command_to_an_unwritable_place_fails_clearly(tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        run("export_contacts", "--output", str(tmp_path / "missing" / "out.csv"))


def test_import_command_reads_an_excel_workbook(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["No.", "Name", "E-mail"])
    workbook.active.append(["XL1", "Excel Ltd.", "info@excel.example"])
    path = tmp_path / "contacts.xlsx"
    workbook.save(path)
    out, _err = run("import_contacts", str(path))
    assert "Imported 1 contact" in out
    assert Contact.objects.get(no="XL1").email == "info@excel.example"
    workbook.active.append(["XL2", "Other", "", "surprise"])
    workbook.active["D1"] = "Remarks"
    workbook.save(path)
    with pytest.raises(CommandError, match="Unknown column\\(s\\) in the header: Remarks"):
        run("import_contacts", str(path))
