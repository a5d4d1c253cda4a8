"""CSV cells that no spreadsheet executes (OWASP "CSV injection").

A spreadsheet opening a CSV file takes a cell that starts with ``=``, ``+``, ``-``
or ``@`` as a formula (``=HYPERLINK(…)`` sends data away, ``=cmd|…`` ran programs),
and a leading tab or carriage return can hide such a start. Every CSV the
application writes passes its text cells through :func:`neutralise`, which puts a
``'`` in front of them: the spreadsheet shows the text instead of running it.

So that an exported file imports again unchanged, the prefix is reversible: a text
that already starts with ``'`` followed by one of those characters or by another
``'`` gets one too, and :func:`restore` (used by the contact import on every cell)
takes exactly one ``'`` off a cell that starts with ``'`` and one of those
characters or ``'``. Any other text is left alone both ways, so a Dutch name like
``'t Hoekje`` stays as it is. Numbers and dates (anything not a ``str``) are never
changed: a spreadsheet must see ``-12.50`` as a number.
"""

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"
# After a PREFIX, these make a text look neutralised: such a text gets one more.
_AFTER_PREFIX = (*TRIGGERS, PREFIX)


def neutralise(value):
    """``value`` safe for a spreadsheet cell: a text starting with a formula
    trigger (or with a ``'`` that ``restore`` would take off) gets a leading ``'``;
    anything else is returned as it is."""
    if isinstance(value, str) and (
        value.startswith(TRIGGERS) or (value.startswith(PREFIX) and value[1:2] in _AFTER_PREFIX)
    ):
        return PREFIX + value
    return value


def restore(text: str) -> str:
    """The text ``neutralise`` was given: one leading ``'`` removed when a trigger
    character or another ``'`` follows it, otherwise ``text`` unchanged."""
    if text.startswith(PREFIX) and text[1:2] in _AFTER_PREFIX:
        return text[1:]
    return text


def neutralise_row(row) -> list:
    """Every cell of ``row`` through :func:`neutralise`."""
    return [neutralise(value) for value in row]
