"""The search box in the top bar: one text, searched in every kind of record the user
may see, the results grouped by kind (docs/search.md).

core does not know the business apps (docs/architecture.md): each app registers a
``SearchProvider`` per kind of record in its ``AppConfig.ready()`` (its
``search_providers.py``), and ``search()`` asks the providers whose permission the
user holds. A provider's ``search(user, text, limit)`` returns a queryset of at most
``limit`` rows, run as **one query** whatever the number of matches, so the page runs
one query per group it shows. Two helpers build such querysets:

- ``prefix_search``: the No. or name *starts with* the text, as index ranges
  (``core.filters.prefix_condition``); for tables that stay small.
- ``inside_search``: the large tables with a search text (contacts, customers,
  ``core.search``). A term of 3 characters or more is found *inside* the fields,
  ignoring case and accents, like their lists search; 1 or 2 characters: starts
  with. The matches are ranked exact → starts with → a word starts with → inside.
  Ranking every match would sort a million rows for a term in every e-mail address
  ("example"), so the query ranks a bounded set of candidates: per field the first
  rows of its prefix range (read in the order of its index: an exact match comes
  first) and the first ``POOL`` rows the trigram index finds with the term inside.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from core import search as inside
from core.filters import RANK, prefix_condition, prefix_expression

LIMIT = 5  # results per group
MAX_LENGTH = 100  # characters searched; the rest of a longer text is left out
POOL = 200  # rows found inside that a group ranks (inside_search)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class SearchProvider:
    """One kind of record the search box finds: a group of results."""

    key: str  # unique, e.g. "contacts.contact"
    label: str  # the group's heading, e.g. "Contacts" (lazily translated)
    model: type[models.Model]
    permission: str  # e.g. "contacts.view_contact": the group is shown only with it
    # (user, text, limit) -> a queryset of at most ``limit`` rows, best first: one query.
    search: Callable[..., models.QuerySet]
    order: int = 100
    # record -> (No., name) or (No., name, detail); default: ``no`` and ``name`` or
    # ``description``.
    describe: Callable[[models.Model], tuple[str, ...]] | None = None
    # text -> the URL of the model's list searched for the text ("Show all").
    list_url: Callable[[str], str] | None = None


@dataclass(frozen=True)
class Hit:
    no: str
    name: str
    url: str
    detail: str = ""  # e.g. a person's company


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    hits: list[Hit]
    more: bool  # more rows match than are shown
    list_url: str | None


_PROVIDERS: dict[str, SearchProvider] = {}


def register_search_provider(provider: SearchProvider) -> None:
    """Search ``provider``'s records too (an app's ``AppConfig.ready()``); registering
    a key again replaces the provider."""
    _PROVIDERS[provider.key] = provider


def providers() -> list[SearchProvider]:
    return sorted(_PROVIDERS.values(), key=lambda provider: (provider.order, provider.key))


def providers_for(user) -> list[SearchProvider]:
    """The providers whose permission ``user`` holds, in their order."""
    return [provider for provider in providers() if user.has_perm(provider.permission)]


def clean_text(value) -> str:
    """The text to search for: control characters (NUL included) as spaces, spaces
    around removed, at most ``MAX_LENGTH`` characters."""
    return _CONTROL.sub(" ", str(value or "")).strip()[:MAX_LENGTH].strip()


def describe(record) -> tuple[str, ...]:
    name = getattr(record, "name", None) or getattr(record, "description", "")
    return str(record.no), str(name or "")


def search(user, text: str, *, limit: int = LIMIT) -> list[Group]:
    """The groups with at least one match for ``text``, each with at most ``limit``
    hits: one query per provider the user may use, none for an empty text."""
    text = clean_text(text)
    if not text:
        return []
    groups = []
    for provider in providers_for(user):
        rows = list(provider.search(user, text, limit + 1))
        if not rows:
            continue
        show = provider.describe or describe
        hits = []
        for record in rows[:limit]:
            no, name, *detail = show(record)
            url = record.get_absolute_url()
            hits.append(Hit(no=no, name=name, url=url, detail="".join(map(str, detail))))
        groups.append(
            Group(
                key=provider.key,
                label=provider.label,
                hits=hits,
                more=len(rows) > limit,
                list_url=provider.list_url(text) if provider.list_url else None,
            )
        )
    return groups


# ------------------------------------------------------------ for the providers


def list_searched(url_name: str, **params) -> Callable[[str], str]:
    """``list_url`` of a provider: the list ``url_name`` searched for the text (and
    filtered by ``params``)."""

    def url(text: str) -> str:
        return f"{reverse(url_name)}?{urlencode({'q': text, **params})}"

    return url


def prefix_search(queryset, text: str, fields, limit: int):
    """The rows of ``queryset`` where one of ``fields`` starts with ``text`` (ignoring
    case; index ranges), in the queryset's order, at most ``limit``."""
    model = queryset.model
    condition = Q()
    for path in fields:
        condition |= prefix_condition(model, path, text, using=queryset.db)
    return queryset.filter(condition)[:limit]


def inside_search(queryset, text: str, fields, limit: int, *, pool: int | None = None):
    """The rows of ``queryset``'s model (a model with a search text, ``core.search``)
    that match ``text``, ranked, at most ``limit``: one query.

    The candidates are the first ``limit`` rows of each field's prefix range
    (``fields``, read in the order of their index, so an exact match is among them)
    and, for a term of 3 characters or more, the first ``pool`` rows the trigram
    index finds with the term inside; only those are ranked, so the work is the same
    for a term in a million rows as for a term in ten. ``queryset`` gives the rows
    to show (``select_related``, ``only``); its filters apply to the shown rows only,
    after the candidates are chosen."""
    model = queryset.model
    using = queryset.db
    term = inside.fold_term(text)
    rows = model._base_manager.using(using).order_by()
    members = []
    for path in fields:
        first = (
            rows.filter(prefix_condition(model, path, text, using=using))
            .order_by(prefix_expression(model, path))
            .values("pk")[:limit]
        )
        # A LIMIT inside a UNION member: SQLite wants it one subquery further down.
        members.append(rows.filter(pk__in=first))
    if len(term) >= inside.MIN_LENGTH:
        found = inside.first_matches(model, term, pool or POOL, using=using)
        members.append(rows.filter(found))
    if not members:
        return queryset.none()
    members = [member.values("pk") for member in members]
    candidates = members[0].union(*members[1:], all=True) if len(members) > 1 else members[0]
    ordering = list(queryset.query.order_by or model._meta.ordering)
    return (
        queryset.filter(pk__in=candidates)
        .annotate(**{RANK: inside.rank_expression(model, term or text)})
        .order_by(RANK, *ordering)[:limit]
    )
