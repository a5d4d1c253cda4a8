"""Pages for code tables (industry groups, campaign statuses, price groups …).

``code_table_urls(Model)`` gives a code table its list, card, create, edit and
delete pages without any view code of its own.
"""

import django_tables2 as tables
from django.forms import modelform_factory
from django.utils.translation import gettext_lazy as _

from core import generic_views as generic
from core.filters import CONTAINS, SearchFilterSet
from core.urls_helpers import record_urls

FIELDS = ["code", "description"]


class CodeTableTable(tables.Table):
    code = tables.Column(linkify=True)

    class Meta:
        fields = FIELDS


def code_table_views(model, *, empty_text=""):
    """The five generic views of ``model``, configured for a code table."""
    name = model.__name__
    # A code table may show a few fields more (``code_table_fields`` of the model).
    fields = FIELDS + list(getattr(model, "code_table_fields", []))
    meta = type("Meta", (), {"model": model, "fields": []})
    filterset = type(
        f"{name}Filter",
        (SearchFilterSet,),
        {"search_fields": tuple(FIELDS), "search_mode": CONTAINS, "Meta": meta},  # small
    )
    table = tables.table_factory(model, table=CodeTableTable, fields=fields)
    form = modelform_factory(model, fields=fields)
    common = {"model": model}
    return {
        "list": type(
            f"{name}List",
            (generic.RecordListView,),
            {
                **common,
                "table_class": table,
                "filterset_class": filterset,
                "empty_text": empty_text,
            },
        ),
        "card": type(
            f"{name}Card",
            (generic.RecordCardView,),
            {**common, "sections": [(_("General"), fields)]},
        ),
        "create": type(
            f"{name}Create", (generic.RecordCreateView,), {**common, "form_class": form}
        ),
        "edit": type(f"{name}Edit", (generic.RecordUpdateView,), {**common, "form_class": form}),
        "delete": type(f"{name}Delete", (generic.RecordDeleteView,), common),
    }


def code_table_urls(model, *, empty_text=""):
    """URL patterns (list, new, card, edit, delete) for code table ``model``."""
    return record_urls(model, **code_table_views(model, empty_text=empty_text))
