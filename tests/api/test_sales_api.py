"""The API's sales routes (docs/api.md, Companies, customers, quotes and your own work):
companies, customers, sales quotes made by the quote pages' services, the calling
salesperson's tasks and opportunities, and NAV's filter syntax on the lists."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from activities.models import TaskStatus
from api.models import IdempotentRequest
from api.sales_serializers import MAX_QUOTE_LINES
from contacts.models import Contact, ContactType
from core import roles
from core.filter_syntax import filter_condition
from pricing import services as pricing_services
from pricing.models import SalesType
from quotes import services as quote_services
from quotes.models import SalesQuote, SalesQuoteLine
from tests.factories.accounts import UserFactory
from tests.factories.activities import TaskFactory
from tests.factories.campaigns import CampaignFactory
from tests.factories.contacts import (
    CompanyFactory,
    CustomerFactory,
    CustomerPriceGroupFactory,
    PersonFactory,
)
from tests.factories.opportunities import OpportunityFactory
from tests.factories.pricing import UnitOfMeasureFactory
from tests.factories.quotes import SalesQuoteFactory, SalesQuoteLineFactory
from tests.factories.salespeople import SalespersonFactory, TeamMemberFactory
from tests.factories.scenarios import JAN_1, MID, campaign_with_segment, company, item, price

pytestmark = pytest.mark.django_db

CONTACTS = reverse("api:contact_list")
COMPANIES = reverse("api:company_list")
CUSTOMERS = reverse("api:customer_list")
CAMPAIGNS = reverse("api:campaign_list")
QUOTES = reverse("api:quote_list")
MY_TASKS = reverse("api:my_task_list")
MY_OPPORTUNITIES = reverse("api:my_opportunity_list")


def nos(response):
    assert response.status_code == 200, response.content
    return [row["no"] for row in response.json()["results"]]


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()


# --- Companies -----------------------------------------------------------------------------


def test_companies_are_the_company_contacts_with_the_contact_lists_filters(viewer, token_client):
    adatum = CompanyFactory(no="CT000101", name="Adatum")
    contoso = CompanyFactory(no="CT000102", name="Contoso")
    PersonFactory(no="CT000103", name="Ann Adams", company=adatum)
    client = token_client(viewer)
    assert nos(client.get(COMPANIES)) == [adatum.no, contoso.no]
    assert nos(client.get(COMPANIES, {"q": "conto"})) == [contoso.no]
    assert nos(client.get(COMPANIES, {"name": "a*"})) == [adatum.no]
    first = client.get(COMPANIES, {"page_size": 1}).json()
    assert [row["no"] for row in first["results"]] == [adatum.no]
    assert nos(client.get(first["next"])) == [contoso.no]


def test_a_company_card_lists_its_persons_and_is_read_only(viewer, token_client):
    adatum = CompanyFactory(no="CT000201", name="Adatum")
    PersonFactory(no="CT000203", name="Bram", company=adatum)
    PersonFactory(no="CT000202", name="Ann", company=adatum)
    PersonFactory(no="CT000204", name="Cat", company=CompanyFactory())
    client = token_client(viewer)
    url = reverse("api:company_detail", kwargs={"no": adatum.no})
    body = client.get(url).json()
    assert body["name"] == "Adatum"
    assert body["persons"] == [
        {"no": "CT000202", "name": "Ann"},
        {"no": "CT000203", "name": "Bram"},
    ]
    assert body["person_count"] == 2
    assert body["version"]  # for an update through /api/v1/contacts/<no>/
    # A person is no company; the route does not write.
    assert_problem(client.get(reverse("api:company_detail", kwargs={"no": "CT000202"})), 404)
    manager = UserFactory(username="manager", role=roles.MARKETING_MANAGER)
    assert token_client(manager).patch(url, {"name": "X"}, format="json").status_code == 405


def test_a_company_card_shows_the_first_persons_and_counts_them_all(
    viewer, token_client, monkeypatch
):
    from api import sales_views

    monkeypatch.setattr(sales_views, "PERSONS_SHOWN", 2)
    adatum = CompanyFactory(name="Adatum")
    for index in range(3):
        PersonFactory(no=f"CT0003{index:02d}", company=adatum)
    body = token_client(viewer).get(reverse("api:company_detail", kwargs={"no": adatum.no}))
    assert [row["no"] for row in body.json()["persons"]] == ["CT000300", "CT000301"]
    assert body.json()["person_count"] == 3


# --- Customers -----------------------------------------------------------------------------


def test_customers_list_and_card(viewer, token_client):
    group = CustomerPriceGroupFactory(code="RETAIL")
    salesperson = SalespersonFactory(code="JO")
    adatum = CompanyFactory(name="Adatum", as_customer=True, as_customer__price_group=group)
    customer = adatum.customer
    customer.salesperson = salesperson
    customer.save()
    blocked = CustomerFactory(name="Blocked Ltd", blocked=True)
    client = token_client(viewer)
    assert nos(client.get(CUSTOMERS)) == sorted([customer.no, blocked.no])
    assert nos(client.get(CUSTOMERS, {"blocked": "true"})) == [blocked.no]
    assert nos(client.get(CUSTOMERS, {"contact_no": adatum.no})) == [customer.no]
    card = client.get(reverse("api:customer_detail", kwargs={"no": customer.no})).json()
    assert card == {
        "no": customer.no,
        "name": "Adatum",
        "price_group": "RETAIL",
        "discount_group": None,
        "salesperson": "JO",
        "blocked": False,
        "contact_no": adatum.no,
    }
    assert (
        client.get(reverse("api:customer_detail", kwargs={"no": blocked.no})).json()["contact_no"]
        is None
    )


# --- NAV's filter syntax -------------------------------------------------------------------


@pytest.fixture
def five_companies(db):
    names = ["Adatum", "Alpine", "Contoso", "Fabrikam", "Litware"]
    return [
        CompanyFactory(no=f"CT00{index + 1:04d}", name=name, city="Utrecht" if index else "")
        for index, name in enumerate(names)
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"no": "CT000002..CT000004"}, [2, 3, 4]),
        ({"no": "..CT000002"}, [1, 2]),
        ({"no": "CT000001|CT000005"}, [1, 5]),
        ({"no": "<>CT000003"}, [1, 2, 4, 5]),
        ({"no": ">=CT000004"}, [4, 5]),
        ({"name": "a*"}, [1, 2]),
        ({"name": "*T*&<>Litware"}, [1, 3]),
        ({"name": "?ontoso"}, [3]),
        ({"name": "contoso"}, [3]),  # a plain value: equal to, ignoring case
        ({"city": "''"}, [1]),
        ({"name": "A*", "q": "alp"}, [2]),  # with the page's search
    ],
)
@pytest.mark.parametrize("route", [CONTACTS, COMPANIES])
def test_contact_lists_take_navs_filter_syntax(
    viewer, token_client, five_companies, route, params, expected
):
    response = token_client(viewer).get(route, params)
    assert nos(response) == [five_companies[index - 1].no for index in expected]


def test_the_filter_selects_what_a_segments_criterion_selects(viewer, token_client, five_companies):
    """The same expression, the same function (core.filter_syntax) as Add contacts."""
    expression = "A*|F..M&<>Litware"
    expected = list(
        Contact.objects.filter(filter_condition("name", expression))
        .order_by("no")
        .values_list("no", flat=True)
    )
    assert nos(token_client(viewer).get(CONTACTS, {"name": expression})) == expected
    assert len(expected) == 3


@pytest.mark.parametrize("route", [CONTACTS, COMPANIES, CUSTOMERS, CAMPAIGNS, QUOTES])
def test_a_broken_filter_is_a_400_naming_the_parameter(viewer, token_client, route):
    for expression in ("A..B..C", "'open", "A|", "<A*"):
        body = assert_problem(token_client(viewer).get(route, {"no": expression}), 400)
        assert list(body["errors"]) == ["no"], body


def test_customers_campaigns_and_quotes_take_the_syntax(viewer, token_client):
    adatum = CustomerFactory(no="C00001", name="Adatum")
    alpine = CustomerFactory(no="C00002", name="Alpine")
    contoso = CustomerFactory(no="C00003", name="Contoso")
    spring = CampaignFactory(no="CP0001", description="Spring sale")
    autumn = CampaignFactory(no="CP0002", description="Autumn sale")
    winter = CampaignFactory(no="CP0003", description="Winter fair")
    quotes = [SalesQuoteFactory(customer=c) for c in (adatum, alpine, contoso)]
    client = token_client(viewer)
    assert nos(client.get(CUSTOMERS, {"name": "A*"})) == [adatum.no, alpine.no]
    assert nos(client.get(CUSTOMERS, {"no": "C00002.."})) == [alpine.no, contoso.no]
    assert nos(client.get(CAMPAIGNS, {"description": "*sale"})) == [spring.no, autumn.no]
    assert nos(client.get(CAMPAIGNS, {"no": "<>CP0001&<>CP0002"})) == [winter.no]
    quote_nos = sorted(q.no for q in quotes)
    # The page's customer filter (one No.) still works, and takes the syntax too.
    assert nos(client.get(QUOTES, {"customer": "c00001"})) == [quotes[0].no]
    assert nos(client.get(QUOTES, {"customer": "C00001|C00003"})) == [
        quotes[0].no,
        quotes[2].no,
    ]
    assert nos(client.get(QUOTES, {"customer_name": "a*"})) == quote_nos[:2]
    assert nos(client.get(QUOTES, {"no": f"{quote_nos[1]}.."})) == quote_nos[1:]


def test_the_campaign_list_has_the_campaign_lists_filters(viewer, token_client):
    spring = CampaignFactory(description="Spring", starting_date=MID, ending_date=MID)
    CampaignFactory(
        description="Autumn", starting_date=JAN_1, ending_date=MID - datetime.timedelta(days=1)
    )
    client = token_client(viewer)
    assert nos(client.get(CAMPAIGNS, {"active_on": MID.isoformat()})) == [spring.no]
    assert nos(client.get(CAMPAIGNS, {"q": "spr"})) == [spring.no]
    assert nos(client.get(CAMPAIGNS, {"status": spring.status_id})) == [spring.no]


# --- Sales quotes ----------------------------------------------------------------------------


@pytest.fixture
def campaign_priced(manager):
    """Adatum is a target of an activated campaign that sells the chair at 80.00;
    the chair costs 100.00, 90.00 for all customers."""
    adatum = company("Adatum")
    chair = item("100.00", base_unit_of_measure=UnitOfMeasureFactory(code="PCS"))
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="90.00")
    campaign, _segment = campaign_with_segment(adatum, targets=[adatum])
    price(chair, SalesType.CAMPAIGN, campaign.no, unit_price="80.00")
    pricing_services.activate_campaign(campaign=campaign, user=manager)
    return adatum.customer, chair, campaign


def page_quote(customer, chair, quantity, user):
    """A quote made as the quote pages make it: header, then Add line."""
    quote = quote_services.save_quote(
        quote=SalesQuote(customer=customer, order_date=MID), user=user
    ).quote
    line = SalesQuoteLine(
        quote=quote, item=chair, quantity=quantity, unit_of_measure=chair.base_unit_of_measure
    )
    return quote_services.save_quote_line(line=line, user=user)


def test_create_a_quote_priced_as_the_page_prices_it(manager, token_client, campaign_priced):
    customer, chair, campaign = campaign_priced
    other = item("40.00", no="IT9999")
    response = token_client(manager).post(
        QUOTES,
        {
            "customer": customer.no.lower(),
            "order_date": MID.isoformat(),
            "lines": [{"item": chair.no, "quantity": "3"}, {"item": other.no, "quantity": "2"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    expected = page_quote(customer, chair, Decimal(3), manager)
    first = body["lines"][0]
    assert Decimal(first["unit_price"]) == expected.unit_price == Decimal("80.00")
    assert Decimal(first["line_amount"]) == expected.line_amount
    assert Decimal(first["line_discount_percent"]) == expected.line_discount_percent
    assert first["campaign"] == campaign.no == expected.campaign.no
    assert first["unit"] == "PCS"
    assert body["lines"][1]["campaign"] is None
    assert Decimal(body["lines"][1]["line_amount"]) == Decimal("80.00")
    assert Decimal(body["totals"]["line_amount"]) == Decimal("320.00")
    assert body["totals"]["lines"] == 2
    stored = SalesQuote.objects.get(no=body["no"])
    assert stored.customer == customer
    assert stored.history.get().history_user == manager  # the service's history row
    assert [line.line_no for line in stored.lines.order_by("line_no")] == [10000, 20000]
    # The card reads the same.
    card = token_client(manager).get(reverse("api:quote_detail", kwargs={"no": stored.no}))
    assert card.json() == body


def test_a_bad_line_is_a_400_naming_its_index_and_nothing_is_saved(
    manager, token_client, campaign_priced
):
    customer, chair, _campaign = campaign_priced
    client = token_client(manager)
    good = {"item": chair.no, "quantity": "1"}
    cases = [
        ([good, {"item": "NOPE", "quantity": "1"}], "lines[1].item"),
        ([good, good, {"item": chair.no, "unit": "BOX"}], "lines[2].unit"),
        ([good, {"item": chair.no, "quantity": "0"}], "lines[1].quantity"),  # the service's
        ([{"item": chair.no, "quantity": "abc"}], "lines[0].quantity"),
        ([{"quantity": "1"}], "lines[0].item"),
        ([good, {"item": chair.no, "unit": "CASE"}], "lines[1].unit"),  # not the chair's
    ]
    UnitOfMeasureFactory(code="CASE")
    for lines, field in cases:
        payload = {"customer": customer.no, "order_date": MID.isoformat(), "lines": lines}
        body = assert_problem(client.post(QUOTES, payload, format="json"), 400)
        assert field in body["errors"], body
    assert not SalesQuote.objects.exists()
    assert not SalesQuoteLine.objects.exists()


def test_a_blocked_item_or_customer_is_refused_and_nothing_is_saved(
    manager, token_client, campaign_priced
):
    customer, chair, _campaign = campaign_priced
    blocked_item = item("10.00", blocked=True)
    client = token_client(manager)
    lines = [{"item": chair.no}, {"item": blocked_item.no}]
    body = assert_problem(
        client.post(QUOTES, {"customer": customer.no, "lines": lines}, format="json"), 400
    )
    assert "lines[1].item" in body["errors"]
    blocked = CustomerFactory(blocked=True)
    body = assert_problem(
        client.post(QUOTES, {"customer": blocked.no, "lines": lines[:1]}, format="json"), 400
    )
    assert "customer" in body["errors"]
    body = assert_problem(client.post(QUOTES, {"customer": "NONE"}, format="json"), 400)
    assert "customer" in body["errors"]
    assert not SalesQuote.objects.exists()


def test_too_many_lines_are_refused(manager, token_client, campaign_priced, monkeypatch):
    customer, chair, _campaign = campaign_priced
    lines = [{"item": chair.no}] * (MAX_QUOTE_LINES + 1)
    body = assert_problem(
        token_client(manager).post(
            QUOTES, {"customer": customer.no, "lines": lines}, format="json"
        ),
        400,
    )
    assert "lines" in body["errors"]


def test_a_retried_quote_with_the_same_idempotency_key_is_made_once(
    manager, token_client, campaign_priced
):
    customer, chair, _campaign = campaign_priced
    client = token_client(manager)
    payload = {"customer": customer.no, "lines": [{"item": chair.no, "quantity": "2"}]}
    first = client.post(QUOTES, payload, format="json", HTTP_IDEMPOTENCY_KEY="shop-order-7")
    again = client.post(QUOTES, payload, format="json", HTTP_IDEMPOTENCY_KEY="shop-order-7")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert SalesQuote.objects.count() == 1
    assert SalesQuoteLine.objects.count() == 1
    # A refused request keeps nothing for its key: corrected, it is made.
    bad = {"customer": customer.no, "lines": [{"item": "NOPE"}]}
    assert client.post(QUOTES, bad, format="json", HTTP_IDEMPOTENCY_KEY="k2").status_code == 400
    assert not IdempotentRequest.objects.filter(key="k2").exists()


def test_quote_creation_queries_do_not_grow_with_the_lines(
    manager, token_client, campaign_priced, django_assert_max_num_queries
):
    """The lines are checked, priced and saved together (quotes.services.add_quote_lines):
    1 line or 200, the same bound (SQLite inserts at most 83 lines a statement)."""
    customer, chair, _campaign = campaign_priced
    other = item("40.00", no="IT9999")
    client = token_client(manager)
    client.get(QUOTES)  # the token's first use is noted once
    for count in (1, 200):
        lines = [
            {"item": (chair if n % 2 else other).no, "quantity": str(n + 1)} for n in range(count)
        ]
        with django_assert_max_num_queries(45):
            response = client.post(QUOTES, {"customer": customer.no, "lines": lines}, format="json")
        assert response.status_code == 201, response.content
        assert len(response.json()["lines"]) == count


def test_quotes_list_and_card_with_totals(viewer, token_client, django_assert_max_num_queries):
    customer = CustomerFactory(name="Adatum")
    quote = SalesQuoteFactory(customer=customer)
    for amount in ("10.00", "20.50"):
        SalesQuoteLineFactory(quote=quote, line_amount=Decimal(amount))
    for _index in range(10):
        SalesQuoteLineFactory(quote=SalesQuoteFactory(customer=CustomerFactory()))
    client = token_client(viewer)
    client.get(QUOTES)
    with django_assert_max_num_queries(8):
        rows = client.get(QUOTES).json()["results"]
    assert len(rows) == 11
    row = next(row for row in rows if row["no"] == quote.no)
    assert row["customer"] == customer.no
    assert row["customer_name"] == "Adatum"
    assert Decimal(row["total"]) == Decimal("30.50")
    url = reverse("api:quote_detail", kwargs={"no": quote.no})
    with django_assert_max_num_queries(8):
        card = client.get(url).json()
    assert [line["line_no"] for line in card["lines"]] == sorted(
        line["line_no"] for line in card["lines"]
    )
    assert card["totals"] == {"lines": 2, "line_amount": "30.50"}
    assert_problem(client.get(reverse("api:quote_detail", kwargs={"no": "SQ99999"})), 404)


def test_quote_permissions_by_role(
    manager, staff, salesperson_user, viewer, token_client, campaign_priced
):
    customer, chair, _campaign = campaign_priced
    payload = {"customer": customer.no, "lines": [{"item": chair.no}]}
    for user in (salesperson_user, viewer):
        assert token_client(user).get(QUOTES).status_code == 200
        assert_problem(token_client(user).post(QUOTES, payload, format="json"), 403)
    assert token_client(staff).post(QUOTES, payload, format="json").status_code == 201
    # Lines need the card's change permission too, as Add line does.
    adder = UserFactory(username="adder")
    adder.user_permissions.add(
        Permission.objects.get(codename="add_salesquote"),
        Permission.objects.get(codename="view_salesquote"),
    )
    assert_problem(token_client(adder).post(QUOTES, payload, format="json"), 403)
    response = token_client(adder).post(QUOTES, {"customer": customer.no}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["lines"] == []


# --- My tasks and opportunities ------------------------------------------------------------


def test_my_tasks_are_the_callers_own_and_their_teams(salesperson_user, token_client):
    me = SalespersonFactory(user=salesperson_user)
    other = SalespersonFactory()
    member = TeamMemberFactory(salesperson=me)
    mine = TaskFactory(salesperson=me, description="Call Adatum")
    done = TaskFactory(salesperson=me, status=TaskStatus.COMPLETED, closed=True, date_closed=MID)
    team_task = TaskFactory(salesperson=None, team=member.team)
    TaskFactory(salesperson=other)
    TaskFactory(salesperson=None, team=TeamMemberFactory(salesperson=other).team)
    client = token_client(salesperson_user)
    assert nos(client.get(MY_TASKS)) == sorted([mine.no, done.no, team_task.no])
    assert nos(client.get(MY_TASKS, {"closed": "false"})) == sorted([mine.no, team_task.no])
    assert nos(client.get(MY_TASKS, {"closed": "true"})) == [done.no]
    row = next(row for row in client.get(MY_TASKS).json()["results"] if row["no"] == mine.no)
    assert row["salesperson"] == me.code
    assert row["description"] == "Call Adatum"


def test_my_opportunities_are_the_callers_own(salesperson_user, manager, token_client):
    me = SalespersonFactory(user=salesperson_user)
    mine = OpportunityFactory(salesperson=me, contact=CompanyFactory(name="Adatum"))
    theirs = OpportunityFactory(salesperson=SalespersonFactory(user=manager))
    body = token_client(salesperson_user).get(MY_OPPORTUNITIES).json()
    assert [row["no"] for row in body["results"]] == [mine.no]
    assert body["results"][0]["contact_name"] == "Adatum"
    assert body["results"][0]["salesperson"] == me.code
    # The manager may see every opportunity on the pages; "my" is still their own.
    assert nos(token_client(manager).get(MY_OPPORTUNITIES)) == [theirs.no]


def test_a_user_without_a_salesperson_gets_empty_lists(viewer, staff, token_client):
    TaskFactory()
    OpportunityFactory()
    for user in (viewer, staff):
        assert nos(token_client(user).get(MY_TASKS)) == []
        assert nos(token_client(user).get(MY_OPPORTUNITIES)) == []


def test_my_lists_need_the_view_permission(token_client):
    nobody = UserFactory(username="nobody")
    SalespersonFactory(user=nobody)
    assert_problem(token_client(nobody).get(MY_TASKS), 403)
    assert_problem(token_client(nobody).get(MY_OPPORTUNITIES), 403)


# --- Queries per list ------------------------------------------------------------------------


def test_list_queries_do_not_grow_with_rows(manager, token_client, django_assert_max_num_queries):
    me = SalespersonFactory(user=manager)
    for index in range(15):
        adatum = CompanyFactory(name=f"Company {index}", salesperson=me, as_customer=True)
        PersonFactory(company=adatum)
        TaskFactory(salesperson=me, contact=adatum, campaign=CampaignFactory())
        OpportunityFactory(salesperson=me, contact=adatum, campaign=CampaignFactory())
    client = token_client(manager)
    client.get(COMPANIES)
    for route, count in (
        (COMPANIES, 15),
        (CUSTOMERS, 15),
        (MY_TASKS, 15),
        (MY_OPPORTUNITIES, 15),
        (CONTACTS, 30),
        (CAMPAIGNS, 30),
    ):
        with django_assert_max_num_queries(8):
            response = client.get(route, {"name": "*"} if route == COMPANIES else {})
        assert len(response.json()["results"]) == count, route
    assert ContactType.COMPANY  # the companies route lists only these
