"""Checking the arguments of a service (docs/services.md).

A service is called by pages, the admin, commands and (later) the API; it does not
trust that a form checked its arguments first. These helpers turn an argument into
the value the service works with, or refuse it with a ``ValidationError`` naming the
argument: never a ``TypeError``, ``decimal.InvalidOperation`` or a database error.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def _refuse(label, message, key=None):
    text = f"{label}: {message}"
    raise ValidationError({key: text} if key else text)


def decimal_arg(
    value,
    *,
    label: str,
    key: str | None = None,
    minimum=None,
    maximum=None,
    above=None,
    max_digits: int | None = None,
    places: int | None = None,
    allow_none: bool = False,
) -> Decimal | None:
    """``value`` (a Decimal, an int or a string such as ``"12.50"``) as a finite
    Decimal within the bounds (``above``: strictly greater than), with at most
    ``max_digits`` digits of which ``places`` after the point."""
    if value is None:
        if allow_none:
            return None
        _refuse(label, _("a number is required."), key)
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        _refuse(label, _("not a number."), key)
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        _refuse(label, _("not a number."), key)
    if not number.is_finite():
        _refuse(label, _("not a number."), key)
    if minimum is not None and number < Decimal(minimum):
        _refuse(label, _("must be at least %(n)s.") % {"n": minimum}, key)
    if above is not None and number <= Decimal(above):
        _refuse(label, _("must be more than %(n)s.") % {"n": above}, key)
    if maximum is not None and number > Decimal(maximum):
        _refuse(label, _("must be at most %(n)s.") % {"n": maximum}, key)
    if places is not None:
        exponent = number.as_tuple().exponent
        if (
            isinstance(exponent, int)
            and -exponent > places
            and number != number.quantize(Decimal(1).scaleb(-places))
        ):
            _refuse(label, _("at most %(n)d decimals.") % {"n": places}, key)
    if max_digits is not None:
        whole = abs(number).quantize(Decimal(1), rounding="ROUND_DOWN")
        allowed = max_digits - (places or 0)
        if len(str(whole).lstrip("0") or "0") > allowed and whole != 0:
            _refuse(label, _("too large."), key)
    return number


def date_arg(value, *, label: str, key: str | None = None, allow_none: bool = False):
    """``value`` as a date (a ``date`` or an ISO string ``2026-11-27``)."""
    if value is None:
        if allow_none:
            return None
        _refuse(label, _("a date is required."), key)
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    _refuse(label, _("not a valid date."), key)


def text_arg(value, *, label: str, key: str | None = None, max_length: int | None = None) -> str:
    """``value`` as text without NUL characters, at most ``max_length`` long."""
    if value is None:
        return ""
    if not isinstance(value, str):
        _refuse(label, _("not a text."), key)
    if "\x00" in value:
        _refuse(label, _("contains a character that cannot be stored."), key)
    if max_length is not None and len(value) > max_length:
        _refuse(label, _("at most %(n)d characters.") % {"n": max_length}, key)
    return value


def choice_arg(value, choices, *, label: str, key: str | None = None):
    """``value`` when it is one of ``choices`` (a Django choices class or values)."""
    values = getattr(choices, "values", choices)
    if value not in list(values):
        _refuse(label, _("not a valid choice."), key)
    return value


def bool_arg(value, *, label: str, key: str | None = None) -> bool:
    if not isinstance(value, bool):
        _refuse(label, _("must be yes or no."), key)
    return value


def record_arg(
    value,
    model,
    *,
    label: str = "",
    key: str | None = None,
    saved: bool = True,
    allow_none: bool = False,
):
    """``value`` when it is a ``model`` record, stored unless ``saved`` is False (or
    None with ``allow_none``)."""
    if value is None and allow_none:
        return None
    if not isinstance(value, model) or (saved and (value.pk is None or value._state.adding)):
        what = _("not a saved %(model)s.") if saved else _("not a %(model)s.")
        meta = getattr(model, "_meta", None)
        kind = meta.verbose_name if meta is not None else _("record")
        _refuse(label or _("Record"), what % {"model": kind}, key)
    return value


def version_arg(version) -> str | None:
    """A version as an edit form posts it (``core.concurrency``), or None."""
    if version is None:
        return None
    if not isinstance(version, str) or "\x00" in version or len(version) > 100:
        raise ValidationError(_("Not a record version."))
    return version or None


def m2m_arg(model, m2m) -> dict:
    """``{many-to-many field of model: records}`` checked: the fields exist and the
    records are stored records of the related model."""
    if m2m is None:
        return {}
    names = {field.name: field for field in model._meta.many_to_many}
    if not isinstance(m2m, dict) or not all(name in names for name in m2m):
        raise ValidationError(_("Many-to-many values: not fields of this record."))
    values = {}
    for name, records in m2m.items():
        related = names[name].related_model
        if isinstance(records, str | bytes) or not hasattr(records, "__iter__"):
            raise ValidationError({name: _("Not a list of records.")})
        records = list(records)
        for record in records:
            record_arg(record, related, key=name, label=capfirst(names[name].verbose_name))
        values[name] = records
    return values
