"""What a call brings before any node runs: input, answers, edits, a trip back in time.

Every path that records a decision goes through here: ``invoke``/``stream`` (``decide``),
``update_state`` (``decide_update``) and the command line's answers and edits on a stored
thread, whose graph it may not have (``graph=None``: values are then assigned as given
and nothing is routed). Each call's intake is decided in one step as events in one
batch, appended before any node runs, so a refused call writes nothing and an accepted
one is atomic (a fork and its edit, an answer and the state it resumes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from branchline.domain.model.checkpoint import START, TaskResult, apply_writes
from branchline.domain.model.errors import ThreadNotFound
from branchline.domain.model.ids import checkpoint_id, checkpoint_version
from branchline.domain.model.thread import Thread
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.batch import Batch
from branchline.runner.channel_writes import Delta, StepWriter
from branchline.runner.config import RunConfig
from branchline.runner.copied_step import as_updates, finish_copied_tasks
from branchline.runner.errors import EmptyInputError, InvalidUpdateError
from branchline.runner.interrupts import digest
from branchline.runner.planner import (
    Plan,
    Route,
    known,
    partial_joins,
    plan,
    route,
)
from branchline.runner.resume import match_answers
from branchline.runner.spec import GraphSpec, durable
from branchline.runner.types import END, Command
from branchline.runner.update_route import after_update, made_as

COPY = "__copy__"  # update_state's as_node that copies a checkpoint instead of editing it


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


@dataclass
class Decided:
    """A call's intake: the batch to append first, and a resume kept for a replay's question.

    ``decisive`` batches (a person's answer or edit, a fork) are committed before any node
    runs; a plain new input may wait for the run's steps (``durability="async"|"exit"``).
    """

    batch: Batch
    decisive: bool
    deferred_resume: Any = None


class Intake:
    """Decides the events a call stands for, on ``graph`` (``None``: records only)."""

    def __init__(
        self, cfg: RunConfig, store: CheckpointStore | None, graph: GraphSpec | None
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.graph = graph
        self.restored: Thread | None = None
        self.input_wrote = True  # False when new input wrote no channel (no values chunk)

    @classmethod
    def of(cls, graph: GraphSpec, cfg: RunConfig) -> Intake:
        """The intake of a call on ``graph``."""
        return cls(cfg, graph.store, graph)

    # Whole calls -----------------------------------------------------------------------

    def decide(self, thread: Thread | None, input: Any) -> Decided:
        """The events ``invoke(input, config)`` stands for (none for a plain continue)."""
        batch, travel = Batch(thread), self.cfg.checkpoint_id
        has_head = thread is not None and thread.head is not None
        moved = has_head and travel is not None and not _is_head(thread, travel)
        if isinstance(input, Command):
            check_command(input)
        if input is None:
            if not has_head or _never_written(thread, self._graph()):
                raise EmptyInputError(
                    f"nothing to run on thread {self.cfg.thread_id!r}: it has no checkpoint and "
                    "the input is None; pass the graph's input, e.g. graph.invoke({...}, config)"
                )
            if travel is not None:
                self._travel(batch, travel, moved)
            return Decided(batch, decisive=bool(batch.events))
        if isinstance(input, Command) and has_head:
            return self._command(batch, input, travel if moved else None)
        if isinstance(input, Command) and input.resume is not None:
            match_answers(durable(self.store, "Command(resume=...)"), thread, input.resume)
        if moved:
            self.fork(batch, str(travel), "input")
        self.new_input(batch, input)
        return Decided(batch, decisive=isinstance(input, Command) or travel is not None)

    def _travel(self, batch: Batch, travel: str, moved: bool) -> None:
        """``invoke(None)`` addressed to a checkpoint: a replay (a copy of it, then its
        step again), except at the latest checkpoint when an edit or a replay made it
        (as LangGraph: its step runs again there, finished tasks too, answers dropped)."""
        thread = batch.current
        if moved or not _edited_head(thread):
            self.fork(batch, travel, "replay")
            self.replay(batch)
        elif thread.results or thread.interrupts:
            self.fork(batch, travel, "replay")

    def _command(self, batch: Batch, command: Command, travel: str | None) -> Decided:
        if travel is None:
            self.command(batch, command)
        elif command.resume is None:
            self.fork(batch, travel, "edit")
            self.edit(batch, command)
        else:
            # Better than LangGraph: the new answer is used, not the one given the first time.
            self.fork(batch, travel, "replay")
            self.replay(batch)
            if command.update is not None or command.goto_nodes:
                self.edit(batch, Command(update=command.update, goto=command.goto))
            return Decided(batch, decisive=True, deferred_resume=command.resume)
        return Decided(batch, decisive=True)

    def decide_update(self, thread: Thread | None, values: Any, as_node: str | None) -> Batch:
        """The events ``update_state(config, values, as_node)`` stands for: on a past
        checkpoint (``checkpoint_id``), a fork there first, in the same batch."""
        batch, travel = Batch(thread), self.cfg.checkpoint_id
        if as_node == COPY:
            return self.copy(batch, values)
        if self.graph is None and (thread is None or thread.head is None):
            raise ThreadNotFound(f"thread {self.cfg.thread_id!r} has no checkpoint to edit")
        if travel is not None:
            store = durable(self.store, "time travel (a checkpoint_id in the config)")
            thread_id = self.cfg.require_thread()
            if thread is None or thread.head is None:
                store.checkpoint(thread_id, travel)  # raises: no checkpoint to go to
            elif not _is_head(thread, travel):
                self.fork(batch, travel, "edit")
        self.update(batch, values, as_node)
        return batch

    def copy(self, batch: Batch, values: Any) -> Batch:
        """``update_state(config, None, as_node="__copy__")``: the checkpoint (the head
        unless ``checkpoint_id`` names one) copied as a sibling, to run its step again
        later; the copy is the thread's head. A list of ``StateUpdate`` finishes the
        copy's tasks with them (``copied_step``); other values are refused, not dropped."""
        thread, updates = batch.thread, as_updates(values)
        if values is not None and updates is None:
            raise InvalidUpdateError(
                f'as_node="__copy__" copies a checkpoint as it is, so values must be None '
                f"or a list of StateUpdate (task results), got {values!r:.80}; edit the "
                "copy with a second update_state"
            )
        if thread is None or thread.head is None:
            raise ThreadNotFound(f"thread {self.cfg.thread_id!r} has no checkpoint to copy")
        head = checkpoint_id(thread.thread_id, thread.head.version)
        self.fork(batch, self.cfg.checkpoint_id or head, "copy")
        batch.add(batch.current.replay(self.cfg.metadata, sibling=True))
        if updates:  # the tasks' results, and the step closed as LangGraph closes it
            finish_copied_tasks(batch, self._graph(), updates)
            self.update(batch, None, END)
        return batch

    # Steps of a call -------------------------------------------------------------------

    def fork(self, batch: Batch, checkpoint: str, reason: str) -> Thread:
        """Move the head back to ``checkpoint`` (time travel), starting a branch there."""
        store = durable(self.store, "time travel (a checkpoint_id in the config)")
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
        step = plan(self._graph().topology, [(START, where)], thread.head.waiting)
        return batch.close_step(step, self.cfg.metadata, [start])

    def new_input(self, batch: Batch, input: Any) -> None:
        """New input: supersede what was pending, then the input and ``__start__`` steps."""
        schema, topology = self._graph().schema, self._graph().topology
        writes, command = schema.writes_from("the input", input, known_only=True)
        if batch.thread is None:
            batch.add(Thread.start(self.cfg.thread_id or "transient", schema.initial_values()))
        for event in batch.current.supersede("input", self.cfg.actor):
            batch.add(event)
        kept = partial_joins(topology, batch.current.head.waiting if batch.current.head else {})
        thread = batch.add(batch.current.receive_input((START,), self.cfg.metadata, kept))
        assert thread.head is not None
        delta = StepWriter(schema, thread.values).write("the input", writes)
        self.input_wrote = bool(delta.assigned or delta.appended)
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
        store = durable(self.store, "Command(resume=...)")
        for interrupt_id, value in match_answers(store, batch.thread, resume).items():
            asked = batch.current.interrupt(interrupt_id)
            assert asked is not None
            shown = digest(store.codec.encode(asked.value))
            batch.add(batch.current.answer(interrupt_id, value, actor=self.cfg.actor, digest=shown))

    def edit(self, batch: Batch, command: Command) -> None:
        """``Command(update=..., goto=...)``: a new checkpoint with the edit and the detour."""
        graph = self._graph()
        writes, _ = graph.schema.writes_from("Command(update=...)", command.update)
        goto = known(graph.topology, "Command(goto=...)", command.goto_nodes)
        for event in batch.current.supersede("update", self.cfg.actor):
            batch.add(event)
        thread = batch.current
        delta = StepWriter(graph.schema, thread.live_values).write("Command(update=...)", writes)
        next_nodes = tuple(dict.fromkeys((*thread.pending_nodes, *goto)))
        waiting = thread.head.waiting if thread.head else {}
        self._edited(batch, START, delta, Plan(next_nodes, waiting))

    def update(self, batch: Batch, values: Any, as_node: str | None) -> None:
        """``update_state``: the edit as a new checkpoint, made as if ``as_node`` wrote it.

        Without the graph the values are assigned as given (no reducer runs), the edit is
        made as the node that wrote last, and what was pending stays pending.
        """
        if self.graph is None:
            self._assign(batch, values)
            return
        schema = self.graph.schema
        node = made_as(self._graph().topology, batch.thread, as_node)
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
        # As in LangGraph, the edit starts from the checkpoint's own values: the step in
        # progress (its finished tasks' writes, its pending tasks) is dropped, unless
        # the update is made as END, which keeps the finished writes and clears the rest.
        discards = node != END
        writer = StepWriter(schema, thread.values if discards else thread.live_values)
        delta = writer.write("update_state", writes)
        after = after_update(self._graph(), thread, node, writer.values)
        self._edited(batch, node, delta, after, discards_step=discards)

    def _assign(self, batch: Batch, values: Any) -> None:
        if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
            raise InvalidUpdateError(
                f"the values of an edit must be an object of state keys, got {values!r:.80}; "
                'pass e.g. {"key": "new value"}'
            )
        for superseded in batch.current.supersede("update", self.cfg.actor):
            batch.add(superseded)
        thread = batch.current
        assert thread.head is not None
        writers = thread.head.writers
        node = writers[0] if len(set(writers)) == 1 else START
        plan = Plan(thread.pending_nodes, thread.head.waiting)
        self._edited(batch, node, Delta(values, {}), plan)

    def _edited(
        self, batch: Batch, node: str, delta: Delta, after: Plan, *, discards_step: bool = False
    ) -> None:
        """The checkpoint an edit makes, as if ``node`` wrote ``delta``; ``after`` runs next."""
        batch.add(
            batch.current.update_state(
                node,
                assigned=delta.assigned,
                appended=delta.appended,
                next_nodes=after.next,
                waiting=after.waiting,
                metadata=self.cfg.metadata,
                actor=self.cfg.actor,
                packets=after.packets,
                discards_step=discards_step,
            )
        )

    def _graph(self) -> GraphSpec:
        if self.graph is None:
            raise InvalidUpdateError(
                "this call needs the graph (to validate values and route); pass it, e.g. "
                "branchline ... --graph module:attribute"
            )
        return self.graph


def _never_written(thread: Thread | None, graph: GraphSpec) -> bool:
    """Whether the thread's only checkpoints are updates as END that wrote nothing: it has
    no input to continue from (LangGraph: no channel was ever written)."""
    head = None if thread is None else thread.head
    return (
        head is not None
        and head.writers == (END,)
        and not head.ran
        and thread is not None
        and thread.values == graph.schema.initial_values()
    )


def _edited_head(thread: Thread | None) -> bool:
    """Whether the head was made by an edit or a replay: running it again from its own id
    continues it, with no copy (as LangGraph does for its latest checkpoint)."""
    return (
        thread is not None and thread.head is not None and thread.head.source in ("update", "fork")
    )


def _is_head(thread: Thread | None, checkpoint: str) -> bool:
    assert thread is not None
    assert thread.head is not None
    return checkpoint_version(thread.thread_id, checkpoint) == thread.head.version
