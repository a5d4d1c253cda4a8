"""Every list's column headers start with a capital letter, whatever the verbose name
they come from ("Company No.", not "company No.")."""

import pytest
from django.urls import get_resolver
from django.utils import translation
from django.utils.html import strip_tags

from core.generic_views import RecordListView


def list_views():
    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns)
                continue
            view = getattr(pattern.callback, "view_class", None)
            if view is not None and issubclass(view, RecordListView) and view.table_class:
                yield view

    return sorted(set(walk(get_resolver().url_patterns)), key=lambda view: view.__qualname__)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "nl"])
def test_list_column_headers_start_with_a_capital(language):
    views = list_views()
    assert len(views) > 20
    lower = []
    with translation.override(language):
        for view in views:
            model = view.model or view.queryset.model
            table = view.table_class(data=model.objects.none())
            for column in table.columns:
                header = strip_tags(str(column.header)).strip()
                if header and header[0].isalpha() and not header[0].isupper():
                    lower.append(f"{view.__qualname__}.{column.name}: {header!r}")
    assert lower == []
