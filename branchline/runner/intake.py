"""What a call brings before any node runs: input, answers, edits, a trip back in time.

Each call's intake is decided as events in one batch, appended with the first step, so
a refused call writes nothing and an accepted one is atomic (a fork and its edit, an
answer and the state it resumes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from branchline.domain.model.checkpoint import START, TaskResult, apply_writes
from branchline.domain.model.events import CheckpointEvent, ThreadEvent
from branchline.domain.model.evolve import evolve
from branchline.domain.model.thread import Thread
from branchline.runner.config import RunConfig
from branchline.runner.errors import EmptyInputError, InvalidUpdateError
from branchline.runner.interrupts import digest
from branchline.runner.planner import Plan, Route, known, plan, route
from branchline.runner.resume import match_answers
from branchline.runner.types import END, Command
from branchline.runner.writes import Delta, StepWriter

if TYPE_CHECKING:
    from branchline.runner.compiled import CompiledStateGraph


class Batch:
    """Events decided for one append, folded as they are added."""

    def __init__(self, thread: Thread | None) -> None:
        self.base = thread
        self.thread = thread
        self.events: list[ThreadEvent] = []
        self._before: list[Thread | None] = []  # the state before each event

    def add(self, event: ThreadEvent) -> Thread:
        """Record one event and return the state it leads to."""
        self._before.append(self.thread)
        self.events.append(event)
        self.thread = evolve(self.thread, event)
        return self.thread

    def close_step(
        self,
        next_nodes: Sequence[str],
        waiting: Mapping[str, Sequence[str]],
        metadata: Mapping[str, Any],
        packets: Sequence[tuple[str, Any]],
        finished: Sequence[TaskResult],
    ) -> Thread:
        """Close the step in progress with the tasks that ``finished`` just now: they
        travel inside its ``StepCompleted``, one event a step rather than one per task."""
        step = self.current.complete_step(next_nodes, waiting, metadata, packets, finished)
        return self.add(step)

    def checkpoints(self) -> list[Thread]:
        """The state at each checkpoint the batch made, oldest first."""
        after = [*self._before[1:], self.thread]
        return [
            state
            for event, state in zip(self.events, after, strict=True)
            if isinstance(event, CheckpointEvent) and state is not None
        ]

    @property
    def current(self) -> Thread:
        """The state so far (a batch on a new thread starts with ThreadStarted)."""
        assert self.thread is not None
        return self.thread


def check_command(command: Command) -> None:
    """Refuse a Command that cannot be input: empty, or addressed to a parent graph."""
    if command.graph == Command.PARENT:
        raise InvalidUpdateError(
            "Command(graph=Command.PARENT) was given as input, but there is no parent graph; "
            "only a node of a subgraph can route in its parent"
        )
    if command.resume is None and command.update is None and not command.goto_nodes:
        raise EmptyInputError(
            "Command() carries nothing to do; pass resume= (answers), update= (values) "
            "or goto= (nodes to run)"
        )


class Intake:
    """Decides the events a call's input stands for."""

    def __init__(self, graph: CompiledStateGraph, cfg: RunConfig) -> None:
        self.graph = graph
        self.cfg = cfg
        self.restored: Thread | None = None

    def fork(self, batch: Batch, checkpoint: str, reason: str) -> Thread:
        """Move the head back to ``checkpoint`` (time travel), starting a branch there."""
        store = self.graph.durable_store("time travel (a checkpoint_id in the config)")
        thread = batch.current
        base = store.checkpoint(thread.thread_id, checkpoint)
        name = self.cfg.metadata.get("branch")
        self.restored = base
        return batch.add(
            thread.fork(base, reason, self.cfg.actor, None if name is None else str(name))
        )

    def replay(self, batch: Batch) -> Thread:
        """A copy of the restored checkpoint, to run what was pending there again.

        Replaying an input checkpoint applies the same input again (its ``__start__``
        task), so the run starts over from it.
        """
        thread = batch.add(batch.current.replay(self.cfg.metadata))
        recorded = (
            [r for r in self.restored.results if r.node == START and r.error is None]
            if self.restored
            else []
        )
        if START not in thread.pending_nodes or not recorded:
            return thread
        start = recorded[0]
        delta = Delta(start.assigned, start.appended)
        return self._start_step(batch, delta, Route(start.triggers, start.sends))

    def _start_step(self, batch: Batch, delta: Delta, where: Route) -> Thread:
        """The ``__start__`` task writes the input, and its step closes: one checkpoint."""
        thread = batch.current
        assert thread.head is not None
        start = TaskResult(
            thread.task_for(START),
            START,
            dict(delta.assigned),
            dict(delta.appended),
            where.targets,
            None,
            where.sends,
        )
        step = plan(self.graph.topology, [(START, where)], thread.head.waiting)
        return batch.close_step(step.next, step.waiting, self.cfg.metadata, step.packets, [start])

    def new_input(self, batch: Batch, input: Any) -> None:
        """New input: supersede what was pending, then the input and ``__start__`` steps."""
        schema, topology = self.graph.schema, self.graph.topology
        writes, command = schema.writes_from("the input", input)
        if batch.thread is None:
            batch.add(Thread.start(self.cfg.thread_id or "transient", schema.initial_values()))
        for event in batch.current.supersede("input", self.cfg.actor):
            batch.add(event)
        thread = batch.add(batch.current.receive_input((START,), self.cfg.metadata))
        assert thread.head is not None
        delta = StepWriter(schema, thread.values).write("the input", writes)
        fresh = schema.node_input(apply_writes(thread.values, delta.assigned, delta.appended))
        where = route(topology, START, fresh, command.goto_nodes if command else ())
        self._start_step(batch, delta, where)

    def command(self, batch: Batch, command: Command) -> None:
        """A Command on an existing thread: answers, then an edit or a detour."""
        if command.resume is not None:
            self.answer(batch, command.resume)
        if command.update is not None or command.goto_nodes:
            self.edit(batch, command)

    def answer(self, batch: Batch, resume: Any) -> None:
        """Record the answers a resume gives, each with who gave it and what they saw."""
        store = self.graph.durable_store("Command(resume=...)")
        for interrupt_id, value in match_answers(store, batch.current, resume).items():
            asked = batch.current.interrupt(interrupt_id)
            assert asked is not None
            shown = digest(store.codec.encode(asked.value))
            batch.add(batch.current.answer(interrupt_id, value, actor=self.cfg.actor, digest=shown))

    def edit(self, batch: Batch, command: Command) -> None:
        """``Command(update=..., goto=...)``: a new checkpoint with the edit and the detour."""
        schema = self.graph.schema
        writes, _ = schema.writes_from("Command(update=...)", command.update)
        goto = known(self.graph.topology, "Command(goto=...)", command.goto_nodes)
        for event in batch.current.supersede("update", self.cfg.actor):
            batch.add(event)
        thread = batch.current
        delta = StepWriter(schema, thread.live_values).write("Command(update=...)", writes)
        next_nodes = tuple(dict.fromkeys((*thread.pending_nodes, *goto)))
        batch.add(
            thread.update_state(
                START,
                assigned=delta.assigned,
                appended=delta.appended,
                next_nodes=next_nodes,
                waiting=thread.head.waiting if thread.head else {},
                metadata=self.cfg.metadata,
                actor=self.cfg.actor,
            )
        )

    def update(self, batch: Batch, values: Any, as_node: str | None) -> None:
        """``update_state``: the edit as a new checkpoint, made as if ``as_node`` wrote it."""
        schema = self.graph.schema
        node = self._as_node(batch.thread, as_node)
        writes, _ = schema.writes_from("update_state", values)
        if node == END and writes:
            raise InvalidUpdateError(
                f"update_state with as_node=END cannot write values; got {sorted(writes)}. "
                "Pass values=None to clear pending work"
            )
        if batch.thread is None:
            batch.add(Thread.start(self.cfg.require_thread(), schema.initial_values()))
        for superseded in batch.current.supersede("update", self.cfg.actor):
            batch.add(superseded)
        thread = batch.current
        writer = StepWriter(schema, thread.live_values)
        delta = writer.write("update_state", writes)
        step = self._after(thread, node, writer.values)
        batch.add(
            thread.update_state(
                node,
                assigned=delta.assigned,
                appended=delta.appended,
                next_nodes=step.next,
                metadata=self.cfg.metadata,
                actor=self.cfg.actor,
                waiting=step.waiting,
            )
        )

    def _as_node(self, thread: Thread | None, as_node: str | None) -> str:
        """The node an update is made as: given, or the one that wrote last."""
        topology = self.graph.topology
        if as_node is not None:
            if as_node not in topology.nodes and as_node not in (START, END):
                raise InvalidUpdateError(
                    f"as_node {as_node!r} is not a node of this graph; "
                    f"nodes: {list(topology.nodes)}"
                )
            return as_node
        writers = () if thread is None or thread.head is None else thread.head.writers
        if len(set(writers)) > 1:
            raise InvalidUpdateError(
                f"Ambiguous update: nodes {sorted(set(writers))} all wrote in the last step; "
                "pass as_node= to say which node the update is made as"
            )
        return writers[0] if writers else START

    def _after(self, thread: Thread, node: str, values: dict[str, Any]) -> Plan:
        """What runs after an update made as ``node``."""
        if node == END:
            return Plan((), {})
        topology = self.graph.topology
        where = route(topology, node, self.graph.schema.node_input(values))
        if where.sends:
            raise InvalidUpdateError(
                f"update_state as {node!r} would Send {len(where.sends)} task(s), which an edit "
                "cannot start; pass as_node of a node that routes by name"
            )
        return plan(topology, [(node, where)], thread.head.waiting if thread.head else {})
