"""The chat workload: one thread, N turns, each adding a 1 KB user message and a 1 KB reply.

State is ``{"messages": Annotated[list[str], operator.add]}``; the graph is
START -> "reply" -> END. It measures the database size on disk at a few turn counts,
per-turn latency early and late (does a turn get slower as the thread grows?), and
the worker's peak memory. LangGraph's SqliteSaver stores the full state in every
checkpoint, so its file grows quadratically; Branchline appends events.
"""

from __future__ import annotations

import operator
import resource
import shutil
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from time import perf_counter
from typing import Annotated, Any, TypedDict

from bench.sides import END, START, checkpointer, state_graph
from bench.storage import disk_usage
from bench.workload import Measurement, Metric, Params, Plan, Side, Workload

MESSAGE_BYTES = 1024
WINDOW = 10  # turns in the "early" and "late" latency windows
MB = 1024 * 1024
# LangGraph's file is ~3.1 GB after 1,000 turns; ask for headroom before a full run.
FULL_RUN_FREE_BYTES = 5 * 1024**3


class ChatState(TypedDict):
    """The thread's state: every message so far."""

    messages: Annotated[list[str], operator.add]


@dataclass(frozen=True)
class Size:
    """How large a run is and how long it may take."""

    turns: int
    sizes_at: tuple[int, ...]
    budget_s: float
    max_turns: int | None = None  # stop early, e.g. when the disk is too small

    def params(self) -> dict[str, Any]:
        """The JSON-able parameters passed to a worker."""
        return {
            "turns": self.turns,
            "max_turns": self.max_turns or self.turns,
            "sizes_at": list(self.sizes_at),
            "budget_s": self.budget_s,
        }


FULL = Size(turns=1000, sizes_at=(100, 250, 500, 1000), budget_s=150.0)
QUICK = Size(turns=200, sizes_at=(50, 100, 200), budget_s=30.0)
DISK_SHORT_TURNS = 250  # LangGraph's file is ~190 MB by then


def message(kind: str, turn: int) -> str:
    """A message of exactly ``MESSAGE_BYTES`` ASCII characters that names its turn."""
    head = f"{kind} {turn}: "
    return head + kind[0] * (MESSAGE_BYTES - len(head))


def reply(state: ChatState) -> dict[str, list[str]]:
    """The only node: answer the latest user message."""
    turn = (len(state["messages"]) + 1) // 2
    return {"messages": [message("reply", turn)]}


# Harness side -------------------------------------------------------------------------


def plan(quick: bool) -> Plan:
    """Both sides run the same size, unless the disk is too small for LangGraph's full run."""
    size = QUICK if quick else FULL
    langgraph_size: Size = size
    notes: tuple[str, ...] = ()
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if not quick and free < FULL_RUN_FREE_BYTES:
        langgraph_size = replace(size, max_turns=DISK_SHORT_TURNS)
        notes = (
            f"only {free / 1024**3:.1f} GB free in {tempfile.gettempdir()}: LangGraph stops "
            f"after {DISK_SHORT_TURNS} turns, Branchline runs {size.turns:,}",
        )
    return Plan(
        rounds=5,
        params={Side.BRANCHLINE: size.params(), Side.LANGGRAPH: langgraph_size.params()},
        metrics=metrics(size),
        budget_s=60.0 if quick else 360.0,
        run_timeout_s=size.budget_s + 90.0,
        notes=notes,
    )


def metrics(size: Size) -> tuple[Metric, ...]:
    """The rows of the report, in order."""
    db_sizes = tuple(Metric(f"db_mb_{n}", f"DB size @ {n:,} turns", "MB") for n in size.sizes_at)
    return (
        *db_sizes,
        Metric("ms_early", f"ms/turn, turns 1-{WINDOW}", "ms"),
        Metric("ms_late", f"ms/turn, turns {size.turns - WINDOW + 1}-{size.turns}", "ms"),
        Metric("late_over_early", "late/early ms/turn", "x"),
        Metric("ms_max", "slowest turn", "ms"),
        Metric("invoke_s", f"time in invoke, {size.turns:,} turns", "s"),
        Metric("peak_rss_mb", "peak memory (ru_maxrss)", "MB"),
    )


# Worker side --------------------------------------------------------------------------


@dataclass
class Trace:
    """What the turn loop recorded."""

    durations: list[float]
    sizes: dict[int, int]
    notes: list[str]
    files: dict[str, int] = field(default_factory=dict)  # at the last measurement


def run(side: Side, params: Params, workdir: Path) -> Measurement:
    """Drive one thread for ``params["turns"]`` turns, or fewer: ``max_turns``, ``budget_s``."""
    turns = int(params["turns"])
    limit = min(turns, int(params["max_turns"]))
    db = workdir / f"{side.value}.db"
    with checkpointer(side, db) as saver:
        graph = build_graph(side, saver)
        trace = drive(graph, workdir, limit, set(params["sizes_at"]), float(params["budget_s"]))
        trace.notes.extend(check_final_state(side, graph, len(trace.durations)))
    trace.notes.extend(_cut_short_notes(side, trace, turns, limit, float(params["budget_s"])))
    trace.notes.extend(_file_notes(side, trace))
    return Measurement(values=summarise(trace, turns), notes=tuple(trace.notes))


def build_graph(side: Side, saver: Any) -> Any:
    """START -> "reply" -> END over ``ChatState``, compiled with ``saver``."""
    builder = state_graph(side, ChatState)
    builder.add_node("reply", reply)
    builder.add_edge(START, "reply")
    builder.add_edge("reply", END)
    return builder.compile(checkpointer=saver)


def drive(graph: Any, workdir: Path, turns: int, sizes_at: set[int], budget_s: float) -> Trace:
    """Invoke turn after turn, timing each invoke and measuring the files at ``sizes_at``."""
    config = {"configurable": {"thread_id": "chat"}}
    trace = Trace(durations=[], sizes={}, notes=[])
    start = perf_counter()
    for turn in range(1, turns + 1):
        began = perf_counter()
        graph.invoke({"messages": [message("user", turn)]}, config)
        trace.durations.append(perf_counter() - began)
        if turn in sizes_at:
            usage = disk_usage(workdir)
            trace.sizes[turn] = usage.total
            trace.notes.extend(
                f"turn {turn}: a reader blocked the checkpoint of {name}" for name in usage.blocked
            )
            trace.files = usage.files
        if perf_counter() - start > budget_s:
            break
    return trace


def check_final_state(side: Side, graph: Any, turns: int) -> list[str]:
    """A note if the thread does not hold exactly the messages sent and received."""
    messages = graph.get_state({"configurable": {"thread_id": "chat"}}).values["messages"]
    expected = [message(kind, t) for t in range(1, turns + 1) for kind in ("user", "reply")]
    if messages == expected:
        return []
    return [f"{side.value}: final state has {len(messages)} messages, expected {len(expected)}"]


def summarise(trace: Trace, turns: int) -> dict[str, float]:
    """Metric values; late-run metrics only if every turn ran."""
    ms = [d * 1000 for d in trace.durations]
    values = {f"db_mb_{n}": size / MB for n, size in trace.sizes.items()}
    values["ms_early"] = statistics.median(ms[:WINDOW])
    if len(ms) == turns:
        values["ms_late"] = statistics.median(ms[-WINDOW:])
        values["late_over_early"] = values["ms_late"] / values["ms_early"]
        values["invoke_s"] = sum(trace.durations)
        values["ms_max"] = max(ms)
    values["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return values


def _cut_short_notes(
    side: Side, trace: Trace, turns: int, limit: int, budget_s: float
) -> Sequence[str]:
    done = len(trace.durations)
    if done == turns:
        return ()
    reason = "disk space" if done == limit else f"time budget {budget_s:.0f} s"
    late = statistics.median(d * 1000 for d in trace.durations[-WINDOW:])
    return (
        f"{side.value} stopped after turn {done:,} of {turns:,} ({reason}); "
        f"turns {done - WINDOW + 1}-{done}: {late:.1f} ms/turn median",
    )


def _file_notes(side: Side, trace: Trace) -> Sequence[str]:
    if len(trace.files) < 2:
        return ()
    parts = ", ".join(f"{name} {size / MB:.2f} MB" for name, size in trace.files.items())
    return (f"{side.value} files at turn {max(trace.sizes):,}: {parts}",)


WORKLOAD = Workload(
    name="chat",
    description="one thread, N turns of a 1 KB message and a 1 KB reply",
    plan=plan,
    run=run,
)
