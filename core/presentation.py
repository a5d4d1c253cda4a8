"""Turning records into what card pages and messages show."""

from decimal import Decimal

from django.db import models
from django.urls import NoReverseMatch
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import date_formulas
from core.fields import DateFormulaField

MAX_NAMED_REFERENCES = 5


def decimal_text(value, *, grouping: bool = True) -> str:
    """A number for a message or trace as the active language writes it: no trailing
    zeros and never an exponent (10, not 1E+1; 2,5 and 1.000 in Dutch), grouped like
    the cards' numbers unless ``grouping`` is off (docs/architecture.md, Languages)."""
    number = Decimal(value).normalize()
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return number_format(number, use_l10n=True, force_grouping=grouping)


def amount_text(value, *, decimal_places: int = 2) -> str:
    """An amount as the active language writes it: grouped, two decimals (4,300.00 /
    4.300,00), on cards, lists, traces, charts and messages alike (docs/formats.md)."""
    return number_format(Decimal(value), decimal_pos=decimal_places, force_grouping=True)


def count_text(value) -> str:
    """A count grouped as the active language writes it (1,234 / 1.234)."""
    return number_format(int(value), force_grouping=True)


def field_display(obj, name: str) -> dict:
    """Label, value and (for a related record) link of one field of ``obj``."""
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    entry = {"name": name, "label": capfirst(field.verbose_name), "value": value, "url": None}
    if field.choices:
        entry["value"] = getattr(obj, f"get_{name}_display")()
    elif isinstance(field, models.BooleanField):
        entry["is_bool"] = True
    elif isinstance(field, models.DecimalField) and value is not None:
        # 1,234.56 / 1.234,56: grouped here, as USE_THOUSAND_SEPARATOR is off (settings).
        entry["value"] = amount_text(value, decimal_places=field.decimal_places)
    elif isinstance(field, DateFormulaField):
        entry["value"] = date_formulas.display(value)  # in the user's language
    elif field.is_relation and value is not None:
        try:
            entry["url"] = value.get_absolute_url()
        except (AttributeError, NoReverseMatch):
            entry["url"] = None  # a related record without a page of its own
    if field.help_text:
        entry["help"] = field.help_text
    return entry


def card_sections(obj, sections) -> list[dict]:
    """The card's FastTabs: ``[(title, [field names])]`` → titled lists of fields. A
    name may also be a ``(label, attribute)`` pair: a computed value shown as it is
    (e.g. ``(_("Entry No."), "pk")``)."""
    return [
        {
            "title": title,
            "fields": [
                {"label": name[0], "value": getattr(obj, name[1]), "url": None}
                if isinstance(name, tuple)
                else field_display(obj, name)
                for name in names
            ],
        }
        for title, names in sections
    ]


def describe_protected(obj, error) -> str:
    """A message that says what still refers to ``obj`` (from a ``ProtectedError``)."""
    referring = list(
        getattr(error, "protected_objects", None) or getattr(error, "restricted_objects", ())
    )
    by_model: dict = {}
    for item in referring:
        by_model.setdefault(item._meta.verbose_name_plural, []).append(str(item))
    parts = []
    for label, names in by_model.items():
        shown = ", ".join(names[:MAX_NAMED_REFERENCES])
        more = len(names) - MAX_NAMED_REFERENCES
        if more > 0:
            shown += " " + ngettext("and %(n)d more", "and %(n)d more", more) % {"n": more}
        parts.append(f"{capfirst(label)}: {shown}")
    return _("%(object)s cannot be deleted because it is still used by %(refs)s.") % {
        "object": f"{capfirst(obj._meta.verbose_name)} {obj}",
        "refs": "; ".join(parts),
    }
