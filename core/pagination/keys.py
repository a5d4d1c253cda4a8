"""The sort keys of a queryset for keyset pages: its order completed to a unique one,
which columns an index delivers in order, and the condition "after these values"."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP

# Counted exactly up to here. Measured at a million contacts: a broad filter's
# capped count reads COUNT_LIMIT / selectivity rows, ~0.5 s on PostgreSQL for
# 10,000 ("q=a"), so the cap is 1,000 ("1–50 of 1,000+").
COUNT_LIMIT = 1_000


class KeysetError(ValueError):
    """The ordering cannot be paginated by keyset (random order, to-many relation …)."""


class CursorError(ValueError):
    """A cursor from the query string that is forged, damaged or for another order."""


@dataclass(frozen=True)
class SortKey:
    """One column of the keyset order.

    ``name`` is what filters and ``order_by`` use (a local field path, or an
    annotation); ``attribute`` is where the value is read on a fetched row.
    """

    path: str
    descending: bool
    nullable: bool
    name: str
    attribute: str
    annotate: bool = False  # a relation path, fetched as an annotation

    def signature(self) -> str:
        return ("-" if self.descending else "") + self.path


def _ordering_terms(queryset) -> list[tuple[str, bool]]:
    query = queryset.query
    if query.order_by:
        raw = list(query.order_by)
    elif query.default_ordering:
        raw = list(queryset.model._meta.ordering)
    else:
        raw = []
    terms = []
    for term in raw:
        if isinstance(term, str):
            if term == "?" or term.startswith("-?"):
                raise KeysetError("random order")
            terms.append((term.lstrip("-"), term.startswith("-")))
        elif isinstance(term, models.OrderBy) and isinstance(term.expression, F):
            if term.nulls_first or term.nulls_last:
                raise KeysetError("explicit NULLS placement")
            terms.append((term.expression.name, term.descending))
        elif isinstance(term, F):
            terms.append((term.name, False))
        else:
            raise KeysetError(f"cannot page by {term!r}")
    return terms


def _expand(model, path: str, descending: bool, annotations, nullable=False, depth=0):
    """``(path, descending, nullable, unique_local)`` tuples a term orders by, as Django
    does: a relation orders by the related model's ``Meta.ordering`` (or its key)."""
    if depth > 5:
        raise KeysetError("ordering loops through relations")
    if path in annotations:
        return [(path, descending, True, False)]
    if path == "pk":
        path = model._meta.pk.name
    parts = path.split(LOOKUP_SEP)
    opts = model._meta
    prefix = []
    for index, part in enumerate(parts):
        try:
            field_ = opts.get_field(part)
        except Exception as error:
            raise KeysetError(f"unknown field {path}") from error
        last = index == len(parts) - 1
        if last and field_.concrete and part == field_.attname != field_.name:
            # "segment_id": the foreign key's own column, as Django orders by it.
            unique = not prefix and field_.unique and not (nullable or field_.null)
            return [(path, descending, nullable or field_.null, unique)]
        if field_.is_relation:
            if field_.many_to_many or field_.one_to_many:
                raise KeysetError(f"{path} goes through a to-many relation")
            if not field_.concrete:  # reverse one-to-one
                nullable = True
            elif field_.null:
                nullable = True
            if last:
                related = field_.related_model
                ordering = related._meta.ordering
                base = LOOKUP_SEP.join([*prefix, part])
                if not field_.concrete or not ordering:
                    if not field_.concrete:
                        raise KeysetError(f"{path} is a reverse relation")
                    name = LOOKUP_SEP.join([*prefix, field_.attname])
                    unique = not prefix and field_.unique and not nullable
                    return [(name, descending, nullable, unique)]
                keys = []
                for item in ordering:
                    if not isinstance(item, str):
                        raise KeysetError(f"ordering of {related.__name__}")
                    keys += _expand(
                        model,
                        f"{base}{LOOKUP_SEP}{item.lstrip('-')}",
                        descending != item.startswith("-"),
                        annotations,
                        nullable,
                        depth + 1,
                    )
                return keys
            prefix.append(part)
            opts = field_.related_model._meta
            continue
        if not last:
            raise KeysetError(f"{path} uses a lookup or transform")
        nullable = nullable or field_.null
        unique_local = not prefix and field_.unique and not field_.null
        name = LOOKUP_SEP.join([*prefix, field_.attname])
        return [(name, descending, nullable, unique_local)]
    raise KeysetError(f"cannot resolve {path}")


def _index_tiebreaker(model, columns: list[str]) -> str | None:
    """A unique, non-null column that an index of ``model`` has right after
    ``columns`` (Contact's ``(type, no)``): ordering by it instead of the primary key
    lets that index deliver the whole order."""
    if not columns:
        return None
    opts = model._meta
    for index in opts.indexes:
        fields = [name.lstrip("-") for name in index.fields]
        if len(fields) <= len(columns) or getattr(index, "condition", None):
            continue
        try:
            attnames = [opts.get_field(name).attname for name in fields]
        except Exception:  # noqa: S112 - an index we cannot read is not one to use
            continue
        if attnames[: len(columns)] != columns:
            continue
        candidate = opts.get_field(fields[len(columns)])
        if candidate.unique and not candidate.null and not candidate.is_relation:
            return candidate.attname
    return None


def sort_keys(queryset) -> list[SortKey]:
    """The keyset order of ``queryset``: its ordering plus the primary key as
    tiebreaker (unless a unique, non-null column of the model already decides)."""
    model = queryset.model
    annotations = queryset.query.annotations
    resolved = []
    expanded = (
        column
        for path, descending in _ordering_terms(queryset)
        for column in _expand(model, path, descending, annotations)
    )
    for name, descending, nullable, unique in expanded:
        if name in {r[0] for r in resolved}:
            continue
        resolved.append((name, descending, nullable, unique))
        if unique:  # a unique column decides: later columns never matter
            break
    if not resolved or not resolved[-1][3]:
        descending = resolved[-1][1] if resolved else False
        tiebreaker = _index_tiebreaker(model, [r[0] for r in resolved]) or model._meta.pk.attname
        resolved.append((tiebreaker, descending, False, True))
    keys = []
    for index, (name, descending, nullable, _unique) in enumerate(resolved):
        through = LOOKUP_SEP in name and name not in annotations
        alias = f"keyset_{index}" if through else name
        keys.append(
            SortKey(
                path=name,
                descending=descending,
                nullable=nullable,
                name=alias,
                attribute=alias,
                annotate=through,
            )
        )
    return keys


def indexed_columns(model) -> set[str]:
    """Attribute names of the columns that lead an index of ``model``."""
    opts = model._meta
    columns = {opts.pk.attname}
    for field_ in opts.concrete_fields:
        if field_.unique or field_.db_index:
            columns.add(field_.attname)
    for index in opts.indexes:
        if index.fields and not getattr(index, "condition", None):
            columns.add(opts.get_field(index.fields[0].lstrip("-")).attname)
    for constraint in opts.constraints:
        fields = getattr(constraint, "fields", ())
        if isinstance(constraint, models.UniqueConstraint) and fields and not constraint.condition:
            columns.add(opts.get_field(fields[0]).attname)
    for together in opts.unique_together:
        columns.add(opts.get_field(together[0]).attname)
    return columns


def ordered(queryset, keys: list[SortKey], *, reverse: bool = False):
    """``queryset`` annotated with the relation sort values and ordered by ``keys``."""
    annotations = {key.name: F(key.path) for key in keys if key.annotate}
    if annotations:
        queryset = queryset.annotate(**annotations)
    order = []
    for key in keys:
        expression = F(key.name)
        order.append(expression.desc() if key.descending != reverse else expression.asc())
    return queryset.order_by(*order)


def after_condition(keys: list[SortKey], values: list, *, reverse: bool, nulls_largest: bool) -> Q:
    """The rows that come after the row with ``values`` in the order of ``keys``
    (before it, with ``reverse``). Each column adds ``col >= v AND (col > v OR
    (col = v AND <the rest>))``, so the first column is a plain index range."""
    condition = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        descending = key.descending != reverse
        nulls_last = key.nullable and (nulls_largest != descending)
        name = key.name
        if value is None:
            if not key.nullable:
                raise CursorError("NULL in a column that has none")
            rest = Q(**{f"{name}__isnull": True}) & condition if condition is not None else None
            if nulls_last:
                condition = rest if rest is not None else Q(pk__in=[])
            else:
                condition = Q(**{f"{name}__isnull": False})
                if rest is not None:
                    condition |= rest
            continue
        beyond = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        if condition is not None:
            beyond = Q(**{f"{name}__{'lte' if descending else 'gte'}": value}) & (
                beyond | (Q(**{name: value}) & condition)
            )
        if nulls_last:
            beyond |= Q(**{f"{name}__isnull": True})
        condition = beyond
    return condition


# ----------------------------------------------------------------------- cursors
