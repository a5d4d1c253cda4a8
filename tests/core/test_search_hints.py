"""The hint under a list's search box names the fields it searches as the users name
them (core.filters.SearchFilterSet): in Dutch a field of a related record is one word,
*klantnr.*, not *klant Nr.* (docs/glossary.md)."""

import pytest
from django.urls import get_resolver
from django.utils import translation

from core.filters import SearchFilterSet
from core.generic_views import RecordListView
from quotes.filters import SalesQuoteFilter
from quotes.models import SalesQuote

pytestmark = pytest.mark.django_db


def search_filtersets():
    """The filter sets of every list page that has a search box."""

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns)
                continue
            view = getattr(pattern.callback, "view_class", None)
            if view is not None and issubclass(view, RecordListView):
                filterset = getattr(view, "filterset_class", None)
                if filterset is not None and issubclass(filterset, SearchFilterSet):
                    yield filterset

    found = {
        filterset for filterset in walk(get_resolver().url_patterns) if filterset.search_fields
    }
    return sorted(found, key=lambda filterset: filterset.__qualname__)


def hint(filterset_class, language):
    model = filterset_class._meta.model
    with translation.override(language):
        filterset = filterset_class(data={}, queryset=model.objects.none())
        return str(filterset.filters["q"].extra["help_text"])


def test_the_quote_list_search_hint_in_both_languages():
    assert (
        hint(SalesQuoteFilter, "en") == "Starts with the text, in: No., customer No., customer name"
    )
    assert hint(SalesQuoteFilter, "nl") == "Begint met de tekst, in: Nr., klantnr., klantnaam"
    assert SalesQuoteFilter._meta.model is SalesQuote


def test_every_searched_field_of_a_related_record_is_one_dutch_word():
    filtersets = search_filtersets()
    assert len(filtersets) > 10
    awkward = []
    with translation.override("nl"):
        for filterset in filtersets:
            for path in filterset.search_fields:
                if "__" not in path:
                    continue
                label = str(filterset.search_labels.get(path, ""))
                if not label or " " in label:
                    awkward.append(f"{filterset.__qualname__}.{path}: {label!r}")
    assert awkward == []
    assert "bedrijfscontactnr." in hint(
        next(f for f in filtersets if f.__qualname__ == "CustomerFilter"), "nl"
    )
