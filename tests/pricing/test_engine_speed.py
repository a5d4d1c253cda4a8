"""The best-price engine stays fast (benchmarks W3) and gives what the model rows
say (docs/performance.md, 4. A price is one query): one query per lookup and per
quote, no ORM queryset or model instance per lookup, and a trace with exactly the rows' values."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from campaigns.models import Campaign
from contacts.models import Customer, CustomerDiscountGroup
from pricing import services
from pricing.candidates import customer_campaign_nos
from pricing.engine import PriceRequest, find_price, price_lines
from pricing.models import (
    CampaignTarget,
    DiscountSalesType,
    DiscountType,
    Item,
    ItemDiscountGroup,
    SalesType,
    UnitOfMeasure,
)
from tests.factories import (
    JAN_1,
    MID,
    campaign_with_segment,
    company,
    customer_of,
    discount,
    item,
    price,
)

pytestmark = pytest.mark.django_db

JUL_1 = datetime.date(2026, 7, 1)
JUN_1 = datetime.date(2026, 6, 1)


def loaded(chair):
    """The item as callers pass it: with its discount group loaded."""
    return Item.objects.select_related("item_discount_group").get(pk=chair.pk)


def no_orm_queries():
    """Fails the test if the code inside builds and runs an ORM query."""
    return mock.patch.object(
        SQLCompiler, "execute_sql", side_effect=AssertionError("an ORM query ran")
    )


@pytest.fixture
def shop():
    """Acme (price group RETAIL, discount group BIG), targeted by an activated
    campaign, and a chair in discount group CHAIRS with every kind of row."""
    pcs = UnitOfMeasure.objects.create(code="PCS")
    box = UnitOfMeasure.objects.create(code="BOX")
    chairs = ItemDiscountGroup.objects.create(code="CHAIRS")
    acme = company("Acme", price_group="RETAIL")
    Customer.objects.filter(contact=acme).update(
        discount_group=CustomerDiscountGroup.objects.create(code="BIG")
    )
    customer = customer_of(acme)
    campaign, _segment = campaign_with_segment(acme, targets=[acme])
    services.activate_campaign(campaign=campaign)
    chair = item("100.00", item_discount_group=chairs, base_unit_of_measure=pcs)
    other = item("50.00")
    all_customers = SalesType.ALL_CUSTOMERS
    price(chair, all_customers, unit_price="95.00", starting_date=JAN_1)
    price(chair, all_customers, unit_price="90.00", starting_date=JAN_1, minimum_quantity=5)
    price(chair, all_customers, unit_price="85.00", starting_date=JUL_1)
    price(chair, SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", "92.00", allow_line_discount=False)
    price(chair, SalesType.CUSTOMER, customer.no, unit_price="94.00", currency_code="USD")
    price(chair, SalesType.CUSTOMER, customer.no, "93.00", unit_of_measure=box, minimum_quantity=1)
    price(chair, SalesType.CAMPAIGN, campaign.no, unit_price="91.00")
    price(chair, SalesType.CUSTOMER, customer_of(company("Other")).no, unit_price="10.00")
    price(chair, SalesType.CUSTOMER_PRICE_GROUP, "WHOLESALE", unit_price="11.00")
    price(other, all_customers, unit_price="45.00")
    group = DiscountType.ITEM_DISCOUNT_GROUP
    discount(chair.no, DiscountSalesType.ALL_CUSTOMERS, percent="5")
    discount("CHAIRS", DiscountSalesType.CUSTOMER_DISCOUNT_GROUP, "BIG", "10", type=group)
    discount("CHAIRS", DiscountSalesType.CAMPAIGN, campaign.no, "10", type=group)
    discount("CHAIRS", DiscountSalesType.ALL_CUSTOMERS, percent="20", type=group, ending_date=JUN_1)
    discount("CHAIRS", DiscountSalesType.CUSTOMER_DISCOUNT_GROUP, "SMALL", "30", type=group)
    discount(other.no, DiscountSalesType.ALL_CUSTOMERS, percent="7")
    return {"customer": customer, "campaign": campaign, "chair": chair, "other": other}


def row(kind, sales_type, value, status, reason="", **fields):
    """One trace entry with the keys in the order the engine writes them."""
    entry = {
        "kind": kind,
        "sales_type": sales_type,
        "sales_code": "",
        "starting_date": "",
        "ending_date": "",
        "currency_code": "",
        "unit_of_measure": "",
        "minimum_quantity": "0",
        "value": value,
    }
    entry.update((key, fields.pop(key)) for key in list(entry) if key in fields)
    if kind == "price":
        entry["allow_line_discount"] = fields.pop("allow_line_discount", True)
    entry.update(status=status, reason=reason, **fields)
    return entry


def test_the_trace_holds_every_candidate_with_the_rows_values(shop):
    campaign_no, customer_no = shop["campaign"].no, shop["customer"].no
    result = find_price(
        shop["customer"], PriceRequest(item=loaded(shop["chair"]), quantity=Decimal(3), date=MID)
    )
    # 91 - 10 % = 81.90 a piece beats 95 - 10 % and 92 (no line discount).
    assert (result.unit_price, result.line_discount_percent) == (Decimal("91.00"), 10)
    assert result.line_amount == Decimal("245.70")
    assert result.source == f"Campaign {campaign_no}"
    assert str(result.unit_price) == "91.00"
    jan_1, jun_1, jul_1 = "2026-01-01", "2026-06-01", "2026-07-01"
    expected = [
        row("discount", "All customers", "5.00", "matched"),
        row(
            "discount",
            "All customers",
            "20.00",
            "rejected",
            "ended on 01-06-2026",
            ending_date=jun_1,
        ),
        # Equal discounts: the first in the ordering (campaign before group) is the best.
        row("discount", "Campaign", "10.00", "best discount", sales_code=campaign_no),
        row("discount", "Customer discount group", "10.00", "matched", sales_code="BIG"),
        row(
            "price", "All customers", "95.00", "matched", starting_date=jan_1, line_amount="256.50"
        ),
        row(
            "price",
            "All customers",
            "90.00",
            "rejected",
            "minimum quantity 5 not reached",
            starting_date=jan_1,
            minimum_quantity="5",
        ),
        row(
            "price",
            "All customers",
            "85.00",
            "rejected",
            "starts on 01-07-2026",
            starting_date=jul_1,
        ),
        row("price", "Campaign", "91.00", "won", sales_code=campaign_no, line_amount="245.70"),
        row(
            "price",
            "Customer",
            "94.00",
            "rejected",
            "for currency USD",
            sales_code=customer_no,
            currency_code="USD",
        ),
        row(
            "price",
            "Customer",
            "93.00",
            "rejected",
            "for another unit of measure",
            sales_code=customer_no,
            unit_of_measure="BOX",
            minimum_quantity="1",
        ),
        row(
            "price",
            "Customer price group",
            "92.00",
            "matched",
            sales_code="RETAIL",
            allow_line_discount=False,
            line_amount="276.00",
        ),
    ]
    # Beside its text, an entry keeps its sales type and reason in no language, for the
    # page to word them in the reader's (docs/formats.md).
    neutral = ("sales_type_code", "reason_code", "reason_args")
    worded = [{k: v for k, v in entry.items() if k not in neutral} for entry in result.trace]
    assert worded == expected
    assert [list(entry) for entry in worded] == [list(entry) for entry in expected]
    ended = result.trace[1]
    assert (ended["sales_type_code"], ended["reason_code"], ended["reason_args"]) == (
        "all_customers",
        "ended_on",
        {"date": jun_1},
    )
    assert result.as_json()["source_type"] == "campaign"
    assert result.as_json()["source_code"] == campaign_no
    assert all(type(e["allow_line_discount"]) is bool for e in result.trace if e["kind"] == "price")


def test_a_lookup_is_one_query_and_runs_no_orm_query(shop, django_assert_num_queries):
    chair = loaded(shop["chair"])
    with django_assert_num_queries(1), no_orm_queries():
        result = find_price(
            shop["customer"], PriceRequest(item=chair, quantity=Decimal(3), date=MID)
        )
    assert result.unit_price == Decimal("91.00")


def test_100_lookups_issue_exactly_100_queries(shop):
    customers = [shop["customer"], customer_of(company("Plain"))]
    items = [loaded(shop["chair"]), loaded(shop["other"])]
    with CaptureQueriesContext(connection) as queries:
        for index in range(100):
            find_price(
                customers[index % 2],
                PriceRequest(item=items[index // 2 % 2], quantity=Decimal(index % 7 + 1), date=MID),
            )
    assert len(queries) == 100


@pytest.mark.postgres
def test_a_single_lookup_is_a_prepared_statement_on_postgresql(shop):
    """Planning was three quarters of a lookup: the statement is prepared once per
    connection, and a prepared lookup answers as an unprepared one would."""
    chair = loaded(shop["chair"])
    request = PriceRequest(item=chair, quantity=Decimal(3), date=MID)
    first = find_price(shop["customer"], request).as_json()
    second = find_price(shop["customer"], request).as_json()
    assert first == second
    assert first["unit_price"] == "91.00"
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("campaign_nos" in statement for statement in prepared), prepared


def test_a_quote_is_priced_in_one_query_whatever_its_length(shop, django_assert_num_queries):
    chair, other = loaded(shop["chair"]), loaded(shop["other"])
    for lines in (1, 2, 40):
        requests = [
            PriceRequest(item=(chair, other)[index % 2], quantity=Decimal(index + 1), date=MID)
            for index in range(lines)
        ]
        with django_assert_num_queries(1), no_orm_queries():
            results = price_lines(shop["customer"], requests, MID)
        assert len(results) == lines


def test_a_quote_prices_each_line_as_a_single_lookup_would(shop):
    chair, other = loaded(shop["chair"]), loaded(shop["other"])
    requests = [
        PriceRequest(item=chair, quantity=Decimal(3), date=MID),
        PriceRequest(item=other, quantity=Decimal(1), date=MID),
        PriceRequest(item=chair, quantity=Decimal(6), currency_code="USD", date=MID),
        PriceRequest(item=chair, quantity=Decimal(1), date=JUL_1),
    ]
    batch = price_lines(shop["customer"], requests, MID)
    singles = [find_price(shop["customer"], request) for request in requests]
    assert [result.as_json() for result in batch] == [result.as_json() for result in singles]
    assert batch[1].unit_price == Decimal("45.00")
    assert batch[1].line_discount_percent == Decimal("7.00")
    assert batch[2].unit_price == Decimal("94.00")  # the USD row beats the generic ones
    assert batch[3].unit_price == Decimal("85.00")  # from July 1st


def test_the_trace_speaks_the_language_of_each_call(shop):
    request = PriceRequest(item=loaded(shop["chair"]), quantity=Decimal(3), date=MID)
    for language in ("nl", "en", "nl"):
        with translation.override(language):
            result = find_price(shop["customer"], request)
            campaign = str(SalesType.CAMPAIGN.label)
            starts_on = translation.gettext("starts on %(date)s") % {"date": "01-07-2026"}
        assert result.source == f"{campaign} {shop['campaign'].no}"
        assert starts_on in [entry["reason"] for entry in result.trace]
    assert result.source.startswith("Campagne")


def test_the_company_contacts_campaigns_apply_only_when_the_customer_has_none(shop):
    """A target group holding the company contact instead of the customer."""
    chair = loaded(shop["chair"])
    acme = shop["customer"]
    contact_campaign = Campaign.objects.create(description="By contact")
    Campaign.objects.filter(pk=contact_campaign.pk).update(activated=True)
    CampaignTarget.objects.create(campaign=contact_campaign, contact_id=acme.contact_id)
    price(chair, SalesType.CAMPAIGN, contact_campaign.no, unit_price="50.00")
    request = PriceRequest(item=chair, quantity=Decimal(1), date=MID)
    # Acme's own campaign wins over its contact's.
    assert find_price(acme, request).unit_price == Decimal("91.00")
    assert customer_campaign_nos(acme, MID) == [shop["campaign"].no]
    CampaignTarget.objects.filter(customer=acme).delete()
    assert find_price(acme, request).unit_price == Decimal("50.00")
    assert customer_campaign_nos(acme, MID) == [contact_campaign.no]


def test_a_customer_without_contact_or_groups_gets_the_general_rows():
    chair = loaded(item("100.00"))
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="80.00")
    price(chair, SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", unit_price="70.00")
    discount(chair.no, DiscountSalesType.CUSTOMER_DISCOUNT_GROUP, "BIG", percent="50")
    walk_in = Customer.objects.create(name="Walk-in")
    assert walk_in.contact_id is None
    result = find_price(walk_in, PriceRequest(item=chair, quantity=Decimal(2), date=MID))
    assert (result.unit_price, result.line_discount_percent) == (Decimal("80.00"), 0)
    assert result.line_amount == Decimal("160.00")
    assert customer_campaign_nos(walk_in, MID) == []


def test_campaign_numbers_are_distinct_and_sorted(shop):
    acme = shop["customer"]
    later = Campaign.objects.create(description="Another", starting_date=JAN_1)
    Campaign.objects.filter(pk=later.pk).update(activated=True)
    CampaignTarget.objects.create(campaign=later, customer=acme)
    assert customer_campaign_nos(acme, MID) == sorted([shop["campaign"].no, later.no])
    assert customer_campaign_nos(acme, datetime.date(2025, 12, 31)) == []


def test_price_and_discount_sales_types_share_the_values_the_statement_compares():
    for name in ("CUSTOMER", "ALL_CUSTOMERS", "CAMPAIGN"):
        assert getattr(SalesType, name).value == getattr(DiscountSalesType, name).value
