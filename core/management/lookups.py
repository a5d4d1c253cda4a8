"""Finding the record a command names (a campaign No., a salesperson code …)."""

import datetime

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def get_by_code(model, field: str, value: str, missing: str):
    """The ``model`` row whose ``field`` is ``value`` (trimmed, upper case); else the
    command stops with ``missing % {"code": value}``."""
    code = value.strip().upper()
    found = model.objects.filter(**{field: code}).first()
    if found is None:
        raise CommandError(missing % {"code": code})
    return found


def parse_date(option: str, value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            _("--%(option)s: %(value)r is not a date; use YYYY-MM-DD, e.g. 2026-01-31.")
            % {"option": option, "value": value}
        ) from None
