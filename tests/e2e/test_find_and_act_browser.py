"""Find and act in the browser (docs/segments.md, Criteria; docs/contacts.md, Import;
docs/architecture.md, Pages): the live count of Add contacts, an Excel export opened
with openpyxl, and an import with a column mapped by hand and only the good rows."""

import io
import re

from openpyxl import Workbook, load_workbook
from playwright.sync_api import expect

from contacts.models import Contact
from segments.models import SegmentLine
from tests.factories import SegmentFactory, World


def test_add_contacts_counts_while_the_filters_are_typed(login):
    world = World()
    for name, city in [("Amstel BV", "Amsterdam"), ("Almere BV", "Almere"), ("Bree BV", "Breda")]:
        world.company(name, city=city)
    segment = SegmentFactory()
    page = login()
    page.goto(f"{page.base_url}/segments/{segment.no}/add-contacts/")
    preview = page.locator("#criteria-preview")
    expect(preview).to_contain_text("3 contacts match: 3 new lines would be added.")
    page.get_by_label("City").fill("A*")
    expect(preview).to_contain_text("2 contacts match: 2 new lines would be added.")
    assert not SegmentLine.objects.exists()  # nothing until confirmed
    page.get_by_role("button", name="Add contacts").click()
    page.wait_for_url(re.compile(rf"/segments/{segment.no}/$"))
    assert SegmentLine.objects.filter(segment=segment).count() == 2


def test_the_contact_list_exports_an_excel_workbook(login):
    World().company("Export Ltd.", city="Leeds")
    page = login()
    page.goto(f"{page.base_url}/contacts/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export Excel").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("No.", "Name", "Type")
    assert any(row[1] == "Export Ltd." for row in rows[1:])


def _workbook(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def test_import_with_a_column_mapped_by_hand_and_only_the_good_rows(login, tmp_path):
    path = tmp_path / "contacts.xlsx"
    path.write_bytes(
        _workbook(
            [
                ["Firma", "E-mail"],
                ["Good Ltd.", "info@good.example"],
                ["Broken Ltd.", "not an address"],
            ]
        )
    )
    page = login()
    page.goto(f"{page.base_url}/contacts/import/")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Check file").click()
    expect(page.locator("#import-mapping")).to_be_visible()
    page.get_by_label("Firma").select_option("name")
    page.get_by_role("button", name="Check again").click()
    expect(page.locator("#import-errors")).to_contain_text("not an address")
    page.get_by_role("button", name=re.compile("Import the 1 good row")).click()
    page.wait_for_url(re.compile(r"/contacts/$"))
    expect(page.locator("body")).to_contain_text("1 row with errors was left out.")
    assert list(Contact.objects.values_list("name", "email")) == [
        ("Good Ltd.", "info@good.example")
    ]
