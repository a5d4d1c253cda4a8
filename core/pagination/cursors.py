"""Cursors: the sort values of the row next to a page, signed so that they cannot be
forged, and read back only for the order they were made for."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.core import signing

from core.pagination.keys import CursorError, KeysetError, SortKey

# Counted exactly up to here. Measured at a million contacts: a broad filter's
# capped count reads COUNT_LIMIT / selectivity rows, ~0.5 s on PostgreSQL for
# 10,000 ("q=a"), so the cap is 1,000 ("1–50 of 1,000+").
COUNT_LIMIT = 1_000
_SALT = "core.pagination.cursor"
# A cursor reads on from its row (Next) or back from it (Previous).
FORWARD, BACKWARD = "n", "p"


# --------------------------------------------------------------------- sort keys


def _encode_value(value):
    if value is None or isinstance(value, bool | int | str | float):
        return value
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, datetime.time):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    raise KeysetError(f"cannot put a {type(value).__name__} in a cursor")


_DECODERS = {
    "dt": datetime.datetime.fromisoformat,
    "d": datetime.date.fromisoformat,
    "t": datetime.time.fromisoformat,
    "n": Decimal,
    "u": uuid.UUID,
}


def _decode_value(value):
    if isinstance(value, dict):
        if len(value) != 1:
            raise CursorError("bad value")
        ((tag, text),) = value.items()
        if tag not in _DECODERS or not isinstance(text, str):
            raise CursorError("bad value")
        try:
            return _DECODERS[tag](text)
        except (ValueError, ArithmeticError) as error:
            raise CursorError("bad value") from error
    if value is None or isinstance(value, bool | int | str | float):
        return value
    raise CursorError("bad value")


def _signature(keys: list[SortKey]) -> str:
    return ",".join(key.signature() for key in keys)


def make_cursor(keys, direction: str, values: list | None, offset: int | None) -> str:
    payload = {
        "s": _signature(keys),
        "d": direction,
        "v": None if values is None else [_encode_value(v) for v in values],
        "o": offset,
    }
    return signing.dumps(payload, salt=_SALT, compress=True)


def read_cursor(text: str, keys) -> tuple[str, list | None, int | None]:
    """``(direction, values, offset)`` of a cursor made for ``keys``; CursorError else."""
    try:
        payload = signing.loads(text, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError) as error:
        raise CursorError("bad signature") from error
    if not isinstance(payload, dict) or payload.get("s") != _signature(keys):
        raise CursorError("cursor of another order")
    direction, values, offset = payload.get("d"), payload.get("v"), payload.get("o")
    if direction not in (FORWARD, BACKWARD):
        raise CursorError("bad direction")
    if values is not None:
        if not isinstance(values, list) or len(values) != len(keys):
            raise CursorError("bad values")
        values = [_decode_value(v) for v in values]
    elif direction == FORWARD:
        raise CursorError("a forward cursor needs values")
    if offset is not None and (not isinstance(offset, int) or offset < 0):
        raise CursorError("bad offset")
    return direction, values, offset


# ------------------------------------------------------------------------ counts
