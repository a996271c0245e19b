"""Values that are JSON as they are: recognised, measured and written without a tagged copy.

Most events hold only str-keyed dicts, lists, str, int, bool and None, so the codec
checks for that first (``is_plain``) and writes such a value directly (``write_json``).
A stored value nests at most ``MAX_DEPTH`` levels of JSON: reading one back takes a
frame of the reader's stack per level, so ``nesting`` measures a tagged value (without
recursion) before it is written.
"""

from __future__ import annotations

import json
import json.encoder
import sys
from collections.abc import Callable
from typing import Any

from branchline.domain.store.tagged_kinds import TAG

MAX_DEPTH = 200  # levels of JSON nesting a stored event may have (see the module doc)
ENVELOPE_DEPTH = 4  # levels an event takes around a value in it (event, writes, a write)
VALUE_DEPTH = MAX_DEPTH - ENVELOPE_DEPTH  # levels a value in the state may nest: 196
JSON_SCALARS = frozenset({str, int, bool, type(None)})
"""Exact types that are JSON as they are (a float is not: NaN and infinities are tagged)."""
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _json_writer() -> Callable[[Any], str]:
    """Compact JSON text of a JSON-ready value, as ``_JSON.encode`` writes it. The C
    encoder is made once here: ``JSONEncoder.encode`` makes one per call, a third of
    the time of an event's JSON. (No cycle check: encoding a value first walks it.)"""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # a Python built without the _json accelerator
        return _JSON.encode
    write = make(
        None, _JSON.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
    return lambda value: "".join(write(value, 0))


write_json: Callable[[Any], str] = _json_writer()
"""Compact JSON text of a JSON-ready value (non-ASCII kept, no NaN)."""


def is_plain(obj: Any, depth: int = 1) -> bool:
    """Whether ``obj`` is JSON as it is (str keys, no tag, no float, tuple or class) and
    within ``MAX_DEPTH``, so it can be written without building a tagged copy: most
    events are."""
    kind = type(obj)
    if kind in JSON_SCALARS:
        return True
    if depth > MAX_DEPTH:
        return False  # the tagged path measures it and refuses it
    if kind is list:
        for item in obj:  # a loop, not all(...): this runs for every event
            if type(item) not in JSON_SCALARS and not is_plain(item, depth + 1):
                return False
        return True
    if kind is dict:
        if TAG in obj:
            return False
        for key, value in obj.items():
            if type(key) is not str:
                return False
            if type(value) not in JSON_SCALARS and not is_plain(value, depth + 1):
                return False
        return True
    return False


_NESTED = (dict, list)


def nesting(ready: Any) -> int:
    """How many levels of JSON objects and arrays a JSON-ready value has (past
    ``MAX_DEPTH`` it stops counting); without recursion, so any depth can be measured."""
    deepest, pending = 0, [(ready, 1)]
    while pending and deepest <= MAX_DEPTH:
        value, depth = pending.pop()
        if type(value) is dict:
            value = value.values()
        elif type(value) is not list:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in value if type(child) in _NESTED)
    return deepest


def long_int_path(ready: Any) -> str:
    """Where in a JSON-ready value the first int too long to write as text is (past
    ``sys.get_int_max_str_digits()``), as ``['key'][0]...``; without recursion."""
    limit = sys.get_int_max_str_digits()
    pending: list[tuple[Any, str]] = [(ready, "")]
    while pending:
        value, path = pending.pop()
        if type(value) is int and limit and value.bit_length() > limit * 3.32:
            return path
        if type(value) is dict:
            pending.extend((child, f"{path}[{key!r}]") for key, child in value.items())
        elif type(value) is list:
            pending.extend((child, f"{path}[{i}]") for i, child in enumerate(value))
    return ""
