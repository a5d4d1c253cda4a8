"""Bulk actions on the rows of a list (docs/contacts.md, Bulk actions).

A list view declares ``bulk_actions`` (``BulkAction``: a name, a label, the permission
it needs, an optional form for its parameters and the service call); an app above the
list's may add actions to it with ``register_bulk_action`` (the segments app adds *Add
to segment* to the contact list). When the user may perform one of them, the list gets
a check-box column and a bar with the actions.

The selection is posted to the list's own address:

- ``_selected``: primary keys (check boxes, or one value with keys separated by
  commas); integers only, at most ``MAX_IDS``; or
- ``_all=1``: every row that matches the list's filter, re-evaluated on the server from
  the posted query string (``_query``), never a list of keys.

Choosing an action shows a confirmation page that names the count and holds the
action's form; confirming runs the service in one transaction and goes back to the
list with a message. Bad or stale input (letters, too many keys, nothing selected,
rows deleted meanwhile, a filter that is no longer valid) is a message, never an
error page. Export actions stream the list's export of the selection instead.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from core import pagination
from core.submit_once import SubmitOnceMixin

MAX_IDS = 10_000  # explicit keys; beyond that the user selects all matching the filter
MAX_QUERY = 4_000  # characters of the posted list query
SELECTED = "_selected"
ALL = "_all"
QUERY = "_query"
ACTION = "_bulk"
STEP = "_step"  # posted by the confirmation page
CONFIRM = "_confirm"
COLUMN = "bulk_select"
FORM_ID = "bulk-form"
# Query parameters that belong to a page of the list, not to its filter.
PAGE_PARAMS = ("page", pagination.CURSOR_PARAM, "_export")


class SelectionError(ValidationError):
    """The posted selection cannot be used (shown as a message on the list)."""


@dataclass
class Selection:
    """The rows an action works on: ``queryset`` (unordered), ``count`` of them, the
    posted keys (``ids``, ``None`` when every row matching ``query`` is selected) and
    ``missing``: posted keys of rows that no longer exist (or are not in the list)."""

    model: type
    queryset: object
    count: int
    query: QueryDict
    ids: list[int] | None = None
    missing: int = 0
    filter_text: str = ""  # the filter and search as the user reads them

    @property
    def all_matching(self) -> bool:
        return self.ids is None

    @property
    def query_string(self) -> str:
        return self.query.urlencode()

    def things(self) -> str:
        meta = self.model._meta
        return str(meta.verbose_name if self.count == 1 else meta.verbose_name_plural)

    def describe(self) -> str:
        """ "12 contacts" / "1,234 contacts": the count in the reader's language."""
        return f"{number_format(self.count, force_grouping=True)} {self.things()}"


@dataclass(frozen=True)
class BulkAction:
    """One action on selected rows.

    ``run(selection=, data=, user=)`` calls the service and returns the message shown on
    the list (``data``: the cleaned form, ``{}`` without one); it may raise
    ``ValidationError`` to refuse. ``question(selection, data)`` is the confirmation
    ("Delete 12 contacts?"); with a form, ``data`` is filled in by then. ``export``
    ("csv" or "xlsx") makes an export action: the list's export of the selection,
    without a confirmation.
    """

    name: str
    label: str
    permission: str
    run: Callable | None = None
    question: Callable | None = None
    form_class: type | None = None
    form_kwargs: Callable | None = None  # (view) -> extra kwargs of the form
    export: str = ""
    icon: str = ""
    danger: bool = False
    submit_label: str = ""
    order: int = 50
    extra: dict = field(default_factory=dict)

    def permitted(self, user) -> bool:
        return user.has_perm(self.permission)


_REGISTRY: dict[str, list[BulkAction]] = {}


def register_bulk_action(model, action: BulkAction) -> None:
    """Offer ``action`` on every list of ``model`` (called from an app's ``ready``)."""
    actions = _REGISTRY.setdefault(model._meta.label_lower, [])
    actions[:] = [a for a in actions if a.name != action.name] + [action]


def registered_actions(model) -> list[BulkAction]:
    return list(_REGISTRY.get(model._meta.label_lower, []))


def export_actions(model) -> list[BulkAction]:
    """Export the selection as Excel and as CSV. Offered to those who may change the
    records (a selection is a working tool; everybody who may view the list exports
    the whole filtered list with its export buttons)."""
    meta = model._meta
    permission = f"{meta.app_label}.change_{meta.model_name}"
    return [
        BulkAction(
            name="export_xlsx",
            label=gettext_lazy("Export selection (Excel)"),
            permission=permission,
            export="xlsx",
            icon="bi-file-earmark-excel",
            order=90,
        ),
        BulkAction(
            name="export_csv",
            label=gettext_lazy("Export selection (CSV)"),
            permission=permission,
            export="csv",
            icon="bi-filetype-csv",
            order=91,
        ),
    ]


def parse_ids(values) -> list[int]:
    """The posted keys as sorted distinct integers; ``SelectionError`` when a value is
    not a whole number or there are more than ``MAX_IDS``."""
    ids = set()
    for value in values:
        for part in str(value).split(","):
            part = part.strip()
            if not part:
                continue
            if not (part.isascii() and part.isdigit()) or len(part) > 18:
                raise SelectionError(_("The selection is not a list of row numbers."))
            ids.add(int(part))
            if len(ids) > MAX_IDS:
                raise SelectionError(
                    _(
                        "At most %(n)s rows can be selected one by one: use “Select all "
                        "matching the filter” for more."
                    )
                    % {"n": number_format(MAX_IDS, force_grouping=True)}
                )
    return sorted(ids)


def list_query(query) -> QueryDict:
    """The filter, search and sort of a list query, without its page."""
    query = query.copy()
    for name in PAGE_PARAMS:
        query.pop(name, None)
    return query


class SelectColumn(tables.Column):
    """The check box of a row (posted with the bulk form, which is elsewhere on the
    page: the ``form`` attribute); the header's box selects the page's rows."""

    def __init__(self):
        super().__init__(
            accessor="pk",
            orderable=False,
            exclude_from_export=True,
            verbose_name="",
            attrs={"th": {"class": "bulk-select"}, "td": {"class": "bulk-select"}},
        )

    @property
    def header(self):
        return format_html(
            '<input type="checkbox" class="form-check-input" data-bulk-page '
            'form="{}" aria-label="{}">',
            FORM_ID,
            _("Select the rows of this page"),
        )

    def render(self, value, record):
        return format_html(
            '<input type="checkbox" class="form-check-input" form="{}" name="{}" value="{}" '
            'aria-label="{}" data-bulk-row>',
            FORM_ID,
            SELECTED,
            value,
            _("Select %(record)s") % {"record": record},
        )


class _Handler:
    def dispatch(self, request, *args, **kwargs):
        return self.handler()


class _SubmitOnce(SubmitOnceMixin, _Handler):
    """The one-time token check of ``core.submit_once`` around one POST of a list (the
    list page itself has no token: its forms only filter, or lead to a confirmation)."""

    def __init__(self, handler):
        self.handler = handler


class BulkActionsMixin:
    """Bulk actions for ``RecordListView`` (see the module docstring)."""

    bulk_actions: tuple | list = ()
    bulk_template = "generic/bulk_confirm.html"

    def get_bulk_actions(self) -> list[BulkAction]:
        actions = [*self.bulk_actions, *registered_actions(self.model)]
        return sorted(actions, key=lambda action: action.order)

    def permitted_bulk_actions(self) -> list[BulkAction]:
        if not hasattr(self, "_permitted_bulk_actions"):
            user = self.request.user
            self._permitted_bulk_actions = [
                action for action in self.get_bulk_actions() if action.permitted(user)
            ]
        return self._permitted_bulk_actions

    # --- The list page -------------------------------------------------------------

    def get_table_kwargs(self):
        kwargs = super().get_table_kwargs()
        if self.request.method == "GET" and not self.exporting() and self.permitted_bulk_actions():
            kwargs["extra_columns"] = [*kwargs.get("extra_columns", ()), (COLUMN, SelectColumn())]
            kwargs["sequence"] = (COLUMN, *(kwargs.get("sequence") or ("...",)))
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actions = self.permitted_bulk_actions()
        if actions and not self.exporting():
            context["bulk_actions"] = actions
            context["bulk_query"] = list_query(self.request.GET).urlencode()
            context["bulk_form_id"] = FORM_ID
        return context

    # --- Posting an action ---------------------------------------------------------

    def list_url(self, query=None) -> str:
        query = self.request.GET if query is None else query
        return f"{self.request.path}?{query.urlencode()}" if query else self.request.path

    def posted_query(self) -> QueryDict:
        text = self.request.POST.get(QUERY, "")
        if len(text) > MAX_QUERY or "\x00" in text:
            raise SelectionError(_("The list's filter is too long; filter the list again."))
        return list_query(QueryDict(text))

    def post(self, request, *args, **kwargs):
        return _SubmitOnce(lambda: self.bulk_post(request)).dispatch(request)

    def bulk_post(self, request):
        permitted = {action.name: action for action in self.permitted_bulk_actions()}
        if not permitted:
            raise PermissionDenied
        name = request.POST.get(ACTION, "")
        action = {a.name: a for a in self.get_bulk_actions()}.get(name)
        try:
            query = self.posted_query()
        except SelectionError as error:
            return self.refuse(error, QueryDict())
        # The list as it was filtered when the rows were selected.
        request.GET = query
        if action is None:
            return self.refuse(SelectionError(_("Choose one of the actions.")), query)
        if name not in permitted:
            raise PermissionDenied
        try:
            selection = self.get_selection(query)
        except SelectionError as error:
            return self.refuse(error, query)
        if action.export:
            return self.export_selection(action, selection)
        return self.confirm_or_run(action, selection)

    def refuse(self, error, query):
        for text in error.messages:
            messages.error(self.request, text)
        return HttpResponseRedirect(self.list_url(query))

    def get_selection(self, query) -> Selection:
        post = self.request.POST
        if post.get(ALL) == "1":
            filterset = self.get_filterset(self.get_filterset_class())
            if filterset.is_bound and not filterset.is_valid():
                problems = "; ".join(
                    f"{capfirst(str(filterset.form.fields[name].label or name))}: "
                    f"{' '.join(errors)}"
                    if name in filterset.form.fields
                    else " ".join(errors)
                    for name, errors in filterset.form.errors.items()
                )
                raise SelectionError(
                    _("The list's filter is no longer valid (%(problems)s): filter it again.")
                    % {"problems": problems}
                )
            self.filterset = filterset
            rows = filterset.qs.order_by()
            count = rows.count()
            if not count:
                raise SelectionError(_("No rows match the filter any more."))
            return Selection(
                model=self.model,
                queryset=rows,
                count=count,
                query=query,
                filter_text=describe_filter(filterset),
            )
        ids = parse_ids(post.getlist(SELECTED))
        if not ids:
            raise SelectionError(_("Select one or more rows first."))
        rows = self.get_queryset().filter(pk__in=ids).order_by()
        count = rows.count()
        if not count:
            raise SelectionError(
                _("None of the selected rows exist any more; the list shows what there is now.")
            )
        return Selection(
            model=self.model,
            queryset=rows,
            count=count,
            query=query,
            ids=ids,
            missing=len(ids) - count,
        )

    def export_selection(self, action, selection):
        from core import audit
        from core.models import AuditAction

        if selection.all_matching:
            self.object_list = self.filterset.qs
        else:
            self.object_list = self.get_queryset().filter(pk__in=selection.ids)
        table = self.get_table(**self.get_table_kwargs())
        rows = self.page_source(table)
        audit.record(
            self.request.user,
            AuditAction.SELECTION_EXPORTED,
            None,
            selection.count,
            # The records' name worded for the reader (core.audit); the selection as made.
            audit.message(
                gettext_noop("%(things)s (%(format)s): %(selection)s"),
                things=audit.model_name(self.model, plural=True),
                format=action.export,
                selection=selection_detail(selection),
            ),
        )
        return self.stream_export(table, action.export, rows=rows)

    def get_bulk_form(self, action, data=None):
        form_class = action.form_class or forms.Form
        kwargs = action.form_kwargs(self) if action.form_kwargs else {}
        return form_class(data, **kwargs)

    def confirm_or_run(self, action, selection):
        request = self.request
        answered = request.POST.get(STEP) == "1"
        form = self.get_bulk_form(action, request.POST if answered else None)
        if not answered or not form.is_valid():
            return self.render_bulk_page(action, selection, form, confirming=not form.fields)
        if form.fields and request.POST.get(CONFIRM) != "yes":
            return self.render_bulk_page(action, selection, form, confirming=True)
        try:
            with transaction.atomic():
                message = action.run(selection=selection, data=form.cleaned_data, user=request.user)
        except ValidationError as error:
            if hasattr(error, "error_dict") and any(
                name in form.fields for name in error.error_dict
            ):
                from core.forms import add_service_error

                add_service_error(form, error)
                return self.render_bulk_page(action, selection, form, confirming=False)
            return self.refuse(error, selection.query)
        if message:
            messages.success(request, message)
        return HttpResponseRedirect(self.list_url(selection.query))

    def render_bulk_page(self, action, selection, form, *, confirming: bool):
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        question = action.question(selection, data) if action.question else ""
        details = []
        if selection.missing:
            details.append(
                ngettext(
                    "%(n)d of the selected rows no longer exists; the action leaves it out.",
                    "%(n)d of the selected rows no longer exist; the action leaves them out.",
                    selection.missing,
                )
                % {"n": selection.missing}
            )
        if selection.all_matching:
            details.append(
                _("Every row that matches the list's filter now: %(filter)s.")
                % {"filter": selection_detail(selection)}
            )
        hidden = {ACTION: action.name, QUERY: selection.query_string, STEP: "1"}
        if selection.all_matching:
            hidden[ALL] = "1"
        else:
            hidden[SELECTED] = ",".join(str(pk) for pk in selection.ids)
        if confirming:
            hidden[CONFIRM] = "yes"
        title = capfirst(str(action.label))
        context = {
            "title": title,
            "breadcrumbs": [
                (capfirst(self.model._meta.verbose_name_plural), self.list_url(selection.query)),
                (title, None),
            ],
            "model_meta": self.model._meta,
            "question": question,
            "details": details,
            "form": form,
            "hidden": hidden,
            "confirming": confirming,
            "action": action,
            "selection": selection,
            "submit_label": (action.submit_label or _("Yes")) if confirming else _("Next"),
            "cancel_url": self.list_url(selection.query),
            "submit_once_field": self.submit_once_field(),
        }
        return TemplateResponse(self.request, self.bulk_template, context)

    def submit_once_field(self):
        from core.submit_once import hidden_field

        return hidden_field(self.request)


def selection_detail(selection: Selection) -> str:
    """The selection for an audit entry or a confirmation: the filter it was made
    under, or the number of rows picked one by one."""
    if not selection.all_matching:
        return ngettext(
            "%(n)s row selected one by one", "%(n)s rows selected one by one", selection.count
        ) % {"n": number_format(selection.count, force_grouping=True)}
    return selection.filter_text or _("no filter (every row of the list)")


def describe_filter(filterset) -> str:
    """The filled-in filters and search of a (valid) filter set: "Salesperson = JO
    John Doe, Search = jan"."""
    form = filterset.form
    return ", ".join(
        f"{capfirst(str(form.fields[name].label or name))} = {value}"
        for name, value in form.cleaned_data.items()
        if name in form.fields and value not in (None, "", [], ())
    )
