"""Display JSON: how a read model stores a value it only shows.

Interrupt questions, answers and edits are arbitrary values that the store's codec
decodes exactly. A read model keeps a JSON rendering of them for people to read, not
to compute with: anything JSON cannot hold (a datetime, a model, a set) is shown as
its ``str``, tuples become lists and dict keys become strings.
"""

from __future__ import annotations

import json
from typing import Any


def display_json(value: Any) -> str:
    """Render ``value`` as JSON text for display; never fails on a decodable value."""
    return json.dumps(_with_text_keys(value), default=str)


def _with_text_keys(value: Any) -> Any:
    # json.dumps refuses dict keys such as tuples even with default=str; the codec allows them.
    if isinstance(value, dict):
        return {_key(key): _with_text_keys(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_with_text_keys(item) for item in value]
    return value


def _key(key: Any) -> Any:
    # JSON writes these keys itself (1 -> "1", True -> "true"); the rest become their str.
    if key is None or isinstance(key, str | int | float | bool):
        return key
    return str(key)
