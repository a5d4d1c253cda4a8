"""``{{ value|date_formula }}``: a stored date formula in the user's language
(``CM+1Q`` → ``LM+1K`` in Dutch; docs/activities.md, Date formulas)."""

from django import template

from core.date_formulas import display

register = template.Library()


@register.filter
def date_formula(value):
    return display(value or "")
