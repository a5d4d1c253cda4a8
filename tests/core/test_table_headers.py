"""Every list's column headers start with a capital letter, whatever the verbose name
they come from ("Company No.", not "company No.")."""

import importlib
import importlib.util

import django_tables2 as tables
import pytest
from django.apps import apps
from django.conf import settings
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


def project_tables():
    """Every table class of the apps (the cards' sub-lists use some of them)."""
    root = str(settings.BASE_DIR)
    for app in apps.get_app_configs():
        if app.path.startswith(root) and importlib.util.find_spec(f"{app.name}.tables"):
            importlib.import_module(f"{app.name}.tables")

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return sorted(
        {
            table
            for table in subclasses(tables.Table)
            if table.__module__.split(".")[0] in {app.name for app in apps.get_app_configs()}
            and table._meta.model is not None
        },
        key=lambda table: f"{table.__module__}.{table.__qualname__}",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "nl"])
def test_every_table_header_starts_with_a_capital(language):
    """The tables of the cards' sub-lists as well ("Bedrijfscontact", not "bedrijfscontact")."""
    all_tables = project_tables()
    assert len(all_tables) > 20
    lower = []
    with translation.override(language):
        for table_class in all_tables:
            table = table_class(data=table_class._meta.model.objects.none())
            for column in table.columns:
                header = strip_tags(str(column.header)).strip()
                if header and header[0].isalpha() and not header[0].isupper():
                    lower.append(f"{table_class.__qualname__}.{column.name}: {header!r}")
    assert lower == []
