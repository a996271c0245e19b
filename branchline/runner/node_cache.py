"""Node caching: ``add_node(..., cache_policy=CachePolicy(...))`` with ``compile(cache=...)``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CachePolicy:
    """How a node's results are cached: ``key_func`` turns the node's input into the
    cache key (by default the input itself, frozen), ``ttl`` is how long an entry lives,
    in seconds (None: for ever)."""

    key_func: Callable[..., Any] | None = None
    ttl: int | None = None


class NodeCache:
    """Placeholder base for node caches."""
