"""The search box in the top bar (docs/search.md): every kind of record the user may
see, grouped by kind, one query per group whatever matches, hostile text answered
with a page."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact
from core import global_search, roles
from core.global_search import (
    SearchProvider,
    prefix_search,
    providers,
    register_search_provider,
)
from segments.models import LoggedSegment
from tests.factories import (
    CampaignFactory,
    CompanyFactory,
    CustomerFactory,
    ItemFactory,
    OpportunityFactory,
    PersonFactory,
    SalespersonFactory,
    SalesQuoteFactory,
    SegmentFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("core:search")
KINDS = [
    "contacts.contact",
    "contacts.customer",
    "campaigns.campaign",
    "segments.segment",
    "segments.loggedsegment",
    "pricing.item",
    "quotes.salesquote",
    "opportunities.opportunity",
    "activities.task",
]


def company(name, **fields):
    fields.setdefault("email", "")
    fields.setdefault("city", "")
    return CompanyFactory(name=name, **fields)


def person(name, company=None, **fields):
    fields.setdefault("email", "")
    fields.setdefault("city", "")
    return PersonFactory(name=name, company=company, **fields)


def groups_of(response) -> dict[str, list[str]]:
    """{group key: [No. of each hit]}."""
    return {group.key: [hit.no for hit in group.hits] for group in response.context["groups"]}


def one_of_each(word: str) -> dict[str, object]:
    """A record of every kind whose name (or description) starts with ``word``."""
    sales = SalespersonFactory()
    quillon = company(f"{word} Holding")
    customer = CustomerFactory(name=f"{word} Trading")
    return {
        "contacts.contact": quillon,
        "contacts.customer": customer,
        "campaigns.campaign": CampaignFactory(description=f"{word} spring campaign"),
        "segments.segment": SegmentFactory(description=f"{word} mailing"),
        "segments.loggedsegment": LoggedSegment.objects.create(
            segment_no="SEG9999", description=f"{word} mailing"
        ),
        "pricing.item": ItemFactory(description=f"{word} chair"),
        "quotes.salesquote": SalesQuoteFactory(customer=customer),
        "opportunities.opportunity": OpportunityFactory(
            description=f"{word} deal", salesperson=sales
        ),
        "activities.task": TaskFactory(description=f"{word} call", salesperson=sales),
    }


# --- the registry ----------------------------------------------------------------------


def test_every_app_registers_its_kinds_in_order():
    assert [provider.key for provider in providers()] == KINDS
    for provider in providers():
        meta = provider.model._meta
        assert provider.permission == f"{meta.app_label}.view_{meta.model_name}"


def test_a_provider_registered_again_replaces_the_first(monkeypatch):
    monkeypatch.setattr(global_search, "_PROVIDERS", dict(global_search._PROVIDERS))
    first = providers()[0]
    register_search_provider(
        SearchProvider(
            key=first.key,
            label="Replaced",
            model=first.model,
            permission=first.permission,
            search=first.search,
            order=first.order,
        )
    )
    assert [provider.label for provider in providers()].count("Replaced") == 1
    assert len(providers()) == len(KINDS)


# --- grouping ------------------------------------------------------------------------


def test_results_are_grouped_by_kind_with_no_name_and_card_link(manager_client):
    records = one_of_each("Quillon")
    response = manager_client.get(URL, {"q": "quillon"})
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [group.key for group in groups] == KINDS
    logged = records["segments.loggedsegment"]
    for group in groups:
        record = records[group.key]
        [hit] = group.hits
        expected_no = str(logged.pk) if record is logged else record.no
        assert hit.no == expected_no
        assert hit.url == record.get_absolute_url()
        assert hit.name
    html = response.content.decode()
    assert f'href="{records["contacts.contact"].get_absolute_url()}"' in html
    assert "Quillon Holding" in html
    # A quote is shown with its customer's name, a logged segment with its segment No.
    hits = {group.key: group.hits[0] for group in groups}
    assert hits["quotes.salesquote"].name == "Quillon Trading"
    assert hits["segments.loggedsegment"].name == "SEG9999 Quillon mailing"


def test_companies_and_persons_are_marked(manager_client):
    fabrik = company("Fabrikon Ltd.")
    worker = person("Jan Fabrikon", fabrik)
    response = manager_client.get(URL, {"q": "fabrikon"})
    [group] = response.context["groups"]
    details = {hit.no: hit.detail for hit in group.hits}
    assert details == {fabrik.no: "Company", worker.no: "Fabrikon Ltd."}


def test_each_group_shows_five_and_links_to_its_list_for_the_rest(manager_client):
    for n in range(7):
        CampaignFactory(description=f"Quarto {n}")
    response = manager_client.get(URL, {"q": "quarto"})
    [group] = response.context["groups"]
    assert len(group.hits) == global_search.LIMIT
    assert group.more
    assert group.list_url == reverse("campaigns:campaign_list") + "?q=quarto"
    assert group.list_url.replace("&", "&amp;") in response.content.decode()
    assert "Show all in the list" in response.content.decode()


def test_contacts_are_found_inside_and_ranked_exact_prefix_word_inside(manager_client):
    inside = company("Ahanse", no="CT1")
    word = company("The Hanse Shop", no="CT2")
    starts = company("Hanseatic Trading", no="CT3")
    exact = company("Hanse", no="CT4")
    company("Jansen & Co", no="CT5")  # "anse", not "hanse"
    response = manager_client.get(URL, {"q": "HÄNSE"})
    assert groups_of(response)["contacts.contact"] == [exact.no, starts.no, word.no, inside.no]


def test_an_exact_match_is_found_however_many_rows_have_the_term_inside(
    manager_client, monkeypatch
):
    """Only the first POOL rows with the term inside are ranked; a field that is or
    starts with the term comes from its own index range and is never left out."""
    monkeypatch.setattr(global_search, "POOL", 3)
    for n in range(8):
        company(f"Ahanse {n}", no=f"CT{n:02d}")
    exact = company("Hanse", no="CT99")
    response = manager_client.get(URL, {"q": "hanse"})
    nos = groups_of(response)["contacts.contact"]
    assert nos[0] == exact.no
    # The first 3 found inside, in the order the database reads them: the exact match
    # itself is among them when its row lies before the others on disk (PostgreSQL
    # reuses the space of rolled-back rows), so 2 or 3 others; never all 8.
    others = nos[1:]
    assert set(others) <= {f"CT{n:02d}" for n in range(8)}
    assert len(others) in (2, 3)


def test_one_or_two_characters_find_the_start_of_a_field_only(manager_client):
    anna = person("Anna Visser")
    person("Jan Jansen")  # "an" inside only
    response = manager_client.get(URL, {"q": "an"})
    assert groups_of(response)["contacts.contact"] == [anna.no]


def test_customers_are_found_inside_their_name(manager_client):
    customer = CustomerFactory(name="Northwinder Foods")
    response = manager_client.get(URL, {"q": "winder"})
    assert groups_of(response)["contacts.customer"] == [customer.no]


def test_a_logged_segment_is_found_by_its_entry_no(manager_client):
    logged = LoggedSegment.objects.create(segment_no="SEG1", description="Mailing")
    response = manager_client.get(URL, {"q": str(logged.pk)})
    assert str(logged.pk) in groups_of(response)["segments.loggedsegment"]


def test_the_prefix_helper_is_a_range_not_a_like():
    queryset = prefix_search(Contact.objects.all(), "Qu%_", ("name",), 5)
    sql = str(queryset.query)
    assert "LIKE" not in sql.upper()


# --- the page and the list under the box ----------------------------------------------


def test_htmx_gets_the_list_under_the_box(manager_client):
    one_of_each("Quillon")
    response = manager_client.get(URL, {"q": "quillon"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'role="listbox"' in html
    assert html.count('role="option"') == len(KINDS) + 1  # and "All results"
    assert f'href="{URL}?q=quillon"' in html
    assert "HX-Request" in response["Vary"]


def test_the_box_is_in_the_top_bar_for_logged_in_users(manager_client, client):
    html = manager_client.get(reverse("home")).content.decode()
    assert 'id="global-search"' in html
    assert f'action="{URL}"' in html
    client.logout()
    assert 'id="global-search"' not in client.get(reverse("login")).content.decode()


def test_an_empty_search_says_so(manager_client):
    page = manager_client.get(URL, {"q": "zzqqxx"})
    assert page.context["groups"] == []
    assert "Nothing found for 'zzqqxx'." in page.content.decode()
    partial = manager_client.get(URL, {"q": "zzqqxx"}, HTTP_HX_REQUEST="true")
    assert "Nothing found for 'zzqqxx'." in partial.content.decode()


def test_no_text_shows_the_form_and_what_is_searched(manager_client):
    response = manager_client.get(URL)
    assert response.status_code == 200
    assert response.context["groups"] == []
    html = response.content.decode()
    assert "Nothing found" not in html
    assert "Searches Contacts, Customers, Campaigns" in html
    partial = manager_client.get(URL, {"q": "  "}, HTTP_HX_REQUEST="true")
    assert partial.content.decode().strip() == ""


def test_only_get(manager_client):
    assert manager_client.post(URL, {"q": "x"}).status_code == 405


# --- permissions ----------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(URL, {"q": "quillon"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_a_read_only_user_finds_every_kind(client):
    one_of_each("Quillon")
    client.force_login(UserFactory(role=roles.READ_ONLY))
    assert [group.key for group in client.get(URL, {"q": "quillon"}).context["groups"]] == KINDS


def test_a_group_appears_only_with_its_view_permission(client):
    one_of_each("Quillon")
    user = UserFactory()
    client.force_login(user)
    response = client.get(URL, {"q": "quillon"})
    assert response.context["groups"] == []
    assert "Your role may not see any of the records" in response.content.decode()
    user.user_permissions.add(Permission.objects.get(codename="view_contact"))
    user.user_permissions.add(Permission.objects.get(codename="view_item"))
    response = client.get(URL, {"q": "quillon"})
    assert [group.key for group in response.context["groups"]] == [
        "contacts.contact",
        "pricing.item",
    ]


def test_a_salesperson_finds_only_their_own_tasks_and_opportunities(client):
    user = UserFactory(role=roles.SALESPERSON)
    mine = SalespersonFactory(user=user)
    other = SalespersonFactory()
    my_task = TaskFactory(description="Quillon call", salesperson=mine)
    TaskFactory(description="Quillon visit", salesperson=other)
    my_deal = OpportunityFactory(description="Quillon deal", salesperson=mine)
    OpportunityFactory(description="Quillon offer", salesperson=other)
    client.force_login(user)
    found = groups_of(client.get(URL, {"q": "quillon"}))
    assert found["activities.task"] == [my_task.no]
    assert found["opportunities.opportunity"] == [my_deal.no]
    # The manager sees both of each.
    client.force_login(UserFactory(role=roles.MARKETING_MANAGER))
    found = groups_of(client.get(URL, {"q": "quillon"}))
    assert len(found["activities.task"]) == 2
    assert len(found["opportunities.opportunity"]) == 2


# --- queries --------------------------------------------------------------------------


def _queries(client, text) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, {"q": text}).status_code == 200
    return len(queries)


def test_one_query_per_group_whatever_matches(manager_client, django_assert_num_queries):
    manager_client.get(URL)  # session, user and permissions: the same on every page
    without_search = _queries(manager_client, "")
    expected = without_search + len(KINDS)
    with django_assert_num_queries(expected):
        manager_client.get(URL, {"q": "zzqqxx"})  # nothing found
    one_of_each("Quillon")
    for n in range(30):
        person(f"Quillon Person {n}", company("Quillon Company"), email=f"q{n}@quillon.example")
        CampaignFactory(description=f"Quillon {n}")
        TaskFactory(description=f"Quillon task {n}")
    for text in ("quillon", "qu", "q", "illo"):
        with django_assert_num_queries(expected):
            response = manager_client.get(URL, {"q": text})
        assert response.context["groups"]


def test_the_search_function_runs_one_query_per_provider(manager):
    manager.get_all_permissions()  # cached, as a request would have them
    one_of_each("Quillon")
    with CaptureQueriesContext(connection) as queries:
        groups = global_search.search(manager, "quillon")
    assert len(groups) == len(KINDS)
    assert len(queries) == len(KINDS)


# --- hostile input ---------------------------------------------------------------------

HOSTILE = [
    "%",
    "_",
    "%%%",
    "a_p",
    "'",
    '"',
    "x\"y'z",
    '"quillon" OR hanse',
    "quillon*",
    "NEAR(a b)",
    "\\",
    "\\%",
    "--",
    "'; DROP TABLE contacts_contact; --",
    "\x1f",
    "\x01\x02quillon",
    "🙂",
    "ı",  # dotless i: upper() makes it "I"
    "ß",
    "\u202equillon",
    "ﬃ",
    " " * 50,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_gives_a_page(manager_client, text):
    company("Quillon Holding", email="info@quillon.example", city="Delft")
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = manager_client.get(URL, {"q": text}, **headers)
        assert response.status_code == 200, text


def test_wildcards_and_quotes_match_only_themselves(manager_client):
    company("Quillon Holding", email="info@quillon.example", city="Delft")
    for text in ("%", "%%%", "_", "a_p", "'", '"', '"quillon" OR x', "quillon*"):
        assert manager_client.get(URL, {"q": text}).context["groups"] == [], text
    percent = company("100% Quillon")
    assert groups_of(manager_client.get(URL, {"q": "100%"})) == {"contacts.contact": [percent.no]}


def test_a_very_long_text_is_cut_and_says_so(manager_client):
    company("Quillon Holding")
    response = manager_client.get(URL, {"q": "quillon" + "x" * 10_000})
    assert response.status_code == 200
    assert len(response.context["q"]) == global_search.MAX_LENGTH
    assert "Only the first 100 characters were searched." in response.content.decode()
    response = manager_client.get(URL, {"q": "  quillon holding  " + " " * 500})
    assert groups_of(response) != {}


def test_a_nul_is_refused_with_a_page(manager_client):
    response = manager_client.get(URL, {"q": "quil\x00lon"})
    assert response.status_code == 400
    assert "<html" in response.content.decode()


def test_control_characters_are_spaces():
    assert global_search.clean_text("\x00quil\x1flon\t") == "quil lon"
    assert global_search.clean_text(None) == ""
    assert len(global_search.clean_text("y" * 500)) == global_search.MAX_LENGTH
