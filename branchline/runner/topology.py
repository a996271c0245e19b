"""A graph's shape: its nodes and the edges between them, as the builder declared them."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Node:
    """A named step of the graph and the function that runs it, with the options
    ``add_node`` was given (``builder.nodes`` shows these, as LangGraph's node specs)."""

    name: str
    func: Callable[..., Any]
    calls: Any = None  # a compiled graph the function invokes (see builder.called_graph)
    retry_policy: Any = None  # as add_node was given it: a RetryPolicy, a list, None
    retries: tuple[Any, ...] = ()  # the RetryPolicy's, tried in order (runner/retry.py)
    cache_policy: Any = None  # a CachePolicy (runner/node_cache.py)
    defer: bool = False  # runs only when nothing else is left to run (runner/deferred.py)
    ends: tuple[str, ...] | dict[str, str] = ()  # where it may route: drawing only
    metadata: dict[str, Any] | None = None
    asks: frozenset[str] = frozenset()  # what it gets besides the state: runtime.NodeCall
    awaits: bool = False  # an ``async def``: awaited on the loop of an async call (aio.py)
    # Called with the state alone, once: no parameters to inject, no retries, no cache.
    plain: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        plain = not self.asks and not self.retries and self.cache_policy is None
        object.__setattr__(self, "plain", plain and not self.awaits)

    @classmethod
    def of(cls, name: str, func: Callable[..., Any], calls: Any = None, **options: Any) -> Node:
        """A node running ``func``, which may ask by name for ``config``, ``runtime`` and
        ``writer`` (read once, here), and may be async."""
        return cls(name, func, calls, **options, asks=_asks(func), awaits=is_async(func))

    @property
    def runnable(self) -> Callable[..., Any]:
        """The node's function (LangGraph's name for it)."""
        return self.func


@dataclass(frozen=True)
class ConditionalEdge:
    """An edge whose target a path function picks, optionally through a map of its results."""

    path: Callable[..., Any]
    path_map: dict[Hashable, str] | None


@dataclass
class Topology:
    """Nodes and edges of a graph, in declaration order."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)
    joins: list[tuple[tuple[str, ...], str]] = field(default_factory=list)
    branches: dict[str, list[ConditionalEdge]] = field(default_factory=dict)
    deferred: frozenset[str] = frozenset()  # the nodes added with ``defer=True``
    # The targets of each node's plain edges, in declaration order (see add_edge).
    _successors: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def add(self, node: Node) -> None:
        """Add ``node`` (its name is new)."""
        self.nodes[node.name] = node
        if node.defer:
            self.deferred |= {node.name}

    def add_edge(self, start: str, end: str) -> None:
        """Add the plain edge ``start`` -> ``end``."""
        self.edges.append((start, end))
        self._successors.setdefault(start, []).append(end)

    def successors(self, source: str) -> Sequence[str]:
        """Targets of the plain edges from a node."""
        return self._successors.get(source, ())

    def order(self, names: Sequence[str]) -> tuple[str, ...]:
        """Names without duplicates, in node declaration order."""
        if len(names) == 1:  # a chain's next step
            return (names[0],) if names[0] in self.nodes else ()
        wanted = set(names)
        return tuple(n for n in self.nodes if n in wanted)


def node_names(value: Sequence[str] | str | None) -> tuple[str, ...]:
    """A node list as the API takes it (one name, several, or none) as a tuple."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


INJECTED = ("config", "runtime", "writer")


def _asks(func: Callable[..., Any]) -> frozenset[str]:
    """The parameters of ``func`` the runner fills in (``INJECTED``), by name."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return frozenset()
    return frozenset(p.name for p in params if p.name in INJECTED and p.kind != p.POSITIONAL_ONLY)


def is_async(func: Any) -> bool:
    """Whether calling ``func`` makes a coroutine: an ``async def``, or an object whose
    ``__call__`` is one."""
    call = getattr(func, "__call__", None)  # noqa: B004 - the method itself is inspected
    return any(inspect.iscoroutinefunction(f) for f in (func, call))
