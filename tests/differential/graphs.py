"""Random graphs as plain data, and the same graph built on either engine.

A graph is described by a ``GraphSpec`` (nodes, edges, breakpoints) so that it can be
generated from a seed, shrunk, and printed back as Python. ``build`` turns a spec into a
real ``StateGraph`` of the engine given (LangGraph or Branchline): both engines get the
same node functions, written against the engine's ``interrupt``/``NodeInterrupt``/
``Command``/``Send``.

The state has four channels: ``log`` (a list with ``operator.add``: every node appends
its name and the answers it got), ``n`` (an int with ``operator.add``), ``last`` (a
last-value string) and ``gate`` (a last-value flag that opens guards). A node may also be
a compiled subgraph (``NodeSpec.sub``, a ``SubSpec``: a graph of its own over one of
``SCHEMAS``, which share some or all of these keys and may add ``notes``, a list only
the subgraph has; see ``subgraphs.py`` for how they are drawn).

Some nodes also use LangGraph's node options and newer API (``features.py`` draws them):
a retry policy over a node that fails its first attempts, ``defer=True``, a return
annotated ``-> Command[Literal[...]]``, the stream writer of the ``"custom"`` mode,
LangChain messages in a ``messages`` key with ``add_messages`` (``GraphSpec.messages``),
and a fake LangChain chat model whose answer the node adds to them (``chat_model.py``:
what the ``"messages"`` stream mode streams).
"""

from __future__ import annotations

import asyncio
import operator
import random
import threading
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Annotated, Any, Literal, TypedDict

from tests.differential import chat_model

LOOP_LIMIT = 9  # a loop edge goes back while the log is shorter than this


class State(TypedDict, total=False):
    """The state every generated graph runs on."""

    log: Annotated[list[str], operator.add]
    n: Annotated[int, operator.add]
    last: str
    gate: bool


class LogState(TypedDict, total=False):
    """A subgraph's state sharing only ``log`` with the parent."""

    log: Annotated[list[str], operator.add]


class NotesState(TypedDict, total=False):
    """A subgraph's state sharing ``log``, with a list of its own."""

    log: Annotated[list[str], operator.add]
    notes: Annotated[list[str], operator.add]


class WideState(TypedDict, total=False):
    """A subgraph's state sharing ``log``, ``n`` and ``gate`` (not ``last``), with notes."""

    log: Annotated[list[str], operator.add]
    n: Annotated[int, operator.add]
    gate: bool
    notes: Annotated[list[str], operator.add]


SCHEMAS: dict[str, type] = {"all": State, "log": LogState, "notes": NotesState, "wide": WideState}


@dataclass(frozen=True, repr=False)
class NodeSpec:
    """What one node does when it runs."""

    name: str
    interrupts: int = 0  # interrupt() calls, answered in order; answers go to the log
    guard: bool = False  # raises NodeInterrupt while state["gate"] is not set
    count: bool = False  # adds 1 to n
    sets_last: bool = False  # writes its name to the last-value channel
    goto: str | None = None  # returns Command(update=..., goto=goto)
    notes: bool = False  # appends its name to notes, logs how many it saw (name/k)
    awaits: bool = False  # an ``async def`` node doing the same (faces.py; async face only)
    sub: SubSpec | None = None  # the node is this compiled subgraph (no other feature)
    # LangGraph's node options and newer API (features.py):
    fails: int = 0  # its first `fails` attempts (on the side, ever) raise Flaky
    retry: int = 0  # RetryPolicy(max_attempts=retry), no wait; 0: no policy
    defer: bool = False  # add_node(..., defer=True)
    routes: tuple[str, ...] = ()  # -> Command[Literal[*routes]], goto one by the log's length
    writes: bool = False  # sends a chunk with get_stream_writer() (stream mode "custom")
    says: bool = False  # adds an AIMessage with an id of its own to messages
    forgets: bool = False  # removes the oldest message (RemoveMessage)
    chats: str | None = None  # first asks a chat model, called as chat_model.CHAT_MODES says

    def __repr__(self) -> str:
        return compact_repr(self)


@dataclass(frozen=True, repr=False)
class Edge:
    """An edge: ``plain`` (one source, one target), ``join`` (all sources, one target),
    ``cond`` (choose one target by the log's length), ``loop`` (back to ``targets[0]``
    while the log is short, else ``targets[1]``), ``send`` (one Send per target)."""

    kind: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]

    def __repr__(self) -> str:
        return compact_repr(self)


@dataclass(frozen=True, repr=False)
class GraphSpec:
    """A whole graph: nodes, edges and the breakpoints it is compiled with."""

    nodes: tuple[NodeSpec, ...]
    edges: tuple[Edge, ...]
    interrupt_before: tuple[str, ...] = ()
    interrupt_after: tuple[str, ...] = ()
    messages: bool = False  # the state also has messages: Annotated[list, add_messages]
    face: str = "sync"  # the top graph's: "async" plays every call through the async API

    @property
    def names(self) -> tuple[str, ...]:
        """The node names, in order."""
        return tuple(n.name for n in self.nodes)

    def __repr__(self) -> str:
        return compact_repr(self)

    def has_questions(self) -> bool:
        """Whether any node can pause the run by itself (interrupt() or a guard), also
        inside a subgraph."""
        return any(
            n.interrupts or n.guard or (n.sub is not None and n.sub.graph.has_questions())
            for n in self.nodes
        )

    def has_breakpoints(self) -> bool:
        """Whether the graph, or a subgraph in it, is compiled with breakpoints."""
        return bool(self.interrupt_before or self.interrupt_after) or any(
            n.sub is not None and n.sub.graph.has_breakpoints() for n in self.nodes
        )

    def subgraph_nodes(self) -> tuple[str, ...]:
        """The names of the nodes that are subgraphs, in order."""
        return tuple(n.name for n in self.nodes if n.sub is not None)


@dataclass(frozen=True, repr=False)
class SubSpec:
    """A compiled subgraph used as a node: its graph (node names prefixed by the node's),
    its schema (a key of ``SCHEMAS``) and ``compile(checkpointer=...)``: None (a history
    per call), True (one history across calls) or False (none)."""

    graph: GraphSpec
    schema: str = "all"
    checkpointer: bool | None = None

    def __repr__(self) -> str:
        return compact_repr(self)


START, END = "__start__", "__end__"


def random_graph(rng: random.Random) -> GraphSpec:
    """A random valid graph: 2 to 5 nodes, each reachable from START."""
    count = rng.randint(2, 5)
    names = [f"n{i}" for i in range(count)]
    edges: list[Edge] = [Edge("plain", (START,), (names[0],))]
    if count > 2 and rng.random() < 0.2:
        edges.append(Edge("plain", (START,), (names[1],)))  # two entry nodes
    for i, name in enumerate(names):
        later = names[i + 1 :]
        edges += _edges_from(rng, name, later, names[: i + 1])
    nodes = [_random_node(rng, name, names) for name in names]
    edges = _add_joins(rng, names, edges)
    before = tuple(n for n in names if rng.random() < 0.12)
    after = tuple(n for n in names if rng.random() < 0.08)
    return GraphSpec(tuple(nodes), tuple(edges), before, after)


def _edges_from(rng: random.Random, name: str, later: list[str], earlier: list[str]) -> list[Edge]:
    roll = rng.random()
    if not later:
        if roll < 0.25 and len(earlier) > 1:
            return [Edge("loop", (name,), (rng.choice(earlier[:-1]), END))]
        return [Edge("plain", (name,), (END,))]
    if roll < 0.35:
        return [Edge("plain", (name,), (later[0],))]
    if roll < 0.55 and len(later) >= 2:
        return [Edge("plain", (name,), (t,)) for t in rng.sample(later, 2)]
    if roll < 0.75:
        targets = tuple(rng.sample([*later, END], min(2, len(later) + 1)))
        return [Edge("cond", (name,), targets)]
    if roll < 0.85:
        return [Edge("send", (name,), tuple(rng.sample(later, min(2, len(later)))))]
    if roll < 0.92 and len(earlier) > 1:
        return [Edge("loop", (name,), (rng.choice(earlier[:-1]), later[0]))]
    return [Edge("plain", (name,), (rng.choice(later),))]


def _add_joins(rng: random.Random, names: list[str], edges: list[Edge]) -> list[Edge]:
    """Turn a node reached by plain edges from two nodes into a join, sometimes."""
    if len(names) < 3 or rng.random() < 0.6:
        return edges
    a, b, end = sorted(rng.sample(names, 3), key=names.index)
    if end in (a, b):
        return edges
    return [*edges, Edge("join", (a, b), (end,))]


def _random_node(rng: random.Random, name: str, names: list[str]) -> NodeSpec:
    roll = rng.random()
    interrupts = 0 if roll < 0.6 else (1 if roll < 0.88 else 2)
    later = names[names.index(name) + 1 :]
    goto = rng.choice(later) if later and rng.random() < 0.1 else None
    return NodeSpec(
        name,
        interrupts=interrupts,
        guard=rng.random() < 0.12,
        count=rng.random() < 0.3,
        sets_last=rng.random() < 0.25,
        goto=goto,
    )


@dataclass
class Engine:
    """The names a graph is written with, from one library."""

    name: str
    StateGraph: Any
    interrupt: Callable[[Any], Any]
    NodeInterrupt: type[BaseException]
    Command: Any
    Send: Any
    RetryPolicy: Any
    get_stream_writer: Callable[[], Any]
    chat_state: type  # State with messages, reduced by this library's add_messages
    calls: list[str] = field(default_factory=list)  # nodes run, in the order they started
    attempts: dict[str, int] = field(default_factory=dict)  # a node's runs, failed ones too
    lock: threading.Lock = field(default_factory=threading.Lock)

    def flaky(self, name: str, fails: int) -> None:
        """Raise ``Flaky`` on the first ``fails`` runs of node ``name`` on this side."""
        with self.lock:
            done = self.attempts.get(name, 0)
            self.attempts[name] = done + 1
        if done < fails:
            raise Flaky(f"{name} failed (attempt {done + 1})")


class Flaky(Exception):
    """A node's passing failure: retried by a RetryPolicy's default ``retry_on``."""


def _node_function(spec: NodeSpec, engine: Engine, chat: bool) -> Callable[[Any], Any]:
    """Node ``spec`` as a function (``async def`` when it ``awaits``: it then lets the loop
    run other tasks first, and awaits its chat model); ``chat``: the state has messages
    (else the answer of its chat model, as in a subgraph's state, is streamed and not
    kept)."""

    def node(state: Any) -> Any:
        engine.calls.append(spec.name)
        # Before anything that can end the attempt: the chunks of a failed attempt, or of
        # one that asks a question, stream too.
        messages = state.get("messages") or []
        said = [chat_model.answer(spec.name, spec.chats, messages)] if spec.chats else []
        return _node_body(spec, engine, chat, state, said)

    async def awaiting(state: Any) -> Any:
        await asyncio.sleep(0)
        engine.calls.append(spec.name)
        messages = state.get("messages") or []
        said = [await chat_model.aanswer(spec.name, spec.chats, messages)] if spec.chats else []
        return _node_body(spec, engine, chat, state, said)

    made = awaiting if spec.awaits else node
    made.__name__ = spec.name
    if spec.routes:
        made.__annotations__ = {"return": engine.Command[Literal[spec.routes]]}
    return made


def _node_body(spec: NodeSpec, engine: Engine, chat: bool, state: Any, said: list[Any]) -> Any:
    """What node ``spec`` does once its chat model (if any) has answered ``said``."""
    if spec.fails:
        engine.flaky(spec.name, spec.fails)
    if spec.guard and not state.get("gate"):
        raise engine.NodeInterrupt(f"guard {spec.name}")
    log = [f"{spec.name}/{len(state.get('notes') or [])}" if spec.notes else spec.name]
    if spec.writes:
        engine.get_stream_writer()({"from": spec.name, "seen": len(state.get("log") or [])})
    for i in range(spec.interrupts):
        log.append(f"{spec.name}={engine.interrupt(f'{spec.name}?{i}')}")
    update: dict[str, Any] = {"log": log}
    if spec.count:
        update["n"] = 1
    if spec.sets_last:
        update["last"] = spec.name
    if spec.notes:
        update["notes"] = [spec.name]
    if chat and (spec.says or spec.forgets or said):
        update["messages"] = said + _messages(spec, state.get("messages") or [])
    if spec.routes:
        goto = spec.routes[len(state.get("log") or []) % len(spec.routes)]
        return engine.Command(update=update, goto=goto)
    if spec.goto is not None:
        return engine.Command(update=update, goto=spec.goto)
    return update


def _messages(spec: NodeSpec, messages: list[Any]) -> list[Any]:
    """What a node adds to ``messages``: an answer whose id says who made it after how
    many messages (so a rerun replaces it), and the removal of the oldest message."""
    from langchain_core.messages import AIMessage, RemoveMessage  # only graphs that chat

    out: list[Any] = []
    if spec.forgets and messages:
        out.append(RemoveMessage(id=messages[0].id))
    if spec.says:
        out.append(
            AIMessage(f"{spec.name} read {len(messages)}", id=f"{spec.name}.{len(messages)}")
        )
    return out


def _path(edge: Edge, engine: Engine) -> Callable[[Any], Any]:
    targets = edge.targets
    if edge.kind == "cond":
        return lambda state: targets[len(state.get("log") or []) % len(targets)]
    if edge.kind == "loop":
        return lambda state: targets[0] if len(state.get("log") or []) < LOOP_LIMIT else targets[1]
    return lambda state: [engine.Send(t, {"log": [f"to {t}"]}) for t in targets]


def build(spec: GraphSpec, engine: Engine, schema: type = State) -> Any:
    """The spec as an uncompiled ``StateGraph`` of ``engine`` (on ``schema``)."""
    builder = engine.StateGraph(engine.chat_state if spec.messages else schema)
    for node in spec.nodes:
        if node.sub is None:
            builder.add_node(
                node.name, _node_function(node, engine, spec.messages), **_options(node, engine)
            )
        else:
            builder.add_node(node.name, compile_subgraph(node.sub, engine))
    for edge in spec.edges:
        if edge.kind == "plain":
            builder.add_edge(edge.sources[0], edge.targets[0])
        elif edge.kind == "join":
            builder.add_edge(list(edge.sources), edge.targets[0])
        else:
            path_map = None if edge.kind == "send" else list(edge.targets)
            builder.add_conditional_edges(edge.sources[0], _path(edge, engine), path_map)
    return builder


def _options(node: NodeSpec, engine: Engine) -> dict[str, Any]:
    """``add_node`` keywords: a retry policy that does not wait, and ``defer``."""
    options: dict[str, Any] = {"defer": True} if node.defer else {}
    if node.retry:
        options["retry_policy"] = engine.RetryPolicy(
            max_attempts=node.retry, initial_interval=0.0, jitter=False
        )
    return options


def compile_subgraph(sub: SubSpec, engine: Engine) -> Any:
    """A subgraph node's graph, compiled as the spec says (it records its nodes' calls in
    the same ``engine.calls`` as its parent)."""
    return build(sub.graph, engine, SCHEMAS[sub.schema]).compile(
        checkpointer=sub.checkpointer,
        interrupt_before=list(sub.graph.interrupt_before) or None,
        interrupt_after=list(sub.graph.interrupt_after) or None,
    )


def without_node(spec: GraphSpec, name: str) -> GraphSpec | None:
    """The spec without node ``name`` (its edges dropped, START re-wired), or None."""
    nodes = tuple(
        replace(
            n,
            goto=None if n.goto == name else n.goto,
            routes=tuple(r for r in n.routes if r != name),
        )
        for n in spec.nodes
        if n.name != name
    )
    if not nodes:
        return None
    edges = []
    for edge in spec.edges:
        if name in edge.sources or (edge.kind in ("plain", "join") and name in edge.targets):
            continue
        targets = tuple(t for t in edge.targets if t != name)
        if edge.kind == "loop" and len(targets) < 2:
            continue
        if targets:
            edges.append(replace(edge, targets=targets))
    if not any(START in e.sources for e in edges):
        edges.insert(0, Edge("plain", (START,), (nodes[0].name,)))
    return replace(
        spec,
        nodes=nodes,
        edges=tuple(edges),
        interrupt_before=tuple(n for n in spec.interrupt_before if n != name),
        interrupt_after=tuple(n for n in spec.interrupt_after if n != name),
    )


def simpler_variants(spec: GraphSpec) -> list[GraphSpec]:
    """Specs one step simpler than ``spec``: a node fewer, a feature or breakpoint less."""
    variants = [v for v in (without_node(spec, n) for n in spec.names) if v is not None]
    for i, node in enumerate(spec.nodes):
        for change in (
            {"interrupts": 0},
            {"interrupts": 1},
            {"guard": False},
            {"count": False},
            {"sets_last": False},
            {"goto": None},
            {"notes": False},
            {"awaits": False},
            {"fails": 0},
            {"retry": 0},
            {"defer": False},
            {"routes": ()},
            {"writes": False},
            {"says": False},
            {"forgets": False},
            {"chats": None},
        ):
            simpler = replace(node, **change)  # type: ignore[arg-type]
            if simpler != node and (
                change.get("interrupts", -1) < node.interrupts or "interrupts" not in change
            ):
                nodes = (*spec.nodes[:i], simpler, *spec.nodes[i + 1 :])
                variants.append(replace(spec, nodes=nodes))
    if spec.interrupt_before:
        variants.append(replace(spec, interrupt_before=()))
    if spec.interrupt_after:
        variants.append(replace(spec, interrupt_after=()))
    if spec.messages and not any(n.says or n.forgets or n.chats for n in spec.nodes):
        variants.append(replace(spec, messages=False))
    return variants


def compact_repr(value: Any) -> str:
    """A dataclass as its constructor call with only the fields that differ from the
    defaults (what a printed reproduction shows)."""
    shown = [
        f"{f.name}={getattr(value, f.name)!r}"
        for f in fields(value)
        if f.default is MISSING or getattr(value, f.name) != f.default
    ]
    return f"{type(value).__name__}({', '.join(shown)})"
