"""The one generic way to build list, card, edit, delete and action pages.

Every app configures these bases (model, queryset, filterset, table, form,
sections) instead of writing its own views. URL names follow
``<app>:<model>_<list|card|create|edit|delete|...>`` with the business key as
``key`` (see ``core.models.CardUrlMixin``).
"""

import copy
import csv
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import FieldError, ValidationError
from django.db import models, transaction
from django.forms import ModelChoiceField
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_str
from django.utils.http import content_disposition_header
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView
from django.views.generic.edit import FormMixin
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin
from django_tables2.export import ExportMixin
from django_tables2.rows import BoundRow, BoundRows

from core import pagination
from core.concurrency import (
    VERSION_FIELD,
    RecordChanged,
    record_version,
    version_input,
    version_names,
)
from core.filters import SearchFilterSet
from core.forms import KeyChoiceField, add_service_error
from core.history import history_rows
from core.panels import actions_for, panels_for
from core.presentation import card_sections
from core.services import delete_record, save_record
from core.submit_once import SubmitOnceMixin


class ModelPermissionMixin(PermissionRequiredMixin):
    """Check ``<app>.<permission_action>_<model>`` unless ``permission_required`` is set.

    A logged-in user without the permission gets 403; anonymous users never get
    here (``LoginRequiredMiddleware`` sends them to the login page).
    """

    raise_exception = True
    permission_action = "view"

    def get_permission_required(self):
        if self.permission_required:
            return super().get_permission_required()
        meta = self.model._meta
        return [f"{meta.app_label}.{self.permission_action}_{meta.model_name}"]


def _has_model_perm(user, model, action: str) -> bool:
    meta = model._meta
    return user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")


def _url_or_none(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


class KeyObjectMixin:
    """Find the record by the business key in the URL (``url_key`` of the model)."""

    slug_url_kwarg = "key"

    def get_slug_field(self):
        return self.model.url_key

    def get_object(self, queryset=None):
        try:
            return super().get_object(queryset)
        except (ValueError, ValidationError):
            raise Http404 from None  # e.g. letters where a number key is expected


class PageMixin:
    """Title, breadcrumbs and template of a page.

    The template is ``<app>/<model>_<template_kind>.html`` when the app has one (the
    record's own model, else the view's), else ``generic_template``; a view that names
    ``template_name`` gets that one.
    """

    template_kind = ""
    generic_template = ""

    def get_template_names(self):
        if self.template_name or not self.template_kind:
            return super().get_template_names()
        record = getattr(self, "object", None)
        meta = (record if isinstance(record, models.Model) else self.model)._meta
        return [
            f"{meta.app_label}/{meta.model_name}_{self.template_kind}.html",
            self.generic_template,
        ]

    title: str = ""

    def get_title(self) -> str:
        return str(self.title)

    def list_crumb(self):
        model = self.model
        return (capfirst(model._meta.verbose_name_plural), _url_or_none(model.url_name("list")))

    def get_breadcrumbs(self) -> list[tuple[str, str | None]]:
        return [(self.get_title(), None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = self.get_title()
        context["breadcrumbs"] = self.get_breadcrumbs()
        context["model_meta"] = self.model._meta
        return context


class _Echo:
    """A file that hands back what is written to it (csv.writer into a stream)."""

    def write(self, value):
        return value


def stream_csv(rows, *, batch: int = 500):
    """CSV text of ``rows`` in pieces of ``batch`` lines, for a StreamingHttpResponse.
    Text cells a spreadsheet would run as a formula are neutralised
    (``core.spreadsheet_safety``)."""
    from core.spreadsheet_safety import neutralise_row

    writer = csv.writer(_Echo())
    lines = []
    for row in rows:
        lines.append(writer.writerow(neutralise_row(row)))
        if len(lines) >= batch:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


def table_export_rows(table, exclude_columns=(), rows=None):
    """The header and the values of every row of ``table`` (as django-tables2's
    ``as_values``; ``rows`` instead of the table's own queryset), read in keyset
    chunks so that a million rows never sit in memory."""
    columns = [
        column
        for column in table.columns.iterall()
        if not (column.column.exclude_from_export or column.name in exclude_columns)
    ]
    yield [force_str(column.header, strings_only=True) for column in columns]
    model = table.data.model
    # Plain columns are read straight from the record (per cell, django-tables2
    # inspects call signatures: 2-3 ms a row, most of an export's time).
    readers = {
        column.name: _plain_reader(model, column)
        for column in columns
        if _plain_column(table, column)
    }

    def value_of(row, column):
        reader = readers.get(column.name)
        return row.get_cell_value(column.name) if reader is None else reader(row.record)

    for record in pagination.iterate(table.data.data if rows is None else rows):
        row = BoundRow(record, table=table)
        yield [force_str(value_of(row, column), strings_only=True) for column in columns]


def _plain_reader(model, bound_column):
    """Read the accessor's value of a record as django-tables2 does for a plain
    column: through relations, the choice label for a field with choices, None
    for an empty value."""
    bits = tables.A(bound_column.accessor).bits
    try:
        field = tables.A(bound_column.accessor).get_field(model)
    except Exception:  # noqa: BLE001 - not a model field: the attribute as is
        field = None
    label = bool(getattr(field, "choices", None))
    empty = bound_column.column.empty_values

    def read(record):
        value = record
        for bit in bits[:-1]:
            value = getattr(value, bit, None)
            if value is None:
                return None
        if label:
            value = getattr(value, f"get_{bits[-1]}_display")()
        else:
            value = getattr(value, bits[-1], None)
            if callable(value):
                value = value()
        return None if value in empty else value

    return read


def _plain_column(table, bound_column) -> bool:
    """A column whose export value is the accessor's value (or choice label) as is:
    a plain ``Column`` without ``render_FOO``/``value_FOO`` on the table."""
    column = bound_column.column
    name = bound_column.name
    return (
        type(column).value is tables.Column.value
        and type(column).render is tables.Column.render
        and not hasattr(table, f"render_{name}")
        and not hasattr(table, f"value_{name}")
    )


class RecordListView(ModelPermissionMixin, PageMixin, ExportMixin, SingleTableMixin, FilterView):
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
    export_formats = ("csv",)
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
                raise Http404  # only the formats we offer (CSV); anything else is not a page
            return self.stream_export(context[self.context_table_name], export_format)
        return super().render_to_response(context, **response_kwargs)

    def get_export_filename(self, export_format):
        return f"{self.model._meta.model_name}s.{export_format}"

    def stream_export(self, table, export_format):
        """The filtered rows as CSV, in the list's order, streamed in chunks."""
        response = StreamingHttpResponse(
            stream_csv(table_export_rows(table, self.exclude_columns, self.page_source(table))),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = content_disposition_header(
            True, self.get_export_filename(export_format)
        )
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
        if filterset.searching and filterset.broad_on(
            pagination.sort_keys(source)[0].path, limit=self.count_limit
        ):
            # The matches crowd together in the sort order (q=CT09 by No.): reading
            # in order would pass every row before them; the ranges collect them.
            return source
        filterset.read_in_order = True
        rows = filterset.filter_queryset(filterset.queryset.all())
        if source.query.order_by:
            rows = rows.order_by(*source.query.order_by)
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
        if _has_model_perm(self.request.user, self.model, "add"):
            context["create_url"] = _url_or_none(self.model.url_name("create"))
            context["create_label"] = self.create_label or _("New")
        query = self.request.GET.copy()
        for name in ("page", pagination.CURSOR_PARAM):
            query.pop(name, None)
        query["_export"] = "csv"
        context["export_query"] = query.urlencode()
        context["filters_active"] = any(
            v
            for k, v in self.request.GET.items()
            if k not in {"page", "sort", "q", pagination.CURSOR_PARAM}
        )
        return context


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
        if _has_model_perm(user, self.model, "change"):
            context["edit_url"] = _url_or_none(self.model.url_name("edit"), key=key)
        if _has_model_perm(user, self.model, "delete"):
            context["delete_url"] = _url_or_none(self.model.url_name("delete"), key=key)
        context["panels"] = panels_for(obj, user)
        context["card_actions"] = actions_for(obj, user)
        for sublist in self.sublists:
            context.update(sublist.context(self))
        if self.show_history:
            context["history"] = history_rows(obj)
        return context


class FormPageMixin(SubmitOnceMixin, PageMixin):
    """Save a form in one transaction through a service; a refusal becomes a form error.

    A form sent again with its one-time token is refused (``core.submit_once``). An edit
    form carries the version of the record it was loaded from (``core.concurrency``):
    a save over a newer version is refused and the page shows who changed the record,
    when, and their values beside the ones typed; saving again applies those.
    """

    template_kind = "form"
    generic_template = "generic/form.html"
    success_message = ""
    # Line sets saved together with the record (e.g. an activity's steps in a formset):
    # the version covers them too.
    version_lines: tuple[str, ...] = ()
    conflict = None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if getattr(kwargs.get("instance"), "pk", None) is not None:
            # The form puts what was typed on its instance even when it is refused; the
            # page (title, breadcrumbs, Cancel) keeps showing the record as stored.
            kwargs["instance"] = copy.copy(kwargs["instance"])
        return kwargs

    def editing(self) -> bool:
        return getattr(getattr(self, "object", None), "pk", None) is not None

    @staticmethod
    def m2m_fields(form) -> list[str]:
        """The many-to-many fields of the model that ``form`` edits."""
        return [
            field.name
            for field in form._meta.model._meta.many_to_many
            if field.name in form.fields and not form.fields[field.name].disabled
        ]

    def form_version(self, form) -> str | None:
        """The version the form was loaded from: the one it was posted with (kept on a
        page shown again with errors), the record's now on a GET, the newest after a
        refused stale save."""
        if self.conflict is not None:
            return self.conflict.version
        if self.request.method == "POST":
            return self.request.POST.get(VERSION_FIELD) or None
        record = self.object
        names = version_names(type(record), m2m=self.m2m_fields(form), lines=self.version_lines)
        return record_version(record, names)

    def check_version(self, form) -> bool:
        """Before asking something more (a confirmation step), tell a user whose form is
        stale: shows the conflict and returns False. The save checks again, locked."""
        record = self.object
        names = version_names(type(record), m2m=self.m2m_fields(form), lines=self.version_lines)
        version = self.form_version(form)
        if version is None or record_version(record, names) == version:
            return True
        m2m = {name: form.cleaned_data.get(name) or [] for name in self.m2m_fields(form)}
        self.conflict = RecordChanged(stored=record, yours=form.instance, fields=names, pending=m2m)
        return False

    def save_kwargs(self, form) -> dict:
        """What every save service takes from the page: the acting user and, for an
        edit, the version the form was loaded from."""
        kwargs = {"user": self.request.user}
        if self.editing():
            kwargs["version"] = self.form_version(form)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        if self.editing() and form is not None and hasattr(form, "_meta"):
            version = self.form_version(form)
            if version:
                context["version_field"] = version_input(self.object, version=version)
        context["conflict"] = self.conflict
        return context

    def form_valid(self, form):
        try:
            with transaction.atomic():
                self.object = self.save_form(form)
        except RecordChanged as error:
            self.conflict = error  # shown above the form (generic/partials/conflict.html)
            return self.form_invalid(form)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        message = self.get_success_message()
        if message:
            messages.success(self.request, message)
        return HttpResponseRedirect(self.get_success_url())

    def get_success_message(self) -> str:
        return self.success_message % {"object": self.object} if self.success_message else ""

    def save_form(self, form):
        """Save through the generic record service; apps with a service of their own
        override this and pass ``save_kwargs``."""
        instance = form.save(commit=False)
        m2m = {name: form.cleaned_data[name] for name in self.m2m_fields(form)}
        return save_record(
            instance=instance, m2m=m2m, lines=self.version_lines, **self.save_kwargs(form)
        )


def query_value(field, value: str):
    """The initial value of form ``field`` for ``value`` taken from a link: a record by the
    key its URLs use (``?campaign=CP0001``), a key typed in a text box as it is, any
    other value as the field cleans it (None when it does not)."""
    value = value.strip()[:100]
    if isinstance(field, KeyChoiceField):
        return value.upper()
    if isinstance(field, ModelChoiceField):
        model = field.queryset.model
        key = getattr(model, "url_key", "pk")
        try:
            return field.queryset.filter(**{key: value.upper()}).first()
        except (ValueError, ValidationError):
            return None
    try:
        return field.clean(value)
    except ValidationError:
        return None


class QueryInitialMixin:
    """A form page that a link opens filled in: each query parameter named like a form
    field (or an alias in ``query_aliases``: ``{"company": "company_no"}``) gives that
    field its initial value (``query_value``); a value that does not fit is left out."""

    query_aliases: dict[str, str] = {}

    def get_initial(self):
        initial = super().get_initial()
        fields = self.get_form_class().base_fields
        for name, value in self.request.GET.items():
            field_name = self.query_aliases.get(name, name)
            field = fields.get(field_name)
            if field is None or not value or field_name in initial:
                continue
            chosen = query_value(field, value)
            if chosen not in (None, ""):
                initial[field_name] = chosen
        return initial


class RecordCreateView(ModelPermissionMixin, QueryInitialMixin, FormPageMixin, CreateView):
    """A new record; a link may fill in its fields (``QueryInitialMixin``)."""

    permission_action = "add"

    def get_title(self):
        return self.title or _("New %(model)s") % {"model": self.model._meta.verbose_name}

    def get_breadcrumbs(self):
        return [self.list_crumb(), (self.get_title(), None)]

    def form_valid(self, form):
        self.success_message = self.success_message or _("%(model)s %%(object)s created.") % {
            "model": capfirst(self.model._meta.verbose_name)
        }
        return super().form_valid(form)


class RecordUpdateView(ModelPermissionMixin, KeyObjectMixin, FormPageMixin, UpdateView):
    permission_action = "change"

    def get_title(self):
        return _("Edit %(object)s") % {"object": self.object}

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.object), self.object.get_absolute_url()),
            (_("Edit"), None),
        ]

    def form_valid(self, form):
        self.success_message = self.success_message or _("%(model)s %%(object)s saved.") % {
            "model": capfirst(self.model._meta.verbose_name)
        }
        return super().form_valid(form)


class RecordDeleteView(ModelPermissionMixin, KeyObjectMixin, PageMixin, DeleteView):
    """Confirm, then delete; a record still referenced is refused with what refers to it."""

    permission_action = "delete"
    template_kind = "confirm_delete"
    generic_template = "generic/confirm_delete.html"

    def get_title(self):
        return _("Delete %(object)s") % {"object": self.object}

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.object), self.object.get_absolute_url()),
            (_("Delete"), None),
        ]

    def deletion_summary(self) -> list[str]:
        """Lines naming what is deleted together with the record (shown before Yes)."""
        return []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = self.deletion_summary()
        return context

    def get_success_url(self):
        return reverse(self.model.url_name("list"))

    def form_valid(self, form):
        label = str(self.object)
        try:
            with transaction.atomic():
                self.perform_delete()
        except ValidationError as error:  # e.g. still in use: the message names by what
            for message in error.messages:
                messages.error(self.request, message)
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(
            self.request,
            _("%(model)s %(object)s deleted.")
            % {"model": capfirst(self.model._meta.verbose_name), "object": label},
        )
        return HttpResponseRedirect(self.get_success_url())

    def perform_delete(self):
        delete_record(instance=self.object, user=self.request.user)


class ConfirmActionView(
    ModelPermissionMixin, SubmitOnceMixin, KeyObjectMixin, PageMixin, FormMixin, DetailView
):
    """A card action that asks yes/no first (NAV's confirm), then calls a service.

    Subclasses set ``permission_required`` and implement ``question()`` and
    ``perform()``; ``perform`` returns the message shown on the card and may
    raise ``ValidationError`` to refuse. A refusal that names a field of the action's
    form (the date of a stage change) is shown on that form, with what was typed, and so
    is every refusal of an action with ``refusals_on_form`` (a form the user filled in
    to say how: assign an activity, move to a stage); any other goes back to the card as
    a message. With ``confirm_first`` the
    page asks ``confirmation(form)`` once more after the form is filled in (e.g. how
    many tasks will be made) before it performs.
    """

    template_name = "generic/confirm.html"
    action_label = ""
    submit_label = ""
    form_class = None
    confirm_first = False
    refusals_on_form = False

    def get_form_class(self):
        from django import forms

        return self.form_class or forms.Form

    def get_title(self):
        return f"{self.action_label} – {self.object}"

    def get_breadcrumbs(self):
        return [
            self.list_crumb(),
            (str(self.object), self.object.get_absolute_url()),
            (str(self.action_label), None),
        ]

    def question(self) -> str:
        raise NotImplementedError

    def perform(self, form) -> str:
        raise NotImplementedError

    def get_success_url(self):
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["question"] = self.question()
        context["action_label"] = self.action_label
        context["submit_label"] = self.submit_label or _("Yes")
        return context

    def confirmation(self, form) -> str:
        return ""

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        if self.confirm_first and request.POST.get("confirm") != "yes":
            return self.render_to_response(
                self.get_context_data(form=form, confirmation=self.confirmation(form))
            )
        try:
            with transaction.atomic():
                message = self.perform(form)
        except ValidationError as error:
            if self.refusals_on_form or _names_a_field(error, form):
                add_service_error(form, error)
                return self.form_invalid(form)
            for text in error.messages:
                messages.error(request, text)
        else:
            if message:
                messages.success(request, message)
        return HttpResponseRedirect(self.get_success_url())


def _names_a_field(error: ValidationError, form) -> bool:
    fields = set(form.fields) | set(getattr(form, "service_error_fields", {}))
    return hasattr(error, "error_dict") and any(name in fields for name in error.error_dict)
