"""Taking numbers from a number series, safely under concurrency."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.models import NumberSeries

# The series every numbered record uses; created by a migration (and again after a
# test database flush) and editable on the setup page. code -> (description, prefix, digits)
DEFAULT_SERIES = {
    "CAMPAIGN": ("Campaigns", "CP", 4),
    "SEGMENT": ("Segments", "SEG", 5),
    "CONTACT": ("Contacts", "CT", 6),
    "CUSTOMER": ("Customers", "C", 5),
    "ITEM": ("Items", "IT", 5),
    "TASK": ("Tasks", "TD", 6),
    "OPPORTUNITY": ("Opportunities", "OP", 5),
    "SALES-QUOTE": ("Sales quotes", "SQ", 5),
}


def ensure_default_series(number_series_model=NumberSeries, using="default") -> None:
    """Create the default number series that do not exist yet."""
    for code, (description, prefix, digits) in DEFAULT_SERIES.items():
        number_series_model.objects.using(using).get_or_create(
            code=code, defaults={"description": description, "prefix": prefix, "digits": digits}
        )


def take_next_number(code: str, model=None) -> str:
    """Return the next No. of series ``code``, locking the series row.

    Runs inside the caller's transaction (or its own), so a rolled-back
    creation leaves a gap, as in NAV, but two creations never share a number.
    Numbers that a user already typed by hand on ``model`` are skipped.
    """
    with transaction.atomic():
        try:
            series = NumberSeries.objects.select_for_update().get(code=code)
        except NumberSeries.DoesNotExist:
            raise ValidationError(
                _("Number series %(code)s does not exist. Set it up under Setup › Number series.")
                % {"code": code}
            ) from None
        number = series.last_number + 1
        taken = model._default_manager if model is not None else None
        while taken is not None and taken.filter(no=series.format(number)).exists():
            number += 1
        NumberSeries.objects.filter(pk=series.pk).update(last_number=number)
        return series.format(number)


def check_manual_number(code: str, number: str) -> None:
    """Refuse a typed No. when the series does not allow manual numbers."""
    series = NumberSeries.objects.filter(code=code).first()
    if series is not None and not series.allow_manual:
        raise ValidationError(
            _("Number series %(code)s does not allow manual numbers; leave No. blank.")
            % {"code": code}
        )
