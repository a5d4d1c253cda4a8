"""What the search box in the top bar finds among sales quotes (core.global_search,
docs/search.md): the quote's No., or its customer's No. or name, starts with the text;
a quote is shown with its customer's name."""

from django.utils.text import capfirst

from core.global_search import (
    SearchProvider,
    list_searched,
    prefix_search,
    register_search_provider,
)
from quotes.models import SalesQuote


def search_quotes(user, text: str, limit: int):
    queryset = SalesQuote.objects.select_related("customer").only("no", "customer__name")
    return prefix_search(queryset, text, ("no", "customer__no", "customer__name"), limit)


def describe_quote(quote: SalesQuote) -> tuple[str, str]:
    return quote.no, quote.customer.name


def register() -> None:
    register_search_provider(
        SearchProvider(
            key="quotes.salesquote",
            label=capfirst(SalesQuote._meta.verbose_name_plural),
            model=SalesQuote,
            permission="quotes.view_salesquote",
            search=search_quotes,
            order=80,
            describe=describe_quote,
            list_url=list_searched("quotes:salesquote_list"),
        )
    )
