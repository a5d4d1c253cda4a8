"""Date formulas in NAV syntax (docs/activities.md), used by activity steps and sales cycle
stages.

A formula is up to three terms, applied left to right, each with an optional
sign (``+`` when left out):

* ``<n><unit>`` adds n units (``1W``, ``-2D``, ``3M``);
* ``D<n>`` / ``WD<n>`` move to the next (with ``-``: previous) day n of a month
  / weekday n (Monday = 1), never the same day (``D10``, ``WD4``);
* ``C<unit>`` moves to the end of the current day / week (Sunday) / month /
  quarter / year; with ``-`` to its start (``CM``, ``-CW``).

Units: D (day), WD (weekday), W (week), M (month), Q (quarter), Y (year).
Month arithmetic clamps to the month's last day (``1M`` from 31 January is
28 February). A blank formula means the start date itself.

As NAV's DateFormula type does, a formula is stored in one language-neutral form
(the English letters above) and typed and shown in the user's language. The Dutch
letters are those of Dutch NAV: L (lopende, for C), K (kwartaal, for Q), J (jaar,
for Y); D, WD, W and M are the same. The parser takes either set whatever the
language (no letter means two things), so ``LM+1K`` and ``CM+1Q`` are one formula,
shown as ``LM+1K`` to a Dutch user and ``CM+1Q`` to an English one.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

UNITS = ("WD", "D", "W", "M", "Q", "Y")  # WD before D and W for matching
MAX_TERMS = 3
# The letters of each language that differ from the neutral (English) ones.
LETTERS = {"nl": {"C": "L", "Q": "K", "Y": "J"}}
NEUTRAL = {local: neutral for letters in LETTERS.values() for neutral, local in letters.items()}
_UNIT = r"WD|D|W|M|Q|Y|K|J"
TERM = re.compile(
    rf"(?P<sign>[+-]?)(?:[CL](?P<period>{_UNIT})|(?P<count>\d{{1,4}})(?P<unit>{_UNIT})"
    r"|(?P<next>WD|D)(?P<ordinal>\d{1,2}))"
)


def _neutral(unit: str) -> str:
    return NEUTRAL.get(unit, unit)


def _letters(language: str | None) -> dict:
    """The letters of ``language`` (the current one when None) that are not English."""
    language = (language or get_language() or "en").split("-")[0].lower()
    return LETTERS.get(language, {})


@dataclass(frozen=True)
class Term:
    kind: str  # "add", "next" or "period"
    unit: str
    number: int = 0
    negative: bool = False

    def __str__(self):
        return self.text({})

    def text(self, letters: dict) -> str:
        """The term with ``letters`` in place of the neutral ones (``{}``: neutral)."""
        sign = "-" if self.negative else "+"
        unit = letters.get(self.unit, self.unit)
        if self.kind == "add":
            return f"{sign}{self.number}{unit}"
        if self.kind == "next":
            return f"{sign}{unit}{self.number}"
        return f"{sign}{letters.get('C', 'C')}{unit}"


@dataclass(frozen=True)
class DateFormula:
    terms: tuple[Term, ...] = ()

    def __str__(self):
        """The stored, language-neutral form (``CM+1Q``)."""
        return self.display("en")

    def display(self, language: str | None = None) -> str:
        """The formula in ``language`` (the current one when None): ``LM+1K`` in Dutch."""
        letters = _letters(language)
        text = "".join(term.text(letters) for term in self.terms)
        return text[1:] if text.startswith("+") else text

    def apply(self, start: datetime.date) -> datetime.date:
        date = start
        try:
            for term in self.terms:
                date = _apply(term, date)
        except (OverflowError, ValueError):  # past 31-12-9999 or before 1-1-1
            raise ValidationError(
                _("The date formula %(formula)s gives no date from %(date)s.")
                % {"formula": self.display(), "date": date_format(start)},
                code="out_of_range",
            ) from None
        return date


def parse(text: str) -> DateFormula:
    """Parse ``text``; a ValidationError names the part that is not understood."""
    source = (text or "").replace(" ", "").upper()
    terms = []
    position = 0
    while position < len(source):
        match = TERM.match(source, position)
        if match is None or (match.group("sign") == "" and terms):
            bad = source[position:]
            raise ValidationError(
                _("The date formula is not valid at “%(part)s”.") % {"part": bad},
                code="invalid_formula",
            )
        terms.append(_term(match))
        position = match.end()
    if len(terms) > MAX_TERMS:
        raise ValidationError(
            _("A date formula has at most %(n)d terms.") % {"n": MAX_TERMS}, code="too_long"
        )
    return DateFormula(tuple(terms))


def _term(match) -> Term:
    negative = match.group("sign") == "-"
    if match.group("period"):
        return Term("period", _neutral(match.group("period")), negative=negative)
    if match.group("unit"):
        unit, number = _neutral(match.group("unit")), int(match.group("count"))
        if unit == "WD":
            raise ValidationError(
                _("“%(part)s”: use WD with the weekday after it, e.g. WD1 for Monday.")
                % {"part": match.group(0)},
                code="invalid_formula",
            )
        return Term("add", unit, number, negative)
    unit, number = match.group("next"), int(match.group("ordinal"))
    limit = 7 if unit == "WD" else 31
    if not 1 <= number <= limit:
        raise ValidationError(
            _("“%(part)s”: the number must be between 1 and %(limit)d.")
            % {"part": match.group(0), "limit": limit},
            code="invalid_formula",
        )
    return Term("next", unit, number, negative)


def add_months(date: datetime.date, months: int) -> datetime.date:
    """``date`` plus ``months``, clamped to the last day of the target month."""
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date.replace(year=year, month=month, day=min(date.day, last))


def _apply(term: Term, date: datetime.date) -> datetime.date:
    sign = -1 if term.negative else 1
    if term.kind == "add":
        amount = sign * term.number
        if term.unit == "D":
            return date + datetime.timedelta(days=amount)
        if term.unit == "W":
            return date + datetime.timedelta(weeks=amount)
        months = {"M": 1, "Q": 3, "Y": 12}[term.unit]
        return add_months(date, months * amount)
    if term.kind == "next":
        return _next(term, date, sign)
    return _period(term, date)


def _next(term: Term, date: datetime.date, sign: int) -> datetime.date:
    step = datetime.timedelta(days=sign)
    candidate = date + step
    if term.unit == "WD":
        while candidate.isoweekday() != term.number:
            candidate += step
        return candidate
    # D<n>: the next (previous) date whose day is n; months without day n are skipped.
    for _i in range(400):
        if candidate.day == term.number:
            return candidate
        candidate += step
    raise ValidationError(_("No such date."))  # unreachable for 1..31


def _period(term: Term, date: datetime.date) -> datetime.date:
    unit, start = term.unit, term.negative
    if unit in ("D", "WD"):
        return date
    if unit == "W":
        monday = date - datetime.timedelta(days=date.isoweekday() - 1)
        return monday if start else monday + datetime.timedelta(days=6)
    if unit == "M":
        first = date.replace(day=1)
    elif unit == "Q":
        first = date.replace(month=(date.month - 1) // 3 * 3 + 1, day=1)
    else:
        first = date.replace(month=1, day=1)
    if start:
        return first
    months = {"M": 1, "Q": 3, "Y": 12}[unit]
    return add_months(first, months) - datetime.timedelta(days=1)


def apply_formula(text: str, start: datetime.date) -> datetime.date:
    """The date ``text`` gives from ``start`` (a blank formula gives ``start``)."""
    return parse(text).apply(start)


def validate_date_formula(value: str) -> None:
    parse(value)


def normalize(value: str) -> str:
    """The stored form of a formula (``cm+1d`` → ``CM+1D``, ``lm+1k`` → ``CM+1Q``)."""
    return str(parse(value)) if value else ""


def display(value: str, language: str | None = None) -> str:
    """A stored formula as the user types it (``CM+1Q`` → ``LM+1K`` in Dutch); a value
    that does not parse is shown as it is."""
    if not value:
        return ""
    try:
        return parse(value).display(language)
    except ValidationError:
        return value
