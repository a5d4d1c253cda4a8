"""A quote's lines edited in the admin, inline on the quote, go through the quote line
service like lines on the quote's page (docs/services.md, The admin): priced by the
engine, refused where the service refuses, the whole form rolled back."""

from decimal import Decimal

import pytest
from django.urls import reverse

from pricing.models import Item
from quotes import services
from quotes.models import SalesQuoteLine
from tests.core.test_bad_input import page_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(quote, widget, quote_prices):
    """One widget on Acme's quote: 100.00 each (Acme's own price)."""
    return services.save_quote_line(line=SalesQuoteLine(quote=quote, item=widget, quantity=1))


def admin_form(client, quote):
    url = reverse("admin:quotes_salesquote_change", args=[quote.pk])
    values = page_form(client.get(url).content.decode(), url)["values"]
    values["_save"] = ["Save"]
    return url, values


def inline_name(values, field):
    (name,) = [name for name in values if name.endswith(f"-0-{field}")]
    return name


def test_a_line_changed_inline_is_priced_by_the_service(superuser_client, quote, line):
    url, values = admin_form(superuser_client, quote)
    values[inline_name(values, "quantity")] = ["3"]
    values[inline_name(values, "unit_price")] = ["1.00"]  # typed over: the engine prices
    response = superuser_client.post(url, values)
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.quantity, line.unit_price, line.line_amount) == (
        Decimal("3"),
        Decimal("100.00"),
        Decimal("300.00"),
    )


def test_a_line_the_service_refuses_keeps_the_whole_form(superuser_client, quote, line):
    """A blocked item is refused by the service (the form would take it): nothing of
    the form is saved, the quote's own field neither, and the admin says why."""
    blocked = Item.objects.create(description="Old chair", unit_price="10.00", blocked=True)
    url, values = admin_form(superuser_client, quote)
    values[inline_name(values, "item")] = [str(blocked.pk)]
    values["currency_code"] = ["EUR"]
    response = superuser_client.post(url, values, follow=True)
    assert response.status_code == 200
    line.refresh_from_db()
    quote.refresh_from_db()
    assert line.item_id != blocked.pk
    assert quote.currency_code == ""
    assert "blocked" in response.content.decode()
