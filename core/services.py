"""The generic record services: save and delete one record with the checks every
write needs (docs/services.md).

Pages, the admin and commands save a record through ``save_record`` (or an app's
own service, which uses the same pieces): it locks the stored row, refuses a stale
save (``core.concurrency``), validates the record as the model defines it, and writes
only the fields the caller changes, so that a copy of the record loaded earlier cannot
put back values it did not mean to change (a campaign's *activated*, a number series'
*last number used*). Every refusal is a ``ValidationError``.
"""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.arguments import m2m_arg, record_arg
from core.concurrency import editable_fields, field_value, lock_stored
from core.presentation import describe_protected


def _auto_fields(model) -> list[str]:
    """Fields the model sets itself on every save (``auto_now``)."""
    return [
        field.name for field in model._meta.concrete_fields if getattr(field, "auto_now", False)
    ]


def validate_record(instance, *, stored=None, exclude=None) -> None:
    """The model's own validation (lengths, digits, choices, ranges, constraints,
    ``clean``): what a form checks, for every caller. And one rule for every record:
    a blocked record (salesperson, customer, item, sales cycle) cannot be newly chosen;
    where it is already chosen (``stored``: the record as stored) it stays."""
    _check_related_saved(instance)
    _check_kinds(instance)
    try:
        instance.full_clean(exclude=exclude, validate_unique=True, validate_constraints=True)
    except ValidationError as error:
        raise _gone_records_named(instance, error) from None
    errors = {}
    for field in instance._meta.concrete_fields:
        if not field.many_to_one or not _has_blocked(field.related_model):
            continue
        key = getattr(instance, field.attname)
        if key is None or (stored is not None and getattr(stored, field.attname) == key):
            continue
        chosen = getattr(instance, field.name)
        if chosen.blocked:
            errors[field.name] = _("%(model)s %(record)s is blocked; it cannot be chosen.") % {
                "model": capfirst(field.related_model._meta.verbose_name),
                "record": chosen,
            }
    if errors:
        raise ValidationError(errors)


def _gone_records_named(instance, error: ValidationError) -> ValidationError:
    """``error`` with Django's "campaign instance with id 151 is not a valid choice."
    for a related record that is not stored (deleted by another user since it was
    chosen) said in words a user understands."""
    if not hasattr(error, "error_dict"):
        return error
    for name, errors in error.error_dict.items():
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.many_to_one:
            continue
        # The record as the caller chose it (its No.), else its key.
        record = field.get_cached_value(instance, None) or getattr(instance, field.attname)
        error.error_dict[name] = [
            no_such_record(field, record) if item.code == "invalid" else item for item in errors
        ]
    return error


def no_such_record(field, record) -> ValidationError:
    """The refusal of ``record`` (a record or a key) for the foreign key ``field``: it is
    not stored (deleted by another user since it was chosen, or never was)."""
    return ValidationError(
        _("%(model)s %(record)s no longer exists; another user may have deleted it.")
        % {"model": capfirst(field.related_model._meta.verbose_name), "record": record},
        code="invalid",
    )


def _check_kinds(instance) -> None:
    """A value of the wrong kind (a number where a date goes) is a field error: some
    fields' own conversion raises ``TypeError`` for it instead. So is a text with a NUL
    character, which PostgreSQL cannot store (and which would fail the unique checks'
    queries before any message)."""
    errors = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(value, str) and "\x00" in value:
            errors[field.name] = _("Null characters are not allowed.")
            continue
        try:
            field.to_python(getattr(instance, field.attname))
        except ValidationError:
            continue  # full_clean reports it, with the field's own message
        except (TypeError, ValueError, ArithmeticError, OverflowError):
            errors[field.name] = _("Not a valid value.")
    if errors:
        raise ValidationError(errors)


def _check_related_saved(instance) -> None:
    """A related record must be saved before this one refers to it."""
    errors = {}
    for field in instance._meta.concrete_fields:
        if field.is_relation and field.is_cached(instance):
            related = field.get_cached_value(instance)
            if related is not None and related.pk is None:
                errors[field.name] = _("%(model)s is not saved yet.") % {
                    "model": capfirst(field.related_model._meta.verbose_name)
                }
    if errors:
        raise ValidationError(errors)


def _field_names(model, fields) -> list[str] | None:
    if fields is None:
        return None
    editable = set(editable_fields(model))
    if not isinstance(fields, list | tuple) or not all(name in editable for name in fields):
        raise ValidationError(_("Fields to save: not fields a user may change."))
    return list(fields)


def _line_names(model, lines) -> tuple:
    if lines is None:
        return ()
    if not isinstance(lines, list | tuple):
        raise ValidationError(_("Line sets: not a list of names."))
    for name in lines:
        try:
            field = model._meta.get_field(name)
        except (FieldDoesNotExist, TypeError):
            field = None
        if field is None or not field.one_to_many:
            raise ValidationError(_("Line sets: %(name)s is not a set of lines.") % {"name": name})
    return tuple(lines)


def _has_blocked(model) -> bool:
    try:
        return model._meta.get_field("blocked").get_internal_type() == "BooleanField"
    except FieldDoesNotExist:
        return False


def set_history_user(instance, user) -> None:
    if getattr(user, "pk", None):
        instance._history_user = user


def changed_fields(instance, stored) -> list[str]:
    """The fields a user may change whose value on ``instance`` differs from ``stored``."""
    return [
        name
        for name in editable_fields(type(instance))
        if field_value(instance, name) != field_value(stored, name)
    ]


def write_record(instance, *, stored=None, fields=None, user=None) -> None:
    """Insert ``instance``, or update it: only ``fields`` when given, else the fields a
    user may change that differ from ``stored`` (the locked row, ``lock_stored``), and
    the fields the model sets itself. Nothing else is written, so values the caller
    did not change (or did not mean to) stay as stored. A clash with a record saved at
    the same moment (a unique key) is refused as a ``ValidationError``."""
    model = type(instance)
    set_history_user(instance, user)
    try:
        with transaction.atomic():
            if instance.pk is None or instance._state.adding:
                instance.save()
                return
            if fields is None:
                fields = changed_fields(instance, stored) if stored is not None else None
            if fields is None:
                names = editable_fields(model)
            else:
                concrete = {f.name for f in model._meta.concrete_fields if not f.primary_key}
                names = [name for name in fields if name in concrete]
            if not names:
                return  # nothing changed: no write, no history row
            names += [name for name in _auto_fields(model) if name not in names]
            instance.save(update_fields=names)
    except IntegrityError:
        raise ValidationError(
            _(
                "%(model)s %(record)s could not be saved: it clashes with a record that was "
                "saved at the same moment. Check the values and save again."
            )
            % {"model": capfirst(model._meta.verbose_name), "record": instance},
            code="integrity",
        ) from None


@transaction.atomic
def save_record(
    *, instance, fields=None, m2m=None, version: str | None = None, lines=(), user=None
):
    """Create or change ``instance``: a record without a service of its own (code
    tables, setup, items …), saved by a page, the admin or a command.

    ``fields``: the fields the caller changes (default: those that differ from what is
    stored); ``m2m``: ``{name: records}`` for many-to-many fields; ``version``: the
    version the caller's copy was loaded from (``core.concurrency``); ``lines``: names
    of line sets the caller saves with the record in the same transaction (an
    activity's steps), which the version covers too.
    """
    record_arg(instance, models.Model, label=_("The record"), saved=False)
    model = type(instance)
    fields = _field_names(model, fields)
    m2m = m2m_arg(model, m2m)
    lines = _line_names(model, lines)
    stored = lock_stored(instance, version=version, m2m=m2m, lines=lines)
    validate_record(instance, stored=stored)
    write_record(instance, stored=stored, fields=fields, user=user)
    for name, records in m2m.items():
        getattr(instance, name).set(records)
    return instance


@transaction.atomic
def delete_record(*, instance, user=None) -> None:
    """Delete ``instance``; a record still used elsewhere is refused with what uses it."""
    record_arg(instance, models.Model, label=_("The record"))
    stored = lock_stored(instance)  # as stored: the caller's copy may hold other values
    set_history_user(stored, user)
    try:
        with transaction.atomic():
            stored.delete()
    except (ProtectedError, RestrictedError) as error:
        raise ValidationError(describe_protected(stored, error)) from None
