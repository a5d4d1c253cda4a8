"""The list search finds text inside names, numbers, e-mail addresses and cities,
ignoring case and accents, the same on SQLite and PostgreSQL, exact and prefix
matches first (docs/performance.md, Search)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts import demo_bulk
from contacts.filters import ContactFilter
from contacts.importing import import_contacts
from contacts.models import Contact, ContactType, Customer
from core.search import fold, fts_table, search_text
from tests.contacts import csv_bytes
from tests.factories import CompanyFactory, PersonFactory, SalespersonFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("contacts:contact_list")


def found(client, query, url=LIST_URL) -> list[str]:
    response = client.get(url, {"q": query})
    assert response.status_code == 200
    return [row.no for row in response.context["list_page"]]


def contact(no, name, **fields):
    return Contact.objects.create(no=no, name=name, type=ContactType.COMPANY, **fields)


def test_fold_removes_case_and_accents():
    assert fold("Pieter Jänsen") == "pieter jansen"
    assert fold("ÇA ÉTÉ Øresund Straße") == "ca ete oresund strasse"
    assert search_text("CT1", "Jänsen", "", None) == "\x1fct1\x1fjansen\x1f\x1f\x1f"


@pytest.mark.parametrize("query", ["jansen", "jän", "JAN", "anse", "ÄNSE", "JÄNSEN"])
def test_three_letters_from_inside_the_last_name_find_the_person(manager_client, query):
    company = CompanyFactory(no="CT1", name="Fabrikam", email="info@fabrikam.example", city="X")
    PersonFactory(no="CT2", name="Pieter Jänsen", company=company, email="p@x.example")
    PersonFactory(no="CT3", name="Emma Bakker", company=company, email="e@x.example")
    assert found(manager_client, query) == ["CT2"]


def test_numbers_emails_and_cities_are_searched_inside_too(manager_client):
    contact("CT123456", "Alpha", email="sales@northwind.example", city="Den Haag")
    contact("CT999", "Beta", email="info@contoso.example", city="Zürich")
    assert found(manager_client, "3456") == ["CT123456"]
    assert found(manager_client, "northwind") == ["CT123456"]
    assert found(manager_client, "haag") == ["CT123456"]
    assert found(manager_client, "zuri") == ["CT999"]
    assert found(manager_client, "example") == ["CT123456", "CT999"]
    assert found(manager_client, "%%%") == []  # no LIKE wildcards
    assert found(manager_client, "a_p") == []
    assert found(manager_client, 'x"y') == []  # no FTS syntax


def test_exact_and_prefix_matches_come_first_then_the_list_order(manager_client):
    contact("CT1", "The Hanse Shop")  # a word starts with it
    contact("CT2", "Jansen & Co")  # not "hanse"
    contact("CT3", "Hanseatic Trading")  # the name starts with it
    contact("CT4", "Ahanse")  # inside
    contact("CT5", "Hanse")  # the name is it
    contact("CT6", "Other", city="Hanse")  # the city is it
    assert found(manager_client, "hanse") == ["CT5", "CT6", "CT3", "CT1", "CT4"]
    assert found(manager_client, "anse") == ["CT1", "CT2", "CT3", "CT4", "CT5", "CT6"]
    # A column the user sorts by decides the order.
    response = manager_client.get(LIST_URL, {"q": "hanse", "sort": "-no"})
    assert [row.no for row in response.context["list_page"]] == ["CT6", "CT5", "CT4", "CT3", "CT1"]


def test_ranked_pages_follow_each_other_without_gaps(manager_client):
    for i in range(60):
        contact(f"CT{i:03d}", "Hanse" if i % 3 == 0 else f"Ahanse {i}")
    response = manager_client.get(LIST_URL, {"q": "hanse"})
    page = response.context["list_page"]
    first = [row.no for row in page]
    assert first[:20] == [f"CT{i:03d}" for i in range(0, 60, 3)]
    cursor = parse_qs(urlsplit(page.next_url).query)["cursor"][0]
    second = manager_client.get(LIST_URL, {"q": "hanse", "cursor": cursor}).context["list_page"]
    rows = first + [row.no for row in second]
    assert sorted(rows) == sorted(f"CT{i:03d}" for i in range(60))


def test_an_empty_search_says_no_contacts_match_with_a_link_to_clear_it(manager_client):
    contact("CT1", "Fabrikam")
    response = manager_client.get(LIST_URL, {"q": "Jansen", "type": ""})
    content = response.content.decode()
    assert "No contacts match &#x27;Jansen&#x27;." in content
    assert "Clear the search" in content
    assert "No contacts yet" not in content
    filtered = manager_client.get(LIST_URL, {"q": "Jansen", "type": "person"})
    assert "No contacts match the search and filters." in filtered.content.decode()
    assert "Clear the filters" in filtered.content.decode()
    Contact.objects.all().delete()
    # The list opened again comes back filtered (docs/lists.md); Clear clears it.
    cleared = manager_client.get(LIST_URL, {"_clear": "1"}, follow=True)
    assert "No contacts yet" in cleared.content.decode()


def test_every_list_says_no_match_for_an_empty_search(manager_client):
    response = manager_client.get(reverse("contacts:customer_list"), {"q": "nothing"})
    assert "No customers match &#x27;nothing&#x27;." in response.content.decode()


@pytest.mark.parametrize("query", ["anse", "an"])
def test_the_search_runs_a_constant_number_of_queries(manager_client, query):
    def queries_for(count, start):
        for i in range(count):
            contact(f"CT{start + i:05d}", f"Pieter Jansen {i}", city="Anseremme")
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(LIST_URL, {"q": query}).status_code == 200
        return len(captured)

    manager_client.get(LIST_URL, {"q": query})  # remembered once (docs/lists.md)
    small = queries_for(3, 0)
    assert queries_for(60, 100) == small


def test_customers_are_searched_inside_their_name(manager_client):
    Customer.objects.create(no="C1", name="Wingtip Tøys")
    Customer.objects.create(no="C2", name="Northwind")
    url = reverse("contacts:customer_list")
    assert found(manager_client, "TOYS", url) == ["C1"]
    assert found(manager_client, "wind", url) == ["C2"]


# ------------------------------------------------------------- bulk writers


def stored(no) -> str:
    return Contact.objects.values_list("search_text", flat=True).get(no=no)


def test_saving_keeps_the_search_text_and_the_index_right(manager_client):
    row = contact("CT1", "Pieter Jänsen", email="p@x.example", city="Breda")
    assert stored("CT1") == search_text("CT1", "Pieter Jänsen", "p@x.example", "Breda")
    row.name = "Pieter Bakker"
    row.save(update_fields=["name"])
    assert stored("CT1") == search_text("CT1", "Pieter Bakker", "p@x.example", "Breda")
    assert found(manager_client, "bakker") == ["CT1"]
    assert found(manager_client, "jansen") == []
    row.delete()
    assert found(manager_client, "bakker") == []


def test_the_contact_import_writes_the_search_text(manager_client):
    SalespersonFactory(code="JD")
    import_contacts(
        data=csv_bytes(
            [
                {"no": "IMP1", "type": "company", "name": "Ëindhoven Lights", "city": "Delft"},
                {"no": "IMP2", "type": "person", "name": "Jan Jänsen", "company_no": "IMP1"},
            ]
        )
    )
    for no in ("IMP1", "IMP2"):
        row = Contact.objects.get(no=no)
        assert row.search_text == search_text(row.no, row.name, row.email, row.city)
    assert found(manager_client, "ansen") == ["IMP2"]
    assert found(manager_client, "eindh") == ["IMP1"]


def test_the_bulk_demo_writes_the_search_text_of_contacts_and_customers(manager_client):
    SalespersonFactory(code="JD")
    demo_bulk.load_bulk(40)
    contacts = list(Contact.objects.values_list("no", "name", "email", "city", "search_text"))
    assert len(contacts) == 40
    for no, name, email, city, text in contacts:
        assert text == search_text(no, name, email, city)
    for no, name, text in Customer.objects.values_list("no", "name", "search_text"):
        assert text == search_text(no, name)
    person = Contact.objects.filter(type=ContactType.PERSON).first()
    last_name = person.name.split(" ", 1)[1]
    assert person.no in found(manager_client, last_name[1:].upper())


def test_the_bulk_demo_words_fold_to_their_lower_case():
    """The bulk demo folds with SQL's lower(): only plain ASCII words may be used."""
    words = [
        *demo_bulk.COMPANY_WORDS,
        *demo_bulk.SECTORS,
        *demo_bulk.COMPANY_SUFFIXES,
        *demo_bulk.FIRST_NAMES,
        *demo_bulk.LAST_NAMES,
        *(row[0] for row in demo_bulk.CITIES),
    ]
    for word in words:
        assert word.isascii(), word
        assert fold(word) == word.lower(), word


# ------------------------------------------------------------------ indexes


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_inside_search_uses_the_trigram_index():
    for i in range(30):
        contact(f"CT{i}", f"Name {i}")
    queryset = ContactFilter({"q": "anse"}, queryset=Contact.objects.all()).qs
    plan = plan_of(queryset)
    if connection.vendor == "sqlite":
        assert f"SCAN {fts_table(Contact)} VIRTUAL TABLE INDEX" in plan, plan
    else:
        assert "contacts_contact_search_trgm" in plan, plan
