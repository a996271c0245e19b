"""Many threads in one event loop, each pausing once and resumed by another task.

Each thread runs START -> n1 -> n2 -> ask -> n4 -> n5 -> END over ``{"count", "tid"}``;
every node is ``async def`` and awaits ``asyncio.sleep(SLEEP_S)`` (a model call), then
adds one. ``ask`` first calls ``interrupt("ok?")``: the thread's ``ainvoke`` returns
paused there, and the task that started it hands the thread to a new task, which
resumes it with ``ainvoke(Command(resume="yes"))``; ``ask`` reruns, gets the answer,
sleeps and the thread runs to the end. All threads start at once.

Every node notes when it starts and when it returns (``StepLog``), by thread. A step's
latency is the time from one node's return to the next node's start in the same run
(n1 -> n2, n2 -> ask, ask -> n4, n4 -> n5: four a thread): what the engine costs
between two model calls, commits included, the sleeps excluded.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any, TypedDict

from bench.graphs import ANSWER, QUESTION, config
from bench.sides import END, START, interrupt_function, resume_command, state_graph
from bench.workload import Side

SLEEP_S = 0.05  # one model call
NODES = ("n1", "n2", "ask", "n4", "n5")


class Ticket(TypedDict):
    """The state: a count, and the thread's own id (for the step log)."""

    count: int
    tid: str


@dataclass
class StepLog:
    """When each node started and returned, by thread: (True, t) for a start, (False, t)
    for a return, in order."""

    marks: defaultdict[str, list[tuple[bool, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    calls: defaultdict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def note(self, tid: str, *, start: bool) -> None:
        """Mark a node's start or return on ``tid`` now."""
        self.marks[tid].append((start, perf_counter()))

    def engine_times(self) -> list[float]:
        """Per thread: its ``ainvoke`` calls' wall time minus the time inside its nodes
        (a node's start to its return; the paused start's time counts as the engine's)."""
        return [
            sum(end - began for began, end in self.calls[tid])
            - sum(
                t - prev_t
                for (prev_start, prev_t), (start, t) in itertools.pairwise(marks)
                if prev_start and not start
            )
            for tid, marks in self.marks.items()
        ]

    def edges(self) -> tuple[list[float], list[float]]:
        """Per call: from the call to its first node's start, and from its last node's
        return to the call's return (diagnosis)."""
        into, out = [], []
        for tid, marks in self.marks.items():
            for began, end in self.calls[tid]:
                inside = [t for _, t in marks if began <= t <= end]
                if inside:
                    into.append(inside[0] - began)
                    out.append(end - inside[-1])
        return into, out

    def gaps(self) -> list[float]:
        """Every step latency (seconds): a start right after a return, same thread. The
        paused ``ask``'s start has no return after it, so its rerun follows a start."""
        return [
            t - prev_t
            for marks in self.marks.values()
            for (prev_start, prev_t), (start, t) in itertools.pairwise(marks)
            if start and not prev_start
        ]


def build(side: Side, saver: Any, log: StepLog) -> Any:
    """The five-node graph of the module doc, compiled with ``saver``."""
    interrupt = interrupt_function(side)

    async def node(state: Ticket) -> dict[str, int]:
        log.note(state["tid"], start=True)
        await asyncio.sleep(SLEEP_S)
        log.note(state["tid"], start=False)
        return {"count": state["count"] + 1}

    async def ask(state: Ticket) -> dict[str, int]:
        log.note(state["tid"], start=True)
        if interrupt(QUESTION) != ANSWER:
            raise ValueError(f"expected the answer {ANSWER!r}")
        await asyncio.sleep(SLEEP_S)
        log.note(state["tid"], start=False)
        return {"count": state["count"] + 1}

    builder = state_graph(side, Ticket)
    for name in NODES:
        builder.add_node(name, ask if name == "ask" else node)
    for source, target in zip([START, *NODES], [*NODES, END], strict=True):
        builder.add_edge(source, target)
    return builder.compile(checkpointer=saver)


@dataclass(frozen=True)
class Outcome:
    """What one batch of threads measured."""

    wall_s: float
    steps: int
    gaps: list[float]
    engine: list[float]
    problems: list[str]

    def values(self) -> dict[str, float]:
        """Wall time, supersteps/s and the step latency percentiles, in a Measurement's units."""
        return {
            "wall_s": self.wall_s,
            "steps_s": self.steps / self.wall_s,
            "p50_ms": statistics.median(self.gaps) * 1000,
            "p99_ms": _p99(self.gaps) * 1000,
            "engine_p50_ms": statistics.median(self.engine) * 1000,
            "engine_p99_ms": _p99(self.engine) * 1000,
        }


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


async def run_threads(
    side: Side, graph: Any, log: StepLog, tids: list[str], durability: str | None = None
) -> Outcome:
    """Start every thread at once; each pauses, a new task resumes it (with
    ``durability``, if given, else the side's default). Then check every thread's final
    state (untimed)."""
    answer = resume_command(side, ANSWER)
    problems: list[str] = []
    chosen = {} if durability is None else {"durability": durability}

    async def resume(tid: str) -> None:
        began = perf_counter()
        done = await graph.ainvoke(answer, config(tid), **chosen)
        log.calls[tid].append((began, perf_counter()))
        if done.get("count") != len(NODES) or "__interrupt__" in done:
            problems.append(f"{tid}: the resume returned {done!r}")

    async def start(tid: str) -> asyncio.Task[None]:
        began = perf_counter()
        paused = await graph.ainvoke({"count": 0, "tid": tid}, config(tid), **chosen)
        log.calls[tid].append((began, perf_counter()))
        if "__interrupt__" not in paused:
            problems.append(f"{tid}: the first ainvoke did not pause: {paused!r}")
        return asyncio.create_task(resume(tid))  # another task answers the question

    began = perf_counter()
    resumers = await asyncio.gather(*(start(tid) for tid in tids))
    await asyncio.gather(*resumers)
    wall = perf_counter() - began
    for tid in tids:
        snapshot = await graph.aget_state(config(tid))
        if snapshot.values.get("count") != len(NODES) or snapshot.next:
            problems.append(f"{tid}: ended at {snapshot.values!r}, next {snapshot.next!r}")
    return Outcome(wall, len(NODES) * len(tids), log.gaps(), log.engine_times(), problems)


async def measure(
    side: Side, saver: Any, threads: int, durability: str | None = None, prefix: str = "t"
) -> Outcome:
    """One untimed warm-up thread, then ``threads`` at once (thread ids ``prefix``-N)."""
    warm_up = StepLog()
    await run_threads(side, build(side, saver, warm_up), warm_up, [f"{prefix}warm-up"], durability)
    log = StepLog()
    tids = [f"{prefix}{i}" for i in range(threads)]
    return await run_threads(side, build(side, saver, log), log, tids, durability)
