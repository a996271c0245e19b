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

import logging
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from branchline.domain.model.checkpoint import START, TaskResult
from branchline.domain.model.errors import ConcurrentUpdate
from branchline.domain.model.events import StepCompleted
from branchline.domain.model.thread import Thread
from branchline.runner.aio import stop_if_cancelled
from branchline.runner.batch import Batch
from branchline.runner.config import RESUMING, TRAVEL, RunConfig, TravelledTo
from branchline.runner.durability import Journal
from branchline.runner.errors import GraphRecursionError, InvalidUpdateError
from branchline.runner.intake import Decided, Intake
from branchline.runner.kept_subgraph import travel_bound
from branchline.runner.managed import STOP, stop_step
from branchline.runner.planner import step_after
from branchline.runner.resume import explain_lost_race
from branchline.runner.spec import GraphSpec
from branchline.runner.step_tasks import StepTimedOut, run_tasks
from branchline.runner.stream_chunks import Chunk, Emitter
from branchline.runner.subgraph import SubgraphNode, SubgraphPaused
from branchline.runner.tasks import (
    Outcome,
    in_completion_order,
    record,
    reduce_outcomes,
)
from branchline.runner.types import Command, Interrupt

logger = logging.getLogger(__name__)

INTAKE_ATTEMPTS = 20  # an answer racing answers to other questions of one thread


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


def pending_questions(thread: Thread) -> tuple[Interrupt, ...]:
    """The thread's unanswered interrupts, as the API shows them."""
    return tuple(Interrupt(r.value, r.interrupt_id) for r in thread.pending_interrupts)


class Run:
    """One invoke/stream call on one thread."""

    def __init__(
        self,
        graph: GraphSpec,
        cfg: RunConfig,
        emit: Emitter,
        pool: Callable[[], Executor],
        breakpoints: Breakpoints,
        journal: Journal,
        step_timeout: float | None = None,
    ) -> None:
        self.graph = graph
        self.step_timeout = step_timeout
        self.cfg = cfg
        self.emit = emit
        self.pool = pool
        self.breakpoints = breakpoints
        self.journal = journal
        self.thread: Thread | None = None
        self.interrupts: tuple[Interrupt, ...] = ()
        self.asked: list[Interrupt] = []  # the questions this run showed, as it showed them
        self.deferred_resume: Any = None
        self.input_wrote = True
        self.continuing = False
        self.node_error: BaseException | None = None  # what a node raised, for the caller

    def execute(self, input: Any, thread: Thread | None) -> Iterator[Chunk]:
        """Take in the call's input, then run until nothing is pending or the run pauses."""
        self.thread = thread
        if self.graph.schema.managed:  # RemainingSteps counts from where the call starts
            start = thread.head.step if thread is not None and thread.head else None
            self.cfg = self.cfg.flagged({STOP: stop_step(start, self.cfg.recursion_limit)})
        # As LangGraph: a call that continues (None, a Command, a replay) runs the pending
        # tasks it finds without stopping before them again; later steps can stop.
        resuming = thread is not None and (input is None or isinstance(input, Command))
        self.continuing = resuming
        batch = self._take_in(input, thread)
        if not self.cfg.namespace:  # a root run: what its subgraphs are to know of it
            answers = isinstance(input, Command) and input.resume is not None
            flags: dict[str, Any] = {RESUMING: resuming}
            if self.cfg.checkpoint_id is not None and not answers:
                assert self.graph.store is not None and self.cfg.thread_id is not None
                bound = travel_bound(self.graph.store, self.cfg.thread_id, self.cfg.checkpoint_id)
                flags[TRAVEL] = TravelledTo(bound)
            self.cfg = self.cfg.flagged(flags)
        if any(isinstance(e, StepCompleted) for e in batch.events):
            self.continuing = False  # the intake ran a step (a replayed input): new writes
        made: list[Thread] = []
        if batch.events:
            made = batch.checkpoints()
            for state in made:
                yield from self.emit.checkpoint(state)
        # The state after the input (as LangGraph, none for input that wrote nothing), each
        # replayed checkpoint, or (resuming) the current one.
        shown = [s for s in made if s.head is not None and s.head.source != "input"]
        if shown and not self.input_wrote:
            shown = shown[1:]
        for state in shown:
            yield from self.emit.values(state)
        if not made:  # resuming: the checkpoint's own values, as LangGraph shows them
            yield from self.emit.values(self._current(), live=False)
        yield from self._loop()

    def _take_in(self, input: Any, thread: Thread | None) -> Batch:
        """Decide the call's intake in one step and append it before any node runs. An
        answer that lost a race to another answer (to another question of the thread) is
        decided again on the new state."""
        intake = Intake.of(self.graph, self.cfg)
        for attempt in range(INTAKE_ATTEMPTS):
            decision = intake.decide(thread, input)
            self.deferred_resume = decision.deferred_resume
            self.input_wrote = intake.input_wrote
            if not decision.batch.events:
                return decision.batch
            try:
                self._append(decision.batch, now=decision.decisive)
                return decision.batch
            except ConcurrentUpdate:
                if not self._retry(decision, input) or attempt + 1 == INTAKE_ATTEMPTS:
                    raise
                thread = self.thread = self._latest()
        raise AssertionError("unreachable")

    def _retry(self, decision: Decided, input: Any) -> bool:
        """Whether an intake that lost a race is worth deciding again: an answer whose
        question is still pending is; raises saying whose decision won if it is not."""
        resuming = isinstance(input, Command) and input.resume is not None
        if not resuming or decision.deferred_resume is not None:  # a replay's answer waits
            return False
        store = self.graph.durable_store("Command(resume=...)")
        explain_lost_race(store, self._current(), input.resume)
        return True

    def _latest(self) -> Thread | None:
        return self.graph.durable_store("a concurrent run").load(self.cfg.thread_id or "")

    def _loop(self) -> Generator[Chunk, None, None]:
        try:
            yield from self._steps()
            self.journal.flush()
        except ConcurrentUpdate as error:
            if error is self.node_error:  # a node's own, not this run's append: the caller's
                raise
            self.journal.discard()
            yield from self._hand_over()
        finally:
            self._flush_on_the_way_out()

    def _flush_on_the_way_out(self) -> None:
        """Commit what a run stopped early (an error, a closed stream) still holds. A
        stream dropped by its caller cannot raise to anyone: say so in the log."""
        try:
            self.journal.flush()
        except BaseException:
            logger.exception(
                "thread %r: the run's last steps could not be committed", self.cfg.thread_id
            )
            raise

    def _steps(self) -> Generator[Chunk, None, None]:
        thread = self._current()
        last_step = self._head_step() + self.cfg.recursion_limit
        # (Results and nothing pending: a sync step that ran past its step_timeout. Its
        # tasks all finished: it is closed now, as LangGraph's next call does.)
        while thread.pending_tasks or thread.results:
            if self._head_step() + 1 > last_step:
                raise GraphRecursionError(
                    f"Recursion limit of {self.cfg.recursion_limit} reached without hitting a stop "
                    f"condition on thread {self.cfg.thread_id!r} (stopped at step "
                    f"{self._head_step()}, next {list(thread.pending_nodes)}). "
                    "Progress is saved; raise the limit with config['recursion_limit'] and call "
                    "invoke(None, config) to continue"
                )
            stop_if_cancelled()  # an async call whose caller gave up stops between steps
            continuing, self.continuing = self.continuing, False
            if not continuing and (yield from self._pause_before()):
                return
            if (yield from self._superstep()) and not self._answer_deferred():
                return
            thread = self._current()

    def _hand_over(self) -> Generator[Chunk, None, None]:
        """Another process appended to the thread while this run was in a step (it answered
        another question, say): it carries on from there, so this run ends where the
        thread is now. What this run recorded before stays; its unrecorded step is dropped."""
        latest = self._latest()
        assert latest is not None
        logger.info("thread %r was continued by another run; this run stops", latest.thread_id)
        self.thread = latest
        self.interrupts = pending_questions(latest)
        self.asked += self.interrupts
        if self.interrupts:
            yield from self.emit.paused(self.interrupts)
        yield from self.emit.values(latest, self.interrupts)

    def _answer_deferred(self) -> bool:
        """Answer the interrupt a replay raised anew with the resume that asked for it."""
        if self.deferred_resume is None or not self._current().pending_interrupts:
            return False
        batch = Batch(self._current())
        Intake.of(self.graph, self.cfg).answer(batch, self.deferred_resume)
        self.deferred_resume = None
        self._append(batch)
        self.interrupts = ()
        self.asked = []  # answered at once: not a question of this run's result
        return True

    def _current(self) -> Thread:
        assert self.thread is not None
        return self.thread

    def _head_step(self) -> int:
        head = self._current().head
        assert head is not None
        return head.step

    def _append(self, batch: Batch, *, now: bool = True) -> Thread:
        """Append a batch: committed before this returns when ``now`` (the input, a pause,
        a failure), else when the run's durability mode says (a completed step)."""
        self.thread = self.journal.append(batch.base, batch.events, batch.current, now=now)
        return self.thread

    # Steps ---------------------------------------------------------------------------

    def _pause_before(self) -> Generator[Chunk, None, bool]:
        """Pause before the pending nodes a breakpoint names (a call that continues does
        not ask this for the step it continues: LangGraph's rule)."""
        thread = self._current()
        nodes = [n for n in thread.pending_nodes if self.breakpoints.stops_before(n)]
        if not nodes:
            return False
        self._pause_without_history()
        batch = Batch(thread)
        batch.add(thread.pause(before=nodes))
        self._append(batch)
        yield from self.emit.paused(())
        return True

    def _pause_without_history(self) -> None:
        """At a breakpoint, a graph that keeps no history (run in a task of one that does:
        a subgraph compiled with checkpointer=False) pauses that task; continuing the task
        runs it again from its start, to the same breakpoint (as LangGraph)."""
        if self.graph.store is None:
            raise SubgraphPaused([])

    def _superstep(self) -> Generator[Chunk, None, bool]:
        """Run one step; return True if the run paused (an interrupt or a breakpoint after)."""
        thread = self._current()
        head = thread.head
        assert head is not None
        tasks = [(tid, node, index) for index, node, tid in thread.pending_tasks]
        if len(tasks) > 1 and self.graph.store is not None:
            _check_one_run_per_step(self.graph, (node for _, node, _ in tasks))
        yield from self.emit.cached(thread.results)
        yield from self.emit.tasks(thread, tasks)
        streaming = self.emit.subgraph_modes
        late: StepTimedOut | None = None
        try:
            outcomes = run_tasks(
                self.graph, thread, self.cfg.raw, tasks, self.pool, streaming, self.step_timeout
            )
        except StepTimedOut as timed_out:
            outcomes, late = timed_out.outcomes, timed_out
        stop_if_cancelled()  # ... or with a step under way: not written
        reduce_outcomes(self.graph, thread, outcomes)
        if late is not None or not all(o.finished for o in outcomes):
            batch = Batch(thread)
            record(thread, outcomes, batch.add)
            failed = next((o.error for o in outcomes if o.error and not o.stopped), None)
            if batch.events:
                self._append(batch)
            yield from self.emit.updates(outcomes)
            yield from self.emit.results(head.step + 1, outcomes)
            if failed is None and late is not None:
                failed = self._too_long(head.step + 1, outcomes)
            if failed is not None:
                self.node_error = failed
                raise failed
            self.interrupts = pending_questions(self._current())
            yield from self._questions(thread, outcomes)
            return True
        paused_after, stopped = self._close_step(thread, [o.result() for o in outcomes])
        if self.cfg.raw.get("configurable", {}).get(RESUMING):
            self.cfg = self.cfg.flagged({RESUMING: False})  # the steps after the first
        yield from self.emit.updates(outcomes)
        yield from self.emit.results(head.step + 1, outcomes)
        yield from self.emit.checkpoint(self.thread)
        yield from self.emit.values(self._current())
        if stopped:  # LangGraph says so even when nothing is left to run
            yield from self.emit.paused(())
        return paused_after

    def _too_long(self, step: int, outcomes: list[Outcome]) -> TimeoutError:
        """The error of a step that ran past the graph's ``step_timeout`` (LangGraph's
        ``TimeoutError``)."""
        stopped = [o.node for o in outcomes if o.stopped]
        running = f"; cancelled: {', '.join(stopped)}" if stopped else ""
        return TimeoutError(
            f"step {step} of thread {self.cfg.thread_id!r} ran past the graph's step_timeout "
            f"of {self.step_timeout} s{running}. What its tasks finished is saved: call "
            "invoke(None, config) to run the rest, or raise graph.step_timeout"
        )

    def _questions(self, thread: Thread, outcomes: list[Outcome]) -> Iterator[Chunk]:
        """As LangGraph streams a pause: each task's questions as it asked them, with the
        step's checkpoint values; then the values with the writes of the step's finished
        tasks (in this run or an earlier one), except in a subgraph, whose pause its parent
        reports. A subgraph stopped at a breakpoint, in a step where no task asked, is a
        pause with no question (``{"__interrupt__": ()}``)."""
        for outcome in in_completion_order(outcomes):
            asked = tuple(Interrupt(q.value, q.interrupt_id) for q in outcome.questions)
            self.asked += asked
            if asked:
                yield from self.emit.paused(asked)
                yield from self.emit.values(thread, asked, live=False)
        if not any(o.questions for o in outcomes) and any(o.paused for o in outcomes):
            yield from self.emit.paused(())
        current = self._current()
        if any(r.error is None for r in current.results) and not self.cfg.namespace:
            yield from self.emit.values(current)

    def _close_step(self, thread: Thread, finished: list[TaskResult]) -> tuple[bool, bool]:
        """Append the step's checkpoint, carrying the tasks that ``finished`` in it (and a
        pause, if a breakpoint after fires); whether the run pauses, and whether a
        breakpoint after fired (with nothing left to run, no pause is recorded)."""
        assert thread.head is not None
        step = step_after(self.graph.topology, thread.head, (*thread.results, *finished))
        batch = Batch(thread)
        closed = batch.close_step(step, self.cfg.metadata, finished)
        writers = closed.head.writers if closed.head else ()
        after = [n for n in writers if n != START and self.breakpoints.stops_after(n)]
        paused = bool(after and step.next)
        if paused:
            self._pause_without_history()
            batch.add(closed.pause(after=after))
        self._append(batch, now=paused)
        return paused, bool(after)


def lazy_pool(workers: int, name: str) -> Callable[[], Executor]:
    """A thread pool started on first use: ``workers`` threads named ``name``-N (the
    tasks of a step; the writers of runs with ``durability="async"``, one a run at a
    time, so each run's appends stay in order, and those of runs at once commit together)."""
    pool: list[Executor] = []

    def get() -> Executor:
        if not pool:
            pool.append(ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name))
        return pool[0]

    return get


def _check_one_run_per_step(graph: GraphSpec, nodes: Iterable[str]) -> None:
    """Refuse a step that runs a subgraph kept across calls in two tasks (one thread)."""
    seen: set[str] = set()
    for node in nodes:
        func = graph.topology.nodes[node].func
        if isinstance(func, SubgraphNode) and func.graph.persistence == "kept":
            if node in seen:
                raise InvalidUpdateError(
                    f"this step runs node {node!r} twice, and its subgraph is compiled with "
                    "checkpointer=True (one history kept across calls, one thread): the two "
                    "runs would share it; compile the subgraph with checkpointer=None (a "
                    "history per call), or schedule the node once per step"
                )
            seen.add(node)
