"""Numbers as the user's language writes them (docs/formats.md): amounts with two
decimals and grouped thousands (4,300.00 / 4.300,00), other figures without trailing
zeros (12.5 / 12,5), counts grouped (1,234 / 1.234). USE_THOUSAND_SEPARATOR is off
(IDs and page numbers are keys), so a template groups a figure with one of these."""

from django import template

from core.presentation import amount_text, count_text, decimal_text

register = template.Library()


@register.filter
def amount(value):
    """``{{ opportunity.estimated_value|amount }}`` → 4,300.00 / 4.300,00."""
    return "" if value is None or value == "" else amount_text(value)


@register.filter
def number(value):
    """``{{ stage.completed_percent|number }}`` → 12.5 / 12,5; 1,000 / 1.000."""
    return "" if value is None or value == "" else decimal_text(value)


@register.filter
def count(value):
    """``{{ segment.line_count|count }}`` → 1,234 / 1.234."""
    return "" if value is None or value == "" else count_text(value)


@register.filter
def figure(value):
    """A figure another app adds to a page (a count or an amount of money):
    ``{{ value|figure }}`` → 1,234 for a whole number, 4,300.00 for an amount."""
    if value is None or value == "":
        return ""
    return count_text(value) if isinstance(value, int) else amount_text(value)
