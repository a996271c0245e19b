"""The superstep loop: run the pending tasks of a thread, one append per step.

Every task of a step sees the state of the step's checkpoint. When all finish,
their writes go through the reducers and the step is appended in one transaction
with the next step's plan. A task that raises is recorded (its finished siblings
too) and its exception reaches the caller unchanged; the next run retries only it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from domain import clock
from domain.checkpoint import START, apply_writes
from domain.events import ThreadEvent
from domain.evolve import evolve, project
from domain.ids import task_id
from domain.thread import Thread
from runner.config import RunConfig
from runner.errors import EmptyInputError, GraphRecursionError
from runner.planner import plan, route
from runner.snapshots import snapshot_of
from runner.types import Command
from runner.writes import Delta, StepWriter

if TYPE_CHECKING:
    from runner.compiled import CompiledStateGraph

Chunk = tuple[str, Any]


@dataclass
class Outcome:
    """What one task did."""

    task_id: str
    node: str
    writes: dict[str, Any]
    command: Command | None = None
    error: BaseException | None = None
    delta: Delta | None = None
    targets: tuple[str, ...] = ()


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


class Run:
    """One invoke/stream call on one thread."""

    def __init__(
        self,
        graph: CompiledStateGraph,
        cfg: RunConfig,
        modes: Sequence[str],
        pool: Callable[[], Executor],
    ):
        self.graph = graph
        self.cfg = cfg
        self.modes = set(modes)
        self.pool = pool
        self.thread: Thread | None = None

    def execute(self, input: Any, thread: Thread | None) -> Iterator[Chunk]:
        """Apply input (if any) and run until nothing is pending."""
        self.thread = thread
        if input is not None:
            yield from self._accept_input(input)
        elif thread is None or thread.head is None:
            raise EmptyInputError(
                f"nothing to run on thread {self.cfg.thread_id!r}: it has no checkpoint and the "
                "input is None; pass the graph's input, e.g. graph.invoke({...}, config)"
            )
        else:
            yield from self._emit_values()
        assert self.thread is not None
        assert self.thread.head is not None
        last_step = self.thread.head.step + self.cfg.recursion_limit
        while self.thread.pending_nodes:
            if self.thread.head.step + 1 > last_step:
                raise GraphRecursionError(
                    f"Recursion limit of {self.cfg.recursion_limit} reached without hitting a stop "
                    f"condition on thread {self.cfg.thread_id!r} (stopped at step "
                    f"{self.thread.head.step}, next {list(self.thread.pending_nodes)}). "
                    "Progress is saved; raise the limit with config['recursion_limit'] and call "
                    "invoke(None, config) to continue"
                )
            yield from self._superstep()

    # Input ---------------------------------------------------------------------------

    def _accept_input(self, input: Any) -> Iterator[Chunk]:
        graph = self.graph
        writes, command = graph.schema.writes_from("the input", input)
        batch = Batch(self.thread)
        if self.thread is None:
            thread_id = self.cfg.thread_id or "transient"
            batch.add(Thread.start(thread_id, graph.schema.initial_values()))
        assert batch.thread is not None
        thread = batch.add(batch.thread.receive_input((START,), self.cfg.metadata))
        yield from self._debug_checkpoint(thread)
        writer = StepWriter(graph.schema, thread.values)
        delta = writer.write("the input", writes)
        fresh = graph.schema.node_input(apply_writes(thread.values, delta.assigned, delta.appended))
        goto = command.goto_nodes if command else ()
        targets = route(graph.topology, START, fresh, goto)
        tid = task_id(thread.thread_id, thread.head.version, START, 0)  # type: ignore[union-attr]
        batch.add(
            thread.complete_task(
                tid, START, assigned=delta.assigned, appended=delta.appended, triggers=targets
            )
        )
        self._close_step(batch)
        yield from self._debug_checkpoint(self.thread)
        yield from self._emit_values()

    # Steps ---------------------------------------------------------------------------

    def _superstep(self) -> Iterator[Chunk]:
        thread = self.thread
        assert thread is not None
        assert thread.head is not None
        head = thread.head
        tasks = [
            (task_id(thread.thread_id, head.version, node, index), node)
            for index, node in enumerate(head.next)
            if node in thread.pending_nodes
        ]
        for tid, node in tasks:
            yield from self._debug(
                "task",
                head.step + 1,
                {
                    "id": tid,
                    "name": node,
                    "input": thread.values,
                    "triggers": (f"branch:to:{node}",),
                },
            )
        outcomes = self._run_tasks(thread, tasks)
        self._reduce(thread, outcomes)
        batch = Batch(thread)
        for outcome in outcomes:
            current = batch.thread
            assert current is not None
            if outcome.error is not None:
                batch.add(current.fail_task(outcome.task_id, outcome.node, repr(outcome.error)))
            else:
                assert outcome.delta is not None
                batch.add(
                    current.complete_task(
                        outcome.task_id,
                        outcome.node,
                        assigned=outcome.delta.assigned,
                        appended=outcome.delta.appended,
                        triggers=outcome.targets,
                    )
                )
        failed = [o.error for o in outcomes if o.error is not None]
        if failed:
            self.thread = self.graph.journal_append(batch.base, batch.events)
            raise failed[0]
        self._close_step(batch)
        yield from self._emit_step(outcomes)

    def _run_tasks(self, thread: Thread, tasks: list[tuple[str, str]]) -> list[Outcome]:
        if len(tasks) == 1:
            return [self._run_task(thread, *tasks[0])]
        pool = self.pool()
        futures = [
            pool.submit(contextvars.copy_context().run, self._run_task, thread, tid, node)
            for tid, node in tasks
        ]
        return [f.result() for f in futures]

    def _run_task(self, thread: Thread, tid: str, node: str) -> Outcome:
        spec = self.graph.topology.nodes[node]
        state = self.graph.schema.node_input(thread.values)
        try:
            output = (
                spec.func(state, config=self.cfg.raw) if spec.takes_config else spec.func(state)
            )
        except Exception as error:
            return Outcome(tid, node, {}, error=error)
        writes, command = self.graph.schema.writes_from(f"node {node!r}", output)
        return Outcome(tid, node, writes, command)

    def _reduce(self, thread: Thread, outcomes: list[Outcome]) -> None:
        """Compute every outcome's deltas and routes; raises before anything is written."""
        earlier = [k for r in thread.results for k in (*r.assigned, *r.appended)]
        writer = StepWriter(self.graph.schema, thread.live_values, earlier)
        outcomes.sort(key=lambda o: o.node)
        for outcome in outcomes:
            if outcome.error is not None:
                continue
            outcome.delta = writer.write(f"node {outcome.node!r}", outcome.writes)
            fresh = apply_writes(thread.values, outcome.delta.assigned, outcome.delta.appended)
            goto = outcome.command.goto_nodes if outcome.command else ()
            outcome.targets = route(
                self.graph.topology, outcome.node, self.graph.schema.node_input(fresh), goto
            )

    def _close_step(self, batch: Batch) -> None:
        thread = batch.thread
        assert thread is not None
        assert thread.head is not None
        finished = [(r.node, r.triggers) for r in thread.results]
        next_nodes, waiting = plan(self.graph.topology, finished, thread.head.waiting)
        batch.add(thread.complete_step(next_nodes, waiting, self.cfg.metadata))
        self.thread = self.graph.journal_append(batch.base, batch.events)

    # Streaming -----------------------------------------------------------------------

    def _emit_step(self, outcomes: list[Outcome]) -> Iterator[Chunk]:
        for outcome in outcomes:
            yield from self._debug(
                "task_result",
                self._step(),
                {
                    "id": outcome.task_id,
                    "name": outcome.node,
                    "error": None,
                    "result": outcome.writes,
                    "interrupts": [],
                },
            )
        if "updates" in self.modes:
            for outcome in outcomes:
                yield "updates", {outcome.node: outcome.writes or None}
        yield from self._debug_checkpoint(self.thread)
        yield from self._emit_values()

    def _emit_values(self) -> Iterator[Chunk]:
        if "values" in self.modes:
            assert self.thread is not None
            yield "values", self.thread.live_values

    def _step(self) -> int:
        assert self.thread is not None
        assert self.thread.head is not None
        return self.thread.head.step

    def _debug(self, kind: str, step: int, payload: dict[str, Any]) -> Iterator[Chunk]:
        if "debug" in self.modes:
            stamp = clock.now().isoformat()
            yield "debug", {"step": step, "timestamp": stamp, "type": kind, "payload": payload}

    def _debug_checkpoint(self, thread: Thread | None) -> Iterator[Chunk]:
        if "debug" in self.modes and thread is not None:
            snap = snapshot_of(thread, live=False)
            payload = {
                "config": snap.config,
                "parent_config": snap.parent_config,
                "values": snap.values,
                "metadata": snap.metadata,
                "next": list(snap.next),
                "tasks": [
                    {"id": t.id, "name": t.name, "interrupts": (), "state": None}
                    for t in snap.tasks
                ],
            }
            step = snap.metadata["step"] if snap.metadata else -1
            yield from self._debug("checkpoint", step, payload)


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
