"""The body of a list table, rendered in Python.

django-tables2's template renders every cell through the template engine: a loop
per row and per column, the column's attributes computed again for each cell.
At 50 rows of 8 columns that was most of a list page's server time (benchmark W5,
docs/performance.md). This
tag writes the same ``<tr>``/``<td>`` markup as ``django_tables2/table.html``:
the cells come from ``BoundRow.get_cell`` (so ``render_FOO``, linkify and the
registered columns work as before), localized and escaped as ``{{ cell }}``
would be; a column's ``td`` attributes are computed once unless they hold a
callable (which may depend on the row).

Each cell also gets its column's priority class (core.tables.priority_class), and a
long text is cut to one line with an ellipsis, its full text as the cell's ``title``
(docs/lists.md, Layout at every width).
"""

import html
import re

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django_tables2.utils import AttributeDict

from core.tables import priority_class

register = template.Library()

# Texts longer than this are cut to one line (``cell-clip``) with the full text on hover.
CLIP_AFTER = 24
# The tags of a cell's (escaped) HTML: its text is what is left (a ``<`` of the text
# itself is escaped as ``&lt;``).
_TAGS = re.compile(r"<[^>]*>")


def _shown(column, cell) -> str:
    """``cell`` as the table template shows it (``localize`` column option honoured)."""
    if column.localize is None:
        value = localize(template_localtime(cell))
    elif column.localize:
        value = localize(template_localtime(cell), use_l10n=True)
    else:
        value = localize(cell, use_l10n=False)
    return conditional_escape(value)


def _per_row(bound_column) -> bool:
    """Whether the column's cell attributes may differ per row (a callable)."""
    attrs = {**bound_column._table.attrs, **bound_column.column.attrs}
    cell = attrs.get("td", attrs.get("cell", {}))
    return any(callable(value) for value in cell.values())


def _with_class(attrs, extra: str) -> str:
    """``attrs`` (an AttributeDict) as HTML with the class ``extra`` added."""
    if extra:
        attrs = AttributeDict({**attrs, "class": f"{attrs.get('class', '')} {extra}".strip()})
    return attrs.as_html()


def clipped(shown) -> str:
    """``shown`` (escaped HTML), cut to one line with the full text as its title when
    it is long; as it was otherwise."""
    if len(shown) <= CLIP_AFTER:  # the markup is at least as long as its text
        return shown
    text = html.unescape(_TAGS.sub("", shown) if "<" in shown else shown).strip()
    if len(text) <= CLIP_AFTER:
        return shown
    return f'<span class="cell-clip" title="{escape(text)}">{shown}</span>'


@register.simple_tag
def th_attrs(table, column) -> str:
    """The header cell's attributes with the column's priority class."""
    return mark_safe(_with_class(column.attrs["th"], priority_class(table, column.name)))  # noqa: S308 -- AttributeDict escapes


@register.simple_tag
def table_rows(table) -> str:
    """The ``<tr>`` elements of the table's current page ('' when it has none)."""
    columns = list(table.columns)
    fixed = {}
    classes = {column.name: priority_class(table, column.name) for column in columns}
    for column in columns:
        if not _per_row(column):
            column.current_record = column.current_value = None
            fixed[column.name] = _with_class(column.attrs["td"], classes[column.name])
    parts = []
    for row in table.paginated_rows:
        parts.append(f"<tr {row.attrs.as_html()}>")
        for column in columns:
            cell = row.get_cell(column.name)
            attrs = fixed.get(column.name)
            if attrs is None:
                column.current_value, column.current_record = cell, row.record
                attrs = _with_class(column.attrs["td"], classes[column.name])
            parts.append(f"<td {attrs}>{clipped(_shown(column, cell))}</td>")
        parts.append("</tr>")
    return mark_safe("".join(parts))  # noqa: S308 -- every cell is escaped above


@register.filter
def clip(value):
    """A value of a hand-written table cut to one line with the full text as its title
    when it is long (as the list tables do): ``{{ line.contact.name|clip }}``."""
    return mark_safe(clipped(conditional_escape("" if value is None else value)))  # noqa: S308 -- escaped
