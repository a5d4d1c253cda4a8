"""Keyset pagination, cheap counts, index-friendly search and streamed CSV
(docs/performance.md, Large lists).

Lists must stay fast at a million rows: no ``OFFSET``, no ``COUNT(*)`` without a
``LIMIT``, a constant number of queries, search predicates an index answers.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import Campaign
from contacts.models import Contact, ContactType
from core import pagination
from core.filters import SearchFilterSet, db_upper, prefix_condition, prefix_successor
from segments import services as segment_services
from segments.models import Segment
from tests.factories import SalespersonFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("contacts:contact_list")


def make_contacts(count, *, names=None, start=0, **fields):
    """``count`` contacts in one INSERT; names cycle through ``names`` (ties)."""
    names = names or [f"Name {i:05d}" for i in range(count)]
    return Contact.objects.bulk_create(
        Contact(
            no=f"CT{start + i:06d}",
            name=names[i % len(names)],
            type=ContactType.COMPANY,
            **fields,
        )
        for i in range(count)
    )


def walk_forward(queryset, per_page):
    """Every page from the first by Next links: (pks in order, number of pages)."""
    seen, pages, cursor = [], 0, None
    while True:
        page = pagination.paginate(queryset, cursor=cursor, per_page=per_page)
        pages += 1
        seen += [row.pk for row in page.object_list]
        assert len(page.object_list) <= per_page
        if not page.has_next:
            assert page.next_cursor is None
            return seen, pages
        assert len(page.object_list) == per_page
        cursor = page.next_cursor


def walk_backward(queryset, per_page):
    """Every page from the last by Previous links, in list order. The first page is
    always a full one, so it may repeat rows of the page after it."""
    seen = []
    page = pagination.paginate(queryset, cursor=None, per_page=per_page)
    assert page.has_next
    page = pagination.paginate(queryset, cursor=page.last_cursor, per_page=per_page)
    assert not page.has_next
    while True:
        rows = [row.pk for row in page.object_list]
        if not page.has_previous:
            assert len(rows) == per_page
            return rows + [pk for pk in seen if pk not in rows]
        assert len(rows) == per_page
        seen = rows + seen
        page = pagination.paginate(queryset, cursor=page.previous_cursor, per_page=per_page)


def reference(queryset):
    """The database's own order of the keyset keys, read without any paging."""
    keys = pagination.sort_keys(queryset)
    return [row.pk for row in pagination.ordered(queryset, keys)]


# ------------------------------------------------------------------ keyset order


@pytest.mark.parametrize("ordering", ["name", "-name"])
def test_pages_over_equal_sort_values_use_the_pk_as_tiebreaker(ordering):
    make_contacts(47, names=["Beta", "Alpha", "Gamma"])  # ~16 rows per equal name
    queryset = Contact.objects.order_by(ordering)
    keys = pagination.sort_keys(queryset)
    assert [(key.path, key.descending) for key in keys] == [
        ("name", ordering.startswith("-")),
        ("id", ordering.startswith("-")),
    ]
    expected = sorted(Contact.objects.values_list("name", "pk"), reverse=ordering.startswith("-"))
    forward, pages = walk_forward(queryset, per_page=5)
    assert forward == [pk for _name, pk in expected]
    assert pages == 10
    assert walk_backward(queryset, per_page=5) == forward


def test_a_unique_column_needs_no_tiebreaker_and_an_index_can_supply_one():
    assert [key.path for key in pagination.sort_keys(Contact.objects.order_by("no"))] == ["no"]
    assert [key.path for key in pagination.sort_keys(Contact.objects.all())] == ["no"]
    # Contact has an index (type, no): sorting by type continues by No., not by id.
    keys = pagination.sort_keys(Contact.objects.order_by("-type"))
    assert [(key.path, key.descending) for key in keys] == [("type", True), ("no", True)]


@pytest.mark.parametrize("ordering", ["salesperson__code", "-salesperson__code", "company__no"])
def test_pages_over_nullable_relation_columns_keep_every_row_once(ordering):
    rep_a, rep_b = SalespersonFactory(code="A"), SalespersonFactory(code="B")
    make_contacts(9, names=["X"])  # no salesperson: NULL
    make_contacts(8, names=["Y"], start=100, salesperson=rep_b)
    make_contacts(7, names=["Z"], start=200, salesperson=rep_a)
    companies = list(Contact.objects.order_by("pk")[:3])
    for index, person in enumerate(Contact.objects.filter(salesperson=rep_b)):
        person.type, person.company = ContactType.PERSON, companies[index % 3]
        person.save()
    queryset = Contact.objects.select_related("company", "salesperson").order_by(ordering)
    keys = pagination.sort_keys(queryset)
    assert keys[0].nullable
    assert keys[0].annotate
    expected = reference(queryset)
    assert sorted(expected) == sorted(Contact.objects.values_list("pk", flat=True))
    forward, _pages = walk_forward(queryset, per_page=4)
    assert forward == expected
    assert walk_backward(queryset, per_page=4) == expected


def test_a_related_model_orders_by_its_meta_ordering():
    keys = pagination.sort_keys(Contact.objects.order_by("-salesperson"))
    assert (keys[0].path, keys[0].descending) == ("salesperson__code", True)


def test_random_order_or_a_to_many_relation_cannot_be_paged_by_keyset():
    with pytest.raises(pagination.KeysetError):
        pagination.sort_keys(Contact.objects.order_by("?"))
    with pytest.raises(pagination.KeysetError):
        pagination.sort_keys(Contact.objects.order_by("mailing_groups__code"))


def test_rows_deleted_before_a_previous_page_still_give_a_full_first_page():
    make_contacts(12)
    queryset = Contact.objects.order_by("name")
    second = pagination.paginate(
        queryset,
        cursor=pagination.paginate(queryset, cursor=None, per_page=5).next_cursor,
        per_page=5,
    )
    assert second.start_index == 6
    Contact.objects.filter(pk__in=[c.pk for c in queryset[:3]]).delete()
    back = pagination.paginate(queryset, cursor=second.previous_cursor, per_page=5)
    assert not back.has_previous
    assert len(back.object_list) == 5
    assert back.start_index == 1


def test_page_summary_counts_exactly_when_small_and_caps_when_large():
    make_contacts(12)
    queryset = Contact.objects.order_by("no")
    count = pagination.count_rows(queryset)
    assert (count.value, count.exact) == (12, True)
    first = pagination.paginate(queryset, cursor=None, per_page=5, count=count)
    assert first.summary == "1–5 of 12"
    second = pagination.paginate(queryset, cursor=first.next_cursor, per_page=5, count=count)
    assert second.summary == "6–10 of 12"
    last = pagination.paginate(queryset, cursor=first.last_cursor, per_page=5, count=count)
    assert last.summary == "8–12 of 12"
    # A filtered list above the cap says "10+" (an unfiltered one may show the
    # planner's estimate instead, which depends on the table's statistics).
    capped = pagination.count_rows(queryset.filter(pk__gt=0), limit=10)
    assert (capped.value, capped.exact, str(capped)) == (10, False, "10+")


def test_an_unfiltered_list_above_the_cap_shows_the_planner_estimate():
    make_contacts(30)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(Contact._meta.db_table)}")
    estimate = pagination.count_rows(Contact.objects.order_by("no"), limit=10)
    assert (estimate.value, estimate.exact, estimate.estimated) == (30, False, True)
    assert str(estimate) == "about 30"


def test_cursor_values_of_every_type_survive_the_round_trip():
    import datetime
    from decimal import Decimal

    values = [
        None,
        True,
        7,
        "Ünïcode",
        datetime.date(2026, 3, 1),
        datetime.datetime(2026, 3, 1, 12, 30, tzinfo=datetime.UTC),
        Decimal("12.50"),
    ]
    keys = [
        pagination.SortKey(path=f"k{i}", descending=False, nullable=True, name="x", attribute="x")
        for i in range(len(values))
    ]
    text = pagination.make_cursor(keys, "n", values, 50)
    assert pagination.read_cursor(text, keys) == ("n", values, 50)


# ------------------------------------------------------------------ list page


def sql_of(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response, [query["sql"] for query in queries]


def assert_no_full_scans(statements):
    for sql in statements:
        upper = sql.upper()
        assert not re.search(r"\bOFFSET\b", upper), sql
        if "COUNT(" in upper:
            assert re.search(r"\bLIMIT\b", upper), sql


def cursor_of(url):
    return parse_qs(urlsplit(url).query)["cursor"][0]


def test_contact_list_pages_by_cursor_without_offset_or_full_count(manager_client):
    make_contacts(120, names=["Same name"])
    response, statements = sql_of(manager_client, LIST_URL, {"sort": "name"})
    assert_no_full_scans(statements)
    page = response.context["list_page"]
    assert page.summary == "1–50 of 120"
    content = response.content.decode()
    assert "1–50 of 120" in content
    assert "cursor=" in content
    response, statements = sql_of(
        manager_client, LIST_URL, {"sort": "name", "cursor": cursor_of(page.next_url)}
    )
    assert_no_full_scans(statements)
    second = response.context["list_page"]
    assert second.summary == "51–100 of 120"
    assert not {c.pk for c in page} & {c.pk for c in second}
    response, statements = sql_of(
        manager_client, LIST_URL, {"sort": "name", "cursor": cursor_of(second.last_url)}
    )
    assert_no_full_scans(statements)
    assert response.context["list_page"].summary == "71–120 of 120"
    # A search and a filter page as well.
    _response, statements = sql_of(manager_client, LIST_URL, {"q": "same", "type": "company"})
    assert_no_full_scans(statements)


def test_sort_links_start_again_at_the_first_page(manager_client):
    make_contacts(60)
    first = manager_client.get(LIST_URL).context["list_page"]
    content = manager_client.get(LIST_URL, {"cursor": cursor_of(first.next_url)}).content.decode()
    sort_links = re.findall(r'href="(\?[^"]*sort=[^"]*)"', content)
    assert sort_links
    assert all("cursor" not in link for link in sort_links)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "a" * 500,
        signing.dumps({"s": "no", "d": "n", "v": ["X"], "o": 0}, salt="other"),
        "%00%ff",
    ],
    ids=["garbage", "empty", "long", "other-salt", "nul"],  # the same on every xdist worker
)
def test_a_bad_cursor_shows_the_first_page_never_a_server_error(manager_client, cursor):
    make_contacts(60)
    response = manager_client.get(LIST_URL, {"cursor": cursor})
    assert response.status_code == 200
    page = response.context["list_page"]
    assert page.start_index == 1
    assert [c.no for c in page][:1] == ["CT000000"]
    if cursor:
        assert page.invalid_cursor
        assert "no longer valid" in response.content.decode()


def test_a_cursor_of_another_order_is_not_applied_to_this_one(manager_client):
    make_contacts(60)
    by_name = manager_client.get(LIST_URL, {"sort": "name"}).context["list_page"]
    response = manager_client.get(
        LIST_URL, {"sort": "-city", "cursor": cursor_of(by_name.next_url)}
    )
    assert response.status_code == 200
    assert response.context["list_page"].invalid_cursor
    assert response.context["list_page"].start_index == 1


def test_every_sortable_contact_column_pages_both_ways(manager_client):
    rep = SalespersonFactory(code="R1")
    make_contacts(30, names=["A", "B"])
    make_contacts(30, names=["C"], start=100, salesperson=rep, city="Leeds")
    table = manager_client.get(LIST_URL).context["table"]
    sortable = [column.name for column in table.columns if column.orderable]
    assert {"no", "name", "type", "company", "city", "salesperson"} <= set(sortable)
    for name in sortable:
        for sort in (name, f"-{name}"):
            seen, cursor = [], None
            while True:
                params = {"sort": sort, **({"cursor": cursor} if cursor else {})}
                response = manager_client.get(LIST_URL, params)
                assert response.status_code == 200, sort
                page = response.context["list_page"]
                assert not page.invalid_cursor, sort
                seen += [c.pk for c in page]
                if not page.has_next:
                    break
                cursor = cursor_of(page.next_url)
            assert sorted(seen) == sorted(Contact.objects.values_list("pk", flat=True)), sort


def test_large_lists_offer_sorting_only_by_indexed_columns(manager_client, monkeypatch):
    from contacts.views import ContactList

    monkeypatch.setattr(ContactList, "count_limit", 20)
    make_contacts(30)
    response = manager_client.get(LIST_URL, {"sort": "phone"})
    table = response.context["table"]
    sortable = {column.name for column in table.columns if column.orderable}
    assert {"no", "name", "type", "city", "email"} <= sortable
    assert not {"company", "salesperson", "phone"} & sortable
    assert table.keyset_unsortable == {"company", "salesperson", "phone"}
    assert response.context["list_page"].count.large
    assert [c.no for c in response.context["list_page"]][:1] == ["CT000000"]  # default order
    content = response.content.decode()
    assert "Sorting by this column is offered" in content
    # A search that leaves few rows sorts by anything again.
    response = manager_client.get(LIST_URL, {"sort": "phone", "q": "CT00000"})
    assert "phone" not in response.context["table"].keyset_unsortable


@pytest.mark.parametrize("size", [10, 1000])
def test_contact_list_query_count_is_constant(manager_client, size, django_assert_num_queries):
    rep = SalespersonFactory()
    make_contacts(size, salesperson=rep)
    response = manager_client.get(LIST_URL, {"sort": "-name"})
    next_url = response.context["list_page"].next_url
    # session, user, permissions (2), salesperson and code filter choices (5),
    # capped count, page rows; the remembered state and the Views menu (docs/lists.md)
    with django_assert_num_queries(13):
        assert manager_client.get(LIST_URL, {"sort": "-name"}).status_code == 200
    if next_url:
        with django_assert_num_queries(13):
            params = {"sort": "-name", "cursor": cursor_of(next_url)}
            assert manager_client.get(LIST_URL, params).status_code == 200


# ------------------------------------------------------------------ segment card


def segment_with_lines(size, name):
    make_contacts(size, names=[name], start=len(name) * 10_000)
    segment = Segment.objects.create(description=name)
    segment_services.add_contacts(segment=segment, filters={"name": name})
    segment.refresh_from_db()
    assert segment.line_count == size
    return segment


def test_segment_card_pages_lines_by_cursor_with_constant_queries(manager_client):
    small, large = segment_with_lines(10, "Few"), segment_with_lines(1000, "Many")
    response, statements = sql_of(manager_client, small.get_absolute_url())
    assert_no_full_scans(statements)
    assert len(response.context["lines_page"].object_list) == 10
    baseline = len(statements)
    response, statements = sql_of(manager_client, large.get_absolute_url())
    assert_no_full_scans(statements)
    assert len(statements) == baseline
    page = response.context["lines_page"]
    assert page.summary == "1–50 of 1,000"
    assert page.next_url.endswith("#lines")
    response, statements = sql_of(
        manager_client, large.get_absolute_url(), {"cursor": cursor_of(page.next_url)}
    )
    assert_no_full_scans(statements)
    assert len(statements) == baseline
    second = response.context["lines_page"]
    assert second.summary == "51–100 of 1,000"
    assert "51–100 of 1,000" in response.content.decode()
    assert not {line.pk for line in page} & {line.pk for line in second}


# ------------------------------------------------------------------ search


def test_prefix_bounds():
    assert prefix_successor("ABC") == "ABD"
    assert prefix_successor("AZ") == "A["
    assert prefix_successor("\U0010ffff") is None
    assert prefix_successor("A\ud7ff") == "A\ue000"
    assert db_upper("müller", "sqlite") == "MüLLER"  # SQLite's upper() is ASCII only
    assert db_upper("müller", "postgresql") == "MÜLLER"
    assert db_upper("straße", "postgresql") == "STRAßE"  # one character stays one


def test_contact_search_of_one_or_two_characters_is_case_insensitive_starts_with(
    manager_client,
):
    # Three characters or more search inside (tests/contacts/test_contact_search.py).
    Contact.objects.create(no="CT100", name="Fabrikam", city="Leeds", email="info@fab.example")
    Contact.objects.create(no="CT200", name="Contoso", city="York", email="sales@fabrikam.example")
    Contact.objects.create(no="CT300", name="The Fabrikam Shop", city="Hull")

    def found(query):
        return {c.no for c in manager_client.get(LIST_URL, {"q": query}).context["list_page"]}

    assert found("fa") == {"CT100"}  # starts with: not "The Fabrikam Shop"
    assert found("FA") == {"CT100"}
    assert found("ct") == {"CT100", "CT200", "CT300"}
    assert found("SA") == {"CT200"}
    assert found("yo") == {"CT200"}
    assert found("th") == {"CT300"}
    assert found("zz") == set()
    assert found("%") == set()  # no LIKE wildcards
    content = manager_client.get(LIST_URL, follow=True).content.decode()
    assert "Finds the text anywhere in: No., name, e-mail, city" in content


def test_a_small_list_may_keep_contains_search():
    class ContainsFilter(SearchFilterSet):
        search_fields = ("name",)
        search_mode = "contains"

        class Meta:
            model = Contact
            fields = []

    Contact.objects.create(no="CT1", name="The Fabrikam Shop")
    found = ContainsFilter({"q": "fabrikam"}, queryset=Contact.objects.all()).qs
    assert [c.no for c in found] == ["CT1"]
    assert "Contains" in str(ContainsFilter().form["q"].help_text)


def explain(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


SEARCH_INDEXES = [
    ("name", "contact_name_upper_idx"),
    ("email", "contact_email_upper_idx"),
    ("city", "contact_city_upper_idx"),
]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plans")
@pytest.mark.parametrize(("field", "index"), SEARCH_INDEXES)
def test_search_predicates_use_the_upper_indexes_on_sqlite(field, index):
    make_contacts(50)
    queryset = Contact.objects.filter(prefix_condition(Contact, field, "abc")).order_by()
    plan = explain(queryset)
    assert index in plan, plan
    assert "SCAN" not in plan.replace("SEARCH", ""), plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite query plans")
def test_the_whole_contact_search_and_its_number_use_indexes_on_sqlite():
    make_contacts(50)
    plan = explain(Contact.objects.filter(prefix_condition(Contact, "no", "CT1")).order_by())
    assert re.search(r"SEARCH \S+ USING (COVERING )?INDEX", plan), plan  # No.'s unique index
    from contacts.filters import ContactFilter

    qs = ContactFilter({"q": "ab"}, queryset=Contact.objects.all()).qs.order_by()
    plan = explain(qs)
    for _field, index in SEARCH_INDEXES:
        assert index in plan, plan
    assert "MULTI-INDEX OR" in plan, plan


@pytest.mark.postgres
@pytest.mark.parametrize(("field", "index"), SEARCH_INDEXES)
def test_search_predicates_use_the_upper_indexes_on_postgresql(field, index):
    make_contacts(50)
    queryset = Contact.objects.filter(prefix_condition(Contact, field, "abc")).order_by()
    plan = explain(queryset)
    assert index in plan, plan
    assert "Index Scan" in plan or "Bitmap Index Scan" in plan, plan


def page_plan(order: str, cursor) -> str:
    """The query plan of the keyset page of contacts ordered by ``order`` after
    ``cursor``, as the list runs it."""
    with CaptureQueriesContext(connection) as queries:
        pagination.paginate(Contact.objects.order_by(order), cursor=cursor, per_page=50)
    (sql,) = [query["sql"] for query in queries if "LIMIT" in query["sql"]]
    with connection.cursor() as db:
        if connection.vendor == "sqlite":
            db.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in db.fetchall())
        # A tiny table: make every way but an ordered index scan the last resort, so
        # that a Sort in the plan means no index delivers the order.
        for way in ("seqscan", "bitmapscan", "sort", "incremental_sort"):
            db.execute(f"SET LOCAL enable_{way} = off")
        db.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in db.fetchall())


@pytest.mark.parametrize("field", ["name", "email", "city"])
@pytest.mark.parametrize("descending", [False, True])
def test_a_deep_page_in_a_shared_value_reads_only_its_page_from_an_index(field, descending):
    """Sorted by name, e-mail or city the list pages by (value, id): its index on
    (value, id) delivers a page deep inside 120 contacts of one value without sorting
    them all first (docs/performance.md, Lists)."""
    make_contacts(120, names=["Same Name"], email="same@example.com", city="Leeds")
    order = f"-{field}" if descending else field
    first = pagination.paginate(Contact.objects.order_by(order), cursor=None, per_page=50)
    plan = page_plan(order, first.next_cursor)
    assert f"contact_{field}_id_idx" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # SQLite sorting
    assert "Sort" not in plan, plan  # PostgreSQL sorting


# ------------------------------------------------------------------ export


def test_csv_export_streams_every_filtered_row_in_chunks(manager_client, monkeypatch):
    make_contacts(45, names=["Export"])
    make_contacts(5, names=["Other"], start=100)
    chunks = []
    real_iterate = pagination.iterate

    def small_chunks(queryset, chunk_size=2000):
        chunks.append(chunk_size)
        return real_iterate(queryset, chunk_size=10)

    monkeypatch.setattr(pagination, "iterate", small_chunks)
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(LIST_URL, {"q": "export", "_export": "csv", "sort": "-no"})
        assert response.streaming
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("No.,")
    assert len(lines) == 46
    assert lines[1].startswith("CT000044,")
    assert lines[-1].startswith("CT000000,")
    assert chunks == [2000]
    assert_no_full_scans([q["sql"] for q in queries])
    row_queries = [q for q in queries if "LIMIT 10" in q["sql"] and "COUNT" not in q["sql"]]
    assert len(row_queries) == 5  # 45 rows in chunks of 10
    assert response["Content-Disposition"] == 'attachment; filename="contacts.csv"'


def test_export_values_are_those_of_django_tables2(manager_client):
    from campaigns.tables import CampaignTable
    from contacts.tables import ContactTable
    from core.generic_views import table_export_rows
    from tests.factories import CampaignFactory

    rep = SalespersonFactory(code="R9")
    company = Contact.objects.create(no="CT1", name="Acme", city="Leeds", salesperson=rep)
    Contact.objects.create(no="CT2", name="Ann", type=ContactType.PERSON, company=company)
    CampaignFactory.create_batch(3)
    for table in (
        ContactTable(Contact.objects.select_related("company", "salesperson").order_by("no")),
        CampaignTable(Campaign.objects.select_related("status", "salesperson").order_by("no")),
    ):
        exclude = [c.name for c in table.columns.iterall() if c.column.exclude_from_export]
        expected = list(table.as_values(exclude_columns=exclude))
        assert list(table_export_rows(table)) == expected
        assert len(expected) > 2


def test_a_broad_search_reads_the_rows_in_the_pages_order(manager_client, monkeypatch):
    from contacts.views import ContactList

    monkeypatch.setattr(ContactList, "count_limit", 5)
    make_contacts(30, names=["Alpha", "Beta"])
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(LIST_URL, {"q": "alp"})
    page = response.context["list_page"]
    assert page.count.large
    assert [c.name for c in page] == ["Alpha"] * 15
    assert [c.no for c in page] == sorted(c.no for c in page)
    page_sql = [q["sql"] for q in queries if "LIMIT 51" in q["sql"]]
    assert len(page_sql) == 1
    assert "|| '')" in page_sql[0]  # the search ranges on the rows read in No. order
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"]]
    assert "|| '')" not in counts[0]  # the count uses the index ranges
    # A search whose matches crowd together in the sort order (No.s from CT0000,
    # sorted by No.) keeps the ranges: reading in order would pass every row before.
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(LIST_URL, {"q": "CT00002"})
    assert response.context["list_page"].count.large
    assert not any("|| '')" in q["sql"] for q in queries)
    # A selective search keeps the index ranges for the page as well.
    with CaptureQueriesContext(connection) as queries:
        manager_client.get(LIST_URL, {"q": "CT000012"})
    assert not any("|| '')" in q["sql"] for q in queries)


def test_code_filters_are_subqueries_not_joins(manager_client, monkeypatch):
    from contacts.models import ContactMailingGroup, MailingGroup
    from contacts.views import ContactList

    group = MailingGroup.objects.create(code="NEWS", description="News")
    members = make_contacts(6)[:3]
    ContactMailingGroup.objects.bulk_create(
        ContactMailingGroup(contact=c, mailing_group=group) for c in members
    )
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(LIST_URL, {"mailing_group": group.pk})
    assert {c.pk for c in response.context["list_page"]} == {c.pk for c in members}
    page_sql = next(q["sql"] for q in queries if "LIMIT 51" in q["sql"])
    assert "IN (SELECT" in page_sql
    outer, inner = page_sql.split("IN (SELECT", 1)
    assert "contactmailinggroup" not in outer  # no join to the link table
    assert "contactmailinggroup" in inner
    # Many holders: the page checks each contact read in No. order (EXISTS).
    monkeypatch.setattr(ContactList, "count_limit", 2)
    with CaptureQueriesContext(connection) as queries:
        response = manager_client.get(LIST_URL, {"mailing_group": group.pk})
    assert response.context["list_page"].count.large
    assert {c.pk for c in response.context["list_page"]} == {c.pk for c in members}
    page_sql = next(q["sql"] for q in queries if "LIMIT 51" in q["sql"])
    assert "EXISTS" in page_sql


def test_a_signed_cursor_with_impossible_values_shows_the_first_page():
    make_contacts(12)
    queryset = Contact.objects.order_by("name")
    keys = pagination.sort_keys(queryset)
    cursor = pagination.make_cursor(keys, "n", [None, 5], 10)  # name is never NULL
    page = pagination.paginate(queryset, cursor=cursor, per_page=5)
    assert page.invalid_cursor
    assert page.start_index == 1
