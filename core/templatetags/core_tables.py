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
"""

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

register = template.Library()


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


@register.simple_tag
def table_rows(table) -> str:
    """The ``<tr>`` elements of the table's current page ('' when it has none)."""
    columns = list(table.columns)
    fixed = {}
    for column in columns:
        if not _per_row(column):
            column.current_record = column.current_value = None
            fixed[column.name] = column.attrs["td"].as_html()
    parts = []
    for row in table.paginated_rows:
        parts.append(f"<tr {row.attrs.as_html()}>")
        for column in columns:
            cell = row.get_cell(column.name)
            attrs = fixed.get(column.name)
            if attrs is None:
                column.current_value, column.current_record = cell, row.record
                attrs = column.attrs["td"].as_html()
            parts.append(f"<td {attrs}>{_shown(column, cell)}</td>")
        parts.append("</tr>")
    return mark_safe("".join(parts))  # noqa: S308 -- every cell is escaped above
