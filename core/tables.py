import functools

import django_tables2 as tables
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_tables2 import utils as tables_utils
from django_tables2.columns.base import library

from core.models import AuditEntry, Job, NumberSeries

NUMBER_ATTRS = {"td": {"class": "text-end"}, "th": {"class": "text-end"}}


# django-tables2 inspects the signature of a column's render method for every
# cell it renders (``utils.call_with_appropriate`` calls ``utils.signature``): a
# sixth of a list page's server time. A signature depends only on the function, so
# it is worked out once per function (bound methods by their function, without
# ``self``). ``CoreConfig.ready()`` installs it with ``cache_cell_signatures()``;
# django-tables2 is pinned to its minor version for this, and
# tests/core/test_tables_patch.py fails when the patched function changes.
_inspect_signature = tables_utils.signature


@functools.lru_cache(maxsize=1024)
def _signature_of(function, bound: bool):
    if bound:
        arguments, keywords = _inspect_signature(function)
        return arguments[1:], keywords
    return _inspect_signature(function)


def _cached_signature(fn):
    function = getattr(fn, "__func__", None)
    try:
        if function is not None:
            return _signature_of(function, True)
        return _signature_of(fn, False)
    except TypeError:  # not hashable: inspect it as django-tables2 does
        return _inspect_signature(fn)


def cache_cell_signatures() -> None:
    """Replace ``django_tables2.utils.signature`` with the cached version (idempotent)."""
    tables_utils.signature = _cached_signature


@library.register
class AmountColumn(tables.Column):
    """A decimal (amount, quantity, percentage) as the user's language writes it,
    thousands grouped: ``1,234.56`` in English, ``1.234,56`` in Dutch.

    Registered with django-tables2, so every ``DecimalField`` a table shows gets it;
    declare it for annotated decimals. The CSV export keeps the plain number.
    """

    def __init__(self, *args, decimal_places=None, **kwargs):
        self.decimal_places = decimal_places
        kwargs.setdefault("attrs", NUMBER_ATTRS)
        super().__init__(*args, **kwargs)

    def render(self, value):
        return number_format(value, decimal_pos=self.decimal_places, force_grouping=True)

    def value(self, value):
        return value

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DecimalField):
            return cls(decimal_places=field.decimal_places, **kwargs)
        return None


@library.register
class DayColumn(tables.Column):
    """A date in the language's short format (``27-11-2026``), kept on one line.

    Registered for every ``DateField`` (not date-times) instead of django-tables2's
    ``DateColumn``, which rendered a template per cell and let the date wrap at
    its hyphens. Exports keep the date itself (ISO in CSV, a date in XLSX).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "text-nowrap"}})
        super().__init__(*args, **kwargs)

    def render(self, value):
        return date_format(value, "SHORT_DATE_FORMAT")

    def value(self, value):
        return value

    @classmethod
    def from_field(cls, field, **kwargs):
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            return cls(**kwargs)
        return None


@library.register
class YesNoColumn(tables.BooleanColumn):
    """A yes/no field as a check or a dash, with "Yes" / "No" for screen readers and
    as a tooltip (the bare ✔ / ✘ said nothing to either).

    Registered with django-tables2, so every ``BooleanField`` a table shows gets it.
    """

    def render(self, value, record, bound_column):
        value = self._get_bool_value(record, value, bound_column)
        text = _("Yes") if value else _("No")
        icon = "bi-check-lg text-success" if value else "bi-dash text-body-secondary"
        return format_html(
            '<span title="{}"><i class="bi {}" aria-hidden="true"></i>'
            '<span class="visually-hidden">{}</span></span>',
            text,
            icon,
            text,
        )


class CountColumn(AmountColumn):
    """A count (lines, rows, interactions) with thousands grouped: ``1.234``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, decimal_places=None, **kwargs)

    @classmethod
    def from_field(cls, field, **kwargs):
        return None  # integers are often keys (No., step No.): only where declared


class NumberSeriesTable(tables.Table):
    code = tables.Column(linkify=True)
    next_preview = tables.Column(verbose_name=capfirst(_("next No.")), orderable=False)

    class Meta:
        model = NumberSeries
        fields = ["code", "description", "prefix", "digits", "last_number", "allow_manual"]
        sequence = [*fields[:5], "next_preview", "allow_manual"]


class JobTable(tables.Table):
    id = tables.Column(verbose_name=_("No."), linkify=True)
    progress = tables.TemplateColumn(
        verbose_name=capfirst(_("progress")),
        orderable=False,
        template_code="{{ record.processed }} / {{ record.total }}",
    )
    result_url = tables.TemplateColumn(
        verbose_name=capfirst(_("result")),
        orderable=False,
        template_code=(
            '{% load i18n %}{% if record.result_url %}<a href="{{ record.result_url }}">'
            '{% translate "Open" %}</a>{% endif %}'
        ),
    )

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "id": 1,
        "kind": 3,
        "description": 1,
        "user": 4,
        "state": 2,
        "progress": 3,
        "created_at": 4,
        "started_at": 5,
        "finished_at": 4,
        "error": 5,
        "result_url": 3,
    }

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "description",
            "user",
            "state",
            "created_at",
            "started_at",
            "finished_at",
            "error",
        ]
        sequence = [*fields[:5], "progress", *fields[5:], "result_url"]


def _record_url(record: AuditEntry) -> str | None:
    content_type = record.content_type
    if content_type is None or not record.object_key:
        return None
    try:
        return reverse(
            f"{content_type.app_label}:{content_type.model}_card", kwargs={"key": record.object_key}
        )
    except NoReverseMatch:
        return None


class AuditEntryTable(tables.Table):
    created_at = tables.DateTimeColumn(short=True)
    user = tables.Column(order_by="user__username", default=_("system"))
    object_repr = tables.Column(linkify=_record_url, verbose_name=capfirst(_("record")))
    count = CountColumn(verbose_name=capfirst(_("rows")))

    # Column priorities: 1 always shown, 2–6 from wider tables up (docs/lists.md).
    priorities = {
        "created_at": 1,
        "user": 2,
        "action": 2,
        "object_repr": 1,
        "count": 3,
        "detail": 3,
    }

    class Meta:
        model = AuditEntry
        fields = ["created_at", "user", "action", "object_repr", "count", "detail"]
        empty_text = _("No bulk operations recorded yet.")

    def render_detail(self, record):
        """In the reader's language, whatever the acting user's was (core.audit)."""
        from core.audit import detail_text  # core.audit imports the panels, not the tables

        return detail_text(record)


# --- Layout at every width (docs/lists.md) -------------------------------------------
# Every column has a priority: 1 is always shown, a higher one only when the table's box
# is at least PRIORITY_WIDTHS wide (static/css/layout.css: ``col-p2`` … ``col-p6``, by
# container queries), so that a list fits its window without scrolling sideways. A
# table names its columns' priorities in a ``priorities`` dict ({column name: priority})
# or a column carries a ``priority`` attribute; the others get one by their place in the
# table (DEFAULT_PRIORITIES: the key column and the one after it, mostly the name or
# description, are always shown). A user who chose the list's columns with the column
# chooser sees the chosen ones at every width (``table.fit_columns = False``).
# The least width of the table's box (px) that shows a column of each priority.
PRIORITY_WIDTHS = {1: 0, 2: 560, 3: 900, 4: 1200, 5: 1400, 6: 1600}
DEFAULT_PRIORITIES = (1, 1, 2, 2, 3, 3, 3, 4, 4, 5)  # by place; later columns: 6


def _is_data_column(bound_column) -> bool:
    return bool(str(bound_column.header).strip()) and not isinstance(
        bound_column.column, tables.CheckBoxColumn
    )


def column_priorities(table) -> dict[str, int]:
    """Each column's priority (1–6), worked out once per table."""
    cached = getattr(table, "_column_priorities", None)
    if cached is not None:
        return cached
    declared = getattr(table, "priorities", None) or {}
    priorities = {}
    place = 0
    for bound in table.columns:
        if not _is_data_column(bound):
            priorities[bound.name] = 1
            continue
        priority = getattr(bound.column, "priority", None) or declared.get(bound.name)
        if priority is None:
            priority = DEFAULT_PRIORITIES[place] if place < len(DEFAULT_PRIORITIES) else 6
        priorities[bound.name] = max(1, min(int(priority), max(PRIORITY_WIDTHS)))
        place += 1
    table._column_priorities = priorities
    return priorities


def priority_class(table, name: str) -> str:
    """The CSS class that hides column ``name`` below its width ('' for priority 1,
    or when the user chose the columns)."""
    if not getattr(table, "fit_columns", True):
        return ""
    priority = column_priorities(table).get(name, 1)
    return f"col-p{priority}" if priority > 1 else ""
