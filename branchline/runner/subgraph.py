"""A compiled graph used as a node of another graph.

How much of its own history the subgraph keeps is chosen when it is compiled, as in
LangGraph: ``compile()`` (``checkpointer=None``) keeps one per call, in a thread of the
parent's store named after the parent's thread, the node and the calling task
(``"<thread>:<node>:<task id>"``), so a resume of that task re-enters it and the next call
starts afresh; ``checkpointer=True`` keeps one across calls (``"<thread>:<node>"``);
``checkpointer=False`` keeps none: a resume runs it again from its start, its
``interrupt()`` calls answered as the calling task's. When it pauses, the parent's task
pauses with it: its interrupts surface in the parent under their own ids, and a resume
of the parent answers them and re-runs only the interrupted inner node.

The subgraph reads the parent's state through its own schema (the keys they share) and
writes back the shared keys of its final state.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import partial
from typing import Any, Literal, Protocol

from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.batch import Batch
from branchline.runner.config import RunConfig
from branchline.runner.errors import InvalidConfigError
from branchline.runner.interrupts import TaskScope, current_scope
from branchline.runner.schema import StateSchema
from branchline.runner.spec import GraphSpec
from branchline.runner.types import Command, StateSnapshot

Persistence = Literal["per_call", "kept", "off"]  # a subgraph's own history: see above


class Subgraph(Protocol):
    """What a parent needs of a compiled graph it runs as a node."""

    @property
    def schema(self) -> StateSchema: ...

    @property
    def store(self) -> CheckpointStore | None: ...

    @property
    def persistence(self) -> Persistence: ...

    def with_store(self, store: CheckpointStore) -> Subgraph: ...

    def invoke(self, input: Any, config: Mapping[str, Any] | None = None) -> dict[str, Any]: ...

    def stream(
        self,
        input: Any,
        config: Mapping[str, Any] | None = None,
        *,
        stream_mode: str | list[str] = ...,
        subgraphs: bool = ...,
    ) -> Iterator[Any]: ...

    def get_state(self, config: Mapping[str, Any], *, subgraphs: bool = False) -> StateSnapshot: ...

    def update_state(
        self, config: Mapping[str, Any], values: Any, as_node: str | None = None
    ) -> dict[str, Any]: ...

    def get_state_history(
        self,
        config: Mapping[str, Any],
        *,
        filter: Mapping[str, Any] | None = None,
        before: Mapping[str, Any] | None = None,
        limit: int | None = None,
    ) -> Iterator[StateSnapshot]: ...


class SubgraphPaused(Exception):
    """The subgraph stopped: at a static breakpoint, or with these interrupts pending."""

    def __init__(self, questions: list[tuple[str, Any]]) -> None:
        super().__init__(questions)
        self.questions = questions


class ParentCommand(Exception):
    """A subgraph's node returned ``Command(graph=Command.PARENT, ...)``: the run stops and
    the parent's task returns the Command (its update and goto are the parent's)."""

    def __init__(self, command: Command) -> None:
        super().__init__(command)
        self.command = command


def check_runs_alone(persistence: Persistence) -> None:
    """Refuse to run a graph compiled with ``checkpointer=True`` on its own (not as a
    subgraph): it keeps its history in its parent's thread, and it has no parent."""
    if persistence == "kept" and current_scope() is None:
        raise InvalidConfigError(
            "checkpointer=True is for a subgraph (it keeps its history in its parent's "
            "thread) and this graph was run on its own; compile it with a store, e.g. "
            "compile(checkpointer=CheckpointStore.sqlite('threads.db')), or add it to a parent"
        )


def namespace_thread(thread_id: str, namespace: str) -> str:
    """The thread of a subgraph node's runs, inside its parent's thread."""
    return f"{thread_id}:{namespace}"


class SubgraphNode:
    """Runs a compiled subgraph as one task of its parent."""

    def __init__(self, name: str, graph: Subgraph, parent_channels: Iterable[str]) -> None:
        self.name = name
        self.graph = graph
        self.parent_channels = frozenset(parent_channels)
        self._bound: dict[int, Subgraph] = {}

    def bound(self, store: CheckpointStore | None) -> Subgraph:
        """The subgraph on the parent's store (it is usually compiled without one)."""
        if store is None or self.graph.store is store:
            return self.graph
        if id(store) not in self._bound:
            self._bound[id(store)] = self.graph.with_store(store)
        return self._bound[id(store)]

    def __call__(self, state: Any, config: dict[str, Any]) -> dict[str, Any] | Command:
        try:
            return self._run(state, config)
        except ParentCommand as up:  # a node inside routes in this graph
            return Command(update=up.command.update, goto=up.command.goto)

    def _run(self, state: Any, config: dict[str, Any]) -> dict[str, Any]:
        scope = current_scope()
        call = partial(_call, scope, f"{self.name}:{scope.task_id}" if scope else self.name)
        if self.graph.persistence == "off":  # its interrupts are the calling task's own
            return self._output(call(self.graph, self._input(self.graph, state), _bare(config)))
        child = self.bound(scope.store if scope else None)
        parent_thread = (config.get("configurable") or {}).get("thread_id")
        if child.store is None or scope is None or parent_thread is None:
            return self._output(call(child, self._input(child, state), config))
        segment = self.segment(scope.task_id)
        assert segment is not None
        thread_id = namespace_thread(str(parent_thread), segment)
        sub_config = {
            "configurable": {
                **_inherited(config),
                "thread_id": thread_id,
                "checkpoint_ns": segment,
            },
            "metadata": dict(config.get("metadata") or {}),
        }
        call = partial(_call, scope, segment)
        thread = child.store.load(thread_id)
        if thread is not None and thread.pending_nodes:
            pending = {r.interrupt_id for r in thread.pending_interrupts}
            answers = {i: v for i, v in scope.answered.items() if i in pending}
            result = call(child, Command(resume=answers) if answers else None, sub_config)
        else:
            result = call(child, self._input(child, state), sub_config)
        after = child.store.load(thread_id)
        if after is not None and after.pending_nodes:
            raise SubgraphPaused([(r.interrupt_id, r.value) for r in after.pending_interrupts])
        return self._output(result)

    def segment(self, task_id: str) -> str | None:
        """The namespace of this node's subgraph run by task ``task_id`` (its thread is
        named after it): the node's name, with the task's id when it keeps one per call;
        None when it keeps none."""
        persistence = self.graph.persistence
        if persistence == "off":
            return None
        return self.name if persistence == "kept" else f"{self.name}:{task_id}"

    @staticmethod
    def _input(child: Subgraph, state: Any) -> dict[str, Any]:
        """The parent's state as the subgraph's input: the keys its schema has."""
        values = state if isinstance(state, dict) else dict(vars(state))
        return {k: v for k, v in values.items() if k in child.schema.channels}

    def _output(self, result: Any) -> dict[str, Any]:
        """The subgraph's final state as the parent's writes: the keys the parent has."""
        if not isinstance(result, dict):
            return {}
        parent = self.parent_channels
        return {k: v for k, v in result.items() if k != "__interrupt__" and k in parent}


def _call(
    scope: TaskScope | None, namespace: str, child: Subgraph, input: Any, config: dict[str, Any]
) -> Any:
    """Run the subgraph, as ``invoke`` does; when the caller streams subgraphs, also keep
    its chunks (under ``namespace``) for the parent's stream."""
    if scope is None or not scope.stream_modes:
        return child.invoke(input, config)
    modes, result = scope.stream_modes, None
    wanted = [*dict.fromkeys((*modes, "values"))]  # its final values are the node's output
    for inner, mode, chunk in child.stream(input, config, stream_mode=wanted, subgraphs=True):
        if mode == "values" and not inner:
            result = chunk
        if mode in modes:
            scope.streamed.append(((namespace, *inner), mode, chunk))
    return result


def _bare(config: dict[str, Any]) -> dict[str, Any]:
    """A subgraph that keeps no history runs without the parent's thread."""
    return {**config, "configurable": _inherited(config)}


def _inherited(config: Mapping[str, Any]) -> dict[str, Any]:
    """What a subgraph's run takes of its parent's ``configurable``: all but the parent's
    place (its thread, checkpoint and namespace, which a subgraph has of its own)."""
    own = ("thread_id", "checkpoint_id", "checkpoint_ns")
    return {k: v for k, v in (config.get("configurable") or {}).items() if k not in own}


def split_namespace(namespace: str) -> tuple[str, str]:
    """``"sub|inner"`` -> ``("sub", "inner")``: the first subgraph node and the rest."""
    first, _, rest = namespace.partition("|")
    return first, rest


def child_config(config: Mapping[str, Any], node: str, rest: str) -> dict[str, Any]:
    """The config addressing a subgraph node's own thread (and maybe its checkpoint)."""
    configurable = dict(config.get("configurable") or {})
    configurable["thread_id"] = namespace_thread(str(configurable["thread_id"]), node)
    configurable["checkpoint_ns"] = rest
    return {**config, "configurable": configurable}


def outer_config(
    config: dict[str, Any] | None, thread_id: str, namespace: str
) -> dict[str, Any] | None:
    """A subgraph checkpoint's config as its parent addresses it (thread id + namespace)."""
    if config is None:
        return None
    inner = config["configurable"]
    inner_ns = inner.get("checkpoint_ns") or ""
    full = f"{namespace}|{inner_ns}" if inner_ns else namespace
    return {"configurable": {**inner, "thread_id": thread_id, "checkpoint_ns": full}}


def outer_snapshot(snapshot: StateSnapshot, thread_id: str, namespace: str) -> StateSnapshot:
    """A subgraph's snapshot with configs its parent graph accepts."""
    return snapshot._replace(
        config=outer_config(snapshot.config, thread_id, namespace) or snapshot.config,
        parent_config=outer_config(snapshot.parent_config, thread_id, namespace),
    )


def subgraph_of(
    graph: GraphSpec, config: Mapping[str, Any], cfg: RunConfig
) -> tuple[Subgraph, dict[str, Any]]:
    """The subgraph a ``checkpoint_ns`` names, and the config of its own thread."""
    segment, rest = split_namespace(cfg.checkpoint_ns)
    found = graph.topology.nodes.get(segment.split(":")[0])  # "node" or "node:<task id>"
    if found is None or not isinstance(found.func, SubgraphNode):
        subgraphs = [n for n, s in graph.topology.nodes.items() if isinstance(s.func, SubgraphNode)]
        raise InvalidConfigError(
            f"checkpoint_ns {cfg.checkpoint_ns!r} names no subgraph node of this graph; "
            f"its subgraph nodes are {subgraphs}"
        )
    return found.func.bound(graph.store), child_config(config, segment, rest)


def update_subgraph(
    graph: GraphSpec,
    config: Mapping[str, Any],
    cfg: RunConfig,
    values: Any,
    as_node: str | None,
) -> dict[str, Any]:
    """Edit a subgraph's own state; questions it drops are dropped in the parent too."""
    store, thread_id = graph.durable_store("editing a subgraph"), cfg.require_thread()
    child, child_cfg = subgraph_of(graph, config, cfg)
    inner_thread = child_cfg["configurable"]["thread_id"]
    before = store.load(inner_thread)
    asked = {r.interrupt_id for r in before.pending_interrupts} if before else set()
    inner = child.update_state(child_cfg, values, as_node)
    parent = store.load(thread_id)
    if parent is not None and asked:
        batch = Batch(parent)
        for event in parent.supersede("update", cfg.actor, only=asked):
            batch.add(event)
        if batch.events:
            store.append(parent, batch.events)
    return outer_config(inner, thread_id, cfg.checkpoint_ns) or {}


def with_subgraph_states(
    graph: GraphSpec, snapshot: StateSnapshot, thread_id: str, full: bool
) -> StateSnapshot:
    """Fill ``tasks[i].state`` of subgraph tasks: their config, or (``full``) their snapshot."""
    tasks = []
    for task in snapshot.tasks:
        found = graph.topology.nodes.get(task.name)
        node = found.func if found is not None else None
        segment = node.segment(task.id) if isinstance(node, SubgraphNode) else None
        if isinstance(node, SubgraphNode) and segment is not None:  # None: keeps no history
            ns_config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": segment}}
            if full:
                child = node.bound(graph.store)
                inner = child.get_state(child_config(ns_config, segment, ""), subgraphs=True)
                task = task._replace(state=outer_snapshot(inner, thread_id, segment))
            else:
                task = task._replace(state=ns_config)
        tasks.append(task)
    return snapshot._replace(tasks=tuple(tasks))
