"""Node caching: ``add_node(..., cache_policy=CachePolicy(...))`` with ``compile(cache=...)``.

As LangGraph's: a node with a cache policy, in a graph compiled with a cache, looks up
what it returned for the same input (the key is ``key_func(input)``, by default the
whole input) before it runs; on a hit it does not run, and its update is streamed with
``{"__metadata__": {"cached": True}}``. Only a node that returned is cached (not one that
raised or asked a question). Entries live ``ttl`` seconds (None: until cleared),
measured on the clock events use. The thread records a cached task's result as any
other: the cache saves the work, the history stays complete.
"""

from __future__ import annotations

import copy
import hashlib
import pickle
import threading
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from branchline.domain.model import clock


def default_cache_key(value: Any) -> bytes:
    """The default key of a node's input: the input itself, pickled after dicts and sets
    are put in a canonical order (two equal inputs get one key)."""
    return pickle.dumps(_canonical(value), protocol=5)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return (type(value).__name__, sorted(((repr(k), _canonical(v)) for k, v in value.items())))
    if isinstance(value, Set):
        return (type(value).__name__, sorted(repr(_canonical(v)) for v in value))
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_canonical(v) for v in value])
    return value


@dataclass(frozen=True)
class CachePolicy:
    """How a node's results are cached: ``key_func`` turns the node's input into the
    cache key (a str or bytes; by default the whole input), ``ttl`` is how long an
    entry lives, in seconds (None: until the cache is cleared)."""

    key_func: Callable[..., str | bytes] = default_cache_key
    ttl: int | None = None


class InMemoryCache:
    """Node results kept in this process's memory: ``compile(cache=InMemoryCache())``.

    One cache may serve several graphs: entries are kept per node function and name.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, ...], dict[str, tuple[Any, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, namespace: tuple[str, ...], key: str) -> tuple[bool, Any]:
        """``(True, value)`` for a live entry, else ``(False, None)`` (an expired one is
        dropped)."""
        with self._lock:
            found = self._entries.get(namespace, {}).get(key)
            if found is None:
                return False, None
            value, expires = found
            if expires is not None and clock.now() >= expires:
                del self._entries[namespace][key]
                return False, None
            return True, copy.deepcopy(value)

    def set(self, namespace: tuple[str, ...], key: str, value: Any, ttl: int | None) -> None:
        """Keep ``value`` under ``key`` for ``ttl`` seconds (None: until cleared)."""
        expires = None if ttl is None else clock.now() + timedelta(seconds=ttl)
        with self._lock:
            self._entries.setdefault(namespace, {})[key] = (copy.deepcopy(value), expires)

    def clear(self, namespaces: Sequence[tuple[str, ...]] | None = None) -> None:
        """Drop every entry, or those of ``namespaces``."""
        with self._lock:
            if namespaces is None:
                self._entries.clear()
            for namespace in namespaces or ():
                self._entries.pop(namespace, None)


def cache_entry(
    node: str, func: Any, policy: CachePolicy, state: Any
) -> tuple[tuple[str, ...], str]:
    """Where a node's result for ``state`` is cached: a namespace naming the node (its
    function and name) and a digest of its key."""
    key = policy.key_func(state)
    raw = key.encode() if isinstance(key, str) else key
    if not isinstance(raw, bytes):
        raise TypeError(
            f"node {node!r}: CachePolicy.key_func returned {type(key).__name__} {key!r:.60}; "
            "it must return a str or bytes made from the node's input"
        )
    owner = (
        f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', type(func).__name__)}"
    )
    return ("__node_cache__", owner, node), hashlib.blake2b(raw, digest_size=16).hexdigest()
