"""What the search box in the top bar finds among segments and logged segments
(core.global_search, docs/search.md): the No. or the description starts with the text;
a logged segment by its segment No. or description, or by its entry No. typed whole."""

import re

from django.db.models import Q
from django.utils.text import capfirst

from core.filters import prefix_condition
from core.global_search import (
    SearchProvider,
    list_searched,
    prefix_search,
    register_search_provider,
)
from segments.models import LoggedSegment, Segment

_ENTRY_NO = re.compile(r"[0-9]{1,18}")  # fits a bigint


def search_segments(user, text: str, limit: int):
    return prefix_search(
        Segment.objects.only("no", "description"), text, ("no", "description"), limit
    )


def search_logged_segments(user, text: str, limit: int):
    queryset = LoggedSegment.objects.only("segment_no", "description")
    condition = Q()
    for path in ("segment_no", "description"):
        condition |= prefix_condition(LoggedSegment, path, text, using=queryset.db)
    if _ENTRY_NO.fullmatch(text):
        condition |= Q(pk=int(text))
    return queryset.filter(condition)[:limit]


def describe_logged_segment(logged: LoggedSegment) -> tuple[str, str]:
    return str(logged.pk), f"{logged.segment_no} {logged.description}".strip()


def register() -> None:
    register_search_provider(
        SearchProvider(
            key="segments.segment",
            label=capfirst(Segment._meta.verbose_name_plural),
            model=Segment,
            permission="segments.view_segment",
            search=search_segments,
            order=50,
            list_url=list_searched("segments:segment_list"),
        )
    )
    register_search_provider(
        SearchProvider(
            key="segments.loggedsegment",
            label=capfirst(LoggedSegment._meta.verbose_name_plural),
            model=LoggedSegment,
            permission="segments.view_loggedsegment",
            search=search_logged_segments,
            order=60,
            describe=describe_logged_segment,
            list_url=list_searched("segments:loggedsegment_list"),
        )
    )
