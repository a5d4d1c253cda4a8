"""What the search box in the top bar finds among campaigns (core.global_search,
docs/search.md): the No. or the description starts with the text."""

from django.utils.text import capfirst

from campaigns.models import Campaign
from core.global_search import (
    SearchProvider,
    list_searched,
    prefix_search,
    register_search_provider,
)


def search_campaigns(user, text: str, limit: int):
    return prefix_search(
        Campaign.objects.only("no", "description"), text, ("no", "description"), limit
    )


def register() -> None:
    register_search_provider(
        SearchProvider(
            key="campaigns.campaign",
            label=capfirst(Campaign._meta.verbose_name_plural),
            model=Campaign,
            permission="campaigns.view_campaign",
            search=search_campaigns,
            order=40,
            list_url=list_searched("campaigns:campaign_list"),
        )
    )
