"""Set-based writes on a selection of records (bulk actions on list rows,
docs/contacts.md, Bulk actions): the change history of many records in one
``INSERT … SELECT``, and a delete that keeps the rules of deleting one record (what
``on_delete`` says) in a fixed number of statements.

A one-record delete goes through Django's collector, which loads every row it deletes
and sends signals per row (the change history writes its row then). For thousands of
records that is thousands of queries; here every relation costs one statement, however
many records are selected.
"""

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.presentation import count_text
from core.sql import insert_from_select, typed_value

# The records named when a delete is refused.
NAMED = 5


def has_history(model) -> bool:
    return hasattr(model, "history") and hasattr(model.history, "model")


def write_history(rows, *, history_type: str, user=None, values=None) -> int:
    """One change-history row (django-simple-history) per record of ``rows``, in one
    ``INSERT … SELECT``: the record as it is stored, with ``values`` (``{field: value}``)
    as it will be after the caller's ``UPDATE``; ``history_type`` is ``"~"`` (changed) or
    ``"-"`` (deleted). Call it after locking the rows (``lock_rows``), so that it reads
    only what is still there to change, and before the change (its rows are read by the
    selection)."""
    model = rows.model
    if not has_history(model) or rows.query.is_empty():
        return 0
    history = model.history.model
    values = values or {}
    annotations = {}
    for field in history._meta.concrete_fields:
        if field.name.startswith("history_"):
            continue
        source = model._meta.get_field(field.name)
        if field.name in values:
            annotations[f"h_{field.name}"] = typed_value(history, field.name, values[field.name])
        else:
            annotations[f"h_{field.name}"] = models.F(source.attname)
    annotations["h_history_date"] = typed_value(history, "history_date", timezone.now())
    annotations["h_history_type"] = typed_value(history, "history_type", history_type)
    annotations["h_history_change_reason"] = typed_value(history, "history_change_reason", None)
    user_id = user.pk if getattr(user, "pk", None) else None
    annotations["h_history_user"] = typed_value(history, "history_user", user_id)
    columns = {name.removeprefix("h_"): name for name in annotations}
    return insert_from_select(history, columns, rows.annotate(**annotations), analyze=False)


def _reverse_relations(model):
    return [
        relation
        for relation in model._meta.get_fields(include_hidden=True)
        if relation.auto_created
        and not relation.concrete
        and (relation.one_to_many or relation.one_to_one)
    ]


def _keys(model, ids):
    """``ids`` (a list of keys or a query of them) as a subquery: Django prepares every
    value of a list again for each relation it filters (seconds at 10,000 keys); a
    subquery is prepared once."""
    if isinstance(ids, models.QuerySet):
        return ids
    return model._base_manager.filter(pk__in=ids).values("pk")


def refuse_protected(model, ids) -> None:
    """Refuse (``ValidationError``) when a record of ``ids`` is still used where
    deleting it is not allowed (``PROTECT``, ``RESTRICT``), naming the records and
    what uses them. One query per such relation."""
    ids = _keys(model, ids)
    uses = {}  # record -> what uses it, in the order found
    for relation in _reverse_relations(model):
        if relation.on_delete not in (models.PROTECT, models.RESTRICT):
            continue
        field = relation.field
        users = relation.related_model._base_manager.filter(**{f"{field.name}__in": ids})
        if relation.related_model is model:
            users = users.exclude(pk__in=ids)  # both deleted: allowed
        used = model._base_manager.filter(pk__in=users.values(field.attname)).order_by("pk")
        things = str(relation.related_model._meta.verbose_name_plural)
        for record in used[: NAMED + 1]:
            found = uses.setdefault(record, [])
            if things not in found:
                found.append(things)
    if uses:
        records = sorted(uses, key=lambda record: record.pk)
        problems = "; ".join(
            f"{record} ({', '.join(uses[record])})" for record in records[:NAMED]
        ) + (" …" if len(records) > NAMED else "")
        raise ValidationError(
            _("Nothing was deleted. These %(things)s are still in use: %(problems)s.")
            % {"things": model._meta.verbose_name_plural, "problems": problems}
        )


def lock_rows(model, ids, *, no_key: bool = False) -> int:
    """Lock the records of ``model`` with keys ``ids`` (a list or a query of keys) for
    the rest of the transaction, in the order of their keys, in one statement; the
    number still stored. Two bulk operations on overlapping records then wait for each
    other (never a deadlock), and what the second reads after this sees what the first
    committed: the records it deleted are gone, the values it wrote are there.
    ``no_key``: ``FOR NO KEY UPDATE``, which does not block the key checks of rows
    written that refer to them. Call inside a transaction (SQLite runs one writer at a
    time and locks nothing here)."""
    locked = (
        model._base_manager.filter(pk__in=_keys(model, ids))
        .select_for_update(no_key=no_key)
        .order_by("pk")
        .values("pk")
    )
    # Counted by the database: a selection of a million records is not read into Python.
    try:
        sql, params = locked.query.sql_with_params()
    except EmptyResultSet:  # an empty selection (``.none()``)
        return 0
    with connections[locked.db].cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS locked", params)  # noqa: S608 - Django's own SQL
        return cursor.fetchone()[0]


def delete_set(model, ids: list, *, user=None) -> int:
    """Delete the records of ``model`` with keys ``ids`` as deleting each would
    (``on_delete``): refused when one is protected, rows that cascade deleted, ``SET_NULL``
    references cleared, a change-history row (deleted) written for each. The records are
    locked first (``lock_rows``): those deleted meanwhile by another user are left out,
    and a writer that locks a record it refers to is either waited for (and its row
    seen by the check of what is in use) or waits until the delete is done. Returns the
    number of records deleted. Call inside a transaction."""
    ids = _keys(model, ids)
    if not lock_rows(model, ids):
        return 0
    refuse_protected(model, ids)
    rows = model._base_manager.filter(pk__in=ids)
    _cascade(model, ids)
    write_history(rows, history_type="-", user=user)
    return rows._raw_delete(rows.db)


def _cascade(model, ids, depth: int = 0) -> None:
    """Delete (or clear) the rows that refer to ``ids`` as their ``on_delete`` says, the
    rows referring to those first."""
    if depth > 3:
        raise ValidationError(
            _("%(things)s cannot be deleted together here.")
            % {"things": capfirst(model._meta.verbose_name_plural)}
        )
    for relation in _reverse_relations(model):
        field = relation.field
        related = relation.related_model
        on_delete = relation.on_delete
        if related is model and on_delete in (models.PROTECT, models.RESTRICT):
            continue  # checked by refuse_protected: only rows deleted with these refer
        rows = related._base_manager.filter(**{f"{field.name}__in": ids})
        if on_delete is models.CASCADE:
            refuse_protected(related, rows.values("pk"))
            if any(r.on_delete is not models.DO_NOTHING for r in _reverse_relations(related)):
                _cascade(related, list(rows.values_list("pk", flat=True)), depth + 1)
            rows._raw_delete(rows.db)
        elif on_delete is models.SET_NULL:
            rows.update(**{field.name: None})
        elif on_delete is models.DO_NOTHING:
            continue
        elif on_delete not in (models.PROTECT, models.RESTRICT):
            raise ValidationError(
                _("%(things)s cannot be deleted together here.")
                % {"things": capfirst(model._meta.verbose_name_plural)}
            )


def selection_arg(value, allowed, *, label: str):
    """``value`` when it is a query set of one of the ``allowed`` models (a selection of
    a list), unordered; else a ``ValidationError`` naming the argument."""
    if not isinstance(value, models.QuerySet) or value.model not in allowed:
        kinds = ", ".join(str(model._meta.verbose_name_plural) for model in allowed)
        raise ValidationError(
            _("%(label)s: not a selection of %(kinds)s.") % {"label": label, "kinds": kinds}
        )
    return value.order_by()


def selected_ids(rows, *, limit: int) -> list:
    """The keys of ``rows`` (one query), refused when there are more than ``limit``:
    work that must fix its rows before it starts (a delete, whose statements would
    otherwise read a selection that the earlier ones changed)."""
    ids = list(rows.order_by("pk").values_list("pk", flat=True)[: limit + 1])
    if len(ids) > limit:
        raise ValidationError(
            _("At most %(n)s %(things)s can be deleted at once; filter the list further.")
            % {"n": count_text(limit), "things": rows.model._meta.verbose_name_plural}
        )
    return ids
