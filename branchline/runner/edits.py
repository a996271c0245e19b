"""Edits: ``update_state`` and ``bulk_update_state`` as the events of one batch.

Each superstep of updates makes one checkpoint (see ``bulk_update``); an update made as a
node stands for that node's pending task, whose result it becomes in the history. The
call's ``Intake`` (``decide_update``, ``decide_bulk``) is the one way in.
"""

from __future__ import annotations

from typing import Any, Protocol

from branchline.domain.model.checkpoint import START
from branchline.domain.model.errors import ThreadNotFound
from branchline.domain.model.ids import checkpoint_id
from branchline.domain.model.thread import Thread
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.batch import Batch
from branchline.runner.bulk_update import (
    COPY,
    INPUT,
    checked_supersteps,
    input_checkpoint,
    made_together,
    routed,
    task_results,
)
from branchline.runner.channel_writes import Delta, StepWriter
from branchline.runner.config import RunConfig
from branchline.runner.copied_step import as_updates, finish_copied_tasks
from branchline.runner.deciders import superseding
from branchline.runner.errors import InvalidUpdateError
from branchline.runner.planner import Plan, partial_joins
from branchline.runner.spec import GraphSpec, durable
from branchline.runner.types import END, StateUpdate
from branchline.runner.update_route import after_update, made_as


class CallIntake(Protocol):
    """What the edits need of the call's intake (``runner.intake.Intake``)."""

    cfg: RunConfig
    store: CheckpointStore | None
    graph: GraphSpec | None
    restored: Thread | None

    def fork(self, batch: Batch, checkpoint: str, reason: str) -> Thread: ...

    def edited(
        self,
        batch: Batch,
        node: str,
        delta: Delta,
        after: Plan,
        *,
        discards_step: bool = False,
        results: list[dict[str, Any]] | None = None,
    ) -> None: ...

    def require_graph(self) -> GraphSpec: ...

    def at_head(self) -> CallIntake: ...


class Edits:
    """The edits of one call, decided through its ``intake``."""

    def __init__(self, intake: CallIntake) -> None:
        self.intake = intake

    def decide(self, thread: Thread | None, supersteps: Any) -> Batch:
        """The events ``bulk_update_state(config, supersteps)`` stands for: a checkpoint
        for each superstep of updates, the first made on ``checkpoint_id`` (a fork there
        first) when the config names a past one."""
        first, *rest = checked_supersteps(supersteps)
        batch, travel = Batch(thread), self.intake.cfg.checkpoint_id
        if first[0].as_node != COPY:
            if self.intake.graph is None and (thread is None or thread.head is None):
                raise ThreadNotFound(
                    f"thread {self.intake.cfg.thread_id!r} has no checkpoint to edit"
                )
            if travel is not None:
                store = durable(self.intake.store, "time travel (a checkpoint_id in the config)")
                if thread is None or thread.head is None:
                    store.checkpoint(self.intake.cfg.require_thread(), travel)  # raises: none there
                elif self.intake.cfg.travels_from(thread):
                    self.intake.fork(batch, travel, "edit")
        self.superstep(batch, first)
        later = Edits(self.intake.at_head())
        for updates in rest:  # each on the checkpoint the one before made
            later.superstep(batch, updates)
        return batch

    def superstep(self, batch: Batch, updates: list[StateUpdate]) -> None:
        """One superstep of updates (``bulk_update``): one checkpoint."""
        one = updates[0]
        if one.as_node == COPY:
            self.copy(batch, one.values)
        elif one.as_node == INPUT:
            self.waiting_input(batch, one.values)
        elif len(updates) == 1:
            self.update(batch, one.values, one.as_node)
        else:
            self.update_together(batch, updates)

    def waiting_input(self, batch: Batch, values: Any) -> None:
        """``as_node="__input__"``: input recorded and not yet applied: the checkpoint's
        ``__start__`` task waits with it (``invoke(None)`` runs it; an update made as
        ``__start__`` stands for it), as LangGraph records such input."""
        graph = self.intake.require_graph()
        (writes,) = input_checkpoint(graph, values)
        if batch.thread is None:
            batch.add(Thread.start(self.intake.cfg.require_thread(), graph.schema.initial_values()))
        for event in superseding(batch.current, "input", self.intake.cfg):
            batch.add(event)
        head = batch.current.head
        kept = partial_joins(graph.topology, head.waiting if head else {})
        packet = ((START, writes),)
        batch.add(batch.current.receive_input((START,), self.intake.cfg.metadata, kept, packet))

    def update_together(self, batch: Batch, updates: list[StateUpdate]) -> None:
        """Several updates made as the tasks of one step: one checkpoint."""
        if batch.thread is None:
            schema = self.intake.require_graph().schema
            batch.add(Thread.start(self.intake.cfg.require_thread(), schema.initial_values()))
        for superseded in superseding(batch.current, "update", self.intake.cfg):
            batch.add(superseded)
        delta, after, results = made_together(self.intake.require_graph(), batch.current, updates)
        if self.intake.restored:  # on a past checkpoint, its tasks' results stay as they were
            results = []
        first = str(updates[0].as_node)
        self.intake.edited(batch, first, delta, after, discards_step=True, results=results)

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
            raise ThreadNotFound(f"thread {self.intake.cfg.thread_id!r} has no checkpoint to copy")
        head = checkpoint_id(thread.thread_id, thread.head.version)
        self.intake.fork(batch, self.intake.cfg.checkpoint_id or head, "copy")
        batch.add(batch.current.replay(self.intake.cfg.metadata, sibling=True))
        if updates:  # the tasks' results, and the step closed as LangGraph closes it
            finish_copied_tasks(batch, self.intake.require_graph(), updates)
            self.update(batch, None, END)
        return batch

    def update(self, batch: Batch, values: Any, as_node: str | None) -> None:
        """``update_state``: the edit as a new checkpoint, made as if ``as_node`` wrote it.

        Without the graph the values are assigned as given (no reducer runs), the edit is
        made as the node that wrote last, and what was pending stays pending.
        """
        if self.intake.graph is None:
            self.assign(batch, values)
            return
        graph = self.intake.require_graph()
        schema = graph.schema
        node = made_as(graph.topology, batch.thread, as_node)
        writes, command = schema.node_writes("update_state", values)
        if node == END and writes:
            raise InvalidUpdateError(
                f"update_state with as_node=END cannot write values; got {values!r:.80}. "
                "Pass values=None to clear pending work"
            )
        if batch.thread is None:
            batch.add(Thread.start(self.intake.cfg.require_thread(), schema.initial_values()))
        for superseded in superseding(batch.current, "update", self.intake.cfg):
            batch.add(superseded)
        thread = batch.current
        # As in LangGraph, the edit starts from the checkpoint's own values: the step in
        # progress (its finished tasks' writes, its pending tasks) is dropped, unless
        # the update is made as END, which keeps the finished writes and clears the rest.
        discards = node != END
        writer = StepWriter(schema, thread.values if discards else thread.live_values)
        delta = writer.write("update_state", writes)
        if not discards:
            self.intake.edited(batch, node, delta, after_update(graph, thread, node, writer.values))
            return
        where = routed(graph, node, writer.values, command)
        after = after_update(graph, thread, node, writer.values, where)
        raw = writes if isinstance(writes, dict) else {}
        # On a past checkpoint, its tasks' results stay as they were (immutable history).
        results = [] if self.intake.restored else task_results(thread, [(node, delta, where, raw)])
        self.intake.edited(batch, node, delta, after, discards_step=True, results=results)

    def assign(self, batch: Batch, values: Any) -> None:
        if not isinstance(values, dict) or not all(isinstance(k, str) for k in values):
            raise InvalidUpdateError(
                f"the values of an edit must be an object of state keys, got {values!r:.80}; "
                'pass e.g. {"key": "new value"}'
            )
        for superseded in superseding(batch.current, "update", self.intake.cfg):
            batch.add(superseded)
        thread = batch.current
        assert thread.head is not None
        writers = thread.head.writers
        node = writers[0] if len(set(writers)) == 1 else START
        plan = Plan(thread.pending_nodes, thread.head.waiting)
        self.intake.edited(batch, node, Delta(values, {}), plan)
