"""NAV's filter syntax for text and code fields (docs/segments.md, Criteria).

``filter_condition("name", ">=A&<=M|''")`` gives the ``Q`` of a NAV filter
expression; ``parse`` checks one and says what is wrong with a ``ValidationError``.

- ``A|B`` either, ``A&B`` both; ``&`` binds tighter than ``|``, as in NAV.
- ``A..B`` a range with both ends included, ``..B`` up to, ``A..`` from.
- ``<>A``, ``<A``, ``<=A``, ``>A``, ``>=A``.
- ``*`` any characters (also none), ``?`` exactly one character, anywhere in a
  value, also after ``<>``; not in a range or after ``<``, ``<=``, ``>``, ``>=``.
- ``''`` blank; ``'…'`` quotes a value: what is inside is taken as it is (``'A|B'``
  is the value A|B, ``'*'`` a star), ``''`` inside quotes is one quote.
- ``@`` before a value (or before its operator) asks NAV to ignore case: matching
  always ignores case here, so it is accepted and changes nothing.
- Spaces around a value are ignored, spaces inside it are kept.

Case and order, identical on SQLite and PostgreSQL (``Folded``): both sides are
lower-cased with Unicode's full lower-case mapping (Python's ``str.lower`` on SQLite,
ICU's on PostgreSQL: ``Ü`` = ``ü``, ``ẞ`` = ``ß``, but ``ß`` is not ``ss``), and
compared in the code point order of the lower-cased text (``COLLATE "C"`` on
PostgreSQL, SQLite's byte order): blank first, then digits, then a–z, then letters
beyond ASCII (``é`` after ``z``). Numbers in a text field compare as text:
``1000..1999`` takes ``10000`` and not ``200``. A missing value (NULL) counts as
blank.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import CharField, F, Func, Lookup, Q
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)
from django.utils.translation import gettext

MAX_LENGTH = 250  # of an expression, unless the caller allows more
MAX_VALUE = 250  # of one value in it
MAX_ALTERNATIVES = 100

SQLITE_FUNCTION = "NAV_FILTER_LOWER"
OPERATORS = ("<>", "<=", ">=", "<", ">")  # longest first
COMPARISONS = {"<": LessThan, "<=": LessThanOrEqual, ">": GreaterThan, ">=": GreaterThanOrEqual}


def fold(text: str) -> str:
    """``text`` as the database's ``Folded`` gives it (on SQLite this is the function)."""
    return text.lower()


def sqlite_lower(value):
    """The SQLite function ``NAV_FILTER_LOWER``: ``fold``, NULL as blank."""
    return "" if value is None else fold(str(value))


def register_sqlite_function(sender, connection, **kwargs):
    """``connection_created`` receiver (core/apps.py): every new SQLite connection
    gets ``NAV_FILTER_LOWER``; SQLite's own lower() changes only A-Z."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, sqlite_lower, deterministic=True)


class Folded(Func):
    """The field lower-cased the same way on both databases, NULL as blank, compared
    in code point order (module docstring)."""

    arity = 1
    output_field = CharField()
    template = "LOWER(COALESCE(%(expressions)s, ''))"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template=f"{SQLITE_FUNCTION}(%(expressions)s)", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        # ICU's lower-case mapping whatever the database's locale; "C": code points.
        template = '(LOWER((COALESCE(%(expressions)s, \'\')) COLLATE "und-x-icu") COLLATE "C")'
        return self.as_sql(compiler, connection, template=template, **extra)


class Like(Lookup):
    """``lhs LIKE pattern``, a backslash escaping; the pattern comes from ``parse``, with
    the user's own ``%``, ``_`` and ``\\`` escaped. Not registered on any field."""

    lookup_name = "nav_like"

    def as_sql(self, compiler, connection):
        lhs_sql, lhs_params = self.process_lhs(compiler, connection)
        rhs_sql, rhs_params = self.process_rhs(compiler, connection)
        # PostgreSQL's LIKE escapes with a backslash by default; SQLite's has no escape.
        escape = "" if connection.vendor == "postgresql" else " ESCAPE '\\'"
        return f"{lhs_sql} LIKE {rhs_sql}{escape}", [*lhs_params, *rhs_params]


@dataclass(frozen=True)
class Term:
    """One condition of a filter, its values already folded.

    ``operator`` is ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``like``, ``not like``
    (``value`` is then a LIKE pattern) or ``..`` (``low`` / ``high``, None when open).
    """

    operator: str
    value: str = ""
    low: str | None = None
    high: str | None = None


def _refuse(message: str, **values):
    raise ValidationError(message % values if values else message, code="filter_syntax")


# The expression is read as a list of characters, each marked as quoted or not; an
# empty pair of quotes is one item ("", True), so that ``''`` is a value (blank).
Chars = list[tuple[str, bool]]


def _characters(expression: str) -> Chars:
    chars: Chars = []
    position, end = 0, len(expression)
    while position < end:
        char = expression[position]
        position += 1
        if char != "'":
            chars.append((char, False))
            continue
        quoted: Chars = []
        while True:
            if position >= end:
                _refuse(gettext("The filter has a quote (') that is not closed."))
            char = expression[position]
            position += 1
            if char != "'":
                quoted.append((char, True))
            elif position < end and expression[position] == "'":
                quoted.append(("'", True))  # '' inside quotes: one quote
                position += 1
            else:
                break
        chars.extend(quoted or [("", True)])
    return chars


def _split(chars: Chars, separator: str) -> list[Chars]:
    parts: list[Chars] = [[]]
    for char, quoted in chars:
        if char == separator and not quoted:
            parts.append([])
        else:
            parts[-1].append((char, quoted))
    return parts


def _strip(chars: Chars) -> Chars:
    start, end = 0, len(chars)
    while start < end and not chars[start][1] and chars[start][0].isspace():
        start += 1
    while end > start and not chars[end - 1][1] and chars[end - 1][0].isspace():
        end -= 1
    return chars[start:end]


def _strip_at(chars: Chars) -> Chars:
    """Without a leading ``@`` (ignore case: always so here) and spaces around it."""
    chars = _strip(chars)
    if chars and chars[0] == ("@", False):
        chars = _strip(chars[1:])
    return chars


def _text(chars: Chars) -> str:
    return "".join(char for char, _quoted in chars)


def _has_wildcard(chars: Chars) -> bool:
    return any(char in ("*", "?") and not quoted for char, quoted in chars)


def _checked_value(chars: Chars) -> str:
    text = _text(chars)
    if len(text) > MAX_VALUE:
        _refuse(gettext("A value in the filter is longer than %(max)d characters."), max=MAX_VALUE)
    return text


def _pattern(chars: Chars) -> str:
    """A LIKE pattern: ``*`` → ``%``, ``?`` → ``_``, the rest folded and escaped."""
    pattern, literal = [], []

    def flush():
        text = fold("".join(literal))
        pattern.append(text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_"))
        literal.clear()

    for char, quoted in chars:
        if char in ("*", "?") and not quoted:
            flush()
            pattern.append("%" if char == "*" else "_")
        else:
            literal.append(char)
    flush()
    return "".join(pattern)


def _range_position(chars: Chars) -> int | None:
    for index in range(len(chars) - 1):
        if chars[index] == (".", False) and chars[index + 1] == (".", False):
            return index
    return None


def _term(chars: Chars) -> Term:
    shown = _text(_strip(chars))
    position = _range_position(chars)
    if position is not None:
        low, high = _strip_at(chars[:position]), _strip_at(chars[position + 2 :])
        if _range_position(high) is not None:
            _refuse(gettext("“%(term)s” has more than one .. (a range has one)."), term=shown)
        if not low and not high:
            _refuse(gettext("A range (..) needs a value on at least one side."))
        for bound in (low, high):
            if bound and not bound[0][1] and bound[0][0] in ("<", ">"):
                _refuse(gettext("The range “%(term)s” cannot take <, >, <= or >=."), term=shown)
            if _has_wildcard(bound):
                _refuse(
                    gettext("In “%(term)s”, * and ? can only be used in a value or after <>."),
                    term=shown,
                )
        return Term(
            "..",
            low=fold(_checked_value(low)) if low else None,
            high=fold(_checked_value(high)) if high else None,
        )
    chars = _strip_at(chars)
    operator = "="
    for candidate in OPERATORS:
        if len(chars) >= len(candidate) and all(
            chars[index] == (char, False) for index, char in enumerate(candidate)
        ):
            operator = candidate
            chars = _strip_at(chars[len(candidate) :])
            break
    if not chars:
        _refuse(gettext("The condition “%(term)s” has no value."), term=shown)
    _checked_value(chars)
    if _has_wildcard(chars):
        if operator == "=":
            return Term("like", _pattern(chars))
        if operator == "<>":
            return Term("not like", _pattern(chars))
        _refuse(
            gettext("In “%(term)s”, * and ? can only be used in a value or after <>."), term=shown
        )
    return Term(operator, fold(_text(chars)))


def parse(expression: str, *, max_length: int = MAX_LENGTH) -> list[list[Term]]:
    """The alternatives (``|``) of ``expression``, each a list of terms that must all
    hold (``&``); a ``ValidationError`` that says what is wrong when it is no valid
    filter. Never an empty list: an empty filter is refused, not "everything"."""
    if not isinstance(expression, str) or not expression.strip():
        _refuse(gettext("The filter is empty."))
    if len(expression) > max_length:
        _refuse(gettext("The filter is longer than %(max)d characters."), max=max_length)
    if "\x00" in expression:
        _refuse(gettext("The filter contains a NUL character."))
    alternatives = _split(_characters(expression), "|")
    if len(alternatives) > MAX_ALTERNATIVES:
        _refuse(gettext("The filter has more than %(max)d alternatives (|)."), max=MAX_ALTERNATIVES)
    parsed = []
    for alternative in alternatives:
        if not _strip(alternative):
            _refuse(
                gettext(
                    "The filter has an empty alternative: put a value on both sides of every |."
                )
            )
        terms = _split(alternative, "&")
        if any(not _strip(term) for term in terms):
            _refuse(
                gettext("The filter has an empty condition: put a value on both sides of every &.")
            )
        parsed.append([_term(term) for term in terms])
    return parsed


def _term_condition(field: str, term: Term) -> Q:
    folded = Folded(F(field))
    if term.operator == "..":
        condition = Q()
        if term.low is not None:
            condition &= Q(GreaterThanOrEqual(folded, term.low))
        if term.high is not None:
            condition &= Q(LessThanOrEqual(folded, term.high))
        return condition
    if term.operator == "like":
        return Q(Like(folded, term.value))
    if term.operator == "not like":
        return ~Q(Like(folded, term.value))
    if term.operator == "=":
        return Q(Exact(folded, term.value))
    if term.operator == "<>":
        return ~Q(Exact(folded, term.value))
    return Q(COMPARISONS[term.operator](folded, term.value))


def filter_condition(field: str, expression: str, *, max_length: int = MAX_LENGTH) -> Q:
    """The ``Q`` of the NAV filter ``expression`` on ``field`` (a path such as
    ``contact__name``); a ``ValidationError`` when the expression is not valid."""
    condition = Q()
    for terms in parse(expression, max_length=max_length):
        alternative = Q()
        for term in terms:
            alternative &= _term_condition(field, term)
        condition |= alternative
    return condition
