"""What a call brings before any node runs: input, answers, edits, a trip back in time.

Every path that records a decision goes through here: ``invoke``/``stream`` (``decide``),
``update_state`` (``decide_update``) and the command line's answers and edits on a stored
thread, whose graph it may not have (``graph=None``: values are then assigned as given
and nothing is routed). Each call's intake is decided in one step as events in one
batch, appended before any node runs, so a refused call writes nothing and an accepted
one is atomic (a fork and its edit, an answer and the state it resumes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from branchline.domain.model.checkpoint import START, TaskResult, apply_writes
from branchline.domain.model.thread import Thread
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.batch import Batch
from branchline.runner.channel_writes import Delta, StepWriter
from branchline.runner.config import RunConfig
from branchline.runner.deciders import check_answer, superseding
from branchline.runner.edits import Edits
from branchline.runner.errors import (
    EmptyInputError,
    InvalidUpdateError,
)
from branchline.runner.human_review import checked_answer
from branchline.runner.interrupts import digest
from branchline.runner.managed import managed_values
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
from branchline.runner.types import END, Command, StateUpdate


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
        moved = self.cfg.travels_from(thread)
        if isinstance(input, Command):
            check_command(input)
        if input is None:
            if not has_head or _never_written(thread, self.require_graph()):
                raise EmptyInputError(
                    f"nothing to run on thread {self.cfg.thread_id!r}: it has no checkpoint and "
                    "the input is None; pass the graph's input, e.g. graph.invoke({...}, config)"
                )
            if travel is not None:
                self._travel(batch, travel, moved)
            elif _waiting_input(thread):
                self._run_waiting_input(batch)
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
        return Edits(self).decide(thread, [[StateUpdate(values, as_node)]])

    def at_head(self) -> Intake:
        """This call's intake with no ``checkpoint_id``: on the head it has made."""
        return Intake(replace(self.cfg, checkpoint_id=None), self.store, self.graph)

    def decide_bulk(self, thread: Thread | None, supersteps: Any) -> Batch:
        """The events ``bulk_update_state(config, supersteps)`` stands for (``edits``)."""
        return Edits(self).decide(thread, supersteps)

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
        step = plan(self.require_graph().topology, [(START, where)], thread.head.waiting)
        return batch.close_step(step, self.cfg.metadata, [start])

    def new_input(self, batch: Batch, input: Any) -> None:
        """New input: supersede what was pending, then the input and ``__start__`` steps."""
        schema, topology = self.require_graph().schema, self.require_graph().topology
        writes, command = schema.writes_from("the input", input, known_only=True)
        if batch.thread is None:
            thread_id, values = self.cfg.thread_id or "transient", schema.initial_values()
            batch.add(Thread.start(thread_id, values, self.cfg.parent_thread, self.cfg.namespace))
        for event in superseding(batch.current, "input", self.cfg):
            batch.add(event)
        if self.cfg.afresh and batch.current.head is not None:
            batch.add(batch.current.start_over(schema.initial_values()))
        kept = partial_joins(topology, batch.current.head.waiting if batch.current.head else {})
        batch.add(batch.current.receive_input((START,), self.cfg.metadata, kept))
        self._input_step(batch, writes, command)

    def _run_waiting_input(self, batch: Batch) -> None:
        """``invoke(None)`` on input an ``"__input__"`` update recorded: its step runs."""
        head = batch.current.head
        assert head is not None
        self._input_step(batch, head.packets[0][1], None)

    def _input_step(self, batch: Batch, writes: dict[str, Any], command: Command | None) -> None:
        """The ``__start__`` step of the input checkpoint just made: ``writes`` applied."""
        schema, topology = self.require_graph().schema, self.require_graph().topology
        thread = batch.current
        delta = StepWriter(schema, thread.values).write("the input", writes)
        self.input_wrote = bool(delta.assigned or delta.appended)
        assert thread.head is not None
        managed = managed_values(schema.managed, self.cfg.raw, thread.head.step)
        values = apply_writes(thread.values, delta.assigned, delta.appended)
        fresh = schema.node_input(values, managed)
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
            check_answer(asked, self.cfg)
            checked_answer(asked.value, value)
            shown = digest(store.codec.encode(asked.value))
            batch.add(batch.current.answer(interrupt_id, value, actor=self.cfg.actor, digest=shown))

    def edit(self, batch: Batch, command: Command) -> None:
        """``Command(update=..., goto=...)``: a new checkpoint with the edit and the detour."""
        graph = self.require_graph()
        writes, _ = graph.schema.writes_from("Command(update=...)", command.update)
        goto = known(graph.topology, "Command(goto=...)", command.goto_nodes)
        for event in superseding(batch.current, "update", self.cfg):
            batch.add(event)
        thread = batch.current
        delta = StepWriter(graph.schema, thread.live_values).write("Command(update=...)", writes)
        next_nodes = tuple(dict.fromkeys((*thread.pending_nodes, *goto)))
        waiting = thread.head.waiting if thread.head else {}
        self.edited(batch, START, delta, Plan(next_nodes, waiting))

    def edited(
        self,
        batch: Batch,
        node: str,
        delta: Delta,
        after: Plan,
        *,
        discards_step: bool = False,
        results: list[dict[str, Any]] | None = None,
    ) -> None:
        """The checkpoint an edit makes, as if ``node`` wrote ``delta``; ``after`` runs next;
        ``results``: the pending tasks it was made as, with what each wrote."""
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
                results=results or (),
                doubled=after.doubled,
            )
        )

    def require_graph(self) -> GraphSpec:
        """The graph, which this call needs (the command line may have none)."""
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


def _waiting_input(thread: Thread | None) -> bool:
    """Whether the head is input recorded by an ``"__input__"`` update, its ``__start__``
    task still to run (the input waits in that task's packet)."""
    if thread is None or thread.head is None:
        return False
    packets = thread.head.packets
    return bool(packets) and packets[0][0] == START and START in thread.pending_nodes
