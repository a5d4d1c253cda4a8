"""The card page and its long sub-lists."""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from django.views.generic import DetailView
from django_tables2.rows import BoundRows

from core import pagination
from core.generic_views.base import (
    KeyObjectMixin,
    ModelPermissionMixin,
    PageMixin,
    has_model_perm,
    url_or_none,
)
from core.history import history_rows
from core.panels import actions_for, panels_for
from core.presentation import card_sections


@dataclass(frozen=True)
class SubList:
    """A long list on a card (a segment's lines, an entry's interactions), a page at a
    time by keyset (``core.pagination``: no ``OFFSET``, a capped count).

    ``rows(card)`` gives the rows in their order; ``count(card, rows)`` a count known
    already (``RowCount``), else the rows are counted up to the cap. With ``table`` (a
    django-tables2 table, e.g. the list page's) the card gets it as ``<name>`` with the
    page's rows (``exclude``: columns the card leaves out), rendered by
    ``generic/partials/sublist.html``; without, the template loops over
    ``<name>_page`` itself (rows with buttons of their own).
    """

    name: str
    rows: Callable
    table: type | None = None
    exclude: tuple[str, ...] = ()
    per_page: int = 50
    count: Callable | None = None
    empty_text: str = ""

    def page(self, view):
        rows = self.rows(view)
        count = self.count(view, rows) if self.count else pagination.count_rows(rows)
        return pagination.paginate(
            rows,
            cursor=view.request.GET.get(pagination.CURSOR_PARAM),
            per_page=self.per_page,
            count=count,
            query=view.request.GET,
            fragment=f"#{self.name}",
        )

    def context(self, view) -> dict:
        page = self.page(view)
        context = {f"{self.name}_page": page}
        if self.table is not None:
            table = self.table(
                list(page.object_list),
                exclude=self.exclude,
                orderable=False,
                empty_text=self.empty_text,
            )
            table.page = SimpleNamespace(object_list=BoundRows(table.data.data, table=table))
            context[self.name] = table
        return context


class RecordCardView(ModelPermissionMixin, KeyObjectMixin, PageMixin, DetailView):
    """A card page: header, action bar, FastTab-like sections, side panel, sub-lists
    (``SubList``), history."""

    template_kind = "card"
    generic_template = "generic/card.html"
    # [(section title, [field names or (label, attribute)])]; the generic template
    # renders these.
    sections: list[tuple[str, list]] = []
    sublists: tuple[SubList, ...] = ()
    show_history = True

    def get_title(self):
        return str(self.object)

    def get_breadcrumbs(self):
        return [self.list_crumb(), (self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        obj = self.object
        key = getattr(obj, self.model.url_key)
        context["sections"] = card_sections(obj, self.sections)
        if has_model_perm(user, self.model, "change"):
            context["edit_url"] = url_or_none(self.model.url_name("edit"), key=key)
        if has_model_perm(user, self.model, "delete"):
            context["delete_url"] = url_or_none(self.model.url_name("delete"), key=key)
        context["panels"] = panels_for(obj, user)
        context["card_actions"] = actions_for(obj, user)
        for sublist in self.sublists:
            context.update(sublist.context(self))
        if self.show_history:
            context["history"] = history_rows(obj)
        return context
