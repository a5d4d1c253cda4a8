"""Many new quote lines at once (quotes.services.add_quote_lines, the API's new quote):
the rules and the prices of save_quote_line, line by line, in a number of queries that
does not grow with the lines; all or nothing, every line's problems named by its index."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts.models import Customer
from pricing import services as pricing_services
from pricing.models import ItemUnitOfMeasure, SalesType
from quotes import services
from quotes.models import SalesQuote, SalesQuoteLine
from tests.factories import ItemFactory, SalesQuoteFactory, UnitOfMeasureFactory, price
from tests.quotes.conftest import ORDER_DATE

pytestmark = pytest.mark.django_db

# What pricing wrote on a line: compared between a quote made line by line and at once.
PRICED = [
    "line_no",
    "item_id",
    "quantity",
    "unit_of_measure_id",
    "unit_price",
    "line_discount_percent",
    "line_amount",
    "price_overridden",
    "price_trace",
    "campaign_id",
    "amount_without_campaign",
]


@pytest.fixture
def unit_box(db):
    return UnitOfMeasureFactory(code="BOX", description="Box")


@pytest.fixture
def boxed_widget(widget, unit_box):
    """The widget is sold by the box of 12 too, at 1,000.00 a box for all customers."""
    pricing_services.save_item_unit(
        item_unit=ItemUnitOfMeasure(
            item=widget, unit_of_measure=unit_box, quantity_per_unit_of_measure=12
        )
    )
    price(widget, SalesType.ALL_CUSTOMERS, unit_price="1000.00", unit_of_measure=unit_box)
    return widget


def new_lines(specs):
    """``[(item, quantity, unit or None)]`` as new, unsaved lines."""
    return [
        SalesQuoteLine(item=item, quantity=Decimal(quantity), unit_of_measure=unit)
        for item, quantity, unit in specs
    ]


def stored(quote):
    return list(quote.lines.order_by("line_no").values(*PRICED))


def refusal(quote, lines):
    with pytest.raises(ValidationError) as refused:
        services.add_quote_lines(quote=quote, lines=lines)
    return refused.value.message_dict


def test_lines_get_the_prices_save_quote_line_gives_them(
    quote,
    quote_customer,
    widget,
    gadget,
    boxed_widget,
    unit_box,
    unit_pcs,
    quote_prices,
    campaign_price,
    manager,
):
    specs = [
        (widget, "3", None),  # the campaign's 95.00 less 5 %
        (gadget, "2", unit_pcs),  # 35.00 for all customers
        (boxed_widget, "2", unit_box),  # 1,000.00 a box
        (widget, "0.5", unit_pcs),
        (gadget, "1000", None),
    ]
    one_by_one = SalesQuoteFactory(customer=quote_customer, order_date=ORDER_DATE)
    for line in new_lines(specs):
        line.quote = one_by_one
        services.save_quote_line(line=line, user=manager)

    added = services.add_quote_lines(quote=quote, lines=new_lines(specs), user=manager)

    assert [line.pk for line in added] == list(
        quote.lines.order_by("line_no").values_list("pk", flat=True)
    )
    assert stored(quote) == stored(one_by_one)
    first = stored(quote)[0]
    assert first["campaign_id"] == campaign_price.pk
    assert first["unit_price"] == Decimal("95.00")
    assert first["line_discount_percent"] == Decimal("5.00")
    assert first["amount_without_campaign"] == Decimal("300.00")  # 100.00 for Acme
    assert [row["line_no"] for row in stored(quote)] == [10000, 20000, 30000, 40000, 50000]
    assert stored(quote)[2]["unit_price"] == Decimal("1000.00")


def test_lines_are_numbered_after_the_last_line(quote, widget, gadget, quote_prices):
    for item in (widget, gadget):
        services.save_quote_line(line=SalesQuoteLine(quote=quote, item=item, quantity=1))
    SalesQuoteLine.objects.filter(quote=quote, line_no=20000).update(line_no=25000)
    services.add_quote_lines(
        quote=quote, lines=new_lines([(gadget, "1", None), (widget, "2", None)])
    )
    assert list(quote.lines.order_by("line_no").values_list("line_no", "item_id")) == [
        (10000, widget.pk),
        (25000, gadget.pk),
        (35000, gadget.pk),
        (45000, widget.pk),
    ]


def save_quote_line_refusal(quote, line) -> dict:
    line.quote = quote
    with pytest.raises(ValidationError) as refused:
        services.save_quote_line(line=line)
    return refused.value.message_dict


@pytest.mark.parametrize(
    "case",
    [
        "quantity 0",
        "quantity -1",
        "3 decimals",
        "blocked item",
        "unit not of the item",
        "no such item",
    ],
)
def test_a_refused_line_refuses_all_with_save_quote_lines_message(
    case, quote, widget, gadget, unit_box, quote_prices
):
    services.save_quote_line(line=SalesQuoteLine(quote=quote, item=gadget, quantity=1))
    blocked = ItemFactory(blocked=True)
    bad, field = {
        "quantity 0": (lambda: SalesQuoteLine(item=widget, quantity=0), "quantity"),
        "quantity -1": (lambda: SalesQuoteLine(item=widget, quantity="-1"), "quantity"),
        "3 decimals": (lambda: SalesQuoteLine(item=widget, quantity="1.125"), "quantity"),
        "blocked item": (
            lambda: SalesQuoteLine(item=blocked, quantity=1),
            "item",
        ),
        "unit not of the item": (
            lambda: SalesQuoteLine(item=widget, quantity=1, unit_of_measure=unit_box),
            "unit_of_measure",
        ),
        "no such item": (lambda: SalesQuoteLine(item_id=999_999, quantity=1), "item"),
    }[case]
    before = stored(quote)
    errors = refusal(
        quote, [*new_lines([(widget, "1", None)]), bad(), *new_lines([(gadget, "2", None)])]
    )
    assert list(errors) == [f"lines[1].{field}"]
    assert errors[f"lines[1].{field}"] == save_quote_line_refusal(quote, bad())[field]
    assert stored(quote) == before  # nothing saved, the good lines neither


def test_every_refused_line_is_named(quote, widget, gadget, unit_box, quote_prices):
    dear = ItemFactory(unit_price=Decimal("999999999999.00"))
    lines = [
        SalesQuoteLine(item=widget, quantity=0),
        *new_lines([(gadget, "1", None)]),
        SalesQuoteLine(item=widget, quantity=1, unit_of_measure=unit_box),
        SalesQuoteLine(item=ItemFactory(blocked=True), quantity=1),
        SalesQuoteLine(item=dear, quantity=1000),  # 10^15: too large to store
    ]
    errors = refusal(quote, lines)
    assert list(errors) == [
        "lines[0].quantity",
        "lines[2].unit_of_measure",
        "lines[3].item",
        "lines[4]",
    ]
    assert errors["lines[4]"] == [str(services.AMOUNT_TOO_LARGE)]
    assert not quote.lines.exists()


def test_a_blocked_customer_refuses_the_lines(quote, quote_customer, widget, quote_prices):
    Customer.objects.filter(pk=quote_customer.pk).update(blocked=True)
    with pytest.raises(ValidationError) as refused:
        services.add_quote_lines(quote=quote, lines=new_lines([(widget, "1", None)]))
    assert refused.value.messages == [
        f"Customer {quote_customer.no} is blocked; the quote cannot be priced."
    ]
    assert not quote.lines.exists()


def test_only_new_lines_of_a_saved_quote(quote, widget, gadget, quote_prices):
    saved = services.save_quote_line(line=SalesQuoteLine(quote=quote, item=gadget, quantity=1))
    elsewhere = SalesQuoteFactory(customer=quote.customer)
    cases = [
        [saved],
        [SalesQuoteLine(quote=elsewhere, item=widget, quantity=1)],
    ]
    for lines in cases:
        assert list(refusal(quote, lines)) == ["lines[0]"]
    line = SalesQuoteLine(item=widget, quantity=1)
    for lines in ("x", [line, line], [widget], None):
        with pytest.raises(ValidationError):
            services.add_quote_lines(quote=quote, lines=lines)
    with pytest.raises(ValidationError):
        services.add_quote_lines(quote=SalesQuote(customer=quote.customer), lines=[line])
    assert services.add_quote_lines(quote=quote, lines=[]) == []
    assert quote.lines.count() == 1


def test_no_change_history_is_written_as_by_save_quote_line(quote, widget, quote_prices, manager):
    """A quote line keeps no change history of its own (the quote does): adding lines
    writes none, as save_quote_line does not. Should the lines get a history, this
    service must write its rows in bulk (core.bulk_records)."""
    assert not hasattr(SalesQuoteLine, "history")
    before = quote.history.count()
    services.add_quote_lines(quote=quote, lines=new_lines([(widget, "1", None)]), user=manager)
    assert quote.history.count() == before


def test_the_queries_do_not_grow_with_the_lines(
    quote,
    widget,
    gadget,
    boxed_widget,
    unit_box,
    quote_prices,
    campaign_price,
    django_assert_max_num_queries,
):
    specs = [(boxed_widget, "1", unit_box), (widget, "1", None), (gadget, "2", None)]
    counts = {}
    for size in (1, 200):
        lines = new_lines([specs[n % len(specs)] for n in range(size)])
        target = SalesQuoteFactory(customer=quote.customer, order_date=ORDER_DATE)
        with django_assert_max_num_queries(16), CaptureQueriesContext(connection) as queries:
            services.add_quote_lines(quote=target, lines=lines)
        inserts = [q for q in queries.captured_queries if (q["sql"] or "").startswith("INSERT")]
        counts[size] = (len(queries) - len(inserts), len(inserts))
        assert target.lines.count() == size
    # The reads are the same (200 lines: the campaign whose price won is looked up once);
    # only the inserts grow, by one per 83 lines on SQLite (one per 500 on PostgreSQL).
    assert counts[200][0] <= counts[1][0] + 1, counts
    assert counts[1][1] == 1
    assert counts[200][1] <= 3, counts


def test_lines_given_by_item_key_only(quote, quote_prices, unit_pcs):
    items = [ItemFactory(unit_price="5.00", base_unit_of_measure=unit_pcs) for _ in range(5)]
    lines = [SalesQuoteLine(item_id=item.pk, quantity=1) for item in items]
    services.add_quote_lines(quote=quote, lines=lines)
    assert [line.unit_price for line in quote.lines.order_by("line_no")] == [Decimal("5.00")] * 5
