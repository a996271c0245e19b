"""StateGraph: declare nodes and edges, then compile into a runnable graph."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.boundary import Boundary
from branchline.runner.compiled import CompiledStateGraph
from branchline.runner.errors import CheckpointerTypeError, GraphValidationError
from branchline.runner.node_cache import CachePolicy, InMemoryCache
from branchline.runner.node_options import destinations_of, node_options
from branchline.runner.retry import RetryPolicy
from branchline.runner.schema import StateSchema
from branchline.runner.subgraph import Persistence, SubgraphNode
from branchline.runner.topology import ConditionalEdge, Node, Topology, node_names
from branchline.runner.types import END, START

RESERVED = (START, END)


class StateGraph:
    """A graph whose nodes read and write a shared state.

    >>> builder = StateGraph(State)
    >>> builder.add_node("a", lambda s: {"count": s["count"] + 1})
    >>> builder.add_edge(START, "a")
    """

    def __init__(
        self,
        state_schema: type[Any],
        context_schema: type[Any] | None = None,
        *,
        input_schema: type[Any] | None = None,
        output_schema: type[Any] | None = None,
    ) -> None:
        """``context_schema``: the type of ``invoke(..., context=...)`` (a dict given for
        a dataclass or pydantic model is made into one); ``input_schema``: what a call's
        input may write (by default the state's keys); ``output_schema``: the keys
        ``invoke`` returns (by default all of them)."""
        self.schema = StateSchema(state_schema, also=(input_schema, output_schema))
        self.context_schema = context_schema
        self.boundary = Boundary.of(input_schema, output_schema)
        self.topology = Topology()
        self._problems: list[str] = []

    def add_node(
        self,
        node: str | Callable[..., Any],
        action: Callable[..., Any] | Any | None = None,
        *,
        defer: bool = False,
        metadata: dict[str, Any] | None = None,
        retry_policy: RetryPolicy | Sequence[RetryPolicy] | None = None,
        cache_policy: CachePolicy | None = None,
        destinations: dict[str, str] | tuple[str, ...] | None = None,
    ) -> StateGraph:
        """Add a node: ``add_node(func)`` (named after it) or ``add_node(name, func)``.

        ``func`` may also be a compiled graph: it runs as a subgraph. ``retry_policy``:
        run it again when it raises (``RetryPolicy``); ``cache_policy``: reuse its result
        for the same input (with ``compile(cache=...)``); ``defer``: run it only when
        nothing else is left to run; ``destinations``: where it routes, for drawing.
        """
        if action is None:
            if not callable(node):
                raise TypeError(f"add_node({node!r}) needs a function: add_node(name, func)")
            name, action = _name_of(node), node
        else:
            name = str(node)
        options = node_options(name, action, defer, metadata, retry_policy, cache_policy)
        options["ends"] = destinations_of(name, action, destinations)
        if name in RESERVED:
            self._problems.append(f"node name {name!r} is reserved; choose another name")
        elif name in self.topology.nodes:
            # At once, as LangGraph does: a second node under one name is a mistake now.
            raise GraphValidationError(
                [f"node {name!r} is added twice; node names must be unique, rename one"]
            )
        elif isinstance(action, CompiledStateGraph):
            subgraph = SubgraphNode(name, action, self.schema.channels)
            self.topology.add(Node(name, subgraph, **options))
        elif not callable(action):
            self._problems.append(f"node {name!r} is not callable: {action!r}")
        else:
            self.topology.add(Node.of(name, action, called_graph(action), **options))
        return self

    @property
    def nodes(self) -> dict[str, Node]:
        """The nodes by name, each with its function (``runnable``) and options."""
        return dict(self.topology.nodes)

    @property
    def edges(self) -> set[tuple[str, str]]:
        """The plain edges as ``(start, end)`` pairs (joins are in ``waiting_edges``)."""
        return set(self.topology.edges)

    @property
    def waiting_edges(self) -> set[tuple[tuple[str, ...], str]]:
        """The joins as ``((start, ...), end)``: ``end`` waits for all of its starts."""
        return set(self.topology.joins)

    def add_sequence(
        self, nodes: Sequence[Callable[..., Any] | tuple[str, Callable[..., Any] | Any]]
    ) -> StateGraph:
        """Add nodes that run one after another, in order: functions (named after
        themselves) or ``(name, func)`` pairs. Connect the first one yourself
        (``add_edge(START, name)``)."""
        if not nodes:
            raise GraphValidationError(["add_sequence needs at least one node"])
        previous = None
        for node in nodes:
            name, action = node if isinstance(node, tuple) else (_name_of(node), node)
            self.add_node(name, action)
            if previous is not None:
                self.add_edge(previous, name)
            previous = name
        return self

    def add_edge(self, start_key: str | Sequence[str], end_key: str) -> StateGraph:
        """Run ``end_key`` after ``start_key``; a list of starts waits for all of them."""
        if isinstance(start_key, str):
            self.topology.add_edge(start_key, end_key)
        else:
            self.topology.joins.append((tuple(start_key), end_key))
        return self

    def add_conditional_edges(
        self,
        source: str,
        path: Callable[..., Any],
        path_map: Mapping[Hashable, str] | Sequence[str] | None = None,
    ) -> StateGraph:
        """After ``source``, go where ``path(state)`` says: a node name, a list of names or END."""
        if path_map is not None and not isinstance(path_map, Mapping):
            path_map = {name: name for name in path_map}
        mapping = dict(path_map) if path_map is not None else None
        self.topology.branches.setdefault(source, []).append(ConditionalEdge(path, mapping))
        return self

    def set_entry_point(self, key: str) -> StateGraph:
        """Same as ``add_edge(START, key)``."""
        return self.add_edge(START, key)

    def set_conditional_entry_point(
        self,
        path: Callable[..., Any],
        path_map: Mapping[Hashable, str] | Sequence[str] | None = None,
    ) -> StateGraph:
        """Same as ``add_conditional_edges(START, path, path_map)``."""
        return self.add_conditional_edges(START, path, path_map)

    def set_finish_point(self, key: str) -> StateGraph:
        """Same as ``add_edge(key, END)``."""
        return self.add_edge(key, END)

    def validate(
        self, interrupt_before: Sequence[str] = (), interrupt_after: Sequence[str] = ()
    ) -> None:
        """Raise GraphValidationError listing every problem of the graph at once."""
        problems = list(self._problems)
        nodes = set(self.topology.nodes)
        sources = nodes | {START}
        targets = nodes | {END}
        for start, end in self.topology.edges:
            if start not in sources:
                problems.append(f"edge {start!r} -> {end!r} starts at unknown node {start!r}")
            if end not in targets:
                problems.append(f"edge {start!r} -> {end!r} ends at unknown node {end!r}")
        for starts, end in self.topology.joins:
            problems += [
                f"join {list(starts)} -> {end!r} waits for unknown node {s!r}"
                for s in starts
                if s not in nodes
            ]
            if end not in nodes:
                problems.append(f"join {list(starts)} -> {end!r} ends at unknown node {end!r}")
        for source, branches in self.topology.branches.items():
            if source not in sources:
                problems.append(f"conditional edge starts at unknown node {source!r}")
            for branch in branches:
                unknown = [t for t in (branch.path_map or {}).values() if t not in targets]
                problems += [
                    f"conditional edge from {source!r} maps to unknown node {t!r}" for t in unknown
                ]
        if START not in {s for s, _ in self.topology.edges} and START not in self.topology.branches:
            problems.append("no edge from START; add builder.add_edge(START, 'first_node')")
        for which, names in (
            ("interrupt_before", interrupt_before),
            ("interrupt_after", interrupt_after),
        ):
            problems += [
                f"{which} names unknown node {n!r}" for n in names if n != "*" and n not in nodes
            ]
        if problems:
            raise GraphValidationError(problems)

    def compile(
        self,
        checkpointer: CheckpointStore | bool | None = None,
        *,
        interrupt_before: Sequence[str] | str | None = None,
        interrupt_after: Sequence[str] | str | None = None,
        debug: bool = False,
        name: str | None = None,
        cache: InMemoryCache | None = None,
    ) -> CompiledStateGraph:
        """Validate the graph and return it ready to run; ``debug``: every run prints
        its steps' updates and values (``invoke(..., debug=...)`` decides per call);
        ``name``: the graph's ``name`` (``"LangGraph"`` by default, as LangGraph's);
        ``cache``: where the nodes with a ``cache_policy`` keep their results."""
        if name is not None and not isinstance(name, str):
            raise TypeError(f"compile(name={name!r}): a graph's name is a str, or None")
        if cache is not None and not isinstance(cache, InMemoryCache):
            raise TypeError(
                f"compile(cache=...) takes an InMemoryCache, got {type(cache).__name__} "
                f"{cache!r:.80}; pass e.g. compile(cache=InMemoryCache())"
            )
        if not isinstance(checkpointer, CheckpointStore | bool | None):
            raise CheckpointerTypeError(
                "Invalid checkpointer provided: expected a CheckpointStore or None, got "
                f"{type(checkpointer).__name__} {checkpointer!r:.80}; pass e.g. "
                "CheckpointStore.sqlite('threads.db') or CheckpointStore.in_memory()"
            )
        before = node_names(interrupt_before)
        after = node_names(interrupt_after)
        self.validate(before, after)
        # A subgraph's own history: True keeps one across calls, False keeps none, None
        # (the default) keeps one per call (runner/subgraph.py).
        persistence: Persistence = "per_call"
        if isinstance(checkpointer, bool):
            persistence, checkpointer = ("kept" if checkpointer else "off"), None
        graph = CompiledStateGraph(
            self.schema,
            self.topology,
            checkpointer,
            before,
            after,
            debug,
            self.boundary,
            persistence,
        )
        graph.name = name or graph.name
        graph.spec = graph.spec.cached_in(cache)
        graph.context_schema = self.context_schema
        return graph


def _name_of(func: Any) -> str:
    """A node's name when only its function is given: the function's own name."""
    return str(getattr(func, "__name__", None) or type(func).__name__)


def called_graph(func: Callable[..., Any]) -> CompiledStateGraph | None:
    """The compiled graph a node function invokes, if it names one (a global or a variable
    it closes over, as ``return sub.invoke(state)`` does): as in LangGraph, its task's
    snapshot then shows that graph's run in ``tasks[i].state``."""
    try:
        names = inspect.getclosurevars(func)
    except (TypeError, ValueError):  # a builtin, a callable object, a partial
        return None
    found = (*names.nonlocals.values(), *names.globals.values())
    return next((v for v in found if isinstance(v, CompiledStateGraph)), None)
