"""The import of any spreadsheet (docs/contacts.md, Import): Excel workbooks and CSV
files, columns recognised from their headers in English and Dutch or mapped by the
user (and remembered), the good rows imported when others have errors, and the
contact list's own export imported back exactly."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from contacts import importing
from contacts.models import Contact, ContactType, ImportColumnMapping
from tests.contacts import csv_bytes
from tests.factories import SalespersonFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("contacts:contact_import")
LIST_URL = reverse("contacts:contact_list")


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.CONTACT_IMPORT_DIR = tmp_path / "imports"


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # typed as text, as Excel keeps "=Acme" typed after a '
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(client, data: bytes, name="contacts.xlsx"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data)})


def token_of(client) -> str:
    return client.session["contact_import_tokens"][-1]


def mapping_of(response) -> list[str]:
    form = response.context["confirm_form"]
    return [field.value() or "" for field in form.mapping_fields()]


# Reading and recognising ------------------------------------------------------------


def test_an_excel_workbook_with_dutch_headers_is_recognised_and_imported(manager_client):
    SalespersonFactory(code="JD")
    data = xlsx_bytes(
        [
            ["Nr.", "Soort", "Naam", "Bedrijfsnr.", "E-mail", "Plaats", "Verkoper"],
            ["ACME", "Bedrijf", "=Acme & Co", None, "info@acme.example", "Utrecht", "JD"],
            [None, "Persoon", "Anna Jänsen", "ACME", None, None, None],
            [1234, "Bedrijf", "Numbers BV", None, None, None, None],
        ]
    )
    response = upload(manager_client, data)
    assert mapping_of(response) == [
        "no",
        "type",
        "name",
        "company_no",
        "email",
        "city",
        "salesperson",
    ]
    assert response.context["check"].ok
    response = manager_client.post(
        IMPORT_URL, {"token": token_of(manager_client), "action": "import"}, follow=True
    )
    assert "3 contacts imported" in response.content.decode()
    acme = Contact.objects.get(no="ACME")
    assert (acme.name, acme.email, acme.city) == ("=Acme & Co", "info@acme.example", "Utrecht")
    assert acme.salesperson.code == "JD"
    anna = Contact.objects.get(name="Anna Jänsen")
    assert (anna.type, anna.company) == (ContactType.PERSON, acme)
    assert Contact.objects.filter(no="1234").exists()  # not "1234.0"


def test_a_column_the_header_does_not_name_is_mapped_by_the_user_and_remembered(
    manager_client,
):
    data = csv_bytes([{"Firma": "Fabrikam", "Remarks": "call back"}], columns=["Firma", "Remarks"])
    response = upload(manager_client, data, name="contacts.csv")
    assert mapping_of(response) == ["", ""]
    assert "Choose the column that holds the name; it is required." in response.content.decode()
    assert response.context["check"] is None
    token = token_of(manager_client)
    response = manager_client.post(
        IMPORT_URL, {"token": token, "action": "check", "column_0": "name", "column_1": ""}
    )
    assert response.context["check"].ok
    assert mapping_of(response) == ["name", ""]
    manager_client.post(
        IMPORT_URL, {"token": token, "action": "import", "column_0": "name", "column_1": ""}
    )
    assert list(Contact.objects.values_list("name", flat=True)) == ["Fabrikam"]
    assert ImportColumnMapping.objects.get(header="firma").column == "name"
    # The next file with that header is mapped the same way.
    response = upload(manager_client, data, name="again.csv")
    assert mapping_of(response) == ["name", ""]


def test_one_field_is_filled_from_one_column_only(manager_client):
    data = csv_bytes([{"a": "X", "b": "Y"}], columns=["a", "b"])
    upload(manager_client, data, name="contacts.csv")
    response = manager_client.post(
        IMPORT_URL,
        {
            "token": token_of(manager_client),
            "action": "import",
            "column_0": "name",
            "column_1": "name",
        },
    )
    assert "Each field may be filled from one column only: name." in response.content.decode()
    assert not Contact.objects.exists()


def test_a_mapping_to_an_unknown_field_is_refused_without_a_500(manager_client):
    data = csv_bytes([{"name": "X"}], columns=["name"])
    upload(manager_client, data, name="contacts.csv")
    response = manager_client.post(
        IMPORT_URL, {"token": token_of(manager_client), "column_0": "password"}
    )
    assert response.status_code == 200
    assert not Contact.objects.exists()


def test_a_damaged_workbook_is_refused_with_a_clear_message(manager_client):
    response = upload(manager_client, b"PK\x03\x04 not really a workbook")
    assert "The file is not a readable Excel workbook" in response.content.decode()


# The good rows -----------------------------------------------------------------------


def test_the_good_rows_leave_out_a_bad_company_and_its_persons():
    data = csv_bytes(
        [
            {"no": "GOOD", "name": "Good Ltd."},
            {"no": "BAD", "name": "Bad Ltd.", "salesperson": "NOBODY"},
            {"type": "person", "name": "Bea Bad", "company_no": "BAD"},
            {"type": "person", "name": "Gus Good", "company_no": "GOOD"},
        ]
    )
    table = importing.read_table(data)
    rows = importing.contact_file(table, importing.auto_mapping(table.header))
    good, left_out = importing.good_rows(rows)
    assert [number for number, _row in good.rows] == [2, 5]
    assert [(error.row, error.column) for error in left_out] == [
        (3, "salesperson"),
        (4, "company_no"),
    ]
    importing.import_contacts(data=importing.import_csv(good))
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Good Ltd.", "Gus Good"]


# The round trip ----------------------------------------------------------------------


@pytest.mark.parametrize("export_format", ["xlsx", "csv"])
@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_contact_list_export_imports_back_exactly(manager_client, export_format, language):
    manager_client.post(reverse("set_language"), {"language": language})
    SalespersonFactory(code="JD")
    acme = Contact.objects.create(
        no="ACME", type=ContactType.COMPANY, name='=Acme; "Co"', city="Zürich", email=""
    )
    Contact.objects.create(
        no="P1",
        type=ContactType.PERSON,
        name="+31 Anna",
        company=acme,
        city="Bern",
        phone="-12",
    )
    response = manager_client.get(LIST_URL, {"_export": export_format})
    data = b"".join(response.streaming_content)
    before = list(Contact.objects.order_by("no").values("no", "type", "name", "city", "phone"))
    Contact.objects.filter(type=ContactType.PERSON).delete()
    Contact.objects.all().delete()
    upload(manager_client, data, name=f"contacts.{export_format}")
    response = manager_client.post(IMPORT_URL, {"token": token_of(manager_client)})
    assert response.status_code == 302, response.content.decode()[:2000]
    after = list(Contact.objects.order_by("no").values("no", "type", "name", "city", "phone"))
    assert after == before
    assert Contact.objects.get(no="P1").company.no == "ACME"


def test_a_workbook_with_too_many_cells_is_refused(monkeypatch):
    monkeypatch.setattr(importing.columns, "MAX_CELLS", 10)
    data = xlsx_bytes([["Name", "City"], *[[f"C{index}", "X"] for index in range(6)]])
    with pytest.raises(importing.ContactFileError, match="more than 10 cells"):
        importing.read_table(data)


def test_cells_right_of_the_header_are_not_read():
    data = xlsx_bytes([["Name"], ["Acme", "stray", "cells"]])
    assert importing.read_table(data).rows == [(2, ["Acme"])]
