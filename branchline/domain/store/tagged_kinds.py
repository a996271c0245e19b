"""The codec's built-in kinds beyond plain JSON: exact type -> encoder, tag -> decoder.

Each encodes to a small tagged object (``{"__bl__": "<kind>", "v": ...}``) that its decoder
turns back into the exact value; datetimes and times keep what ``isoformat()`` drops (a
``ZoneInfo`` zone's name, the fold, sub-second offsets).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

TAG = "__bl__"
"""The reserved key that marks a tagged JSON object."""

Encoder = Callable[[Any], Any]
Decoder = Callable[[dict[str, Any]], Any]

_SPECIAL_FLOATS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _encode_float(obj: float) -> Any:
    if math.isfinite(obj):
        return obj
    return {TAG: "float", "v": "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")}


def _zone_fields(tzinfo: Any, fold: int) -> dict[str, Any]:
    """Extra fields for what isoformat() drops: a ZoneInfo's name and the fold."""
    extra: dict[str, Any] = {"fold": fold} if fold else {}
    if isinstance(tzinfo, ZoneInfo):
        extra["tz"] = tzinfo.key
    elif tzinfo is not None:
        offset = tzinfo.utcoffset(None)
        if offset is not None and offset.microseconds:  # fromisoformat() drops these
            extra["offset_us"] = offset // timedelta(microseconds=1)
    return extra


def _with_zone(value: Any, obj: dict[str, Any]) -> Any:
    if len(obj) == 2:  # only the tag and "v": isoformat() said it all
        return value
    key, offset = obj.get("tz"), obj.get("offset_us")
    tzinfo = value.tzinfo if key is None else ZoneInfo(key)
    if offset is not None:
        tzinfo = timezone(timedelta(microseconds=offset))
    return value.replace(tzinfo=tzinfo, fold=obj.get("fold", 0))


BUILTIN_ENCODERS: dict[type, Encoder] = {
    float: _encode_float,
    bytes: lambda b: {TAG: "bytes", "v": base64.b64encode(b).decode("ascii")},
    datetime: lambda d: {TAG: "datetime", "v": d.isoformat(), **_zone_fields(d.tzinfo, d.fold)},
    date: lambda d: {TAG: "date", "v": d.isoformat()},
    time: lambda t: {TAG: "time", "v": t.isoformat(), **_zone_fields(t.tzinfo, t.fold)},
    timedelta: lambda d: {TAG: "timedelta", "v": [d.days, d.seconds, d.microseconds]},
    UUID: lambda u: {TAG: "uuid", "v": str(u)},
    Decimal: lambda d: {TAG: "decimal", "v": str(d)},
}

BUILTIN_DECODERS: dict[str, Decoder] = {
    "float": lambda o: _SPECIAL_FLOATS[o["v"]],
    "tuple": lambda o: tuple(o["v"]),
    "set": lambda o: set(o["v"]),
    "frozenset": lambda o: frozenset(o["v"]),
    "dict": lambda o: dict(o["v"]),
    "bytes": lambda o: base64.b64decode(o["v"]),
    "datetime": lambda o: _with_zone(datetime.fromisoformat(o["v"]), o),
    "date": lambda o: date.fromisoformat(o["v"]),
    "time": lambda o: _with_zone(time.fromisoformat(o["v"]), o),
    "timedelta": lambda o: timedelta(*o["v"]),
    "uuid": lambda o: UUID(o["v"]),
    "decimal": lambda o: Decimal(o["v"]),
}
