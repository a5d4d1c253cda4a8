"""The list page: search, filter panel, sortable table with keyset pages, CSV and XLSX
export."""

from types import SimpleNamespace

from django.core.exceptions import FieldError
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.export import ExportMixin
from django_tables2.rows import BoundRows

from core import pagination
from core.filters import RANK, SearchFilterSet
from core.generic_views.base import ModelPermissionMixin, PageMixin, has_model_perm, url_or_none
from core.generic_views.bulk import BulkActionsMixin
from core.generic_views.exports import stream_csv, table_export_rows, xlsx_file
from core.generic_views.remember import RememberedListMixin

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RecordListView(
    ModelPermissionMixin,
    RememberedListMixin,
    BulkActionsMixin,
    PageMixin,
    ExportMixin,
    SingleTableMixin,
    FilterView,
):
    """A list page: search, filter panel, sortable table with keyset pages, CSV export.

    Pages are addressed by a cursor (``core.pagination``), never by ``OFFSET``; the
    count is exact up to ``pagination.COUNT_LIMIT`` rows and estimated above. A
    list with more rows than that offers sorting only by columns an index can
    deliver in order (sorting a million rows by an unindexed column is a full
    sort per page); the others say so in their header.
    """

    template_kind = "list"
    generic_template = "generic/list.html"
    partial_template_name = "generic/partials/list_results.html"
    # Neither the ListView nor django-tables2 paginates (their COUNT + OFFSET pages
    # are what large lists must avoid); get_context_data pages by keyset.
    paginate_by = None
    table_pagination = False
    per_page = 50
    count_limit = pagination.COUNT_LIMIT  # exact count up to this many rows
    export_formats = ("csv", "xlsx")
    empty_text = ""
    create_label = ""

    def get_title(self):
        return self.title or capfirst(self.model._meta.verbose_name_plural)

    def get_breadcrumbs(self):
        return [(self.get_title(), None)]

    def exporting(self) -> str | None:
        return self.request.GET.get(self.export_trigger_param)

    def render_to_response(self, context, **response_kwargs):
        export_format = self.exporting()
        if export_format is not None:
            if export_format not in self.export_formats:
                raise Http404  # only the formats we offer; anything else is not a page
            return self.stream_export(context[self.context_table_name], export_format)
        return super().render_to_response(context, **response_kwargs)

    def get_export_filename(self, export_format):
        return f"{self.model._meta.model_name}s.{export_format}"

    def stream_export(self, table, export_format, rows=None):
        """The filtered rows (or ``rows``, a selection: core.generic_views.bulk) as CSV
        (streamed in chunks) or XLSX, in the list's order."""
        source = self.page_source(table) if rows is None else rows
        rows = table_export_rows(table, self.exclude_columns, source)
        filename = self.get_export_filename(export_format)
        if export_format == "xlsx":
            return FileResponse(
                xlsx_file(rows, title=str(self.get_title())),
                as_attachment=True,
                filename=filename,
                content_type=XLSX_TYPE,
            )
        response = StreamingHttpResponse(stream_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response

    def create_export(self, export_format):
        return self.stream_export(self.get_table(**self.get_table_kwargs()), export_format)

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and not self.request.htmx.boosted:
            return [self.partial_template_name]
        return super().get_template_names()

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        kwargs.setdefault("empty_text", self.empty_text or _("Nothing here yet."))
        return kwargs

    def get_table(self, **kwargs):
        """The table, sorted as asked (by the columns keyset pages can follow)."""
        data = self.get_table_data()
        table = self.get_table_class()(data=data, **kwargs)
        if getattr(self, "row_count", None) is None:
            self.row_count = pagination.count_rows(data, limit=self.count_limit)
        self.limit_sorting(table, data, large=self.row_count.large)
        RequestConfig(self.request, paginate=False).configure(table)
        # Columns of low priority hide on narrow windows unless the user chose them.
        table.fit_columns = not self.columns_chosen()
        return table

    def limit_sorting(self, table, data, *, large: bool):
        """Make the columns that keyset pages cannot follow not sortable: those
        ordered through a to-many relation, and on a large list those no index
        delivers in order. Names the latter in ``table.keyset_unsortable``."""
        indexed = pagination.indexed_columns(data.model)
        table.keyset_unsortable = set()
        table.keyset_limit = self.count_limit
        for column in table.columns:
            if not column.orderable:
                continue
            try:
                keys = pagination.sort_keys(
                    data.order_by(*(accessor.for_queryset() for accessor in column.order_by))
                )
            except (pagination.KeysetError, FieldError):
                column.column.orderable = False
                continue
            first = keys[0]
            if large and (first.annotate or first.path not in indexed):
                column.column.orderable = False
                table.keyset_unsortable.add(column.name)

    def page_source(self, table):
        """The sorted rows to page. When the filters match more rows than the exact
        count covers, they are applied again with ``read_in_order`` (see
        core.filters): reading the rows in the page's order finds 50 matches fast,
        where the indexes would collect and sort every match."""
        source = table.data.data
        filterset = getattr(self, "filterset", None)
        if not (self.row_count.large and isinstance(filterset, SearchFilterSet)):
            return source
        if not filterset.is_bound or not filterset.is_valid():
            return source
        # The first column of the list's order (after an inside search's rank).
        first = next(key for key in pagination.sort_keys(source) if key.path != RANK)
        if filterset.searching and filterset.broad_on(first.path, limit=self.count_limit):
            # The matches crowd together in the sort order (q=CT09 by No.): reading
            # in order would pass every row before them; the ranges collect them.
            return source
        filterset.read_in_order = True
        rows = filterset.filter_queryset(filterset.queryset.all())
        # Without the rank of an inside search (core.filters): it is not read in order.
        order = [term for term in source.query.order_by if str(term).lstrip("-") != RANK]
        if order:
            rows = rows.order_by(*order)
        return rows

    def paginate_table(self, table):
        """Page the sorted table by keyset; the rows of the page become the table's."""
        page = pagination.paginate(
            self.page_source(table),
            cursor=self.request.GET.get(pagination.CURSOR_PARAM),
            per_page=self.per_page,
            count=self.row_count,
            query=self.request.GET,
        )
        table.page = SimpleNamespace(object_list=BoundRows(page.object_list, table=table))
        return page

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not self.exporting():
            context["list_page"] = self.paginate_table(context[self.context_table_name])
        if has_model_perm(self.request.user, self.model, "add"):
            context["create_url"] = url_or_none(self.model.url_name("create"))
            context["create_label"] = self.create_label or _("New")
        query = self.request.GET.copy()
        for name in ("page", pagination.CURSOR_PARAM):
            query.pop(name, None)
        query["_export"] = "csv"
        context["export_query"] = query.urlencode()
        query["_export"] = "xlsx"
        context["export_xlsx_query"] = query.urlencode()
        context["filters_active"] = any(
            v
            for k, v in self.request.GET.items()
            if k not in {"page", "sort", "q", pagination.CURSOR_PARAM}
        )
        context.update(self.no_match_context(context["filters_active"]))
        return context

    def no_match_context(self, filters_active: bool) -> dict:
        """An empty list that is searched or filtered says so, with a link that clears
        the search (or the filters), instead of the list's "nothing here yet" text."""
        searched = str(self.request.GET.get("q", "")).strip()
        if not (searched or filters_active):
            return {}
        things = self.model._meta.verbose_name_plural
        if searched and not filters_active:
            text = _("No %(things)s match '%(q)s'.") % {"things": things, "q": searched}
            query = self.request.GET.copy()
            for name in ("q", "page", pagination.CURSOR_PARAM):
                query.pop(name, None)
            clear_url = f"?{query.urlencode()}" if query else self.cleared_url()
            return {
                "no_match_text": text,
                "clear_url": clear_url,
                "clear_label": _("Clear the search"),
            }
        text = _("No %(things)s match the search and filters.") % {"things": things}
        return {
            "no_match_text": text,
            "clear_url": self.cleared_url(),
            "clear_label": _("Clear the filters"),
        }
