"""A step's tasks, run at once: on threads in a sync call, on the loop in an async one.

In an async call (``aio.concurrently``) the first task that fails has the unfinished ones
cancelled, as LangGraph's async runner does: they are recorded as cancelled, and the next
call runs them again. In a sync call they run to their end, as LangGraph's sync runner's.

A graph's ``step_timeout`` (seconds) bounds a step the same way: in an async call the
tasks still running when it passes are cancelled; a sync call's cannot be, and run to
their end. Either way ``StepTimedOut`` carries what the tasks did.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, as_completed
from functools import partial
from typing import Any

from branchline.domain.model.thread import Thread
from branchline.runner.aio import concurrently
from branchline.runner.concurrency import at_most, max_concurrency
from branchline.runner.interrupts import current_scope
from branchline.runner.run_driver import Ran
from branchline.runner.spec import GraphSpec
from branchline.runner.subgraph import SubgraphPaused
from branchline.runner.tasks import Outcome, run_task


class StepTimedOut(TimeoutError):
    """A step ran past its graph's ``step_timeout``: what its tasks did meanwhile (those
    cancelled are ``Outcome.stopped``)."""

    def __init__(self, outcomes: list[Outcome]) -> None:
        super().__init__("step timed out")
        self.outcomes = outcomes


def run_tasks(
    graph: GraphSpec,
    thread: Thread,
    config: Any,
    tasks: Sequence[tuple[str, str, int]],
    pool: Callable[[], Executor],
    streaming: tuple[str, ...] = (),
    timeout: float | None = None,
) -> list[Outcome]:
    """Run a step's tasks: inline when there is one and no ``timeout``, otherwise all at
    once (on the thread pool, or in an async call on its loop).

    A graph without history run in a task of one with (a subgraph compiled with
    checkpointer=False) runs them one after another, in order: their ``interrupt()``
    calls are that task's, answered in the order they are made, so the order must not
    depend on which thread runs first (an answer must reach the question it was given
    for). The step's tasks all run; the first question asked pauses the task."""
    if not tasks:  # a step whose tasks all finished earlier: it only needs closing
        return []
    if len(tasks) == 1 and timeout is None:
        return [run_task(graph, thread, config, *tasks[0], streaming)]
    outer = current_scope()
    if graph.store is None and outer is not None and outer.durable:
        return _one_by_one(graph, thread, config, tasks, streaming)
    limit = max_concurrency(config)
    calls = [
        partial(run_task, graph, thread, config, tid, node, index, streaming)
        for tid, node, index in tasks
    ]
    ran = concurrently(calls, limit, _failed, timeout)  # an async call's run: on its loop
    finished: Iterable[Any]
    if ran is not None:
        futures, finished = ran.futures, ran.finished
    else:
        executor = pool()
        limited: Callable[[Callable[[], Outcome]], Outcome] = (
            _called if limit is None else at_most(limit, _called)
        )
        futures = [executor.submit(contextvars.copy_context().run, limited, call) for call in calls]
        finished = completed = _Completed(futures, timeout)
    # A task may raise for the task enclosing this graph (a question of a graph that keeps
    # no history): the step's other tasks still run to their end first, as LangGraph's.
    raised: BaseException | None = None
    for order, future in enumerate(finished):
        if future.cancelled():
            continue
        if (error := future.exception()) is not None:
            raised = raised or error
        else:
            future.result().order = order
    if raised is not None:
        raise raised
    if ran is not None and any(future.cancelled() for future in futures):
        outcomes = _stopped(ran, tasks)
    else:
        outcomes = [future.result() for future in futures]
    # Past the step's time, LangGraph's async runner raises; its sync runner pauses on a
    # question asked in the step rather than raise.
    asked = any(o.questions for o in outcomes)
    if ran.timed_out if ran is not None else (completed.late and not asked):
        raise StepTimedOut(outcomes)
    return outcomes


class _Completed:
    """A sync step's futures as they complete; ``late`` once ``timeout`` seconds passed
    first (its threads cannot be stopped: the rest are waited for all the same)."""

    def __init__(self, futures: list[Future[Outcome]], timeout: float | None) -> None:
        self._futures, self._timeout = futures, timeout
        self.late = False

    def __iter__(self) -> Iterator[Future[Outcome]]:
        seen: set[Future[Outcome]] = set()
        try:
            for future in as_completed(self._futures, timeout=self._timeout):
                seen.add(future)
                yield future
        except TimeoutError:
            self.late = True
            yield from as_completed([f for f in self._futures if f not in seen])


def _called(call: Callable[[], Outcome]) -> Outcome:
    return call()


def _failed(outcome: Outcome) -> bool:
    return outcome.error is not None


def _stopped(ran: Ran, tasks: Sequence[tuple[str, str, int]]) -> list[Outcome]:
    """The outcomes of a step of an async call some of whose tasks were cancelled: by a
    sibling that failed (as LangGraph's async runner, they are recorded as cancelled, and
    the next call runs them again), or with the call (which then stops)."""
    import asyncio  # loaded: this is an async call's run

    if not (ran.stopped or ran.timed_out):
        raise asyncio.CancelledError()
    outcomes: list[Outcome] = []
    for (tid, node, _), future in zip(tasks, ran.futures, strict=True):
        if future.cancelled():
            stopped = asyncio.CancelledError()  # as LangGraph records it
            outcomes.append(Outcome(tid, node, {}, error=stopped, stopped=True))
        else:
            outcomes.append(future.result())
    return outcomes


def _one_by_one(
    graph: GraphSpec,
    thread: Thread,
    config: Any,
    tasks: Sequence[tuple[str, str, int]],
    streaming: tuple[str, ...],
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    raised: list[Exception] = []
    for tid, node, index in tasks:
        try:
            outcomes.append(run_task(graph, thread, config, tid, node, index, streaming))
        except Exception as error:  # for the enclosing task: see run_tasks
            raised.append(error)
        else:
            outcomes[-1].order = len(outcomes) - 1
    if raised:  # the first question, rather than a pause at a breakpoint (as LangGraph)
        asked = (e for e in raised if not (isinstance(e, SubgraphPaused) and not e.questions))
        raise next(asked, raised[0])
    return outcomes
