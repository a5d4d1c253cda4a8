"""NAV's filter syntax for text fields (docs/segments.md, Criteria): every form of it,
against real rows, with the same expected matches on SQLite and on PostgreSQL."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contacts.models import Contact, ContactType
from core.filter_syntax import MAX_VALUE, filter_condition, parse
from segments import services
from segments.criteria import check_filters, matching_contacts
from segments.models import Segment

pytestmark = pytest.mark.django_db

VALUES = [
    "Acme",
    "acme bv",
    "Bob",
    "bob",
    "Ümlaut GmbH",
    "ümlaut",
    "Éclair",
    "Straße",
    "",
    "100",
    "1999",
    "2000",
    "10000",
    "50% off",
    "a_b",
    "axb",
    "A|B",
    "O'Brien",
    "Smith & Co",
    "back\\slash",
    "Zulu",
]
ALL = set(VALUES)
# The values in the order ranges use (docs/segments.md, Criteria): code points of the
# lower-cased text.
ORDERED = [
    "",
    "100",
    "10000",
    "1999",
    "2000",
    "50% off",
    "a_b",
    "Acme",
    "acme bv",
    "axb",
    "A|B",
    "back\\slash",
    "Bob",
    "bob",
    "O'Brien",
    "Smith & Co",
    "Straße",
    "Zulu",
    "Éclair",
    "ümlaut",
    "Ümlaut GmbH",
]
STARTING_WITH_A = {"a_b", "Acme", "acme bv", "axb", "A|B"}


def between(low, high):
    """The values from ``low`` to ``high`` (both included) in ``ORDERED``."""
    return set(ORDERED[ORDERED.index(low) : ORDERED.index(high) + 1])


CASES = [
    # equal, ignoring case, also beyond ASCII
    ("acme", {"Acme"}),
    ("ACME", {"Acme"}),
    ("@acme", {"Acme"}),
    ("bob", {"Bob", "bob"}),
    ("  bob  ", {"Bob", "bob"}),
    ("ümlaut", {"ümlaut"}),
    ("ÜMLAUT", {"ümlaut"}),
    ("éclair", {"Éclair"}),
    ("ÉCLAIR", {"Éclair"}),
    ("STRAẞE", {"Straße"}),
    ("strasse", set()),
    ("acme BV", {"acme bv"}),
    ("a_b", {"a_b"}),
    ("100", {"100"}),
    # wildcards
    ("acme*", {"Acme", "acme bv"}),
    ("*BV", {"acme bv"}),
    ("*M*", {"Acme", "acme bv", "Ümlaut GmbH", "ümlaut", "Smith & Co"}),
    ("a*e", {"Acme"}),
    ("ü*", {"Ümlaut GmbH", "ümlaut"}),
    ("@Ü*", {"Ümlaut GmbH", "ümlaut"}),
    ("*É*", {"Éclair"}),
    ("*SS*", set()),
    ("*ß*", {"Straße"}),
    ("a?b", {"a_b", "axb", "A|B"}),
    ("b?b", {"Bob", "bob"}),
    ("stra?e", {"Straße"}),
    ("?", set()),
    ("???", {"100", "Bob", "bob", "a_b", "axb", "A|B"}),
    ("a_*", {"a_b"}),
    ("50%*", {"50% off"}),
    ("*%*", {"50% off"}),
    ("*_*", {"a_b"}),
    ("*\\*", {"back\\slash"}),
    ("*", ALL),
    # blank
    ("''", {""}),
    ("<>''", ALL - {""}),
    ("100|2000|''", {"100", "2000", ""}),
    # either, both
    ("acme|bob", {"Acme", "Bob", "bob"}),
    ("acme | BOB", {"Acme", "Bob", "bob"}),
    ("a*&*b", {"a_b", "axb", "A|B"}),
    ("<>''&<a", {"100", "10000", "1999", "2000", "50% off"}),
    (">=A&<=M|''", between("a_b", "bob") | {""}),
    ("''|>=A&<=M", between("a_b", "bob") | {""}),
    ("ümlaut|<>*a*&<>*o*&>z", {"ümlaut", "Zulu"}),
    # not equal
    ("<>bob", ALL - {"Bob", "bob"}),
    ("<>@BOB", ALL - {"Bob", "bob"}),
    ("@<>BOB", ALL - {"Bob", "bob"}),
    ("<>a*", ALL - STARTING_WITH_A),
    ("<>*ü*", ALL - {"Ümlaut GmbH", "ümlaut"}),
    # ranges: code point order of the lower-cased text, numbers as text
    ("1000..1999", {"10000", "1999"}),
    ("..100", {"", "100"}),
    ("2000..", between("2000", "Ümlaut GmbH")),
    ("a..b", STARTING_WITH_A),
    ("A..Z", between("a_b", "Straße")),
    ("É..", {"Éclair", "ümlaut", "Ümlaut GmbH"}),
    ("é..ÜMLAUT", {"Éclair", "ümlaut"}),
    ("@a..@b", STARTING_WITH_A),
    ("'a'..'b'", STARTING_WITH_A),
    ("bob..bob", {"Bob", "bob"}),
    ("''..100", {"", "100"}),
    # comparisons
    ("<B", between("", "A|B")),
    ("<=bob", between("", "bob")),
    (">straße", {"Zulu", "Éclair", "ümlaut", "Ümlaut GmbH"}),
    (">=STRAẞE", {"Straße", "Zulu", "Éclair", "ümlaut", "Ümlaut GmbH"}),
    ("> Zulu", {"Éclair", "ümlaut", "Ümlaut GmbH"}),
    ("<=''", {""}),
    # quotes: the value as typed
    ("'A|B'", {"A|B"}),
    ("'Smith & Co'", {"Smith & Co"}),
    ("Smith & Co", set()),  # & is "and": smith and co
    ("'O''Brien'", {"O'Brien"}),
    ("O''Brien", set()),  # '' joins nothing: OBrien
    ("'*'", set()),
    ("'a?b'", set()),
    ("'a'?'b'", {"a_b", "axb", "A|B"}),
    ("'<>bob'", set()),
    ("'1000..1999'", set()),
    ("'@acme'", set()),
    ("' bob'", set()),
    ("'50%'*", {"50% off"}),
]


@pytest.fixture
def rows():
    Contact.objects.bulk_create(
        Contact(no=f"FS{index:04d}", name="Filter syntax", city=value, type=ContactType.COMPANY)
        for index, value in enumerate(VALUES)
    )
    return Contact.objects.filter(no__startswith="FS")


def test_the_order_of_the_cases_is_the_code_point_order_of_the_lower_cased_values():
    assert sorted(VALUES, key=str.lower) == ORDERED


@pytest.mark.parametrize(("expression", "expected"), CASES, ids=[case[0] for case in CASES])
def test_every_form_of_the_syntax(rows, expression, expected):
    found = set(rows.filter(filter_condition("city", expression)).values_list("city", flat=True))
    assert found == expected


def test_segment_criteria_use_the_syntax(rows):
    found = matching_contacts({"city": ">=A&<=M|''", "no": "FS*"}).values_list("city", flat=True)
    assert set(found) == between("a_b", "bob") | {""}


REFUSED = [
    ("|", "empty alternative"),
    ("A|", "empty alternative"),
    ("|A", "empty alternative"),
    ("A||B", "empty alternative"),
    ("A| |B", "empty alternative"),
    ("A&", "empty condition"),
    ("&A", "empty condition"),
    ("A&&B", "empty condition"),
    ("A|B&", "empty condition"),
    ("..", "at least one side"),
    (" .. ", "at least one side"),
    ("@..@", "at least one side"),
    ("A..B..C", "more than one .."),
    ("<>", "no value"),
    ("<", "no value"),
    (">=", "no value"),
    ("@", "no value"),
    ("<> @ ", "no value"),
    ("'abc", "not closed"),
    ("abc'", "not closed"),
    ("'''", "not closed"),
    ("A|'B", "not closed"),
    ("<a*", "* and ?"),
    (">=?", "* and ?"),
    ("a*..b", "* and ?"),
    ("..b?", "* and ?"),
    ("<a..b", "cannot take <"),
    ("a..>b", "cannot take <"),
    ("x" * 251, "longer than 250"),
    ("|".join(["a"] * 101), "more than 100 alternatives"),
    ("   ", "empty"),
    ("a\x00", "NUL"),
]


@pytest.mark.parametrize(("expression", "message"), REFUSED, ids=[c[1] for c in REFUSED])
def test_a_broken_filter_is_refused_saying_why(expression, message):
    with pytest.raises(ValidationError) as refused:
        parse(expression)
    assert message in refused.value.messages[0]


def test_limits():
    assert len(parse("|".join(["a"] * 100))) == 100
    parse("x" * 250)
    with pytest.raises(ValidationError, match="longer than"):
        parse("x" * (MAX_VALUE + 1), max_length=1000)
    parse("x" * MAX_VALUE + "|" + "y" * MAX_VALUE, max_length=1000)


@pytest.mark.parametrize(
    ("expression", "message"),
    [case for case in REFUSED if case[0].strip()],
    ids=[c[1] for c in REFUSED if c[0].strip()],
)
def test_check_filters_refuses_it_as_an_error_of_its_field(expression, message):
    with pytest.raises(ValidationError) as refused:
        check_filters({"name": expression})
    assert list(refused.value.error_dict) == ["name"]
    assert message in refused.value.message_dict["name"][0]


def test_a_blank_text_filter_is_no_filter():
    assert check_filters({"city": "  "}) == {"city": "  "}
    assert matching_contacts({"city": "  "}).query.where.children == []


def test_a_service_refuses_a_broken_filter_and_adds_nobody(rows):
    segment = Segment.objects.create(description="Filters")
    with pytest.raises(ValidationError, match="empty alternative"):
        services.add_contacts(segment=segment, filters={"city": "acme|"})
    assert not segment.lines.exists()


@pytest.mark.parametrize(
    ("expression", "message"),
    [("A||B", "empty alternative"), ("..", "at least one side"), ("'Acme", "not closed")],
)
def test_the_criteria_page_shows_the_refusal_on_the_field(
    manager_client, rows, expression, message
):
    segment = Segment.objects.create(description="Filters")
    response = manager_client.post(
        reverse("segments:segment_add_contacts", kwargs={"key": segment.no}),
        {"city": expression},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert message in form.errors["city"][0]
    assert not segment.lines.exists()


def test_the_criteria_page_adds_with_the_whole_syntax(manager_client, rows):
    segment = Segment.objects.create(description="Filters")
    response = manager_client.post(
        reverse("segments:segment_add_contacts", kwargs={"key": segment.no}),
        {"city": "ü*|É*&<>*x*", "no": "FS*"},
        follow=True,
    )
    assert response.status_code == 200
    added = set(segment.lines.values_list("contact__city", flat=True))
    assert added == {"Ümlaut GmbH", "ümlaut", "Éclair"}
