"""The words of the best-price trace (docs/pricing.md, Why this price?): the reasons a
candidate did not apply, the sales types and the price's source. A trace entry stores
codes with their arguments in no language (ISO dates, plain digits) beside the text,
so a page words it again in the reader's language (``reason_text``,
``sales_type_text``, ``source_text``). While pricing, the words of one language are
made once (``texts_in``), and each reason once per value, not once per row."""

import datetime
import functools
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.presentation import decimal_text
from pricing.models import DiscountSalesType, SalesType

# The trace's source when no sales price applies (the item card's unit price).
ITEM_UNIT_PRICE = "item_unit_price"


# The trace's reasons, by code. An entry stores the code and its arguments in no
# language (ISO dates, plain digits) beside the text, so that the page words it in
# the reader's language and format (reason_text; docs/pricing.md, Why this price?).
REASONS = {
    "starts_on": gettext_lazy("starts on %(date)s"),
    "ended_on": gettext_lazy("ended on %(date)s"),
    "for_currency": gettext_lazy("for currency %(code)s"),
    "other_unit": gettext_lazy("for another unit of measure"),
    "minimum_quantity": gettext_lazy("minimum quantity %(qty)s not reached"),
    "minimum_base_quantity": gettext_lazy(
        "minimum quantity %(qty)s in the base unit not reached (the line holds %(base)s)"
    ),
    "zero_price": gettext_lazy("a unit price of 0 is ignored"),
    "specific_row": gettext_lazy("a row for the specific currency or unit applies"),
    "no_line_discount": gettext_lazy("allows no line discount"),
    "no_sales_price": gettext_lazy("no sales price applies"),
}


def _shown(value):
    """An argument of a reason as the reader's language writes it."""
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return decimal_text(value)
    return value


def _neutral(value):
    """An argument of a reason as the trace stores it: ISO dates, plain digits."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


class _Reason(str):
    """A reason's text that remembers its code and arguments (``_entry`` stores them)."""

    code = ""
    args: dict = {}


class Texts:
    """The engine's words in one language: the sales type labels and the reasons
    of the trace, translated once per language instead of once per row."""

    # Reasons worded so far (the same few dates and quantities recur on every lookup).
    KEPT_REASONS = 10_000

    def __init__(self):
        self.price_types = {value: str(label) for value, label in SalesType.choices}
        self.discount_types = {value: str(label) for value, label in DiscountSalesType.choices}
        self.reasons = {code: str(text) for code, text in REASONS.items()}
        self.item_unit_price = _("Item unit price")
        self._worded = {}

    def reason(self, reason_code: str, **args) -> _Reason:
        key = (reason_code, *args.items())
        reason = self._worded.get(key)
        if reason is None:
            text = self.reasons[reason_code]
            reason = _Reason(text % {k: _shown(v) for k, v in args.items()} if args else text)
            reason.code = reason_code
            reason.args = {k: _neutral(v) for k, v in args.items()}
            if len(self._worded) >= self.KEPT_REASONS:
                self._worded.clear()
            self._worded[key] = reason
        return reason


def reason_text(entry: dict) -> str:
    """A trace entry's reason in the active language (an old entry keeps its text)."""
    code = entry.get("reason_code")
    if code not in REASONS:
        return entry.get("reason", "")
    args = dict(entry.get("reason_args") or {})
    if "date" in args:
        args["date"] = datetime.date.fromisoformat(args["date"])
    for name in ("qty", "base"):
        if name in args:
            args[name] = Decimal(args[name])
    text = str(REASONS[code])
    return text % {k: _shown(v) for k, v in args.items()} if args else text


def sales_type_text(entry: dict) -> str:
    """A trace entry's sales type in the active language (an old entry keeps its text)."""
    code = entry.get("sales_type_code")
    if code == ITEM_UNIT_PRICE:
        return str(gettext_lazy("Item unit price"))
    types = DiscountSalesType if entry.get("kind") == "discount" else SalesType
    if code in types.values:
        return str(types(code).label)
    return entry.get("sales_type", "")


def source_text(trace: dict) -> str:
    """What set the price ("Campaign CP0002", "Item unit price") in the active language."""
    source_type = trace.get("source_type")
    if source_type == ITEM_UNIT_PRICE:
        return str(gettext_lazy("Item unit price"))
    if source_type in SalesType.values:
        return f"{SalesType(source_type).label} {trace.get('source_code', '')}".strip()
    return trace.get("source", "")


@functools.lru_cache(maxsize=32)
def texts_in(language) -> Texts:
    # Called with the active language, so the words are made in that language.
    return Texts()
