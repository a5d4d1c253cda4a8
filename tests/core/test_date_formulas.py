"""Date formulas (docs/activities.md, Date formulas): the examples, refusals and
Hypothesis properties."""

import calendar
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from core.date_formulas import apply_formula, display, normalize, parse

REF = datetime.date(2026, 1, 15)  # a Thursday


@pytest.mark.parametrize(
    ("formula", "start", "expected"),
    [
        ("1W", REF, datetime.date(2026, 1, 22)),
        ("CM", REF, datetime.date(2026, 1, 31)),
        ("-CM", REF, datetime.date(2026, 1, 1)),
        ("CM+1D", REF, datetime.date(2026, 2, 1)),
        ("1M", datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)),
        ("WD1", REF, datetime.date(2026, 1, 19)),
        ("-WD1", REF, datetime.date(2026, 1, 12)),
        ("D10", REF, datetime.date(2026, 2, 10)),
        ("", REF, REF),
        ("WD4", REF, datetime.date(2026, 1, 22)),  # never the same day
        ("D15", REF, datetime.date(2026, 2, 15)),
        ("CW", REF, datetime.date(2026, 1, 18)),
        ("-CW", REF, datetime.date(2026, 1, 12)),
        ("CQ", REF, datetime.date(2026, 3, 31)),
        ("-CQ", datetime.date(2026, 8, 20), datetime.date(2026, 7, 1)),
        ("CY", REF, datetime.date(2026, 12, 31)),
        ("-1Y", datetime.date(2028, 2, 29), datetime.date(2027, 2, 28)),
        ("1Q", datetime.date(2026, 11, 30), datetime.date(2027, 2, 28)),
        ("2D+1W-CM", REF, datetime.date(2026, 1, 1)),
        ("cm + 1d", REF, datetime.date(2026, 2, 1)),
        ("D31", datetime.date(2026, 1, 31), datetime.date(2026, 3, 31)),  # February has none
    ],
)
def test_examples(formula, start, expected):
    assert apply_formula(formula, start) == expected


@pytest.mark.parametrize(
    ("formula", "bad_part"),
    [
        ("1X", "1X"),
        ("1W+", "+"),
        ("CM1D", "1D"),
        ("WD8", "WD8"),
        ("D0", "D0"),
        ("5WD", "5WD"),
        ("1D+1D+1D+1D", "at most"),
        ("abc", "ABC"),
    ],
)
def test_invalid_formulas_name_the_bad_part(formula, bad_part):
    with pytest.raises(ValidationError) as error:
        parse(formula)
    assert bad_part in error.value.messages[0]


dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2400, 12, 31))


@given(dates)
def test_cm_is_the_last_day_and_minus_cm_the_first(date):
    last = apply_formula("CM", date)
    assert (last.year, last.month) == (date.year, date.month)
    assert last.day == calendar.monthrange(date.year, date.month)[1]
    assert apply_formula("-CM", date) == date.replace(day=1)


@given(dates, st.integers(min_value=0, max_value=3000))
def test_n_days_is_adding_n_days(date, n):
    assert apply_formula(f"{n}D", date) == date + datetime.timedelta(days=n)
    assert apply_formula(f"-{n}D", date) == date - datetime.timedelta(days=n)


@given(dates, st.integers(min_value=1, max_value=7))
def test_next_weekday_is_within_a_week_and_never_the_same_day(date, weekday):
    result = apply_formula(f"WD{weekday}", date)
    assert result.isoweekday() == weekday
    assert 1 <= (result - date).days <= 7


terms = st.one_of(
    st.builds(
        lambda n, u: f"{n}{u}", st.integers(0, 99), st.sampled_from(["D", "W", "M", "Q", "Y"])
    ),
    st.builds(lambda n: f"WD{n}", st.integers(1, 7)),
    st.builds(lambda n: f"D{n}", st.integers(1, 31)),
    st.builds(lambda u: f"C{u}", st.sampled_from(["D", "W", "M", "Q", "Y"])),
)
formulas = st.builds(
    lambda first, rest: first + "".join(sign + term for sign, term in rest),
    st.one_of(terms, st.builds(lambda t: "-" + t, terms)),
    st.lists(st.tuples(st.sampled_from(["+", "-"]), terms), max_size=2),
)


@given(formulas, dates)
def test_a_formula_and_its_printed_form_round_trip(formula, date):
    printed = normalize(formula)
    assert normalize(printed) == printed
    assert apply_formula(printed, date) == apply_formula(formula, date)


# Dutch letters (docs/activities.md, Date formulas): L lopende (C), K kwartaal (Q),
# J jaar (Y); stored in the neutral (English) form, shown in the user's language.
@pytest.mark.parametrize(
    ("dutch", "stored"),
    [
        ("LM", "CM"),
        ("1K", "1Q"),
        ("1J", "1Y"),
        ("LW", "CW"),
        ("-LJ", "-CY"),
        ("WD3", "WD3"),
        ("LM+1M", "CM+1M"),
        ("lk-1d", "CQ-1D"),
    ],
)
def test_dutch_letters_are_stored_neutral_and_shown_back_in_dutch(dutch, stored):
    assert normalize(dutch) == stored
    assert display(stored, "nl") == dutch.upper()
    assert display(stored, "en") == normalize(stored)
    assert apply_formula(dutch, REF) == apply_formula(stored, REF)


def test_the_english_letters_keep_working_in_either_language():
    with translation.override("nl"):
        assert normalize("CM+1Q") == "CM+1Q"
        assert display("CM+1Q") == "LM+1K"
    with translation.override("en"):
        assert normalize("LM+1K") == "CM+1Q"
        assert display("CM+1Q") == "CM+1Q"


@given(formulas, st.sampled_from(["en", "nl"]))
def test_a_formula_shown_in_a_language_parses_back_to_the_same_formula(formula, language):
    stored = parse(formula)
    assert parse(stored.display(language)) == stored
    assert normalize(stored.display(language)) == str(stored)


@pytest.mark.django_db
def test_a_dutch_user_types_and_reads_dutch_formulas(client):
    """The step form shows the stored formula in Dutch and cleans what a Dutch user types
    to the neutral form; the activity card and its edit page show it in Dutch."""
    from django.conf import settings

    from activities.forms import ActivityStepForm
    from core.roles import MARKETING_MANAGER
    from tests.factories import ActivityStepFactory, UserFactory

    step = ActivityStepFactory(date_formula="CM+1Q")
    client.force_login(UserFactory(role=MARKETING_MANAGER))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    card = client.get(step.activity.get_absolute_url()).content.decode()
    assert "LM+1K" in card
    assert "CM+1Q" not in card
    edit = client.get(step.activity.get_absolute_url() + "edit/").content.decode()
    assert 'value="LM+1K"' in edit
    with translation.override("nl"):
        form = ActivityStepForm(
            data={
                "step_no": 1,
                "type": step.type,
                "priority": step.priority,
                "description": "Bellen",
                "date_formula": "lw+1j",
            },
        )
        assert form.is_valid(), form.errors
        assert form.cleaned_data["date_formula"] == "CW+1Y"
        bad = ActivityStepForm(data={**form.data, "date_formula": "1X"})
        assert not bad.is_valid()
        assert "1X" in bad.errors["date_formula"][0]
