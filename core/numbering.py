"""Taking numbers from a number series, safely under concurrency.

Every No. of the application comes from here: one at a time for a record saved by a
form or service (``take_next_number``), or a whole block for a bulk insert
(``reserve_numbers``, ``reserve_free_numbers``). The series row is locked
(``select_for_update``) until the caller's transaction ends, so two users never get
the same number; a rolled-back transaction leaves a gap, as in NAV. Numbers a user
already typed by hand are skipped.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value, Window
from django.db.models.functions import Cast, Concat, Greatest, Length, LPad, RowNumber
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import NumberSeries

# The series every numbered record uses; created by a migration (and again after a
# test database flush) and editable on the setup page. code -> (description, prefix, digits)
# The descriptions are written in the language active when they are created (the
# site's, or the demo's: reword_default_series), as a user would type them.
DEFAULT_SERIES = {
    "CAMPAIGN": (gettext_lazy("Campaigns"), "CP", 4),
    "SEGMENT": (gettext_lazy("Segments"), "SEG", 5),
    "CONTACT": (gettext_lazy("Contacts"), "CT", 6),
    "CUSTOMER": (gettext_lazy("Customers"), "C", 5),
    "ITEM": (gettext_lazy("Items"), "IT", 5),
    "TASK": (gettext_lazy("Tasks"), "TD", 6),
    "OPPORTUNITY": (gettext_lazy("Opportunities"), "OP", 5),
    "SALES-QUOTE": (gettext_lazy("Sales quotes"), "SQ", 5),
}


def ensure_default_series(number_series_model=NumberSeries, using="default") -> None:
    """Create the default number series that do not exist yet."""
    for code, (description, prefix, digits) in DEFAULT_SERIES.items():
        number_series_model.objects.using(using).get_or_create(
            code=code,
            defaults={"description": str(description), "prefix": prefix, "digits": digits},
        )


def reword_default_series() -> int:
    """The default series' descriptions in the active language where nobody changed
    them (``manage.py demo --language nl``: *Campagnes*, not *Campaigns*)."""
    changed = 0
    for code, (description, _prefix, _digits) in DEFAULT_SERIES.items():
        with translation.override("en"):
            english = str(description)
        changed += NumberSeries.objects.filter(code=code, description=english).update(
            description=str(description)
        )
    return changed


def lock_series(code: str) -> NumberSeries:
    """The number series ``code``, its row locked until the transaction ends."""
    series = NumberSeries.objects.select_for_update().filter(code=code).first()
    if series is None:
        raise ValidationError(
            _("Number series %(code)s does not exist. Set it up under Setup › Number series.")
            % {"code": code}
        )
    return series


def take_next_number(code: str, model=None) -> str:
    """Return the next No. of series ``code``, locking the series row.

    Runs inside the caller's transaction (or its own), so a rolled-back
    creation leaves a gap, as in NAV, but two creations never share a number.
    Numbers that a user already typed by hand on ``model`` are skipped.
    """
    with transaction.atomic():
        series = lock_series(code)
        number = series.last_number + 1
        taken = model._default_manager if model is not None else None
        while taken is not None and taken.filter(no=series.format(number)).exists():
            number += 1
        NumberSeries.objects.filter(pk=series.pk).update(last_number=number)
        return series.format(number)


def numbers_in_use(series: NumberSeries, model, first: int, last: int) -> set[int]:
    """The numbers from ``first`` to ``last`` whose No. ``model`` already has (typed
    by hand). One query: formatted numbers of one width sort like the numbers, so each
    width is one range of the No. index (usually there is only one width)."""
    condition = Q()
    low = first
    while low <= last:
        width = max(series.digits, len(str(low)))
        high = min(last, 10**width - 1)
        condition |= Q(no__gte=series.format(low), no__lte=series.format(high))
        low = high + 1
    taken = set()
    for number in model._default_manager.filter(condition).values_list("no", flat=True):
        rest = number[len(series.prefix) :]
        if number.startswith(series.prefix) and rest.isdigit():
            value = int(rest)
            if first <= value <= last and series.format(value) == number:
                taken.add(value)
    return taken


@dataclass(frozen=True)
class NumberBlock:
    """``count`` consecutive numbers of ``series`` from ``first``, reserved for a bulk
    insert that computes each row's No. in SQL (``row_numbers``)."""

    series: NumberSeries
    first: int
    count: int

    @property
    def last(self) -> int:
        return self.first + self.count - 1

    def row_numbers(self, *, start: int, order_by: str):
        """The No. of each row of an ``INSERT … SELECT``: number ``start +
        ROW_NUMBER() - 1`` (rows in ``order_by`` order) with the series' prefix,
        zero-padded to its digits like ``NumberSeries.format``."""
        series = self.series
        counter = Cast(
            Window(RowNumber(), order_by=F(order_by).asc()) + Value(start - 1), models.CharField()
        )
        if self.last < 10**series.digits:
            padded = LPad(counter, series.digits, Value("0"))
        else:  # wider than the series' digits: pad no further than the number itself
            padded = LPad(counter, Greatest(Length(counter), Value(series.digits)), Value("0"))
        return Concat(Value(series.prefix), padded, output_field=models.CharField())


def reserve_numbers(code: str, count: int, *, model) -> NumberBlock:
    """Reserve ``count`` consecutive numbers of series ``code`` for new rows of
    ``model`` under the series row lock. A block that holds a number typed by hand
    moves past it, so the rows can be numbered in SQL without a clash."""
    series = lock_series(code)
    first = series.last_number + 1
    while taken := numbers_in_use(series, model, first, first + count - 1):
        first = max(taken) + 1
    NumberSeries.objects.filter(pk=series.pk).update(last_number=first + count - 1)
    return NumberBlock(series, first, count)


def reserve_free_numbers(code: str, count: int, *, model, skip=frozenset()) -> list[str]:
    """Take the next ``count`` free No.s of series ``code`` for new rows of ``model``
    under the series row lock, as ``take_next_number`` would one by one: numbers
    ``model`` already has and the No.s in ``skip`` (e.g. typed in the same file) are
    passed over. A few range queries for the whole block, not one per number."""
    if count <= 0:
        return []
    series = lock_series(code)
    numbers: list[str] = []
    start, size = series.last_number + 1, count
    while len(numbers) < count:
        end = start + size - 1
        taken = numbers_in_use(series, model, start, end)
        for number in range(start, end + 1):
            formatted = series.format(number)
            if number not in taken and formatted not in skip:
                numbers.append(formatted)
                if len(numbers) == count:
                    end = number
                    break
        start, size = end + 1, size * 2
    NumberSeries.objects.filter(pk=series.pk).update(last_number=end)
    return numbers


def check_manual_number(code: str, number: str) -> None:
    """Refuse a typed No. when the series does not allow manual numbers."""
    series = NumberSeries.objects.filter(code=code).first()
    if series is not None and not series.allow_manual:
        raise ValidationError(
            _("Number series %(code)s does not allow manual numbers; leave No. blank.")
            % {"code": code}
        )
