"""Best price (docs/pricing.md, Best price): each precedence rule, and Hypothesis invariants."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricing import services
from pricing.engine import PriceRequest, find_price, line_amount
from pricing.models import DiscountSalesType, ItemUnitOfMeasure, SalesType, UnitOfMeasure
from tests.factories import (
    MID,
    campaign_with_segment,
    company,
    customer_of,
    discount,
    item,
    price,
)

pytestmark = pytest.mark.django_db


def request_for(chair, quantity="1", **fields):
    return PriceRequest(
        item=chair, quantity=Decimal(quantity), date=fields.pop("date", MID), **fields
    )


@pytest.fixture
def acme():
    return company("Acme", price_group="RETAIL")


def test_no_candidate_gives_the_item_unit_price(acme):
    chair = item("123.45")
    result = find_price(customer_of(acme), request_for(chair))
    assert result.unit_price == Decimal("123.45")
    assert result.source == "Item unit price"


def test_lowest_line_amount_wins_among_customer_group_and_all(acme):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="95")
    price(chair, SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", unit_price="92")
    price(chair, SalesType.CUSTOMER, customer_of(acme).no, unit_price="93")
    assert find_price(customer_of(acme), request_for(chair)).unit_price == Decimal("92")


def test_other_customers_rows_do_not_apply(acme):
    other = company("Other")
    chair = item("100")
    price(chair, SalesType.CUSTOMER, customer_of(other).no, unit_price="50")
    price(chair, SalesType.CUSTOMER_PRICE_GROUP, "WHOLESALE", unit_price="40")
    assert find_price(customer_of(acme), request_for(chair)).unit_price == Decimal("100")


def test_dates_limit_the_rows(acme):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="80", starting_date=datetime.date(2026, 7, 1))
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="85", ending_date=datetime.date(2026, 6, 1))
    price(
        chair,
        SalesType.ALL_CUSTOMERS,
        unit_price="90",
        starting_date=datetime.date(2026, 6, 1),
        ending_date=datetime.date(2026, 6, 30),
        minimum_quantity=1,
    )
    result = find_price(customer_of(acme), request_for(chair))
    assert result.unit_price == Decimal("90")
    reasons = {c["value"]: c["reason"] for c in result.trace if c["kind"] == "price"}
    assert "starts on" in reasons["80.00"]
    assert "ended on" in reasons["85.00"]


def test_minimum_quantity(acme):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="90")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="75", minimum_quantity=10)
    assert find_price(customer_of(acme), request_for(chair, "9")).unit_price == Decimal("90")
    assert find_price(customer_of(acme), request_for(chair, "10")).unit_price == Decimal("75")


def test_specific_currency_and_unit_beat_generic_rows(acme):
    chair = item("100")
    box = UnitOfMeasure.objects.create(code="BOX")
    ItemUnitOfMeasure.objects.create(
        item=chair, unit_of_measure=box, quantity_per_unit_of_measure=12
    )
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="50")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="60", currency_code="USD")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="700", unit_of_measure=box, minimum_quantity=1)
    assert find_price(customer_of(acme), request_for(chair, currency_code="USD")).unit_price == 60
    assert find_price(customer_of(acme), request_for(chair)).unit_price == 50
    # The row for BOX wins although the piece price converted (12 x 50 = 600) is lower.
    result = find_price(customer_of(acme), request_for(chair, unit_of_measure_id=box.pk))
    assert result.unit_price == 700
    generic = next(entry for entry in result.trace if entry["value"] == "50.00")
    assert generic["reason"] == "a row for the specific currency or unit applies"


def test_zero_unit_price_is_ignored(acme):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="0")
    assert find_price(customer_of(acme), request_for(chair)).unit_price == 100


def test_highest_discount_wins_and_counts_in_the_line_amount(acme):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="90")
    price(
        chair, SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", unit_price="88", allow_line_discount=False
    )
    discount(chair.no, DiscountSalesType.ALL_CUSTOMERS, percent="5")
    discount(chair.no, DiscountSalesType.CUSTOMER, customer_of(acme).no, percent="10")
    result = find_price(customer_of(acme), request_for(chair))
    # 90 - 10 % = 81 beats 88 without discount.
    assert (result.unit_price, result.line_discount_percent) == (90, 10)
    assert result.line_amount == Decimal("81.00")


def test_no_line_discount_allowed_forces_zero_percent(acme):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="70", allow_line_discount=False)
    discount(chair.no, DiscountSalesType.ALL_CUSTOMERS, percent="20")
    result = find_price(customer_of(acme), request_for(chair))
    assert (result.unit_price, result.line_discount_percent) == (70, 0)


def test_item_discount_group_discounts_apply(acme):
    from pricing.models import ItemDiscountGroup

    group = ItemDiscountGroup.objects.create(code="CHAIRS")
    chair = item("100", item_discount_group=group)
    discount("CHAIRS", DiscountSalesType.ALL_CUSTOMERS, percent="15", type="item_discount_group")
    result = find_price(customer_of(acme), request_for(chair))
    assert (result.unit_price, result.line_discount_percent) == (100, 15)


def test_ties_go_to_the_more_specific_row(acme):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="90")
    price(chair, SalesType.CUSTOMER, customer_of(acme).no, unit_price="90")
    result = find_price(customer_of(acme), request_for(chair))
    assert result.source.startswith("Customer")


def test_campaign_price_needs_activation_target_and_dates(acme):
    chair = item("100")
    campaign, _segment = campaign_with_segment(
        acme, targets=[acme], start=datetime.date(2026, 6, 1), end=datetime.date(2026, 6, 30)
    )
    price(chair, SalesType.CAMPAIGN, campaign.no, unit_price="60")
    assert find_price(customer_of(acme), request_for(chair)).unit_price == 100
    services.activate_campaign(campaign=campaign)
    assert find_price(customer_of(acme), request_for(chair)).unit_price == 60
    later = request_for(chair, date=datetime.date(2026, 7, 1))
    assert find_price(customer_of(acme), later).unit_price == 100


def test_pricing_one_line_takes_at_most_4_queries(acme, django_assert_max_num_queries):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="90")
    customer = customer_of(acme)
    chair = type(chair).objects.select_related("item_discount_group").get(pk=chair.pk)
    with django_assert_max_num_queries(4):
        find_price(customer, request_for(chair))


# Hypothesis invariants ----------------------------------------------------------

prices_strategy = st.lists(
    st.tuples(
        st.sampled_from(["all", "customer", "group", "campaign"]),
        st.decimals(min_value=0, max_value=500, places=2),
        st.booleans(),  # allow line discount
        st.integers(min_value=0, max_value=5),  # minimum quantity
    ),
    max_size=6,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=prices_strategy,
    percent=st.decimals(min_value=0, max_value=100, places=2),
    quantity=st.integers(min_value=1, max_value=6),
    targeted=st.booleans(),
    activated=st.booleans(),
)
def test_chosen_price_never_exceeds_any_applicable_candidate(
    rows, percent, quantity, targeted, activated
):
    from django.db import transaction

    try:
        with transaction.atomic():
            _check_invariants(rows, percent, quantity, targeted, activated)
            raise _Rollback
    except _Rollback:
        pass


class _Rollback(Exception):
    pass


def _check_invariants(rows, percent, quantity, targeted, activated):
    acme = company("Acme", price_group="RETAIL")
    customer = customer_of(acme)
    chair = item("100")
    campaign, _segment = campaign_with_segment(acme, targets=[acme] if targeted else [])
    codes = {"all": "", "customer": customer.no, "group": "RETAIL", "campaign": campaign.no}
    types = {
        "all": SalesType.ALL_CUSTOMERS,
        "customer": SalesType.CUSTOMER,
        "group": SalesType.CUSTOMER_PRICE_GROUP,
        "campaign": SalesType.CAMPAIGN,
    }
    created = []
    for index, (kind, unit_price, allow, minimum) in enumerate(rows):
        created.append(
            price(
                chair,
                types[kind],
                codes[kind],
                unit_price=str(unit_price),
                allow_line_discount=allow,
                minimum_quantity=minimum,
                starting_date=datetime.date(2026, 1, index + 1),
            )
        )
    discount(chair.no, DiscountSalesType.ALL_CUSTOMERS, percent=str(percent))
    if activated and targeted:
        services.activate_campaign(campaign=campaign)
    result = find_price(customer, request_for(chair, str(quantity)))
    campaign_applies = activated and targeted
    applicable = [
        row
        for row in created
        if row.unit_price != 0
        and row.minimum_quantity <= quantity
        and (row.sales_type != SalesType.CAMPAIGN or campaign_applies)
    ]
    for row in applicable:
        allowed = percent if row.allow_line_discount else Decimal(0)
        assert result.line_amount <= line_amount(row.unit_price, quantity, allowed)
    if not applicable:
        assert result.unit_price == Decimal("100")
    if not campaign_applies:
        assert "Campaign" not in result.source
    winner = next(c for c in result.trace if c.get("status") == "won")
    if winner.get("allow_line_discount") is False:
        assert result.line_discount_percent == 0


# Numbers in the trace (docs/pricing.md, Best price) -------------------------------


def _rejected(result):
    return next(entry for entry in result.trace if entry["status"] == "rejected")


def test_trace_writes_a_minimum_quantity_of_10_as_10(acme):
    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="90", minimum_quantity=Decimal("10"))
    entry = _rejected(find_price(customer_of(acme), request_for(chair, "1")))
    assert entry["reason"] == "minimum quantity 10 not reached"
    assert entry["minimum_quantity"] == "10"


def test_trace_writes_the_minimum_quantity_in_the_users_language(acme):
    from django.utils import translation

    chair = item("100")
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="90", minimum_quantity=Decimal("2.5"))
    price(chair, SalesType.ALL_CUSTOMERS, unit_price="80", minimum_quantity=Decimal("1000"))
    with translation.override("nl"):
        result = find_price(customer_of(acme), request_for(chair, "1"))
    reasons = sorted(entry["reason"] for entry in result.trace if entry["status"] == "rejected")
    assert reasons == [
        "minimumaantal 1.000 niet bereikt",
        "minimumaantal 2,5 niet bereikt",
    ]
