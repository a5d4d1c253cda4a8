"""Optimistic concurrency: a save over a newer version of a record is refused
(docs/concurrency.md).

The *version* of a record is a fingerprint of the stored values of the fields an
edit form shows (its foreign keys by key, its many-to-many fields and line sets as
sorted keys and values). An edit page puts the version it was loaded from in the
form (``VERSION_FIELD``); the service that saves locks the row, computes the version
of what is stored now and refuses with ``RecordChanged`` when it differs: another
user (or a bulk operation, a command, the admin) changed one of those fields since.

A fingerprint instead of a counter column: every write path changes it, the set-based
``UPDATE … WHERE`` of segments and activation as much as a form save, without each one
having to remember to increase a counter, and without a column on every table.
"""

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.arguments import version_arg

VERSION_FIELD = "_version"
_MISSING = object()


def _canonical(value):
    if isinstance(value, Decimal):
        # 10, 10.0 and 10.00 are the same amount (a database may hand back either).
        return "NaN" if not value.is_finite() else format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    return value


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def field_value(instance, name):
    """The comparable value of field ``name`` of ``instance`` as stored: a key for a
    foreign key, sorted keys for a many-to-many field, the rows (every concrete
    field) for a set of lines (a reverse foreign key such as an activity's steps)."""
    field = _field(type(instance), name)
    if field is None:
        return _canonical(getattr(instance, name, None))
    if field.many_to_many and not field.auto_created:
        if instance.pk is None:
            return []
        return sorted(getattr(instance, name).values_list("pk", flat=True))
    if field.one_to_many or (field.many_to_many and field.auto_created):
        if instance.pk is None:
            return []
        related = field.related_model
        columns = [f.attname for f in related._meta.concrete_fields]
        rows = related._base_manager.filter(**{field.field.name: instance.pk}).order_by("pk")
        return [_canonical(list(row)) for row in rows.values_list(*columns)]
    if field.concrete:
        return _canonical(field.value_from_object(instance))
    return _canonical(getattr(instance, name, None))


def record_version(instance, fields) -> str:
    """The version of ``instance`` as far as ``fields`` go (see the module docstring)."""
    values = {name: field_value(instance, name) for name in sorted(set(fields))}
    text = json.dumps(values, sort_keys=True, default=str, ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def last_change(instance) -> tuple[object, object]:
    """``(user, date)`` of the newest change in the record's history, or ``(None, None)``."""
    history = getattr(type(instance), "history", None)
    if history is None or instance.pk is None:
        return None, None
    newest = (
        instance.history.select_related("history_user")
        .order_by("-history_date", "-history_id")
        .only("history_user", "history_date")
        .first()
    )
    if newest is None:
        return None, None
    return newest.history_user, newest.history_date


def display_value(instance, name) -> str:
    """A field's value as a person reads it (choice label, related record, Yes/No …);
    a value that is not of the field's kind is shown as it is."""
    field = _field(type(instance), name)
    if field is None:
        return str(getattr(instance, name, "") or "")
    if field.many_to_many and not field.auto_created:
        if instance.pk is None:
            return ""
        return ", ".join(str(obj) for obj in getattr(instance, name).all())
    if field.one_to_many:
        rows = getattr(instance, name).all() if instance.pk else []
        return "; ".join(str(row) for row in rows)
    if field.is_relation:
        key = getattr(instance, field.attname, None)
        if key is None:
            return ""
        try:
            related = field.related_model._base_manager.filter(pk=key).first()
        except (TypeError, ValueError, OverflowError):
            related = None
        return str(related) if related is not None else str(key)
    value = getattr(instance, name, None)
    if value is None or value == "":
        return ""
    try:
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, Decimal) and value.is_finite():
            return formats.number_format(value, use_l10n=True, force_grouping=True)
        if isinstance(value, datetime | date):
            return formats.date_format(value, "SHORT_DATE_FORMAT")
    except (TypeError, ValueError, ArithmeticError):
        pass
    return str(value)


def _is_set(model, name) -> bool:
    field = _field(model, name)
    return field is not None and (field.one_to_many or field.many_to_many)


def _label(model, name) -> str:
    field = _field(model, name)
    if field is None:
        return name
    if field.one_to_many or (field.many_to_many and field.auto_created):
        return capfirst(field.related_model._meta.verbose_name_plural)
    return capfirst(field.verbose_name)


class RecordChanged(ValidationError):
    """The record was changed by someone else since the form was loaded.

    Carries what the page shows: who changed it and when, the stored values beside
    the ones that were to be saved, and the new version, with which the form can be
    sent again to apply those values over the change.
    """

    def __init__(self, *, stored, yours, fields, pending=None):
        model = type(stored)
        pending = pending or {}
        self.version = record_version(stored, fields)
        self.changed_by, self.changed_at = last_change(stored)
        self.differences = []
        for name in fields:
            theirs_value = field_value(stored, name)
            if name in pending:  # many-to-many values that were to be saved
                yours_value = sorted(_canonical(obj) for obj in pending[name])
                yours_text = ", ".join(str(obj) for obj in pending[name])
            elif _is_set(model, name):  # lines sent with the form: not on the instance
                yours_value, yours_text = None, ""
            else:
                yours_value = field_value(yours, name)
                yours_text = display_value(yours, name)
            self.differences.append(
                {
                    "label": _label(model, name),
                    "theirs": display_value(stored, name),
                    "yours": yours_text,
                    "differ": theirs_value != yours_value,
                }
            )
        record = f"{capfirst(model._meta.verbose_name)} {stored}"
        if self.changed_by is not None and self.changed_at is not None:
            message = _(
                "%(record)s was changed by %(user)s on %(when)s after you opened it, so your "
                "changes were not saved. Compare the values below; save again to apply yours."
            ) % {
                "record": record,
                "user": self.changed_by,
                "when": formats.date_format(
                    timezone.localtime(self.changed_at), "SHORT_DATETIME_FORMAT"
                ),
            }
        else:
            message = _(
                "Another user has changed %(record)s after you opened it, so your changes were "
                "not saved. Compare the values below; save again to apply yours."
            ) % {"record": record}
        super().__init__(message, code="record_changed")


def record_gone(model) -> ValidationError:
    return ValidationError(
        _("This %(model)s was deleted by another user; your changes were not saved.")
        % {"model": model._meta.verbose_name},
        code="record_deleted",
    )


def editable_fields(model) -> list[str]:
    """The concrete fields a user may change (``editable``, not the primary key)."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key
    ]


def version_names(model, *, m2m=(), lines=()) -> list[str]:
    """What a version covers: every field a user may change, the many-to-many fields
    and line sets that are saved with the record. Fields the system keeps (a campaign's
    *activated*, a segment's number of lines: ``editable=False``) are left out: they
    are never written by an edit, so they cannot be lost by one."""
    return [*editable_fields(model), *m2m, *lines]


def version_input(record, *, m2m=(), lines=(), version: str | None = None) -> str:
    """The hidden input an edit form carries: ``version``, or the record's now."""
    if version is None:
        version = record_version(record, version_names(type(record), m2m=m2m, lines=lines))
    return format_html('<input type="hidden" name="{}" value="{}">', VERSION_FIELD, version)


def lock_stored(instance, *, version: str | None = None, m2m=None, lines=()):
    """Lock the stored row of ``instance`` for the rest of the transaction and
    return it (None for a record not saved yet). With ``version``, refuse with
    ``RecordChanged`` when what is stored is no longer that version (``m2m``: the
    many-to-many values about to be saved, ``{name: records}``; ``lines``: names of
    line sets saved with the record); a record deleted meanwhile is refused too."""
    version = version_arg(version)
    if instance.pk is None or instance._state.adding:
        return None
    model = type(instance)
    stored = model._base_manager.select_for_update(of=("self",)).filter(pk=instance.pk).first()
    if stored is None:
        raise record_gone(model)
    if version is not None:
        names = version_names(model, m2m=list(m2m or ()), lines=lines)
        if record_version(stored, names) != version:
            raise RecordChanged(stored=stored, yours=instance, fields=names, pending=m2m)
    return stored
