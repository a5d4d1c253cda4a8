"""List exports (docs/architecture.md, Pages): XLSX with Excel's own types and text that
is never a formula, CSV for Excel in the user's language."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.generic_views import exports
from pricing.models import SalesPrice, SalesType
from tests.factories import CampaignFactory, item

pytestmark = pytest.mark.django_db


def workbook_of(response):
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_xlsx_export_keeps_numbers_dates_and_text_exactly(manager_client):
    SalesPrice.objects.create(
        item=item("10.00", no="IT-EXPORT"),
        sales_type=SalesType.ALL_CUSTOMERS,
        unit_price=Decimal("1234.56"),
        starting_date=datetime.date(2026, 11, 27),
    )
    response = manager_client.get(reverse("pricing:salesprice_list"), {"_export": "xlsx"})
    sheet = workbook_of(response).active
    assert sheet.title == "Sales prices"
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[:3] == ("Item No.", "Description", "Sales type")
    assert sheet["A1"].font.bold
    row = dict(zip(header, rows[0], strict=True))
    assert row["Item No."] == "IT-EXPORT"
    assert row["Unit price"] == pytest.approx(1234.56)
    assert row["Starting date"] == datetime.datetime(2026, 11, 27)  # an Excel date
    assert row["Sales type"] == "All customers"


def test_an_xlsx_text_cell_is_never_a_formula_and_comes_back_as_typed(manager_client):
    texts = ['=HYPERLINK("http://evil")', "+31 20 123", "-x", "@sum", "'t Hoekje"]
    for text in texts:
        CampaignFactory(description=text)
    response = manager_client.get(reverse("campaigns:campaign_list"), {"_export": "xlsx"})
    sheet = workbook_of(response).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert {cell.value for cell in cells} >= set(texts)  # exactly, no quote in front


def test_the_xlsx_export_follows_the_list_filter(manager_client):
    CampaignFactory(description="Spring mailing")
    CampaignFactory(description="Autumn fair")
    response = manager_client.get(
        reverse("campaigns:campaign_list"), {"q": "Spring", "_export": "xlsx"}
    )
    values = [
        cell for row in workbook_of(response).active.iter_rows(values_only=True) for cell in row
    ]
    assert "Spring mailing" in values
    assert "Autumn fair" not in values


def test_the_xlsx_export_reads_the_rows_in_a_fixed_number_of_queries(manager_client):
    def queries(count):
        for index in range(count):
            CampaignFactory(description=f"Export {index}")
        with CaptureQueriesContext(connection) as captured:
            workbook_of(manager_client.get(reverse("campaigns:campaign_list"), {"_export": "xlsx"}))
        return len(captured)

    assert queries(3) == queries(30)


def test_the_xlsx_export_stops_at_excels_last_row(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    rows = [["No."], ["1"], ["2"], ["3"]]
    sheet = load_workbook(
        exports.xlsx_file(rows, title="A [long]: title/with*odd?chars too")
    ).active
    assert [row for (row,) in sheet.iter_rows(values_only=True)] == ["No.", "1", "2"]
    assert sheet.title == "A  long   title with odd chars"


def test_an_unknown_export_format_is_not_found(manager_client):
    response = manager_client.get(reverse("campaigns:campaign_list"), {"_export": "pdf"})
    assert response.status_code == 404


def test_the_english_csv_has_a_byte_order_mark_commas_and_a_decimal_point(manager_client):
    SalesPrice.objects.create(
        item=item("10.00"), sales_type=SalesType.ALL_CUSTOMERS, unit_price=Decimal("1234.56")
    )
    response = manager_client.get(reverse("pricing:salesprice_list"), {"_export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffItem No.,Description,")
    assert ",1234.56," in body


@pytest.mark.parametrize("language", ["en", "nl"])
def test_yes_and_no_are_written_one_and_zero_in_every_language(language):
    """Booleans in a CSV export are 1 / 0 whatever the language (docs/architecture.md,
    Languages); XLSX cells keep Excel's own TRUE / FALSE, shown in Excel's language."""
    from django.utils import translation

    with translation.override(language):
        body = "".join(exports.stream_csv([["Code", "Blocked", "Sent"], ["A", True, False]]))
    separator = ";" if language == "nl" else ","
    assert body.splitlines()[1] == separator.join(["A", "1", "0"])
    sheet = load_workbook(exports.xlsx_file([["Blocked"], [True], [False]], title="t")).active
    assert [value for (value,) in sheet.iter_rows(values_only=True)] == ["Blocked", True, False]
