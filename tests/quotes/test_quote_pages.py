"""Sales quote pages (docs/pricing.md, Sales quotes): list, card, header and line
forms, recalculate, "Why this price?", permissions and query counts."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Contact, ContactType
from pricing.engine import PriceRequest, find_price
from pricing.models import SalesType
from quotes import services
from quotes.models import SalesQuote, SalesQuoteLine
from tests.factories import price
from tests.quotes.conftest import ORDER_DATE

pytestmark = pytest.mark.django_db


def url(name, quote=None, line=None):
    kwargs = {}
    if quote is not None:
        kwargs["key"] = quote.no
    if line is not None:
        kwargs["line_id"] = line.pk
    return reverse(f"quotes:{name}", kwargs=kwargs or None)


def add_line(client, quote, item_no, quantity="1", **extra):
    return client.post(
        url("salesquoteline_add", quote), {"item_no": item_no, "quantity": quantity, **extra}
    )


def make_line(quote, item, quantity="1", override_price=None):
    line = SalesQuoteLine(quote=quote, item=item, quantity=Decimal(quantity))
    return services.save_quote_line(line=line, override_price=override_price)


def header_data(quote, **changes):
    data = {
        "customer_no": quote.customer.no,
        "contact_no": quote.contact.no if quote.contact_id else "",
        "order_date": quote.order_date.isoformat(),
        "currency_code": quote.currency_code,
        "campaign": quote.campaign_id or "",
    }
    data.update(changes)
    return data


def count_queries(client, path):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


# List and card ---------------------------------------------------------------


def test_list_shows_quotes_with_their_total(manager_client, quote, widget, quote_prices):
    make_line(quote, widget, "2")  # 2 x 100.00
    response = manager_client.get(url("salesquote_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert quote.no in page
    assert "Acme Trading" in page
    assert "200.00" in page


def test_list_search_and_filters(manager_client, quote, other_customer):
    other = SalesQuote.objects.create(customer=other_customer, order_date=ORDER_DATE.replace(day=1))
    page = manager_client.get(url("salesquote_list"), {"q": "bolt"}).content.decode()
    assert other.no in page
    assert quote.no not in page
    page = manager_client.get(
        url("salesquote_list"), {"customer": quote.customer.no.lower()}
    ).content.decode()
    assert quote.no in page
    assert other.no not in page
    page = manager_client.get(
        url("salesquote_list"), {"order_date_from": "2026-03-10", "order_date_to": "2026-03-31"}
    ).content.decode()
    assert quote.no in page
    assert other.no not in page
    response = manager_client.get(url("salesquote_list"), {"order_date_from": "not a date"})
    assert response.status_code == 200


def test_list_csv_export(manager_client, quote):
    response = manager_client.get(url("salesquote_list"), {"_export": "csv"})
    assert response.status_code == 200
    assert quote.no in response.getvalue().decode()


def test_list_query_count_does_not_grow_with_quotes(manager_client, quote_customer, widget):
    counts = []
    for size in (5, 30):
        SalesQuote.objects.all().delete()
        for _index in range(size):
            quote = SalesQuote.objects.create(customer=quote_customer, order_date=ORDER_DATE)
            SalesQuoteLine.objects.create(
                quote=quote, line_no=10000, item=widget, line_amount=Decimal("5.00")
            )
        counts.append(count_queries(manager_client, url("salesquote_list")))
    assert counts[0] == counts[1]


def priorities(row) -> list[str]:
    """The priority class (``col-pN``, or none) of each cell of a table row."""
    cells = re.findall(r"<t[hd]\b[^>]*>", row)
    return [re.search(r"col-p\d|$", cell).group() for cell in cells]


def test_card_shows_lines_total_and_actions(manager_client, quote, widget, gadget, quote_prices):
    first = make_line(quote, widget, "2")
    make_line(quote, gadget, "3", override_price=Decimal("30.00"))
    response = manager_client.get(quote.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "Acme Trading" in page
    assert widget.no in page
    assert gadget.no in page
    assert "Price set by hand" in page
    assert "Why this price?" in page
    assert url("salesquoteline_trace", quote, first) in page
    assert url("salesquoteline_add", quote) in page
    assert url("salesquote_recalculate", quote) in page
    assert response.context["total"] == Decimal("290.00")  # 2 x 100 + 3 x 30
    assert page.count("290.00") >= 2  # factbox and below the lines
    # The line discount explains the line amount: shown wherever the unit price is
    # (priority 2, core.tables), not only on wide screens.
    assert (
        f'<th scope="col" class="text-end col-p2">{response.context["line_discount_label"]}</th>'
        in page
    )
    # The total row has one cell per column with the column's priority, so it stays
    # under Line amount whichever columns the width hides.
    head = page.split("<thead>")[1].split("</thead>")[0]
    foot = page.split("<tfoot>")[1].split("</tfoot>")[0]
    assert priorities(foot) == priorities(head)


def test_card_query_count_does_not_grow_with_lines(manager_client, quote_customer, widget):
    counts = []
    for size in (3, 60):
        quote = SalesQuote.objects.create(customer=quote_customer, order_date=ORDER_DATE)
        SalesQuoteLine.objects.bulk_create(
            SalesQuoteLine(quote=quote, line_no=(i + 1) * 10000, item=widget) for i in range(size)
        )
        counts.append(count_queries(manager_client, quote.get_absolute_url()))
    assert counts[0] == counts[1]


# Header -----------------------------------------------------------------------


def test_create_quote_takes_the_next_number(manager_client, quote_customer, quote_company):
    person = Contact.objects.create(type=ContactType.PERSON, name="Ann", company=quote_company)
    response = manager_client.post(
        url("salesquote_create"),
        {
            "customer_no": quote_customer.no.lower(),
            "contact_no": person.no,
            "order_date": "2026-03-16",
            "currency_code": "eur",
        },
    )
    assert response.status_code == 302
    quote = SalesQuote.objects.get()
    assert quote.no.startswith("SQ")
    assert (quote.customer, quote.contact, quote.currency_code) == (quote_customer, person, "EUR")
    assert response["Location"] == quote.get_absolute_url()


@pytest.mark.parametrize(
    ("customer_no", "message"), [("NOPE", "does not exist"), ("blocked", "is blocked")]
)
def test_create_quote_refuses_unknown_or_blocked_customer(
    manager_client, quote_customer, customer_no, message
):
    if customer_no == "blocked":
        quote_customer.blocked = True
        quote_customer.save()
        customer_no = quote_customer.no
    response = manager_client.post(
        url("salesquote_create"), {"customer_no": customer_no, "order_date": "2026-03-16"}
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["customer_no"])
    assert not SalesQuote.objects.exists()


def test_contact_must_belong_to_the_customer(manager_client, quote_customer, other_customer):
    response = manager_client.post(
        url("salesquote_create"),
        {
            "customer_no": quote_customer.no,
            "contact_no": other_customer.contact.no,
            "order_date": "2026-03-16",
        },
    )
    assert response.status_code == 200
    assert "contact_no" in response.context["form"].errors
    response = manager_client.post(
        url("salesquote_create"),
        {"customer_no": quote_customer.no, "contact_no": "CT999999", "order_date": "2026-03-16"},
    )
    assert "does not exist" in " ".join(response.context["form"].errors["contact_no"])


def test_changing_the_order_date_prices_the_lines_again(manager_client, quote, widget):
    make_line(quote, widget, "1")  # item unit price 120.00: no sales price yet
    price(widget, SalesType.ALL_CUSTOMERS, unit_price="80.00", starting_date=ORDER_DATE)
    response = manager_client.post(
        url("salesquote_edit", quote),
        header_data(quote, order_date=ORDER_DATE.replace(day=20).isoformat()),
        follow=True,
    )
    assert "priced again" in response.content.decode()
    assert quote.lines.get().unit_price == Decimal("80.00")


def test_edit_without_repricing_change_leaves_lines_alone(manager_client, quote, widget):
    make_line(quote, widget, "1")
    price(widget, SalesType.ALL_CUSTOMERS, unit_price="80.00")
    response = manager_client.post(url("salesquote_edit", quote), header_data(quote), follow=True)
    assert "priced again" not in response.content.decode()
    assert quote.lines.get().unit_price == Decimal("120.00")


def test_delete_quote_names_its_lines(manager_client, quote, widget):
    make_line(quote, widget)
    page = manager_client.get(url("salesquote_delete", quote)).content.decode()
    assert "1 sales quote line" in page
    manager_client.post(url("salesquote_delete", quote))
    assert not SalesQuote.objects.exists()


# Lines --------------------------------------------------------------------------


def test_adding_a_line_prices_it_with_the_lowest_price(manager_client, quote, widget, quote_prices):
    response = add_line(manager_client, quote, widget.no.lower(), "2")
    assert response.status_code == 302
    line = quote.lines.get()
    # Customer price 100.00 beats the all-customers price 110.00.
    assert (line.unit_price, line.line_amount) == (Decimal("100.00"), Decimal("200.00"))
    assert line.unit_of_measure.code == "PCS"  # the item's base unit
    assert line.price_overridden is False
    assert line.line_no == 10000


def test_adding_a_line_where_all_customers_is_lower(manager_client, quote, widget, quote_prices):
    quote_prices["all"].unit_price = Decimal("90.00")
    quote_prices["all"].save()
    add_line(manager_client, quote, widget.no, "1")
    assert quote.lines.get().unit_price == Decimal("90.00")


@pytest.mark.parametrize("quantity", ["0", "-1", "abc", "", "1e30", "0.001"])
def test_bad_quantity_is_a_field_error(manager_client, quote, widget, quantity):
    response = add_line(manager_client, quote, widget.no, quantity)
    assert response.status_code == 200
    assert "quantity" in response.context["add_line_form"].errors
    assert not quote.lines.exists()


@pytest.mark.parametrize("item_no", ["NOPE", "blocked", ""])
def test_unknown_or_blocked_item_is_a_field_error(manager_client, quote, widget, item_no):
    if item_no == "blocked":
        widget.blocked = True
        widget.save()
        item_no = widget.no
    response = add_line(manager_client, quote, item_no)
    assert response.status_code == 200
    assert "item_no" in response.context["add_line_form"].errors
    assert not quote.lines.exists()


def test_add_line_page_without_javascript(manager_client, quote):
    response = manager_client.get(url("salesquoteline_add", quote))
    assert response.status_code == 200
    assert "Add line" in response.content.decode()


def test_line_amount_too_large_is_refused(manager_client, quote, widget):
    response = add_line(manager_client, quote, widget.no, "999999999999")
    assert response.status_code == 200
    assert "too large" in response.content.decode()
    assert not quote.lines.exists()


def test_override_is_kept_and_recalculate_keeps_it(manager_client, quote, widget, gadget):
    manual = make_line(quote, widget, "2")
    other = make_line(quote, gadget, "1")
    response = manager_client.post(
        url("salesquoteline_edit", quote, manual),
        {"quantity": "2", "unit_of_measure": "", "override_price": "77.50"},
    )
    assert response.status_code == 302
    manual.refresh_from_db()
    assert (manual.unit_price, manual.price_overridden) == (Decimal("77.50"), True)
    assert manual.line_amount == Decimal("155.00")
    # New prices: the engine lines follow, the line set by hand keeps its price.
    price(widget, SalesType.ALL_CUSTOMERS, unit_price="60.00")
    price(gadget, SalesType.ALL_CUSTOMERS, unit_price="30.00")
    response = manager_client.post(url("salesquote_recalculate", quote), follow=True)
    assert "2 lines of sales quote" in response.content.decode()
    manual.refresh_from_db()
    other.refresh_from_db()
    assert (manual.unit_price, manual.price_overridden) == (Decimal("77.50"), True)
    assert other.unit_price == Decimal("30.00")


def test_clearing_the_override_lets_the_engine_price_again(manager_client, quote, widget):
    line = make_line(quote, widget, "1", override_price=Decimal("50.00"))
    page = manager_client.get(url("salesquoteline_edit", quote, line)).content.decode()
    assert "50.00" in page
    manager_client.post(
        url("salesquoteline_edit", quote, line), {"quantity": "3", "override_price": ""}
    )
    line.refresh_from_db()
    assert (line.unit_price, line.price_overridden, line.quantity) == (
        Decimal("120.00"),
        False,
        Decimal("3"),
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "x"}, "quantity"),
        ({"quantity": "1", "override_price": "-1"}, "override_price"),
        ({"quantity": "1", "override_price": "cheap"}, "override_price"),
    ],
)
def test_edit_line_bad_input_is_a_field_error(manager_client, quote, widget, data, field):
    line = make_line(quote, widget)
    response = manager_client.post(url("salesquoteline_edit", quote, line), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_delete_line_asks_first(manager_client, quote, widget):
    line = make_line(quote, widget)
    page = manager_client.get(url("salesquoteline_delete", quote, line)).content.decode()
    assert f"Delete line {line.line_no}" in page
    assert quote.lines.exists()
    response = manager_client.post(url("salesquoteline_delete", quote, line), follow=True)
    assert "deleted" in response.content.decode()
    assert not quote.lines.exists()


def test_line_of_another_quote_is_404(manager_client, quote, quote_customer, widget):
    line = make_line(quote, widget)
    other = SalesQuote.objects.create(customer=quote_customer)
    assert manager_client.get(url("salesquoteline_trace", other, line)).status_code == 404
    assert manager_client.post(url("salesquoteline_delete", other, line)).status_code == 404


def test_recalculate_confirmation_and_empty_quote(manager_client, quote):
    page = manager_client.get(url("salesquote_recalculate", quote)).content.decode()
    assert "no lines to price" in page
    response = manager_client.post(url("salesquote_recalculate", quote), follow=True)
    assert response.status_code == 200


# Why this price? ---------------------------------------------------------------


def test_trace_page_shows_the_winner(manager_client, quote, widget, quote_prices, campaign_price):
    add_line(manager_client, quote, widget.no, "1")
    line = quote.lines.get()
    response = manager_client.get(url("salesquoteline_trace", quote, line))
    assert response.status_code == 200
    page = response.content.decode()
    summary = response.context["summary"]
    assert summary.startswith(f"Unit price 95.00 from Campaign {campaign_price.no}")
    assert "line discount 5 %" in summary
    winners = [row for row in response.context["rows"] if row["status"] == "won"]
    assert [(row["sales_type"], row["sales_code"]) for row in winners] == [
        ("Campaign", campaign_price.no)
    ]
    assert "table-success" in page
    assert "best discount" in page


def test_trace_page_of_a_line_without_trace(manager_client, quote, widget):
    line = SalesQuoteLine.objects.create(quote=quote, line_no=10000, item=widget)
    response = manager_client.get(url("salesquoteline_trace", quote, line))
    assert response.status_code == 200
    assert "recalculate the quote" in response.context["summary"]


# Permissions -------------------------------------------------------------------


def test_read_only_user_sees_but_cannot_change(viewer_client, quote, widget):
    line = make_line(quote, widget)
    for name, args in [
        ("salesquote_list", ()),
        ("salesquote_card", (quote,)),
        ("salesquoteline_trace", (quote, line)),
    ]:
        assert viewer_client.get(url(name, *args)).status_code == 200, name
    page = viewer_client.get(quote.get_absolute_url()).content.decode()
    assert url("salesquoteline_add", quote) not in page
    for name, args in [
        ("salesquote_create", ()),
        ("salesquote_edit", (quote,)),
        ("salesquote_delete", (quote,)),
        ("salesquote_recalculate", (quote,)),
        ("salesquoteline_add", (quote,)),
        ("salesquoteline_edit", (quote, line)),
        ("salesquoteline_delete", (quote, line)),
    ]:
        assert viewer_client.post(url(name, *args)).status_code == 403, name
        assert viewer_client.get(url(name, *args)).status_code == 403, name
    assert quote.lines.count() == 1


# Query budgets -----------------------------------------------------------------


def test_recalculating_a_100_line_quote_is_a_fixed_number_of_queries(
    django_assert_max_num_queries, quote, widget, gadget, quote_prices, campaign_price
):
    SalesQuoteLine.objects.bulk_create(
        SalesQuoteLine(quote=quote, line_no=(i + 1) * 10000, item=(widget, gadget)[i % 2])
        for i in range(100)
    )
    with django_assert_max_num_queries(10):
        assert services.recalculate_quote(quote=quote) == 100
    assert set(quote.lines.values_list("unit_price", flat=True)) == {
        Decimal("95.00"),
        Decimal("35.00"),
    }


def test_pricing_one_line_takes_at_most_four_queries(
    django_assert_max_num_queries, quote_customer, widget, quote_prices, campaign_price
):
    from contacts.models import Customer
    from pricing.models import Item

    customer = Customer.objects.select_related("price_group", "discount_group").get(
        pk=quote_customer.pk
    )
    item = Item.objects.select_related("item_discount_group").get(pk=widget.pk)
    with django_assert_max_num_queries(4):
        result = find_price(
            customer, PriceRequest(item=item, quantity=Decimal("1"), date=ORDER_DATE)
        )
    assert result.unit_price == Decimal("95.00")


def test_trace_page_shows_a_minimum_quantity_of_10_as_10(manager_client, quote, widget):
    price(widget, SalesType.ALL_CUSTOMERS, unit_price="90.00", minimum_quantity=Decimal("10"))
    add_line(manager_client, quote, widget.no, "1")
    line = quote.lines.get()
    response = manager_client.get(url("salesquoteline_trace", quote, line))
    page = response.content.decode()
    assert "minimum quantity 10 not reached" in page
    assert "1E+1" not in page
    [row] = [row for row in response.context["rows"] if row.get("minimum_quantity")]
    assert row["minimum_quantity_text"] == "10"


def test_trace_page_reads_an_old_trace_with_an_exponent(manager_client, quote, widget):
    line = make_line(quote, widget)
    SalesQuoteLine.objects.filter(pk=line.pk).update(
        price_trace={"candidates": [{"kind": "price", "minimum_quantity": "1E+1", "value": "9"}]}
    )
    response = manager_client.get(url("salesquoteline_trace", quote, line))
    assert response.context["rows"][0]["minimum_quantity_text"] == "10"
