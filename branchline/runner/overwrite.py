"""``Overwrite(value)``: a write that replaces a reducer key's value instead of reducing.

As LangGraph's: within one step, the writes before an ``Overwrite`` of a key are reduced,
the ``Overwrite`` then replaces the value, and the plain writes after it are dropped; two
``Overwrite``s of one key in one step are an error. ``{"__overwrite__": value}`` (and the
form a JSON encoder leaves of an ``Overwrite``, ``{"value": v, "type": "__overwrite__"}``)
mean the same. A key without a reducer takes an ``Overwrite``'s value as a plain write
(LangGraph stores the ``Overwrite`` object itself there, which no reader expects).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

OVERWRITE = "__overwrite__"


@dataclass(frozen=True)
class Overwrite:
    """Write ``value`` to a reducer key as it is, bypassing the reducer:
    ``return {"messages": Overwrite(["only this"])}``."""

    value: Any
    type: str = OVERWRITE


def overwrite_of(write: Any) -> tuple[bool, Any]:
    """``(True, value)`` when ``write`` is an overwrite in one of its forms, else
    ``(False, write)``."""
    if isinstance(write, Overwrite):
        return True, write.value
    if type(write) is dict:
        if len(write) == 1 and OVERWRITE in write:
            return True, write[OVERWRITE]
        if write.get("type") == OVERWRITE and "value" in write and len(write) == 2:
            return True, write["value"]
    return False, write


def storable(writes: Mapping[str, Any]) -> dict[str, Any]:
    """Writes as a thread stores them: an ``Overwrite`` in its plain-data form (also
    among a key's several writes, ``{"$writes": [...]}``)."""
    return {k: _plain(v) for k, v in writes.items()}


def _plain(write: Any) -> Any:
    if isinstance(write, Overwrite):
        return {OVERWRITE: write.value}
    if type(write) is dict and "$writes" in write:
        return {**write, "$writes": [_plain(w) for w in write["$writes"]]}
    return write
