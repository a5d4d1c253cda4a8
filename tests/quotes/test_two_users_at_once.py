"""Two users at once on one sales quote: every quote service locks the quote before its
lines, so recalculating a quote and changing or deleting one of its lines wait for each
other instead of deadlocking (docs/concurrency.md, Lock order)."""

from decimal import Decimal

import pytest

from quotes import services
from quotes.models import SalesQuoteLine
from tests.concurrency import race, refused
from tests.factories import ItemFactory, SalesQuoteFactory, SalesQuoteLineFactory

ROUNDS = 10


def quote_with_lines(count: int = 3):
    item = ItemFactory(unit_price=Decimal("10.00"))
    quote = SalesQuoteFactory()
    lines = [SalesQuoteLineFactory(quote=quote, item=item) for _ in range(count)]
    return quote, lines


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_recalculating_a_quote_while_one_of_its_lines_is_deleted():
    for _round in range(ROUNDS):
        quote, lines = quote_with_lines()
        recalculated, deleted = race(
            lambda quote=quote: services.recalculate_quote(quote=quote),
            lambda line=lines[0]: services.delete_quote_line(line=line),
        )
        assert recalculated in (2, 3)
        assert deleted is None
        assert list(quote.lines.order_by("pk")) == lines[1:]
        assert all(line.unit_price == Decimal("10.00") for line in quote.lines.all())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_recalculating_a_quote_while_one_of_its_lines_is_changed():
    for _round in range(ROUNDS):
        quote, lines = quote_with_lines()
        changed = SalesQuoteLine.objects.get(pk=lines[0].pk)
        changed.quantity = Decimal("4")
        recalculated, saved = race(
            lambda quote=quote: services.recalculate_quote(quote=quote),
            lambda line=changed: services.save_quote_line(line=line),
        )
        assert recalculated == 3
        assert saved.line_amount == Decimal("40.00")
        assert SalesQuoteLine.objects.get(pk=changed.pk).line_amount == Decimal("40.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_line_changed_while_it_is_deleted_is_refused_as_gone():
    for _round in range(ROUNDS):
        quote, lines = quote_with_lines(1)
        changed = SalesQuoteLine.objects.get(pk=lines[0].pk)
        changed.quantity = Decimal("2")
        saved, deleted = race(
            lambda line=changed: services.save_quote_line(line=line),
            lambda line=lines[0]: services.delete_quote_line(line=line),
        )
        assert deleted is None
        assert not quote.lines.exists()
        if refused(saved):
            assert "deleted by another user" in saved.messages[0]
        else:  # saved first, then deleted
            assert saved.line_amount == Decimal("20.00")
