import io
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.importing import (
    PREVIEW_ROWS,
    ContactFileError,
    ContactImportError,
    check_contacts_csv,
    export_contacts_csv,
    import_contacts,
)
from contacts.models import (
    Contact,
    ContactBusinessRelation,
    ContactIndustryGroup,
    ContactJobResponsibility,
    ContactMailingGroup,
    ContactType,
    CorrespondenceType,
    Customer,
)
from contacts.services import create_customer_from_contact
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
    """The codes ``generated_rows`` uses, and a few more."""
    return {
        "salesperson": SalespersonFactory(code="JD"),
        "blocked": SalespersonFactory(code="OLD", blocked=True),
        "industry": IndustryGroupFactory(code="RETAIL"),
        "relation": BusinessRelationFactory(code="PROS"),
        "job": JobResponsibilityFactory(code="PURCHASE"),
        "mailing": MailingGroupFactory(code="NEWSLETTER"),
    }


def row_errors(data: bytes) -> list:
    with pytest.raises(ContactImportError) as caught:
        import_contacts(data=data)
    return caught.value.row_errors


def contact_series() -> NumberSeries:
    return NumberSeries.objects.get(code="CONTACT")


def test_good_file_imports_companies_persons_and_their_codes(codes):
    data = csv_bytes(
        [
            {
                "no": "ACME",
                "name": "Acme Ltd.",
                "address": "Main Street 1",
                "city": "London",
                "country_code": "GB",
                "salesperson": "jd",
                "language": "en",
                "correspondence_type": "hard_copy",
                "industry_groups": "retail",
                "business_relations": "PROS",
                "mailing_groups": "NEWSLETTER",
            },
            {
                "type": "person",
                "name": "Anna Smith",
                "company_no": "acme",
                "job_title": "Buyer",
                "email": "anna@acme.example.com",
                "job_responsibilities": "PURCHASE | ",
                "mailing_groups": "NEWSLETTER|NEWSLETTER",
                "exclude_from_segments": "yes",
            },
        ]
    )
    result = import_contacts(data=data)

    assert (result.companies, result.persons, result.code_assignments) == (1, 1, 5)
    company = Contact.objects.get(no="ACME")
    person = Contact.objects.get(type=ContactType.PERSON)
    assert company.salesperson == codes["salesperson"]
    assert company.correspondence_type == CorrespondenceType.HARD_COPY
    assert [g.code for g in company.industry_groups.all()] == ["RETAIL"]
    assert [r.code for r in company.business_relations.all()] == ["PROS"]
    assert person.no == "CT000001"  # blank No. takes the number series
    assert person.company == company
    assert person.exclude_from_segments
    assert [j.code for j in person.job_responsibilities.all()] == ["PURCHASE"]
    assert [m.code for m in person.mailing_groups.all()] == ["NEWSLETTER"]
    # A new person takes blank address fields and the salesperson from its company.
    assert (person.address, person.city, person.salesperson) == (
        "Main Street 1",
        "London",
        codes["salesperson"],
    )
    assert contact_series().last_number == 1
    assert person.history.get().history_type == "+"


def test_one_bad_row_imports_nothing_and_is_listed_with_its_reason(codes):
    data = csv_bytes(
        [
            {"name": "Good company"},
            {"name": "Bad company", "email": "not-an-address"},
            {"name": "Another good company"},
        ]
    )
    errors = row_errors(data)

    assert [(e.row, e.column) for e in errors] == [(3, "email")]
    assert "not a valid e-mail address" in errors[0].message
    assert str(errors[0]).startswith("Row 3:")
    assert not Contact.objects.exists()
    assert contact_series().last_number == 0


ERROR_CASES = {
    "bad e-mail": ([{"name": "A", "email": "a@"}], "email", "not a valid e-mail address"),
    "unknown salesperson": ([{"name": "A", "salesperson": "NOBODY"}], "salesperson", "NOBODY"),
    "blocked salesperson": ([{"name": "A", "salesperson": "OLD"}], "salesperson", "blocked"),
    "unknown code": (
        [{"name": "A", "industry_groups": "RETAIL|SPACE"}],
        "industry_groups",
        "Unknown industry group SPACE",
    ),
    "unknown mailing group": (
        [{"name": "A", "mailing_groups": "XMAS"}],
        "mailing_groups",
        "XMAS",
    ),
    "unknown type": ([{"name": "A", "type": "robot"}], "type", "Unknown type “robot”"),
    "unknown language": ([{"name": "A", "language": "fr"}], "language", "Unknown language"),
    "unknown correspondence type": (
        [{"name": "A", "correspondence_type": "fax"}],
        "correspondence_type",
        "Unknown correspondence type",
    ),
    "bad yes/no": (
        [{"name": "A", "exclude_from_segments": "maybe"}],
        "exclude_from_segments",
        "not yes or no",
    ),
    "missing name": ([{"no": "A1", "city": "Leeds"}], "name", "Name is required"),
    "name too long": ([{"name": "x" * 101}], "name", "at most 100"),
    "No. too long": ([{"no": "N" * 21, "name": "A"}], "no", "longer than 20"),
    "duplicate No. in the file": (
        [{"no": "A1", "name": "A"}, {"no": "a1", "name": "B"}],
        "no",
        "more than once in the file (also row 2)",
    ),
    "duplicate No. in the database": ([{"no": "TAKEN", "name": "A"}], "no", "already exists"),
    "unknown company": (
        [{"type": "person", "name": "P", "company_no": "NOPE"}],
        "company_no",
        "Company NOPE does not exist",
    ),
    "company No. of a person in the database": (
        [{"type": "person", "name": "P", "company_no": "PERSON1"}],
        "company_no",
        "is a person, not a company",
    ),
    "company No. of a person in the file": (
        [
            {"no": "P1", "type": "person", "name": "P"},
            {"type": "person", "name": "Q", "company_no": "P1"},
        ],
        "company_no",
        "is a person, not a company",
    ),
    "person as its own company": (
        [{"no": "P1", "type": "person", "name": "P", "company_no": "P1"}],
        "company_no",
        "its own company",
    ),
    "company with a company No.": (
        [{"name": "A", "company_no": "TAKEN"}],
        "company_no",
        "only persons can",
    ),
    "industry group on a person": (
        [{"type": "person", "name": "P", "industry_groups": "RETAIL"}],
        "industry_groups",
        "apply to companies only",
    ),
    "business relation on a person": (
        [{"type": "person", "name": "P", "business_relations": "PROS"}],
        "business_relations",
        "apply to companies only",
    ),
    "job responsibility on a company": (
        [{"name": "A", "job_responsibilities": "PURCHASE"}],
        "job_responsibilities",
        "apply to persons only",
    ),
}


@pytest.mark.parametrize(("rows", "column", "reason"), ERROR_CASES.values(), ids=ERROR_CASES)
def test_each_kind_of_bad_row_is_refused_with_its_reason(codes, rows, column, reason):
    CompanyFactory(no="TAKEN")
    PersonFactory(no="PERSON1")
    before = Contact.objects.count()
    errors = row_errors(csv_bytes(rows))

    assert [e.column for e in errors] == [column], errors
    assert reason in errors[0].message
    assert errors[0].row == len(rows) + 1
    assert Contact.objects.count() == before


def test_a_row_with_more_values_than_columns_is_an_error(codes):
    data = b"name,city\nAcme,Leeds\nBeta,York,extra\n"
    errors = row_errors(data)
    assert [(e.row, e.column) for e in errors] == [(3, "")]
    assert "more value" in errors[0].message


def test_every_error_of_every_row_is_listed_in_row_order(codes):
    rows = [
        {"name": "", "email": "bad"},
        {"name": "Fine"},
        {"name": "B", "language": "xx", "salesperson": "NOBODY"},
    ]
    errors = row_errors(csv_bytes(rows))
    assert [(e.row, e.column) for e in errors] == [
        (2, "name"),
        (2, "email"),
        (4, "salesperson"),
        (4, "language"),
    ]


def test_manual_numbers_are_refused_when_the_series_does_not_allow_them(codes):
    NumberSeries.objects.filter(code="CONTACT").update(allow_manual=False)
    errors = row_errors(csv_bytes([{"no": "X1", "name": "A"}, {"name": "B"}]))
    assert [(e.row, e.column) for e in errors] == [(2, "no")]
    assert "does not allow manual numbers" in errors[0].message


def test_persons_reference_companies_anywhere_in_the_same_file(codes):
    data = csv_bytes(
        [
            {"type": "person", "name": "Before", "company_no": "LATER"},
            {"no": "LATER", "name": "Company after its person", "city": "Leeds"},
            {"type": "person", "name": "After", "company_no": "LATER", "city": "York"},
            {"type": "person", "name": "Existing", "company_no": "OLD1"},
        ]
    )
    old = CompanyFactory(no="OLD1", city="Utrecht", salesperson=codes["salesperson"])
    import_contacts(data=data)

    company = Contact.objects.get(no="LATER")
    persons = {p.name: p for p in Contact.objects.persons()}
    assert persons["Before"].company == company
    assert persons["After"].company == company
    assert persons["Before"].city == "Leeds"  # inherited
    assert persons["After"].city == "York"  # typed, kept
    assert persons["Existing"].company == old
    assert persons["Existing"].city == "Utrecht"
    assert persons["Existing"].salesperson == codes["salesperson"]


def test_a_company_may_name_itself_as_its_company_no(codes):
    import_contacts(data=csv_bytes([{"no": "SELF", "name": "A", "company_no": "SELF"}]))
    assert Contact.objects.get(no="SELF").company is None


def test_blank_numbers_skip_numbers_that_are_taken(codes):
    CompanyFactory(no="CT000002")
    data = csv_bytes([{"name": "A"}, {"no": "CT000003", "name": "B"}, {"name": "C"}])
    import_contacts(data=data)
    assert sorted(Contact.objects.values_list("no", flat=True)) == [
        "CT000001",
        "CT000002",
        "CT000003",
        "CT000004",
    ]
    assert Contact.objects.get(name="C").no == "CT000004"
    assert contact_series().last_number == 4


def test_semicolons_a_byte_order_mark_and_labels_are_accepted(codes):
    data = csv_bytes(
        [
            {
                "Name": "Bedrijf BV",
                "Type": "Company",
                "Language": "nl",
                "Exclude From Segments": "",
            },
            {"Name": "Jan", "Type": "Person", "Language": "Dutch", "Exclude From Segments": "1"},
        ],
        columns=["Name", "Type", "Language", "Exclude From Segments"],
        delimiter=";",
        bom=True,
    )
    result = import_contacts(data=data)
    assert (result.companies, result.persons) == (1, 1)
    assert set(Contact.objects.values_list("language", flat=True)) == {"nl"}


FILE_ERRORS = {
    "empty": (b"", "empty"),
    "only blank lines": (b"\n\n", "empty"),
    "not UTF-8": ("name\nCafé Müller\n".encode("latin-1"), "not UTF-8"),
    "header only": (b"name,city\n", "no contacts"),
    "no name column": (b"city,email\nLeeds,a@b.example\n", "no name column"),
    "unknown column": (b"name,emial\nA,a@b.example\n", "Unknown column(s) in the header: emial"),
    "doubled column": (b"name,name\nA,B\n", "more than once"),
    "binary": (b"name\n\x00\x01\x02\n", "NUL"),
}


@pytest.mark.parametrize(("data", "reason"), FILE_ERRORS.values(), ids=FILE_ERRORS)
def test_a_bad_file_is_refused_with_a_clear_message(data, reason):
    with pytest.raises(ContactFileError, match=re.escape(reason)):
        import_contacts(data=data)
    with pytest.raises(ContactFileError, match=re.escape(reason)):
        check_contacts_csv(data=data)


def test_check_previews_the_first_rows_and_writes_nothing(codes):
    rows = generated_rows(30)
    rows[25]["email"] = "broken"
    check = check_contacts_csv(data=csv_bytes(rows))
    assert (check.total, check.companies, check.persons) == (30, 6, 24)
    assert len(check.preview) == PREVIEW_ROWS
    assert check.preview[0][0] == 2
    assert check.preview[0][1][check.columns.index("name")] == "Company 0"
    assert [(e.row, e.column) for e in check.errors] == [(27, "email")]
    assert not check.ok
    assert not Contact.objects.exists()


def test_progress_is_reported_per_batch(codes):
    calls = []
    import_contacts(
        data=csv_bytes(generated_rows(25)),
        progress=lambda done, total: calls.append((done, total)),
        batch_size=10,
    )
    # 5 companies in one batch, then 20 persons in two.
    assert calls == [(0, 25), (5, 25), (15, 25), (25, 25)]


@pytest.mark.bench
def test_a_10000_row_file_imports_in_one_go(codes):
    data = csv_bytes(generated_rows(10_000))
    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = import_contacts(data=data)
    seconds = time.perf_counter() - start

    assert (result.companies, result.persons) == (2_000, 8_000)
    assert result.code_assignments == 2_000 * 3 + 8_000 * 2
    assert Contact.objects.count() == 10_000
    assert Contact.objects.filter(type=ContactType.PERSON, company__isnull=True).count() == 0
    assert ContactIndustryGroup.objects.count() == 2_000
    assert ContactBusinessRelation.objects.count() == 2_000
    assert ContactJobResponsibility.objects.count() == 8_000
    assert ContactMailingGroup.objects.count() == 10_000
    assert Contact.history.count() == 10_000
    # 4,000 persons left No. blank: one block from the series.
    assert contact_series().last_number == 4_000
    assert len(queries) <= 60, len(queries)
    assert seconds < 20, seconds  # a few seconds on a laptop; generous for slow CI
    print(f"10,000 rows: {len(queries)} queries, {seconds:.2f} s")


def count_import_queries(rows: int, prefix: str) -> int:
    data = csv_bytes(generated_rows(rows, prefix=prefix))
    with CaptureQueriesContext(connection) as queries:
        import_contacts(data=data)
    return len(queries)


def test_import_queries_do_not_grow_with_the_number_of_rows(codes):
    small = count_import_queries(10, "S")
    large = count_import_queries(1_000, "L")
    # Both fit in one batch of each kind, so the counts are the same; allow a
    # statement or two for batches split by the database's parameter limit.
    print(f"queries: 10 rows {small}, 1,000 rows {large}")
    assert large - small <= 2, (small, large)
    assert small <= 25


def test_exported_contacts_import_again_unchanged(codes):
    company = CompanyFactory(
        name='Acme, "the best"',
        address="Main Street 1",
        city="Leeds",
        salesperson=codes["salesperson"],
        correspondence_type=CorrespondenceType.EMAIL,
        industry_groups=[codes["industry"]],
        business_relations=[codes["relation"]],
        mailing_groups=[codes["mailing"]],
    )
    CompanyFactory(name="Beta; Ünïcode", language="nl", exclude_from_segments=True)
    PersonFactory(
        company=company,
        name="Anna",
        address="Main Street 1",
        city="Leeds",
        salesperson=codes["salesperson"],
        job_title="Buyer",
        job_responsibilities=[codes["job"]],
        mailing_groups=[codes["mailing"]],
    )
    PersonFactory(company=None, name="Freelancer", mobile="+44 7700 900000")
    create_customer_from_contact(contact=company)  # adds business relation CUST
    first = io.StringIO()
    assert export_contacts_csv(first) == 4

    # An empty database with the same codes.
    Customer.objects.all().delete()
    Contact.objects.persons().delete()
    Contact.objects.all().delete()
    result = import_contacts(data=first.getvalue().encode())
    second = io.StringIO()
    export_contacts_csv(second)

    assert (result.companies, result.persons) == (2, 2)
    assert second.getvalue() == first.getvalue()
    assert "CUST|PROS" in first.getvalue()


def test_export_runs_a_fixed_number_of_queries_per_chunk(codes, django_assert_max_num_queries):
    import_contacts(data=csv_bytes(generated_rows(50)))
    # 50 contacts in chunks of 20: the contacts query, and per chunk four prefetches.
    with django_assert_max_num_queries(1 + 3 * 4 + 2):
        export_contacts_csv(io.StringIO(), chunk_size=20)
