"""The superstep loop: run the pending tasks of a thread, one append per step.

Every task of a step sees the state of the step's checkpoint. When all finish,
their writes go through the reducers and the step is appended in one transaction
with the next step's plan. A task that raises is recorded (its finished siblings
too) and its exception reaches the caller unchanged; the next run retries only it.
A task that asks a person something (``interrupt()``) is recorded the same way and
the run pauses until a ``Command(resume=...)`` answers it. Static breakpoints pause
before or after the nodes they name.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain.checkpoint import START, apply_writes
from domain.errors import ConcurrentUpdate
from domain.events import ThreadEvent
from domain.evolve import evolve, project
from domain.ids import task_id
from domain.thread import Thread
from runner.config import RunConfig
from runner.emit import Chunk, Emitter
from runner.errors import (
    EmptyInputError,
    GraphRecursionError,
    InterruptNotPending,
    InvalidUpdateError,
)
from runner.interrupts import digest
from runner.planner import known, plan, route
from runner.resume import explain, match_answers
from runner.tasks import record, reduce_outcomes, run_tasks
from runner.types import Command, Interrupt
from runner.writes import StepWriter

if TYPE_CHECKING:
    from runner.compiled import CompiledStateGraph


@dataclass(frozen=True)
class Breakpoints:
    """The static breakpoints of one call: node names, or ``"*"`` for every node."""

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    def stops_before(self, node: str) -> bool:
        """Whether the run pauses before ``node``."""
        return node in self.before or "*" in self.before

    def stops_after(self, node: str) -> bool:
        """Whether the run pauses after ``node``."""
        return node in self.after or "*" in self.after


class Batch:
    """Events decided in a step, folded as they are added, appended together."""

    def __init__(self, thread: Thread | None) -> None:
        self.base = thread
        self.thread = thread
        self.events: list[ThreadEvent] = []

    def add(self, event: ThreadEvent) -> Thread:
        """Record one event and return the state it leads to."""
        self.events.append(event)
        self.thread = evolve(self.thread, event)
        return self.thread

    @property
    def current(self) -> Thread:
        """The state so far (a batch on a new thread starts with ThreadStarted)."""
        assert self.thread is not None
        return self.thread


def pending_questions(thread: Thread) -> tuple[Interrupt, ...]:
    """The thread's unanswered interrupts, as the API shows them."""
    return tuple(Interrupt(r.value, r.interrupt_id) for r in thread.pending_interrupts)


class Run:
    """One invoke/stream call on one thread."""

    def __init__(
        self,
        graph: CompiledStateGraph,
        cfg: RunConfig,
        emit: Emitter,
        pool: Callable[[], Executor],
        breakpoints: Breakpoints,
    ) -> None:
        self.graph = graph
        self.cfg = cfg
        self.emit = emit
        self.pool = pool
        self.breakpoints = breakpoints
        self.thread: Thread | None = None
        self.interrupts: tuple[Interrupt, ...] = ()

    def execute(self, input: Any, thread: Thread | None) -> Iterator[Chunk]:
        """Apply the input (if any) and run until nothing is pending or the run pauses."""
        self.thread = thread
        if isinstance(input, Command):
            self._check_command(input)
        if isinstance(input, Command) and thread is not None and thread.head is not None:
            yield from self._accept_command(input, thread)
        elif isinstance(input, Command) and input.resume is not None:
            store = self.graph.durable_store("Command(resume=...)")
            match_answers(store, thread, input.resume)  # raises: nothing can be pending yet
        elif input is not None:
            yield from self._accept_input(input)
        elif thread is None or thread.head is None:
            raise EmptyInputError(
                f"nothing to run on thread {self.cfg.thread_id!r}: it has no checkpoint and the "
                "input is None; pass the graph's input, e.g. graph.invoke({...}, config)"
            )
        else:
            yield from self.emit.values(thread)
        yield from self._loop()

    def _loop(self) -> Generator[Chunk, None, None]:
        thread = self._current()
        last_step = self._head_step() + self.cfg.recursion_limit
        while thread.pending_nodes:
            if self._head_step() + 1 > last_step:
                raise GraphRecursionError(
                    f"Recursion limit of {self.cfg.recursion_limit} reached without hitting a stop "
                    f"condition on thread {self.cfg.thread_id!r} (stopped at step "
                    f"{self._head_step()}, next {list(thread.pending_nodes)}). "
                    "Progress is saved; raise the limit with config['recursion_limit'] and call "
                    "invoke(None, config) to continue"
                )
            if (yield from self._pause_before()):
                return
            if (yield from self._superstep()):
                return
            thread = self._current()

    def _current(self) -> Thread:
        assert self.thread is not None
        return self.thread

    def _head_step(self) -> int:
        head = self._current().head
        assert head is not None
        return head.step

    def _append(self, batch: Batch) -> Thread:
        self.thread = self.graph.journal_append(batch.base, batch.events)
        return self.thread

    # Input ---------------------------------------------------------------------------

    def _accept_input(self, input: Any) -> Iterator[Chunk]:
        """New input: supersede what was pending, then the input and ``__start__`` steps."""
        graph = self.graph
        writes, command = graph.schema.writes_from("the input", input)
        batch = Batch(self.thread)
        if self.thread is None:
            batch.add(
                Thread.start(self.cfg.thread_id or "transient", graph.schema.initial_values())
            )
        for event in batch.current.supersede("input", self.cfg.actor):
            batch.add(event)
        thread = batch.add(batch.current.receive_input((START,), self.cfg.metadata))
        yield from self.emit.checkpoint(thread)
        delta = StepWriter(graph.schema, thread.values).write("the input", writes)
        fresh = graph.schema.node_input(apply_writes(thread.values, delta.assigned, delta.appended))
        targets = route(graph.topology, START, fresh, command.goto_nodes if command else ())
        assert thread.head is not None
        tid = task_id(thread.thread_id, thread.head.version, START, 0)
        batch.add(
            thread.complete_task(
                tid, START, assigned=delta.assigned, appended=delta.appended, triggers=targets
            )
        )
        self._close_step(batch)
        yield from self.emit.checkpoint(self.thread)
        yield from self.emit.values(self._current())

    @staticmethod
    def _check_command(command: Command) -> None:
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

    def _accept_command(self, command: Command, thread: Thread) -> Iterator[Chunk]:
        """A Command on an existing thread: answers, then an edit or a detour, in one append."""
        batch = Batch(thread)
        if command.resume is not None:
            self._answer(batch, command.resume)
        if command.update is not None or command.goto_nodes:
            self._edit(batch, command)
        try:
            self._append(batch)
        except ConcurrentUpdate:
            if command.resume is None:
                raise
            self._explain_lost_race(command.resume)
            raise
        yield from self.emit.values(self._current())

    def _answer(self, batch: Batch, resume: Any) -> None:
        store = self.graph.durable_store("Command(resume=...)")
        answers = match_answers(store, batch.current, resume)
        for interrupt_id, value in answers.items():
            asked = batch.current.interrupt(interrupt_id)
            assert asked is not None
            shown = digest(store.codec.encode(asked.value))
            batch.add(batch.current.answer(interrupt_id, value, actor=self.cfg.actor, digest=shown))

    def _edit(self, batch: Batch, command: Command) -> None:
        schema, topology = self.graph.schema, self.graph.topology
        writes, _ = schema.writes_from("Command(update=...)", command.update)
        goto = known(topology, "Command(goto=...)", command.goto_nodes)
        for event in batch.current.supersede("update", self.cfg.actor):
            batch.add(event)
        thread = batch.current
        delta = StepWriter(schema, thread.live_values).write("Command(update=...)", writes)
        next_nodes = (*thread.pending_nodes, *goto)
        batch.add(
            thread.update_state(
                START,
                assigned=delta.assigned,
                appended=delta.appended,
                next_nodes=tuple(dict.fromkeys(next_nodes)),
                waiting=thread.head.waiting if thread.head else {},
                metadata=self.cfg.metadata,
                actor=self.cfg.actor,
            )
        )

    def _explain_lost_race(self, resume: Any) -> None:
        """Another process answered first: say whose decision won, writing nothing."""
        store = self.graph.durable_store("Command(resume=...)")
        latest = store.load(self._current().thread_id)
        before = self._current()
        ids = (
            list(resume)
            if isinstance(resume, dict)
            else [r.interrupt_id for r in before.pending_interrupts]
        )
        pending = [r.interrupt_id for r in latest.pending_interrupts] if latest else []
        for interrupt_id in ids:
            if interrupt_id not in pending:
                raise InterruptNotPending(explain(store, latest, interrupt_id, pending)) from None

    # Steps ---------------------------------------------------------------------------

    def _pause_before(self) -> Generator[Chunk, None, bool]:
        thread = self._current()
        nodes = [
            n
            for n in thread.pending_nodes
            if self.breakpoints.stops_before(n) and n not in thread.breakpoints_hit
        ]
        if not nodes:
            return False
        batch = Batch(thread)
        batch.add(thread.pause(before=nodes))
        self._append(batch)
        yield from self.emit.paused(())
        return True

    def _superstep(self) -> Generator[Chunk, None, bool]:
        """Run one step; return True if the run paused (an interrupt or a breakpoint after)."""
        thread = self._current()
        head = thread.head
        assert head is not None
        pending = list(thread.pending_nodes)
        tasks = []
        for index, node in enumerate(head.next):
            if node in pending:
                pending.remove(node)
                tasks.append((task_id(thread.thread_id, head.version, node, index), node))
        yield from self.emit.tasks(thread, tasks)
        outcomes = run_tasks(self.graph, thread, self.cfg.raw, tasks, self.pool)
        reduce_outcomes(self.graph, thread, outcomes)
        batch = Batch(thread)
        record(thread, outcomes, batch.add)
        failed = next((o.error for o in outcomes if o.error is not None), None)
        if failed is not None or any(o.question for o in outcomes):
            if batch.events:
                self._append(batch)
            yield from self.emit.results(head.step + 1, outcomes)
            yield from self.emit.updates(outcomes)
            if failed is not None:
                raise failed
            self.interrupts = pending_questions(self._current())
            yield from self.emit.paused(self.interrupts)
            yield from self.emit.values(self._current(), self.interrupts)
            return True
        paused_after = self._close_step(batch)
        yield from self.emit.results(head.step + 1, outcomes)
        yield from self.emit.updates(outcomes)
        yield from self.emit.checkpoint(self.thread)
        yield from self.emit.values(self._current())
        if paused_after:
            yield from self.emit.paused(())
        return paused_after

    def _close_step(self, batch: Batch) -> bool:
        """Append the step's checkpoint (and a pause, if a breakpoint after fires)."""
        thread = batch.current
        assert thread.head is not None
        finished = [(r.node, r.triggers) for r in thread.results]
        next_nodes, waiting = plan(self.graph.topology, finished, thread.head.waiting)
        closed = batch.add(thread.complete_step(next_nodes, waiting, self.cfg.metadata))
        writers = closed.head.writers if closed.head else ()
        after = [n for n in writers if n != START and self.breakpoints.stops_after(n)]
        if after and next_nodes:
            batch.add(closed.pause(after=after))
        self._append(batch)
        return bool(after and next_nodes)


def project_all(thread: Thread | None, events: Sequence[ThreadEvent]) -> Thread:
    """Fold events without storing them (graphs compiled without a checkpointer)."""
    folded = project(thread, events)
    assert folded is not None
    return folded


def default_pool() -> Callable[[], Executor]:
    """A lazily created thread pool for parallel tasks."""
    pool: list[Executor] = []

    def get() -> Executor:
        if not pool:
            pool.append(ThreadPoolExecutor(max_workers=8, thread_name_prefix="branchline-task"))
        return pool[0]

    return get
