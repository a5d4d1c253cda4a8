"""What the search box in the top bar finds among opportunities (core.global_search,
docs/search.md): those the user may see (``Opportunity.objects.visible_to``: a
salesperson only their own) whose No. or description starts with the text."""

from django.utils.text import capfirst

from core.global_search import (
    SearchProvider,
    list_searched,
    prefix_search,
    register_search_provider,
)
from opportunities.models import Opportunity


def search_opportunities(user, text: str, limit: int):
    queryset = Opportunity.objects.visible_to(user).only("no", "description")
    return prefix_search(queryset, text, ("no", "description"), limit)


def register() -> None:
    register_search_provider(
        SearchProvider(
            key="opportunities.opportunity",
            label=capfirst(Opportunity._meta.verbose_name_plural),
            model=Opportunity,
            permission="opportunities.view_opportunity",
            search=search_opportunities,
            order=90,
            list_url=list_searched("opportunities:opportunity_list"),
        )
    )
