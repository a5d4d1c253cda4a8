"""Sales quotes and their lines."""

import factory

from quotes.models import SalesQuote, SalesQuoteLine
from tests.factories.contacts import CustomerFactory
from tests.factories.pricing import ItemFactory


class SalesQuoteFactory(factory.django.DjangoModelFactory):
    """A quote without lines; ``no`` from the SALES-QUOTE number series."""

    class Meta:
        model = SalesQuote

    customer = factory.SubFactory(CustomerFactory)


class SalesQuoteLineFactory(factory.django.DjangoModelFactory):
    """A line written as it is (not priced: ``quotes.services`` prices lines)."""

    class Meta:
        model = SalesQuoteLine

    quote = factory.SubFactory(SalesQuoteFactory)
    line_no = factory.Sequence(lambda n: (n + 1) * 10000)
    item = factory.SubFactory(ItemFactory)
