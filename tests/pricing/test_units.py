"""Units of measure in pricing (docs/pricing.md, Units of measure): an item's units with
their quantity per unit, prices and discounts per unit or per base unit converted to
the line's unit, minimum quantities in the unit they are written in, the trace, and
the rules of the item units themselves."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from pricing import services
from pricing.engine import PriceRequest, find_price, price_lines
from pricing.models import (
    DiscountSalesType,
    DiscountType,
    ItemDiscountGroup,
    ItemUnitOfMeasure,
    SalesLineDiscount,
    SalesPrice,
    SalesType,
)
from quotes import services as quote_services
from quotes.models import SalesQuoteLine
from tests.factories import (
    MID,
    SalesQuoteFactory,
    UnitOfMeasureFactory,
    company,
    customer_of,
    discount,
    item,
    price,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return {
        code: UnitOfMeasureFactory(code=code, description=code.title())
        for code in ("PCS", "BOX", "PALLET", "SET")
    }


@pytest.fixture
def tray(units):
    """A cable tray at 10.00 a piece, sold per piece, by the box of 12 and the pallet of
    480."""
    tray = services.save_item(item=item("10.00", base_unit_of_measure=units["PCS"]))
    for code, quantity in (("BOX", 12), ("PALLET", 480)):
        services.save_item_unit(
            item_unit=ItemUnitOfMeasure(
                item=tray, unit_of_measure=units[code], quantity_per_unit_of_measure=quantity
            )
        )
    return tray


@pytest.fixture
def acme():
    return customer_of(company("Acme", price_group="RETAIL"))


def line(tray, unit, quantity="1"):
    return PriceRequest(item=tray, quantity=Decimal(quantity), unit_of_measure_id=unit.pk, date=MID)


def entry_of(result, value):
    return next(entry for entry in result.trace if entry["value"] == value)


# Prices ---------------------------------------------------------------------------


def test_the_item_unit_price_is_per_base_unit_and_converted(acme, tray, units):
    result = find_price(acme, line(tray, units["BOX"], "2"))
    assert result.unit_price == Decimal("120.00")
    assert result.line_amount == Decimal("240.00")
    fallback = result.trace[-1]  # the trace shows the conversion
    assert (fallback["value"], fallback["quantity_per_unit"]) == ("10.00", "12")
    assert fallback["converted_value"] == "120.00"
    assert find_price(acme, line(tray, units["PCS"], "2")).unit_price == Decimal("10.00")
    # A blank unit on the line is the base unit.
    blank = PriceRequest(item=tray, quantity=Decimal(1), date=MID)
    assert find_price(acme, blank).unit_price == Decimal("10.00")


def test_a_price_without_unit_is_per_base_unit_and_converted(acme, tray, units):
    price(tray, SalesType.ALL_CUSTOMERS, unit_price="9.00")
    result = find_price(acme, line(tray, units["BOX"]))
    assert result.unit_price == Decimal("108.00")
    assert result.source == "All customers"
    assert find_price(acme, line(tray, units["PALLET"])).unit_price == Decimal("4320.00")


def test_a_converted_price_is_rounded_to_the_cent(acme, units):
    screw = services.save_item(item=item("0.10", base_unit_of_measure=units["PCS"]))
    services.save_item_unit(
        item_unit=ItemUnitOfMeasure(
            item=screw, unit_of_measure=units["BOX"], quantity_per_unit_of_measure="0.333"
        )
    )
    price(screw, SalesType.ALL_CUSTOMERS, unit_price="0.05")
    result = find_price(acme, line(screw, units["BOX"]))
    assert result.unit_price == Decimal("0.02")  # 0.05 x 0.333 = 0.01665


def test_a_price_for_a_unit_applies_to_lines_in_that_unit_only(acme, tray, units):
    price(tray, SalesType.ALL_CUSTOMERS, unit_price="100.00", unit_of_measure=units["BOX"])
    assert find_price(acme, line(tray, units["BOX"])).unit_price == Decimal("100.00")
    piece = find_price(acme, line(tray, units["PCS"]))
    assert piece.unit_price == Decimal("10.00")
    assert entry_of(piece, "100.00")["reason"] == "for another unit of measure"
    pallet = find_price(acme, line(tray, units["PALLET"]))
    assert pallet.unit_price == Decimal("4800.00")  # the item's price x 480, not the box's


def test_the_lowest_amount_wins_after_conversion(acme, tray, units):
    price(tray, SalesType.ALL_CUSTOMERS, unit_price="9.50")
    price(tray, SalesType.CUSTOMER_PRICE_GROUP, "RETAIL", unit_price="9.00")
    result = find_price(acme, line(tray, units["BOX"], "3"))
    assert (result.unit_price, result.line_amount) == (Decimal("108.00"), Decimal("324.00"))
    assert result.source == "Customer price group RETAIL"


# Minimum quantities ----------------------------------------------------------------


def test_a_minimum_quantity_without_unit_counts_base_units(acme, tray, units):
    price(tray, SalesType.ALL_CUSTOMERS, unit_price="8.00", minimum_quantity=24)
    one_box = find_price(acme, line(tray, units["BOX"], "1"))
    assert one_box.unit_price == Decimal("120.00")
    assert entry_of(one_box, "8.00")["reason"] == (
        "minimum quantity 24 in the base unit not reached (the line holds 12)"
    )
    assert find_price(acme, line(tray, units["BOX"], "2")).unit_price == Decimal("96.00")
    # 24 pieces reach it too; 23 do not.
    assert find_price(acme, line(tray, units["PCS"], "24")).unit_price == Decimal("8.00")
    assert find_price(acme, line(tray, units["PCS"], "23")).unit_price == Decimal("10.00")


def test_a_minimum_quantity_for_a_unit_counts_that_unit(acme, tray, units):
    price(
        tray,
        SalesType.ALL_CUSTOMERS,
        unit_price="90.00",
        unit_of_measure=units["BOX"],
        minimum_quantity=2,
    )
    one_box = find_price(acme, line(tray, units["BOX"], "1"))
    assert one_box.unit_price == Decimal("120.00")
    assert entry_of(one_box, "90.00")["reason"] == "minimum quantity 2 not reached"
    assert find_price(acme, line(tray, units["BOX"], "2")).unit_price == Decimal("90.00")


# Discounts -------------------------------------------------------------------------


def test_discounts_per_unit_and_per_base_unit(acme, tray, units):
    discount(tray.no, DiscountSalesType.ALL_CUSTOMERS, percent="5", minimum_quantity=24)
    discount(tray.no, DiscountSalesType.ALL_CUSTOMERS, percent="8", unit_of_measure=units["PCS"])
    one_box = find_price(acme, line(tray, units["BOX"], "1"))
    assert one_box.line_discount_percent == 0  # 12 pieces < 24; the 8 % is per piece only
    two_boxes = find_price(acme, line(tray, units["BOX"], "2"))
    assert two_boxes.line_discount_percent == 5
    assert two_boxes.line_amount == Decimal("228.00")  # 2 x 120 - 5 %
    assert find_price(acme, line(tray, units["PCS"], "1")).line_discount_percent == 8


# The trace -------------------------------------------------------------------------


def test_the_trace_shows_the_conversion(acme, tray, units):
    price(tray, SalesType.ALL_CUSTOMERS, unit_price="9.00")
    price(tray, SalesType.CUSTOMER, acme.no, unit_price="100.00", unit_of_measure=units["BOX"])
    result = find_price(acme, line(tray, units["BOX"]))
    assert result.as_json()["quantity_per_unit"] == "12"
    generic = entry_of(result, "9.00")
    assert (generic["quantity_per_unit"], generic["converted_value"]) == ("12", "108.00")
    own = entry_of(result, "100.00")
    assert "converted_value" not in own  # already per box
    # In the base unit nothing is converted.
    piece = find_price(acme, line(tray, units["PCS"]))
    assert piece.as_json()["quantity_per_unit"] == "1"
    assert all("converted_value" not in entry for entry in piece.trace)


# Units an item does not have --------------------------------------------------------


def test_a_unit_the_item_does_not_have_is_refused(acme, tray, units):
    with pytest.raises(ValidationError) as refused:
        find_price(acme, line(tray, units["SET"]))
    assert refused.value.message_dict == {
        "unit_of_measure": [
            f"Item {tray.no} is not sold in unit of measure SET: add the unit to the item's "
            "units of measure first."
        ]
    }


def test_a_price_row_for_a_unit_the_item_does_not_have_is_refused(tray, units):
    row = SalesPrice(
        item=tray,
        sales_type=SalesType.ALL_CUSTOMERS,
        unit_price=Decimal(5),
        unit_of_measure=units["SET"],
    )
    with pytest.raises(ValidationError) as refused:
        services.save_price_rule(rule=row)
    assert "unit_of_measure" in refused.value.message_dict
    assert not SalesPrice.objects.exists()
    row.unit_of_measure = units["BOX"]
    services.save_price_rule(rule=row)


def test_an_item_discount_for_a_unit_the_item_does_not_have_is_refused(tray, units):
    row = SalesLineDiscount(
        type=DiscountType.ITEM,
        code=tray.no,
        sales_type=DiscountSalesType.ALL_CUSTOMERS,
        line_discount_percent=Decimal(5),
        unit_of_measure=units["SET"],
    )
    with pytest.raises(ValidationError) as refused:
        services.save_price_rule(rule=row)
    assert "unit_of_measure" in refused.value.message_dict
    # On an item discount group any unit may be named.
    ItemDiscountGroup.objects.create(code="TRAYS")
    row.type, row.code = DiscountType.ITEM_DISCOUNT_GROUP, "TRAYS"
    services.save_price_rule(rule=row)


def test_pricing_lines_in_several_units_is_one_query(acme, tray, units, django_assert_num_queries):
    # The items' units come back with the candidate prices (pricing/candidates.py).
    requests = [line(tray, units[code], "1") for code in ("PCS", "BOX", "PALLET")] * 10
    with django_assert_num_queries(1):
        results = price_lines(acme, requests, MID)
    assert [result.unit_price for result in results[:3]] == [
        Decimal("10.00"),
        Decimal("120.00"),
        Decimal("4800.00"),
    ]


def test_a_quantity_per_unit_keeps_its_five_decimals(acme, tray, units):
    # A set of a third of a piece: 0.33333 pieces, read back exactly on either database.
    services.save_item_unit(
        item_unit=ItemUnitOfMeasure(
            item=tray, unit_of_measure=units["SET"], quantity_per_unit_of_measure=Decimal("0.33333")
        )
    )
    result = find_price(acme, line(tray, units["SET"], "3"))
    assert result.quantity_per_unit == Decimal("0.33333")
    assert result.unit_price == Decimal("3.33")  # 10.00 x 0.33333, rounded to cents


# The rules of an item's units -----------------------------------------------------


def test_the_base_unit_is_a_unit_of_the_item_with_quantity_1(tray, units):
    base = ItemUnitOfMeasure.objects.get(item=tray, unit_of_measure=units["PCS"])
    assert base.quantity_per_unit_of_measure == 1
    base.quantity_per_unit_of_measure = Decimal(2)
    with pytest.raises(ValidationError) as refused:
        services.save_item_unit(item_unit=base)
    assert refused.value.message_dict == {
        "quantity_per_unit_of_measure": [
            f"PCS is the base unit of measure of item {tray.no}: one of it holds 1 base unit, "
            "not 2."
        ]
    }


def test_a_unit_with_another_quantity_cannot_become_the_base_unit(tray, units):
    tray.base_unit_of_measure = units["BOX"]
    with pytest.raises(ValidationError) as refused:
        services.save_item(item=tray)
    assert "base_unit_of_measure" in refused.value.message_dict
    tray.refresh_from_db()
    assert tray.base_unit_of_measure == units["PCS"]
    # A unit the item does not have yet becomes one of its units with quantity 1.
    tray.base_unit_of_measure = units["SET"]
    services.save_item(item=tray)
    assert (
        ItemUnitOfMeasure.objects.get(
            item=tray, unit_of_measure=units["SET"]
        ).quantity_per_unit_of_measure
        == 1
    )


def test_a_unit_is_on_an_item_once_and_holds_more_than_0(tray, units):
    with pytest.raises(ValidationError):
        services.save_item_unit(
            item_unit=ItemUnitOfMeasure(item=tray, unit_of_measure=units["BOX"])
        )
    with pytest.raises(ValidationError) as refused:
        services.save_item_unit(
            item_unit=ItemUnitOfMeasure(
                item=tray, unit_of_measure=units["SET"], quantity_per_unit_of_measure=0
            )
        )
    assert "quantity_per_unit_of_measure" in refused.value.message_dict


def test_the_base_unit_and_units_in_use_are_not_removed(tray, units):
    base = ItemUnitOfMeasure.objects.get(item=tray, unit_of_measure=units["PCS"])
    with pytest.raises(ValidationError, match="is the base unit of measure"):
        services.delete_item_unit(item_unit=base)
    box = ItemUnitOfMeasure.objects.get(item=tray, unit_of_measure=units["BOX"])
    price(tray, SalesType.ALL_CUSTOMERS, unit_price="100", unit_of_measure=units["BOX"])
    with pytest.raises(ValidationError) as refused:
        services.delete_item_unit(item_unit=box)
    assert refused.value.messages == [f"Item {tray.no} is still sold in BOX: 1 sales price."]
    box.unit_of_measure = units["SET"]  # nor swapped for another unit
    with pytest.raises(ValidationError):
        services.save_item_unit(item_unit=box)
    pallet = ItemUnitOfMeasure.objects.get(item=tray, unit_of_measure=units["PALLET"])
    services.delete_item_unit(item_unit=pallet)
    assert not ItemUnitOfMeasure.objects.filter(pk=pallet.pk).exists()


def test_a_unit_on_quote_lines_is_not_removed(acme, tray, units):
    quote = SalesQuoteFactory(customer=acme, order_date=MID)
    quote_services.save_quote_line(
        line=SalesQuoteLine(
            quote=quote, item=tray, quantity=Decimal(1), unit_of_measure=units["PALLET"]
        )
    )
    pallet = ItemUnitOfMeasure.objects.get(item=tray, unit_of_measure=units["PALLET"])
    with pytest.raises(ValidationError) as refused:
        services.delete_item_unit(item_unit=pallet)
    assert refused.value.messages == [
        f"Item {tray.no} is still sold in PALLET: 1 sales quote line."
    ]


# Quotes ------------------------------------------------------------------------------


def test_a_quote_line_in_a_box_is_priced_per_box(acme, tray, units):
    price(tray, SalesType.ALL_CUSTOMERS, unit_price="9.00")
    quote = SalesQuoteFactory(customer=acme, order_date=MID)
    saved = quote_services.save_quote_line(
        line=SalesQuoteLine(
            quote=quote, item=tray, quantity=Decimal(2), unit_of_measure=units["BOX"]
        )
    )
    assert (saved.unit_price, saved.line_amount) == (Decimal("108.00"), Decimal("216.00"))
    assert saved.price_trace["quantity_per_unit"] == "12"
    # The box's quantity changes: Recalculate prices the line with the new one.
    box = ItemUnitOfMeasure.objects.get(item=tray, unit_of_measure=units["BOX"])
    box.quantity_per_unit_of_measure = Decimal(10)
    services.save_item_unit(item_unit=box)
    quote_services.recalculate_quote(quote=quote)
    saved.refresh_from_db()
    assert (saved.unit_price, saved.line_amount) == (Decimal("90.00"), Decimal("180.00"))


def test_a_quote_line_in_a_unit_the_item_does_not_have_is_refused(acme, tray, units):
    quote = SalesQuoteFactory(customer=acme, order_date=MID)
    with pytest.raises(ValidationError) as refused:
        quote_services.save_quote_line(
            line=SalesQuoteLine(
                quote=quote, item=tray, quantity=Decimal(1), unit_of_measure=units["SET"]
            )
        )
    assert "unit_of_measure" in refused.value.message_dict
    assert not SalesQuoteLine.objects.exists()


# Pages ---------------------------------------------------------------------------------


def test_the_item_card_lists_its_units(manager_client, tray):
    page = manager_client.get(tray.get_absolute_url()).content.decode()
    assert 'id="item-units"' in page
    for code in ("PCS", "BOX", "PALLET"):
        assert f">{code}</a>" in page
    assert "Base unit" in page
    assert reverse("pricing:itemunitofmeasure_create") + f"?item={tray.no}" in page


def test_a_unit_is_added_and_refused_on_its_pages(manager_client, tray, units):
    create = reverse("pricing:itemunitofmeasure_create")
    form = manager_client.get(create, {"item": tray.no}).content.decode()
    assert f'value="{tray.no}"' in form
    response = manager_client.post(
        create,
        {"item": tray.no, "unit_of_measure": units["SET"].pk, "quantity_per_unit_of_measure": "4"},
    )
    assert response.status_code == 302
    assert response.url == tray.get_absolute_url()  # back to the item's units
    assert (
        ItemUnitOfMeasure.objects.get(
            item=tray, unit_of_measure=units["SET"]
        ).quantity_per_unit_of_measure
        == 4
    )
    base = ItemUnitOfMeasure.objects.get(item=tray, unit_of_measure=units["PCS"])
    response = manager_client.post(
        base.get_url("edit"),
        {"unit_of_measure": units["PCS"].pk, "quantity_per_unit_of_measure": "3"},
    )
    assert response.status_code == 200
    assert "one of it holds 1 base unit" in response.content.decode()
    response = manager_client.post(base.get_url("delete"), follow=True)
    assert "is the base unit of measure" in response.content.decode()
    assert ItemUnitOfMeasure.objects.filter(pk=base.pk).exists()


def test_why_this_price_shows_the_conversion(manager_client, acme, tray, units):
    price(tray, SalesType.ALL_CUSTOMERS, unit_price="9.00")
    quote = SalesQuoteFactory(customer=acme, order_date=MID)
    saved = quote_services.save_quote_line(
        line=SalesQuoteLine(
            quote=quote, item=tray, quantity=Decimal(2), unit_of_measure=units["BOX"]
        )
    )
    trace = reverse("quotes:salesquoteline_trace", kwargs={"key": quote.no, "line_id": saved.pk})
    page = manager_client.get(trace).content.decode()
    assert "9.00 × 12 = 108.00" in page
    assert (
        "One BOX holds 12 of the item&#x27;s base unit: prices per base unit are multiplied by 12."
        in page
    )
    # The line's edit form offers the units the item is sold in, no other.
    edit = reverse("quotes:salesquoteline_edit", kwargs={"key": quote.no, "line_id": saved.pk})
    form = manager_client.get(edit).context["form"]
    offered = {unit.code for unit in form.fields["unit_of_measure"].queryset}
    assert offered == {"PCS", "BOX", "PALLET"}
