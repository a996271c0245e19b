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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, Literal, Protocol

from branchline.domain.model.checkpoint import Deciders, InterruptRecord
from branchline.domain.model.ids import checkpoint_id, interrupt_id
from branchline.domain.model.thread import Thread
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.callbacks import calling_config
from branchline.runner.config import (
    AFRESH,
    KEPT_BASE,
    PARENT_THREAD,
    RESUMING,
    ROOT_THREAD,
    TRAVEL,
    RunConfig,
    TravelledTo,
    bare_config,
    inherited_configurable,
    subgraph_thread,
    without_task_ids,
)
from branchline.runner.errors import InvalidConfigError
from branchline.runner.interrupts import (
    GraphInterrupt,
    NodeInterrupt,
    TaskScope,
    current_scope,
    node_interrupt_id,
    without_history,
)
from branchline.runner.kept_subgraph import kept_start
from branchline.runner.schema import StateSchema
from branchline.runner.spec import GraphSpec
from branchline.runner.types import Command, Interrupt, StateSnapshot, StateUpdate

Persistence = Literal["per_call", "kept", "off"]  # a subgraph's own history: see above


class Subgraph(Protocol):
    """What a parent needs of a compiled graph it runs as a node."""

    @property
    def schema(self) -> StateSchema: ...

    @property
    def spec(self) -> GraphSpec: ...

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

    def bulk_update_state(
        self, config: Mapping[str, Any], supersteps: Sequence[Sequence[StateUpdate]]
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
    """The subgraph stopped: at a static breakpoint, or with these interrupts pending
    (``(interrupt id, value, namespace, deciders)``: where in the subgraph each was
    asked, and who may answer it)."""

    def __init__(self, questions: list[tuple[str, Any, str, Deciders]]) -> None:
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


class SubgraphNode:
    """Runs a compiled subgraph as one task of its parent."""

    steps_on_loop = True  # in an async call, its own nodes leave the loop (aio.py), not it

    def __init__(self, name: str, graph: Subgraph, parent_channels: Iterable[str]) -> None:
        self.name = name
        self.graph = graph
        self.parent_channels = frozenset(parent_channels)

    def bound(self, store: CheckpointStore | None) -> Subgraph:
        """The subgraph on the parent's store (it is usually compiled without one)."""
        if store is None or self.graph.store is store:
            return self.graph
        return self.graph.with_store(store)

    def __call__(self, state: Any) -> dict[str, Any] | Command:
        try:
            return self._run(state)
        except ParentCommand as up:  # a node inside routes in this graph
            return Command(update=up.command.update, goto=up.command.goto)

    def _run(self, state: Any) -> dict[str, Any]:
        scope = current_scope()
        config = calling_config(scope)
        if scope is None:
            namespace: tuple[str, ...] = (self.name,)
        else:
            task = scope.stream_task or scope.task_id
            namespace = (*scope.stream_at, f"{self.name}:{task}")
        call = partial(_call, scope, namespace)
        kept = self.graph.persistence == "kept"
        inside_off = scope is not None and scope.without_history
        if self.graph.persistence == "off" or (inside_off and not kept):
            # Its interrupts are the calling task's own; the subgraphs inside it keep no
            # history either (as LangGraph: they inherit its checkpointer, none), but one
            # kept across calls, which keeps its own at its place ("off|kept").
            with without_history(scope, namespace):
                input = self._input(self.graph, state)
                return self._output(call(self.graph, input, bare_config(config, namespace)))
        child = self.bound(scope.store if scope else None)
        if child.store is None or scope is None or scope.thread is None:
            return self._output(call(child, self._input(child, state), config))
        input = self._input(child, state)
        if inside_off:  # as LangGraph: a new run each time (but to take an answer)
            place = (*scope.stream_at, self.name)
            anew = {**config, "configurable": {**config.get("configurable", {}), RESUMING: False}}
            return self._output(enter(scope, child, "|".join(place), input, anew, place))
        segment = self.segment(scope.task_id)
        assert segment is not None
        return self._output(enter(scope, child, segment, input, config))

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
    scope: TaskScope | None,
    namespace: tuple[str, ...],
    child: Subgraph,
    input: Any,
    config: dict[str, Any],
) -> Any:
    """Run the subgraph, as ``invoke`` does; when the caller streams subgraphs, also keep
    its chunks (under ``namespace``) for the parent's stream."""
    if scope is None or not scope.stream_modes:
        return child.invoke(input, config)
    modes, result = scope.stream_modes, None
    wanted = [*dict.fromkeys((*modes, "values"))]  # its final values are the node's output
    try:
        for inner, mode, chunk in child.stream(input, config, stream_mode=wanted, subgraphs=True):
            if mode == "values" and not inner:
                result = chunk
            if mode in modes and not (mode == "updates" and chunk == {"__interrupt__": ()}):
                # a breakpoint's pause shows once, in the root graph's stream, as LangGraph
                scope.streamed.append(((*namespace, *inner), mode, chunk))
    except (GraphInterrupt, NodeInterrupt, SubgraphPaused) as asked:  # one without history
        shown = _asked_as_task(scope, asked)
        if not shown:
            raise
        for inner, mode, chunk in getattr(asked, "streamed", ()):  # the asking task's
            if mode in modes:
                scope.streamed.append(((*namespace, *inner), mode, chunk))
        if "values" in modes:
            scope.streamed.append((namespace, "values", {**(result or {}), "__interrupt__": shown}))
        if "updates" in modes:
            scope.streamed.append((namespace, "updates", {"__interrupt__": shown}))
        raise
    return result


def _asked_as_task(
    scope: TaskScope, asked: GraphInterrupt | NodeInterrupt | SubgraphPaused
) -> tuple[Interrupt, ...]:
    """What a subgraph without history asked, as its calling task asks it."""
    if isinstance(asked, GraphInterrupt):
        return (Interrupt(asked.value, interrupt_id(scope.task_id, asked.index)),)
    if isinstance(asked, NodeInterrupt):
        return (Interrupt(asked.value, node_interrupt_id(scope)),)
    return tuple(Interrupt(value, iid) for iid, value, *_ in asked.questions)  # a kept one's


def enter(
    scope: TaskScope,
    child: Subgraph,
    segment: str,
    input: Any,
    config: Mapping[str, Any],
    streams_at: tuple[str, ...] = (),
) -> Any:
    """Run ``child`` on its own thread in the thread of ``scope``'s task, at ``segment``:
    afresh, or (if it paused there) resumed with the answers the task was given. Returns
    its final values; raises SubgraphPaused if it pauses again. A thread of one call (its
    segment names the task) that already finished is this task's run of it, done before
    the task was run again (after its question or its pause): its values are returned and
    nothing runs; one left by a run of the task before its step was replayed (or met
    first in a time travel) starts afresh. One kept across calls takes its input on its
    latest state, except in the first step of a call that continues the thread: then it
    goes on from its pause, or (called by the root graph) gives its final values as
    LangGraph does (measured: not when a graph run afresh calls it); in a time travel it
    starts from where ``kept_subgraph`` says. A run from one of the subgraph's
    checkpoints goes on from it (``checkpoint_map``): only when the parent's replay kept
    the task's id, so its namespace (as LangGraph's)."""
    assert child.store is not None
    kept = child.persistence == "kept"
    calling = {**(config.get("configurable") or {}), "thread_id": scope.thread.thread_id}
    thread_id, base = subgraph_thread(calling, segment, kept)
    here = RunConfig.parse(config).namespace  # where the calling run is
    sub_config = _sub_config(config, scope, thread_id, segment, here)
    sub_config["configurable"][KEPT_BASE] = base
    if kept:  # as LangGraph: its place names no call of the graphs above it either
        sub_config["configurable"]["checkpoint_ns"] = without_task_ids(
            sub_config["configurable"]["checkpoint_ns"]
        )
    call = partial(_call, scope, streams_at or (segment,))
    thread = child.store.load(thread_id)
    namespace = sub_config["configurable"]["checkpoint_ns"]
    again = scope.node in scope.thread.breakpoints_hit or any(
        r.task_id == scope.task_id for r in scope.thread.interrupts
    )
    flags = config.get("configurable") or {}
    mapped = (flags.get("checkpoint_map") or {}).get(namespace)
    travel = flags.get(TRAVEL)  # the run's first entry here, in a time travel: see kept_start
    travelled = isinstance(travel, TravelledTo) and travel.first_entry(without_task_ids(namespace))
    resuming = flags.get(RESUMING, True)
    answers = _answers(scope, thread) if thread is not None else {}  # resumed, always
    # A new run on its input continues nothing, nor do the subgraphs it enters (as
    # LangGraph: a graph with no checkpoint yet is not resuming).
    afresh = {**sub_config["configurable"], RESUMING: False}
    if thread is None:
        result = call(child, input, {**sub_config, "configurable": afresh})
    elif mapped is not None:  # a run from one of this subgraph's checkpoints
        sub_config["configurable"]["checkpoint_id"] = mapped
        result = call(child, None, sub_config)
    elif not kept and (not again or travelled):  # a run before its step was replayed
        afresh[AFRESH] = True
        result = call(child, input, {**sub_config, "configurable": afresh})
    elif kept and travelled and isinstance(travel, TravelledTo):
        start = kept_start(child.store, thread_id, travel.bound)
        if start is None:
            sub_config["configurable"][AFRESH] = True
        elif thread.head is None or start != thread.head.version:
            sub_config["configurable"]["checkpoint_id"] = checkpoint_id(thread_id, start)
        result = call(child, input, sub_config)
    elif thread.pending_nodes and (resuming or not kept or answers):
        result = call(child, Command(resume=answers) if answers else None, sub_config)
    elif not kept or (resuming and not here):  # as LangGraph: its final values, nothing runs
        result = call(child, None, sub_config)
    else:
        result = call(child, input, sub_config)
    after = child.store.load(thread_id)
    if after is not None and after.pending_nodes:
        raise SubgraphPaused([_asked(segment, r) for r in after.pending_interrupts])
    return result


def join_task(graph: Subgraph, input: Any, config: Mapping[str, Any] | None) -> Any:
    """``invoke`` of a graph without a store inside a task of a graph with one (``return
    sub.invoke(state)`` in a node function): it runs as part of that task, as in LangGraph,
    its checkpoints kept in the task's thread at ``"<node>:<task id>"`` (``"<node>"`` for
    one compiled with ``checkpointer=True``, kept across calls; ``"|1"``, ``"|2"``
    appended for the task's later calls), so a resume re-enters it where it paused and
    the inner nodes that finished do not run again."""
    scope = current_scope()
    assert scope is not None and scope.thread is not None
    calls, scope.joined = scope.joined, scope.joined + 1
    place = scope.node if graph.persistence == "kept" else f"{scope.node}:{scope.task_id}"
    segment = place + (f"|{calls}" if calls else "")
    base = scope.config or {}
    given = {k: v for k, v in inherited_configurable(config or {}).items() if k != "checkpoint_map"}
    mine = dict(base, configurable={**given, **(base.get("configurable") or {})})
    return enter(scope, graph.with_store(scope.store), segment, input, mine)


def joins_task(graph: Subgraph) -> bool:
    """Whether ``graph.invoke`` is to run as part of the task it is called in (join_task)."""
    if graph.store is not None or graph.persistence == "off":
        return False
    scope = current_scope()
    usable = scope is not None and scope.durable and scope.thread is not None
    return usable and scope is not None and not scope.without_history


def _sub_config(
    config: Mapping[str, Any], scope: TaskScope, thread_id: str, segment: str, here: str
) -> dict[str, Any]:
    """The config of a subgraph's run on its own ``thread_id``, from a run at ``here``: its
    place in the root thread (``checkpoint_ns``) and, in its checkpoints' metadata, the
    checkpoint each graph above it was at (``parents``, by namespace, as LangGraph)."""
    configurable = config.get("configurable") or {}
    metadata = dict(config.get("metadata") or {})
    at = checkpoint_id(scope.thread.thread_id, scope.thread.head.version)
    parents = {**metadata.get("parents", {}), here: at}
    return {
        **config,
        "configurable": {
            **inherited_configurable(config),
            "thread_id": thread_id,
            "checkpoint_ns": f"{here}|{segment}" if here else segment,
            PARENT_THREAD: scope.thread.thread_id,
            ROOT_THREAD: configurable.get(ROOT_THREAD, configurable.get("thread_id")),
        },
        "metadata": {**metadata, "parents": parents},
    }


def _answers(scope: TaskScope, thread: Thread) -> dict[str, Any]:
    """The answers the task was given to the questions ``thread`` has pending."""
    if not scope.answered:
        return {}
    pending = {r.interrupt_id for r in thread.pending_interrupts}
    return {i: v for i, v in scope.answered.items() if i in pending}


def _asked(segment: str, record: InterruptRecord) -> tuple[str, Any, str, Deciders]:
    """A subgraph's pending question as its parent's task asks it, with where it came from
    and who may answer it."""
    inner = record.namespace or f"{record.node}:{record.task_id}"
    return record.interrupt_id, record.value, f"{segment}|{inner}", record.deciders
