"""Overlapping campaign prices (docs/pricing.md, Overlapping campaign prices): the
warnings, the rows that do not overlap, the engine's tie rules they follow, the
activation page and the campaign card, and a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Customer
from pricing import services
from pricing.engine import PriceRequest, find_price
from pricing.models import DiscountSalesType, SalesType
from pricing.overlaps import campaign_overlaps
from segments import services as segment_services
from segments.models import Segment
from tests.factories import (
    DEC_31,
    JAN_1,
    MID,
    campaign_with_segment,
    company,
    customer_of,
    discount,
    item,
    price,
)
from tests.factories.contacts import CustomerDiscountGroupFactory, PersonFactory
from tests.factories.pricing import CampaignTargetFactory, UnitOfMeasureFactory

pytestmark = pytest.mark.django_db

NEXT_YEAR = {"start": datetime.date(2027, 1, 1), "end": datetime.date(2027, 12, 31)}


def campaign_price(campaign, chair, unit_price="80.00", **fields):
    return price(
        chair,
        SalesType.CAMPAIGN,
        campaign.no,
        unit_price,
        starting_date=campaign.starting_date,
        ending_date=campaign.ending_date,
        **fields,
    )


def campaign_discount(campaign, code, percent="10", **fields):
    return discount(
        code,
        DiscountSalesType.CAMPAIGN,
        campaign.no,
        percent,
        starting_date=campaign.starting_date,
        ending_date=campaign.ending_date,
        **fields,
    )


def activated_campaign(*targets, **dates):
    campaign, _segment = campaign_with_segment(*targets, targets=targets, **dates)
    services.activate_campaign(campaign=campaign)
    campaign.refresh_from_db()
    return campaign


@pytest.fixture
def setup():
    """Campaign C (not activated) targets A and B and sells the chair at 80.00."""
    chair = item("100.00")
    a, b = company("A"), company("B")
    campaign, _segment = campaign_with_segment(a, b, targets=[a, b])
    campaign_price(campaign, chair)
    return {"chair": chair, "a": a, "b": b, "campaign": campaign}


def warnings(campaign):
    return [
        (row.sales_type, row.sales_code, row.value, row.customers)
        for row in campaign_overlaps(campaign).rows
    ]


# 1. Another activated campaign for the same companies ----------------------------------


def test_a_price_of_another_activated_campaign_for_shared_targets_warns(setup):
    other = activated_campaign(setup["a"], company("C"))
    campaign_price(other, setup["chair"], "75.00")
    result = campaign_overlaps(setup["campaign"])
    assert result.total == 1
    (row,) = result.rows
    assert (row.item, row.unit_of_measure, row.currency_code) == (setup["chair"].no, "", "")
    assert (row.minimum_quantity, row.campaign_value) == (0, Decimal("80.00"))
    assert (row.sales_type, row.other_campaign, row.value) == (
        SalesType.CAMPAIGN,
        other.no,
        Decimal("75.00"),
    )
    a = customer_of(setup["a"])
    assert (row.customers, row.first_customers) == (1, [(a.no, "A")])
    assert f"activated campaign {other.no} (75.00)" in row.text()
    assert f"1 shared target: {a.no} A." in row.text()


def test_the_activated_campaign_uses_its_target_group(setup):
    campaign = setup["campaign"]
    services.activate_campaign(campaign=campaign)
    campaign.refresh_from_db()
    other = activated_campaign(setup["b"])
    campaign_price(other, setup["chair"], "90.00")  # higher: still an overlap
    assert warnings(campaign) == [(SalesType.CAMPAIGN, other.no, Decimal("90.00"), 1)]


def test_a_target_that_is_no_customer_is_named_by_its_contact():
    chair = item()
    prospect = company("Prospect", customer=False)
    campaign, _segment = campaign_with_segment(prospect, targets=[prospect])
    campaign_price(campaign, chair)
    other = activated_campaign(prospect)
    campaign_price(other, chair, "70.00")
    (row,) = campaign_overlaps(campaign).rows
    assert (row.customers, row.first_customers) == (1, [(prospect.no, "Prospect")])


@pytest.mark.parametrize(
    "difference",
    [
        "other item",
        "other unit",
        "one unit blank",
        "other currency",
        "other minimum quantity",
        "next year",
        "not activated",
        "no shared target",
        "zero price",
    ],
)
def test_a_campaign_row_that_does_not_overlap_does_not_warn(setup, difference):
    chair = setup["chair"]
    dates = NEXT_YEAR if difference == "next year" else {}
    targets = [company("C")] if difference == "no shared target" else [setup["a"]]
    if difference == "not activated":
        other, _segment = campaign_with_segment(*targets, targets=targets)
    else:
        other = activated_campaign(*targets, **dates)
    fields = {
        "other item": {"item": item()},
        "other unit": {"unit_of_measure": UnitOfMeasureFactory(code="BOX")},
        "one unit blank": {"unit_of_measure": UnitOfMeasureFactory(code="PCS")},
        "other currency": {"currency_code": "USD"},
        "other minimum quantity": {"minimum_quantity": 5},
        "zero price": {"unit_price": "0"},
    }.get(difference, {})
    if difference == "other unit":  # the campaign's row for PCS, the other's for BOX
        pieces = UnitOfMeasureFactory(code="PCS")
        campaign_price(setup["campaign"], chair, "79.00", unit_of_measure=pieces)
    the_item = fields.pop("item", chair)
    campaign_price(other, the_item, fields.pop("unit_price", "75.00"), **fields)
    assert warnings(setup["campaign"]) == []


def test_the_same_unit_overlaps():
    chair = item()
    a = company("A")
    box = UnitOfMeasureFactory(code="BOX")
    campaign, _segment = campaign_with_segment(a, targets=[a])
    campaign_price(campaign, chair, unit_of_measure=box, currency_code="USD", minimum_quantity=5)
    other = activated_campaign(a, start=datetime.date(2026, 12, 31), end=None)
    campaign_price(other, chair, "75", unit_of_measure=box, currency_code="USD", minimum_quantity=5)
    (row,) = campaign_overlaps(campaign).rows
    assert (row.unit_of_measure, row.currency_code, row.minimum_quantity) == ("BOX", "USD", 5)


def test_a_discount_of_another_activated_campaign_warns(setup):
    chair = setup["chair"]
    campaign_discount(setup["campaign"], chair.no, "10")
    other = activated_campaign(setup["a"])
    campaign_discount(other, chair.no, "5")
    campaign_discount(other, "CHAIRS", "5", type="item_discount_group")  # other code
    (row,) = campaign_overlaps(setup["campaign"]).rows
    assert (row.kind, row.discount_type, row.item) == ("discount", "item", chair.no)
    assert (row.campaign_value, row.other_campaign, row.value) == (10, other.no, 5)
    assert "Line discount 10 % on item" in row.text()


# 2. A customer, group or all-customers price that always wins --------------------------


def test_a_customer_price_that_is_lower_or_equal_warns_a_higher_one_does_not(setup):
    chair, campaign = setup["chair"], setup["campaign"]
    a, b = customer_of(setup["a"]), customer_of(setup["b"])
    price(chair, SalesType.CUSTOMER, a.no, "80.00")  # a tie goes to the customer's row
    price(chair, SalesType.CUSTOMER, b.no, "80.01")
    outsider = customer_of(company("Outsider"))
    price(chair, SalesType.CUSTOMER, outsider.no, "50.00")  # not targeted
    result = campaign_overlaps(campaign)
    assert warnings(campaign) == [(SalesType.CUSTOMER, a.no, Decimal("80.00"), 1)]
    assert result.rows[0].first_customers == [(a.no, "A")]
    assert f"the price for Customer {a.no} (80.00) always wins" in result.rows[0].text()


def test_a_group_price_that_is_lower_warns_an_equal_one_does_not():
    chair = item()
    a, b = company("A", price_group="RETAIL"), company("B", price_group="DEALER")
    campaign, _segment = campaign_with_segment(a, b, targets=[a, b])
    campaign_price(campaign, chair)
    price(chair, SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", "79.99")
    price(chair, SalesType.CUSTOMER_PRICE_GROUP, "DEALER", "80.00")  # a tie: the campaign's
    price(chair, SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", "60.00", currency_code="USD")
    assert warnings(campaign) == [(SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", Decimal("79.99"), 1)]


def test_an_all_customers_price_that_is_lower_warns_for_every_targeted_customer(setup):
    chair, campaign = setup["chair"], setup["campaign"]
    price(chair, SalesType.ALL_CUSTOMERS, "", "79.00", starting_date=DEC_31)
    price(chair, SalesType.ALL_CUSTOMERS, "", "80.00", minimum_quantity=0, currency_code="EUR")
    price(chair, SalesType.ALL_CUSTOMERS, "", "70.00", ending_date=JAN_1 - datetime.timedelta(1))
    (row,) = campaign_overlaps(campaign).rows
    a, b = customer_of(setup["a"]), customer_of(setup["b"])
    assert (row.sales_type, row.value, row.customers) == (SalesType.ALL_CUSTOMERS, 79, 2)
    assert row.first_customers == [(a.no, "A"), (b.no, "B")]


def test_a_lower_price_without_line_discount_does_not_beat_one_with_it(setup):
    chair, campaign = setup["chair"], setup["campaign"]
    price(chair, SalesType.ALL_CUSTOMERS, "", "79.00", allow_line_discount=False)
    assert warnings(campaign) == []
    campaign_price(campaign, chair, "85.00", minimum_quantity=5, allow_line_discount=False)
    price(
        chair, SalesType.ALL_CUSTOMERS, "", "84.00", minimum_quantity=5, allow_line_discount=False
    )
    assert warnings(campaign) == [(SalesType.ALL_CUSTOMERS, "", Decimal("84.00"), 2)]


def test_a_zero_price_never_wins(setup):
    price(setup["chair"], SalesType.ALL_CUSTOMERS, "", "0")
    assert warnings(setup["campaign"]) == []


def test_price_ties_follow_the_engine(setup):
    """The customer's own row wins a tie, the campaign's wins against a group or all
    customers (docs/pricing.md, Best price)."""
    chair, campaign = setup["chair"], setup["campaign"]
    services.activate_campaign(campaign=campaign)
    a = customer_of(setup["a"])
    price(chair, SalesType.ALL_CUSTOMERS, "", "80.00")
    request = PriceRequest(item=chair, quantity=Decimal(1), date=MID)
    assert find_price(a, request).source == f"Campaign {campaign.no}"
    price(chair, SalesType.CUSTOMER, a.no, "80.00")
    assert find_price(a, request).source == f"Customer {a.no}"
    campaign.refresh_from_db()
    assert warnings(campaign) == [(SalesType.CUSTOMER, a.no, Decimal("80.00"), 1)]


def _discount_group(contact, code):
    group = CustomerDiscountGroupFactory(code=code, description="")
    Customer.objects.filter(contact=contact).update(discount_group=group)


def test_discounts_that_are_always_the_best_warn():
    chair = item()
    a, b, c = company("A"), company("B"), company("C")
    _discount_group(a, "LARGE")
    _discount_group(b, "SMALL")
    campaign, _segment = campaign_with_segment(a, b, c, targets=[a, b, c])
    campaign_discount(campaign, chair.no, "10")
    ca, cb = customer_of(a), customer_of(b)
    discount(chair.no, DiscountSalesType.CUSTOMER, ca.no, "10.5")  # higher: warns
    discount(chair.no, DiscountSalesType.CUSTOMER, cb.no, "10")  # a tie: the campaign's
    discount(chair.no, DiscountSalesType.CUSTOMER_DISCOUNT_GROUP, "LARGE", "12")  # warns
    discount(chair.no, DiscountSalesType.CUSTOMER_DISCOUNT_GROUP, "SMALL", "10")  # a tie
    discount(chair.no, DiscountSalesType.ALL_CUSTOMERS, "", "10")  # a tie: all customers'
    discount(chair.no, DiscountSalesType.ALL_CUSTOMERS, "", "20", minimum_quantity=1)
    discount("CHAIRS", DiscountSalesType.ALL_CUSTOMERS, "", "30", type="item_discount_group")
    assert warnings(campaign) == [
        (DiscountSalesType.ALL_CUSTOMERS, "", Decimal("10"), 3),
        (DiscountSalesType.CUSTOMER, ca.no, Decimal("10.5"), 1),
        (DiscountSalesType.CUSTOMER_DISCOUNT_GROUP, "LARGE", Decimal("12"), 1),
    ]


def test_discount_ties_follow_the_engine(setup):
    """Between equal line discounts the engine takes the first row in the candidates'
    order: all customers before the campaign, the campaign before the customer."""
    chair, campaign = setup["chair"], setup["campaign"]
    services.activate_campaign(campaign=campaign)
    a = customer_of(setup["a"])
    campaign_discount(campaign, chair.no, "10")
    discount(chair.no, DiscountSalesType.CUSTOMER, a.no, "10")
    request = PriceRequest(item=chair, quantity=Decimal(1), date=MID)

    def best():
        (entry,) = [e for e in find_price(a, request).trace if e["status"] == "best discount"]
        return entry["sales_type"]

    assert best() == "Campaign"
    discount(chair.no, DiscountSalesType.ALL_CUSTOMERS, "", "10")
    assert best() == "All customers"


def test_an_overlap_lists_five_customers_and_counts_them_all():
    chair = item()
    companies = [company(f"Co {index}", price_group="RETAIL") for index in range(7)]
    campaign, _segment = campaign_with_segment(*companies, targets=companies)
    campaign_price(campaign, chair)
    price(chair, SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", "70.00")
    (row,) = campaign_overlaps(campaign).rows
    nos = sorted(customer_of(contact).no for contact in companies)
    assert row.customers == 7
    assert [no for no, _name in row.first_customers] == nos[:5]
    assert row.text().endswith(", ….")


def test_the_list_is_capped_and_ordered_by_item(setup):
    campaign = setup["campaign"]
    chairs = [item() for _index in range(4)]
    for chair in reversed(chairs):
        campaign_price(campaign, chair)
        price(chair, SalesType.ALL_CUSTOMERS, "", "70.00")
    result = campaign_overlaps(campaign, limit=3)
    assert (result.total, result.more) == (4, 1)
    assert [row.item for row in result.rows] == [chair.no for chair in chairs[:3]]
    assert result.texts()[-1] == "And 1 more overlap."


def test_beyond_the_most_the_overlaps_are_not_counted(setup, monkeypatch):
    """The count stops after ``MOST`` overlaps and says "more than"."""
    monkeypatch.setattr("pricing.overlaps.MOST", 3)
    campaign = setup["campaign"]
    for _index in range(5):
        chair = item()
        campaign_price(campaign, chair)
        price(chair, SalesType.ALL_CUSTOMERS, "", "70.00")
    result = campaign_overlaps(campaign, limit=2)
    assert (result.total, result.capped, len(result.rows)) == (3, True, 2)
    assert result.summary() == (
        "Warning: more than 3 overlaps of this campaign's prices and line discounts "
        "with others for the same customers."
    )
    assert result.texts()[-1] == "And more than 1 further overlap."
    exact = campaign_overlaps(campaign, limit=5)
    assert (exact.total, exact.capped, len(exact.rows)) == (3, True, 3)
    monkeypatch.setattr("pricing.overlaps.MOST", 5)
    exact = campaign_overlaps(campaign, limit=5)
    assert (exact.total, exact.capped, exact.more) == (5, False, 0)
    assert exact.summary().startswith("Warning: 5 overlaps of this campaign")


def test_the_card_says_more_than_beyond_the_most(manager_client, setup, monkeypatch):
    monkeypatch.setattr("pricing.overlaps.MOST", 2)
    monkeypatch.setattr("pricing.views.OVERLAPS_SHOWN", 1)
    campaign = setup["campaign"]
    chairs = [setup["chair"], item(), item()]
    for chair in chairs:
        if chair != setup["chair"]:
            campaign_price(campaign, chair)
        price(chair, SalesType.ALL_CUSTOMERS, "", "70.00")
    url = reverse("pricing:campaign_overlaps", kwargs={"key": campaign.no})
    panel = manager_client.get(url).content.decode()
    assert "Warning: more than 2 overlaps of this campaign&#x27;s prices" in panel
    assert f"Sales price 80.00 of item {chairs[0].no}" in panel
    assert "And more than 1 further overlap." in panel


def test_a_company_targeted_twice_is_one_customer(setup):
    """A company targeted by several segment lines (its persons), or (activated) both
    as customer and as company contact, is one customer concerned."""
    campaign, chair = setup["campaign"], setup["chair"]
    persons = [PersonFactory(company=setup["a"]) for _index in range(2)]
    segment = Segment.objects.get(campaign=campaign)
    segment_services.add_contacts(
        segment=segment, filters={"no": "|".join(person.no for person in persons)}
    )
    segment.lines.update(campaign_target=True)
    price(chair, SalesType.ALL_CUSTOMERS, "", "70.00")
    assert warnings(campaign) == [(SalesType.ALL_CUSTOMERS, "", Decimal("70.00"), 2)]
    services.activate_campaign(campaign=campaign)
    campaign.refresh_from_db()
    CampaignTargetFactory(campaign=campaign, customer=None, contact=setup["a"])
    (row,) = campaign_overlaps(campaign).rows
    a, b = customer_of(setup["a"]), customer_of(setup["b"])
    assert (row.customers, row.first_customers) == (2, [(a.no, "A"), (b.no, "B")])


def test_the_check_leaves_nothing_behind(setup):
    """The targeted companies are read once into a temporary table that goes again,
    so the check runs twice in one transaction."""
    price(setup["chair"], SalesType.ALL_CUSTOMERS, "", "70.00")
    first, again = campaign_overlaps(setup["campaign"]), campaign_overlaps(setup["campaign"])
    assert first.total == again.total == 1
    assert "pricing_overlap_targets" not in connection.introspection.table_names()


def test_a_campaign_without_targets_or_rows_has_no_overlaps():
    campaign, _segment = campaign_with_segment()
    assert not campaign_overlaps(campaign)


# Query count ------------------------------------------------------------------------


def targeting(contacts):
    """A campaign whose segment targets ``contacts`` (a range of Nos.)."""
    campaign, segment = campaign_with_segment()
    segment_services.add_contacts(
        segment=segment, filters={"no": f"{contacts[0].no}..{contacts[-1].no}"}
    )
    segment.lines.update(campaign_target=True)
    return campaign


def _every_kind(size):
    """A campaign with ``size`` prices (and discounts) overlapping rows of every kind."""
    targets = [company(f"T{size}-{index}", price_group="RETAIL") for index in range(size)]
    for contact in targets:
        _discount_group(contact, "LARGE")
    campaign, other = targeting(targets), targeting(targets)
    services.activate_campaign(campaign=other)
    for index in range(size):
        chair = item()
        customer = customer_of(targets[index])
        campaign_price(campaign, chair)
        campaign_discount(campaign, chair.no, "10")
        campaign_price(other, chair, "90")
        campaign_discount(other, chair.no, "5")
        price(chair, SalesType.CUSTOMER, customer.no, "70")
        price(chair, SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", "70")
        price(chair, SalesType.ALL_CUSTOMERS, "", "70")
        discount(chair.no, DiscountSalesType.CUSTOMER, customer.no, "20")
        discount(chair.no, DiscountSalesType.CUSTOMER_DISCOUNT_GROUP, "LARGE", "20")
        discount(chair.no, DiscountSalesType.ALL_CUSTOMERS, "", "20")
    return campaign


def _queries(campaign):
    with CaptureQueriesContext(connection) as queries:
        result = campaign_overlaps(campaign)
        result.texts()
    return len(queries), result


@pytest.mark.parametrize("large", [12, pytest.param(200, marks=pytest.mark.bench)])
def test_the_number_of_queries_is_fixed(large):
    small, small_result = _queries(_every_kind(2))
    count, result = _queries(_every_kind(large))
    assert small_result.total == 2 * 8
    assert result.total == large * 8
    assert len(result.rows) == 50
    assert {row.sales_type for row in result.rows} >= {"campaign", "customer"}
    assert small == count <= 7


def _sharing(size):
    """Campaign A, activated, targets ``size`` customers (the first three with a price
    of their own) and ``size`` companies that are no customers; activated campaign B
    targets the same, and both sell one item. Written in bulk, as activation would."""
    from campaigns.models import Campaign
    from contacts.models import Contact, ContactType
    from pricing.models import CampaignTarget

    companies = Contact.objects.bulk_create(
        Contact(no=f"SH{index:06d}", name=f"Shared {index}", type=ContactType.COMPANY)
        for index in range(2 * size)
    )
    customers = Customer.objects.bulk_create(
        Customer(no=f"CU{index:06d}", name=contact.name, contact=contact)
        for index, contact in enumerate(companies[:size])
    )
    a, b = (Campaign.objects.create(description=name, activated=True) for name in "AB")
    CampaignTarget.objects.bulk_create(
        [CampaignTarget(campaign=c, customer=customer) for c in (a, b) for customer in customers]
        + [
            CampaignTarget(campaign=c, contact=contact)
            for c in (a, b)
            for contact in companies[size:]
        ]
    )
    chair = item()
    campaign_price(a, chair, "80")
    campaign_price(b, chair, "75")
    for customer in customers[:3]:
        price(chair, SalesType.CUSTOMER, customer.no, "70")
    return a


@pytest.mark.postgres
def test_the_targets_are_joined_never_listed_per_row():
    """An ``IN (SELECT …)`` or ``NOT IN`` under ``OR`` / ``NOT`` stays a subplan, which
    PostgreSQL hashes while it fits in memory and otherwise scans once per row: 13
    minutes for two campaigns of two million shared targets (docs/performance.md,
    Ten million contacts). With the least memory PostgreSQL allows, 5,000 targets do
    not fit: every subplan must then look a row up (one row per run), none scan a
    list of the targets (benchmarks.plans)."""
    from benchmarks.plans import PlanCheck

    campaign = _sharing(2500)
    check = PlanCheck(threshold=100)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '64kB'")
        cursor.execute("SET LOCAL hash_mem_multiplier = 1")
    with connection.execute_wrapper(check):
        result = campaign_overlaps(campaign)
    assert check.explained >= 4
    assert check.findings == []
    (shared,) = [row for row in result.rows if row.other_campaign]
    assert shared.customers == 5000
    assert len(shared.first_customers) == 5
    assert {row.sales_code for row in result.rows if row.sales_type == SalesType.CUSTOMER} == {
        "CU000000",
        "CU000001",
        "CU000002",
    }


# The activation page and the campaign card ------------------------------------------


def test_the_activation_page_lists_the_warnings(manager_client, setup):
    campaign, chair = setup["campaign"], setup["chair"]
    price(chair, SalesType.ALL_CUSTOMERS, "", "70.00")
    url = reverse("pricing:campaign_activate", kwargs={"key": campaign.no})
    response = manager_client.get(url)
    assert response.context["question"].startswith(
        "Warning: 1 overlap of this campaign's prices and line discounts with others for "
        "the same customers. Activate 1 sales price"
    )
    (detail,) = response.context["details"]
    assert detail.startswith(f"Sales price 80.00 of item {chair.no} (any unit, local currency")
    assert "<li>Sales price 80.00" in response.content.decode()
    response = manager_client.post(url, follow=True)  # a warning, never a refusal
    assert f"Campaign {campaign.no} is now activated" in response.content.decode()


def test_the_activation_page_without_overlaps_has_no_details(manager_client, setup):
    url = reverse("pricing:campaign_activate", kwargs={"key": setup["campaign"].no})
    response = manager_client.get(url)
    assert response.context["details"] == []
    assert "overlap" not in response.content.decode()


def test_the_campaign_card_shows_the_overlaps_once_loaded(manager_client, setup):
    campaign, chair = setup["campaign"], setup["chair"]
    overlaps_url = reverse("pricing:campaign_overlaps", kwargs={"key": campaign.no})
    card = manager_client.get(campaign.get_absolute_url()).content.decode()
    # The card asks for the check after it is shown (it may take seconds at scale).
    assert f'hx-get="{overlaps_url}"' in card
    assert "overlap of this campaign" not in card
    panel = manager_client.get(overlaps_url).content.decode()
    assert panel.strip() == '<span id="campaign-overlaps"></span>'  # nothing to warn about
    price(chair, SalesType.ALL_CUSTOMERS, "", "70.00")
    panel = manager_client.get(overlaps_url).content.decode()
    assert "Warning: 1 overlap of this campaign&#x27;s prices" in panel
    assert f"Sales price 80.00 of item {chair.no}" in panel
    # Not activated (or deactivated: no targets now): what activating would bring.
    assert "The campaign is not activated: these overlaps would apply" in panel
    services.activate_campaign(campaign=campaign)
    panel = manager_client.get(overlaps_url).content.decode()
    assert "Warning: 1 overlap" in panel
    assert "not activated" not in panel
    services.deactivate_campaign(campaign=campaign)
    panel = manager_client.get(overlaps_url).content.decode()
    assert "The campaign is not activated: these overlaps would apply" in panel


def test_the_overlap_panel_runs_as_many_queries_with_more_overlaps(manager_client):
    counts = []
    for size in (2, 12):
        campaign = _every_kind(size)
        url = reverse("pricing:campaign_overlaps", kwargs={"key": campaign.no})
        with CaptureQueriesContext(connection) as queries:
            manager_client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.postgres
def test_an_overlap_check_that_takes_too_long_is_given_up_on_the_card(
    manager_client, setup, monkeypatch
):
    from pricing import views

    def slow(campaign, limit):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")

    monkeypatch.setattr(views, "OVERLAPS_SECONDS", 0.05)
    monkeypatch.setattr("pricing.overlaps.campaign_overlaps", slow)
    url = reverse("pricing:campaign_overlaps", kwargs={"key": setup["campaign"].no})
    assert "takes too long here; Activate looks longer" in manager_client.get(url).content.decode()


@pytest.mark.postgres
def test_an_overlap_check_that_takes_too_long_is_given_up_on_the_activate_page(
    manager_client, setup, monkeypatch
):
    from pricing import views

    def slow(campaign):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(2)")

    monkeypatch.setattr(views, "ACTIVATION_OVERLAPS_SECONDS", 0.05)
    monkeypatch.setattr("pricing.overlaps.campaign_overlaps", slow)
    campaign = setup["campaign"]
    url = reverse("pricing:campaign_activate", kwargs={"key": campaign.no})
    response = manager_client.get(url)
    assert response.status_code == 200
    assert "Looking for overlapping prices was given up after" in response.context["question"]
    assert response.context["details"] == []
    response = manager_client.post(url, follow=True)  # activating does not wait for it
    assert f"Campaign {campaign.no} is now activated" in response.content.decode()
