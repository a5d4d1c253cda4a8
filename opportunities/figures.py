"""The figures of an opportunity (docs/opportunities.md): probability % by the sales
cycle's calculation, the calculated current value, and the checks of an estimated
value and a chances of success %."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from core.arguments import decimal_arg
from opportunities.models import (
    ProbabilityCalculation,
)

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
NEXT, PREVIOUS = "next", "previous"


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, ROUND_HALF_UP)


def calculate_probability(calculation: str, chances, completed) -> Decimal:
    """The probability % of an opportunity by the sales cycle's ``calculation``."""
    chances, completed = Decimal(chances), Decimal(completed)
    if calculation == ProbabilityCalculation.MULTIPLY:
        value = chances * completed / HUNDRED
    elif calculation == ProbabilityCalculation.ADD:
        value = (chances + completed) / 2
    elif calculation == ProbabilityCalculation.CHANCES_OF_SUCCESS:
        value = chances
    elif calculation == ProbabilityCalculation.COMPLETED:
        value = completed
    else:
        raise ValueError(calculation)
    return money(value)


def calculate_current_value(estimated_value, probability) -> Decimal:
    """Estimated value × probability % / 100, rounded to 0.01."""
    return money(Decimal(estimated_value) * Decimal(probability) / HUNDRED)


def check_figures(estimated_value, chances):
    """The estimated value (not negative) and chances of success % (0–100) as
    Decimals, either left out (None)."""
    value = decimal_arg(
        estimated_value,
        label=_("Estimated value"),
        key="estimated_value",
        minimum=0,
        max_digits=18,
        allow_none=True,
    )
    chances = decimal_arg(
        chances,
        label=_("Chances of success %"),
        key="chances_of_success_percent",
        minimum=0,
        maximum=100,
        allow_none=True,
    )
    return value, chances
