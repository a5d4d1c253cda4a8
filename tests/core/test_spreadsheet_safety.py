"""CSV cells that no spreadsheet executes (docs/security.md): ``core.spreadsheet_safety``
and the list pages' CSV export that uses it (the contact export and import are in
tests/contacts/test_csv_formulas.py)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from core.generic_views import stream_csv
from core.spreadsheet_safety import TRIGGERS, neutralise, restore
from tests.factories import CampaignFactory

TRIGGER_TEXTS = ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("text", TRIGGER_TEXTS)
def test_a_text_starting_with_a_formula_trigger_gets_a_quote(text):
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("'=x", "''=x"),  # looks neutralised already: one more, so restore gives it back
        ("''", "'''"),
        ("'-", "''-"),
        ("'t Hoekje", "'t Hoekje"),  # a Dutch name: left alone both ways
        ("'", "'"),
        ("", ""),
        ("Acme = best", "Acme = best"),
        ("x-1", "x-1"),
        (" =1", " =1"),
    ],
)
def test_quotes_are_added_only_where_restore_would_take_one_off(text, written):
    assert neutralise(text) == written
    assert restore(written) == text


def test_restore_leaves_a_text_without_the_prefix_alone():
    assert restore("'t Hoekje") == "'t Hoekje"
    assert restore("=x") == "=x"  # a hand-made file: taken as it is
    assert restore("'") == "'"
    assert restore("") == ""


@pytest.mark.parametrize(
    "value",
    [-2, Decimal("-12.50"), 0, 3.5, None, True, datetime.date(2026, 11, 27)],
)
def test_numbers_dates_and_other_non_text_values_are_never_changed(value):
    assert neutralise(value) is value


@given(st.text())
@example("'")
@example("''=")
@example("'\r")
def test_restore_undoes_neutralise_and_nothing_written_starts_with_a_trigger(text):
    written = neutralise(text)
    assert restore(written) == text
    assert not written.startswith(TRIGGERS)


@given(st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "a", " "])))
def test_the_round_trip_holds_for_texts_made_of_the_special_characters(text):
    written = neutralise(text)
    assert restore(written) == text
    assert not written.startswith(TRIGGERS)


def test_stream_csv_neutralises_text_cells_and_keeps_numbers():
    rows = [["no", "amount", "text"], ["CP1", Decimal("-5.00"), "=1+2"], ["CP2", -3, "-x"]]
    text = "".join(stream_csv(rows))
    assert text.startswith("\ufeff")  # the byte-order mark Excel needs for UTF-8
    assert list(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == [
        ["no", "amount", "text"],
        ["CP1", "-5.00", "'=1+2"],
        ["CP2", "-3", "'-x"],
    ]


def test_a_list_export_writes_no_cell_a_spreadsheet_would_run(manager_client):
    for text in TRIGGER_TEXTS:
        CampaignFactory(description=text)
    response = manager_client.get(reverse("campaigns:campaign_list"), {"_export": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    cells = [cell for row in rows for cell in row]
    assert len(rows) == 1 + len(TRIGGER_TEXTS)
    assert not [cell for cell in cells if cell.startswith(TRIGGERS)]
    assert {restore(cell) for cell in cells} >= set(TRIGGER_TEXTS)
