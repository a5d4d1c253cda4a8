"""The base of every list filter: a ``q`` search box over ``search_fields``.

The search is a case-insensitive *starts with* match (docs/performance.md): a
prefix is a range of the sorted values, ``UPPER(name) >= 'ABC' AND UPPER(name) <
'ABD'``, which a plain b-tree index (on ``Upper("name")``, or on the column itself
for upper-case codes and numbers) answers on SQLite and on PostgreSQL with any
collation, where ``LIKE``/``ILIKE '%abc%'`` reads every row of a large table. A
list whose table stays small may set ``search_mode = "contains"``.

``search_mode = "inside"`` (contacts, customers) finds a term of 3 characters or
more *inside* the fields, ignoring case and accents, through the model's folded
``search_text`` and its trigram index (core.search), and ranks a field that is
the term, then one that starts with it, then a word that does, before the rest;
shorter terms keep the prefix search.
"""

import copy

import django_filters
from django.db import connections, models
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from django.db.models.functions import Upper
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_filters.utils import label_for_filter

from core import search as inside
from core.fields import CodeField

PREFIX = "prefix"
CONTAINS = "contains"
INSIDE = "inside"
RANK = "search_rank"  # the annotation that ranks the matches of an inside search

_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


class YesNoWidget(django_filters.widgets.BooleanWidget):
    """Any / Yes / No instead of django-filter's "Unknown"."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


class YesNoFilter(django_filters.BooleanFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", YesNoWidget())
        super().__init__(*args, **kwargs)


def _final_field(model, path: str):
    """The model field at the end of ``path`` (``contact__name`` → Contact.name)."""
    parts = path.split(LOOKUP_SEP)
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    return model._meta.get_field(parts[-1])


def is_upper_case(field) -> bool:
    """Fields whose values are stored upper case (codes, numbers from a number
    series): their own index serves the prefix range, no ``UPPER()`` needed."""
    from core.models import NumberedModel

    return isinstance(field, CodeField) or (
        field.name == "no"
        and isinstance(field.model, type)
        and issubclass(field.model, NumberedModel)
    )


def db_upper(value: str, vendor: str) -> str:
    """``value`` upper-cased the way the database's ``UPPER()`` does it: SQLite's
    built-in upper() changes only A-Z; PostgreSQL maps one character to one."""
    if vendor == "sqlite":
        return value.translate(_ASCII_UPPER)
    return "".join(c if len(c.upper()) != 1 else c.upper() for c in value)


def prefix_successor(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix``
    (code point order): its last character incremented. None: no upper bound."""
    while prefix:
        code = ord(prefix[-1]) + 1
        if code == 0xD800:  # skip the surrogates, which cannot be stored
            code = 0xE000
        if code <= 0x10FFFF:
            return prefix[:-1] + chr(code)
        prefix = prefix[:-1]
    return None


class Unindexed(models.Func):
    """``(expression || '')``: the same value, but no index matches it, so that the
    database reads the rows in the order of the page (see ``SearchFilterSet``)."""

    template = "(%(expressions)s || '')"
    output_field = models.CharField()


def prefix_expression(model, path: str):
    """What the prefix range of ``path`` compares: the column itself for upper-case
    codes and numbers, else ``UPPER(column)``; ordering by it reads the range in the
    order of its index."""
    return models.F(path) if is_upper_case(_final_field(model, path)) else Upper(path)


def prefix_condition(
    model, path: str, text: str, *, using: str = "default", indexed: bool = True
) -> Q:
    """Rows whose ``path`` starts with ``text``, ignoring case, as an index range."""
    vendor = connections[using].vendor
    bound = db_upper(text, vendor)
    expression = prefix_expression(model, path)
    if not indexed:
        expression = Unindexed(expression)
    condition = Q(GreaterThanOrEqual(expression, bound))
    upper = prefix_successor(bound)
    if upper is not None:
        condition &= Q(LessThan(expression, upper))
    return condition


# A filter's label worded when it is shown, in the language of that request.
# django-filter words a label the first time it is read and keeps the text, so a
# label first read on the class (the API's schema reads them in English) stayed
# English on every later Dutch page.
_lazy_label = lazy(label_for_filter, str)


def search_label(model, path: str) -> str:
    """``contact__name`` → "contact name"; ``no`` → "No."."""
    parts = path.split(LOOKUP_SEP)
    labels = []
    for part in parts:
        field = model._meta.get_field(part)
        labels.append(str(field.verbose_name))
        if field.is_relation:
            model = field.related_model
    return " ".join(labels)


class SearchFilterSet(django_filters.FilterSet):
    """FilterSet with a free-text search over the fields named in ``search_fields``:
    each field *starts with* the text (``search_mode = "prefix"``, index-friendly) or,
    for lists that stay small, *contains* it (``search_mode = "contains"``)."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": YesNoFilter},
    }

    search_fields: tuple[str, ...] = ()
    # The search hint's name of a field of a related record, where the two verbose
    # names side by side do not read as one name: ``{"customer__no": _("customer
    # No.")}``, in Dutch *klantnr.* (one word, docs/glossary.md), not *klant Nr.*.
    search_labels: dict[str, str] = {}
    search_mode: str = PREFIX
    # Set by the list when the filters match too many rows (more than
    # pagination.COUNT_LIMIT) for their indexes to pay off: the search ranges
    # (and other filters that offer it, e.g. ContactFilter's codes) are then
    # checked on the rows read in the page's order, which finds a page of them in
    # a few thousand rows instead of collecting and sorting every match.
    read_in_order: bool = False

    q = django_filters.CharFilter(label=_("Search"), method="search")

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        model = cls._meta.model
        for name, made in filters.items():
            if model is not None and made._label is None:  # no label of its own
                # A copy: a filter declared on a mixin is shared by its subclasses.
                filters[name] = made = copy.copy(made)
                made.label = _lazy_label(model, made.field_name, made.lookup_expr, made.exclude)
        return filters

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.search_fields and "q" in self.filters:
            names = [
                str(self.search_labels.get(path) or search_label(self._meta.model, path))
                for path in self.search_fields
            ]
            listed = ", ".join(names)
            if self.search_mode == CONTAINS:
                help_text = _("Contains the text, in: %(fields)s") % {"fields": listed}
            elif self.search_mode == INSIDE:
                help_text = _(
                    "Finds the text anywhere in: %(fields)s, ignoring case and accents; "
                    "one or two characters find the start of a field."
                ) % {"fields": listed}
            else:
                help_text = _("Starts with the text, in: %(fields)s") % {"fields": listed}
            self.filters["q"].extra["help_text"] = capfirst(help_text)

    @property
    def searching(self) -> bool:
        return bool(self.search_fields and str(self.data.get("q", "")).strip())

    def broad_on(self, path: str, *, limit: int) -> bool:
        """Whether the search alone matches more than ``limit`` rows on ``path``
        (one of ``search_fields``; a capped count over its index range)."""
        if path not in self.search_fields or self.search_mode == CONTAINS:
            return False
        queryset = self.queryset
        value = str(self.data.get("q", "")).strip()
        condition = prefix_condition(queryset.model, path, value, using=queryset.db)
        return queryset.filter(condition).order_by().values("pk")[: limit + 1].count() > limit

    def search(self, queryset, name, value):
        value = value.strip()
        if not value or not self.search_fields:
            return queryset
        if self.search_mode == INSIDE:
            term = inside.fold_term(value)
            if len(term) >= inside.MIN_LENGTH:
                return self.search_inside(queryset, term)
        condition = Q()
        for field in self.search_fields:
            if self.search_mode == CONTAINS:
                condition |= Q(**{f"{field}__icontains": value})
            else:
                condition |= prefix_condition(
                    queryset.model,
                    field,
                    value,
                    using=queryset.db,
                    indexed=not self.read_in_order,
                )
        return queryset.filter(condition)

    def search_inside(self, queryset, term: str):
        """``term`` inside the model's search text (fields outside it: by prefix), the
        matches ranked first by how well they match. A list that reads in its order
        (more matches than its exact count covers) checks each row it reads and does
        not rank: ranking would sort every match."""
        model = queryset.model
        condition = Q(
            inside.contains_condition(
                model, term, using=queryset.db, indexed=not self.read_in_order
            )
        )
        sources = inside.search_field(model).sources
        for field in self.search_fields:
            if field not in sources:
                condition |= prefix_condition(
                    model, field, term, using=queryset.db, indexed=not self.read_in_order
                )
        queryset = queryset.filter(condition)
        if self.read_in_order:
            return queryset
        ordering = list(queryset.query.order_by or model._meta.ordering)
        return queryset.annotate(**{RANK: inside.rank_expression(model, term)}).order_by(
            RANK, *ordering
        )
