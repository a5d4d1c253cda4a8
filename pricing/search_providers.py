"""What the search box in the top bar finds among items (core.global_search,
docs/search.md): the No. or the description starts with the text."""

from django.utils.text import capfirst

from core.global_search import (
    SearchProvider,
    list_searched,
    prefix_search,
    register_search_provider,
)
from pricing.models import Item


def search_items(user, text: str, limit: int):
    return prefix_search(Item.objects.only("no", "description"), text, ("no", "description"), limit)


def register() -> None:
    register_search_provider(
        SearchProvider(
            key="pricing.item",
            label=capfirst(Item._meta.verbose_name_plural),
            model=Item,
            permission="pricing.view_item",
            search=search_items,
            order=70,
            list_url=list_searched("pricing:item_list"),
        )
    )
