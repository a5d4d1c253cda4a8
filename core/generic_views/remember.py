"""Lists that remember (docs/lists.md): every list page keeps the user's last query
(filters, sort, search; not the page) and the columns they chose, and offers their
saved views. ``RecordListView`` takes this mixin; the writes are the services of
core.remembered_lists.

- A list opened without a query string is sent (302) to the remembered query, so
  that its address, the export links and htmx's pushed URLs all carry the state.
- ``?_clear=1`` (the Clear link) remembers an empty query and opens the bare list.
- Any other request with a query (a full page or an htmx partial, not an export)
  is remembered, reduced to the list's own filters, sort and search.
"""

from functools import cached_property

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from core import remembered_lists
from core.models import ListState

CLEAR_PARAM = "_clear"


class RememberedListMixin:
    remembers_state = True
    # Columns that stay shown whatever the user chooses; None: the first column.
    locked_columns: tuple[str, ...] | None = None

    @cached_property
    def list_key(self) -> str | None:
        """The list's URL name; None for a list that does not remember (its URL takes
        arguments, or it is not a page of its own)."""
        match = getattr(self.request, "resolver_match", None)
        if not self.remembers_state or match is None or match.args or match.kwargs:
            return None
        if not self.request.user.is_authenticated:
            return None
        return match.view_name

    @cached_property
    def list_spec(self):
        return remembered_lists.spec_of(type(self), self.list_key)

    @cached_property
    def list_state(self) -> ListState | None:
        if self.list_key is None:
            return None
        return ListState.objects.filter(user=self.request.user, list_key=self.list_key).first()

    def _partial(self) -> bool:
        htmx = getattr(self.request, "htmx", False)
        return bool(htmx) and not htmx.boosted

    def get(self, request, *args, **kwargs):
        if self.list_key is None:
            return super().get(request, *args, **kwargs)
        if CLEAR_PARAM in request.GET:
            remembered_lists.remember_query(user=request.user, list_key=self.list_key, query="")
            return HttpResponseRedirect(request.path)
        if not request.GET and not self._partial():
            state = self.list_state
            if state is not None and state.query:
                return HttpResponseRedirect(f"{request.path}?{state.query}")
        response = super().get(request, *args, **kwargs)
        if request.GET and not self.exporting():
            self.remember_query()
        return response

    def remember_query(self) -> None:
        """Keep the request's query, reduced to what the list takes (unknown
        parameters, the page, empty values and values the filter refused left out: the
        refusal is shown once, not every time the list opens); written only when it
        changed."""
        params = self.request.GET.copy()
        for name in self._refused_filters():
            for param in [key for key in params if key == name or key.startswith(f"{name}_")]:
                del params[param]
        query = remembered_lists.clean_query(self.list_spec, params, strict=False)
        state = self.list_state
        if state is None or state.query != query:
            remembered_lists.remember_query(
                user=self.request.user, list_key=self.list_key, query=query
            )

    def _refused_filters(self) -> list[str]:
        filterset = getattr(self, "filterset", None)
        if filterset is None or not filterset.is_bound or filterset.is_valid():
            return []
        return list(filterset.errors)

    def hidden_columns(self) -> list[str]:
        state = self.list_state
        if state is None or not isinstance(state.columns, list):
            return []
        return remembered_lists.hidden_columns(self.list_spec, state.columns)

    def columns_chosen(self) -> bool:
        """Whether the user chose the list's columns: they are then shown at every
        width; otherwise columns of low priority hide on narrow windows (core.tables)."""
        state = self.list_state
        return state is not None and isinstance(state.columns, list) and bool(state.columns)

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        hidden = self.hidden_columns()
        if hidden:
            # ``exclude`` replaces the table's own Meta.exclude: keep both.
            own = tuple(self.get_table_class()._meta.exclude or ())
            kwargs["exclude"] = (*own, *kwargs.get("exclude", ()), *hidden)
        return kwargs

    def cleared_url(self) -> str:
        """The list without filters, sort or search, remembered so."""
        if self.list_key is None:
            return self.request.path
        return f"{self.request.path}?{urlencode({CLEAR_PARAM: 1})}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["list_clear_url"] = self.cleared_url()
        if self.list_key is None or self._partial() or self.exporting():
            return context
        spec = self.list_spec
        hidden = set(self.hidden_columns())
        context.update(
            {
                "list_key": self.list_key,
                # Evaluated only by the full page's Views menu (not by htmx partials).
                "saved_views": remembered_lists.visible_views(self.request.user, self.list_key),
                "save_view_url": reverse(
                    "core:savedview_create", kwargs={"list_key": self.list_key}
                ),
                "columns_url": reverse("core:list_columns"),
                "column_choices": [
                    {
                        "name": name,
                        "header": header,
                        "shown": name not in hidden,
                        "locked": name in spec.locked,
                    }
                    for name, header in spec.column_headers()
                ],
            }
        )
        return context
