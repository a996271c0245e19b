"""The history workload: read one long thread's checkpoints on SQLite.

Both sides build the thread the same way: one invoke of a self-looping node
(``n -> n`` until ``count`` reaches N, ``recursion_limit`` above N), which writes one
checkpoint per step. Then it times listing the whole history, its first 10 entries,
and ``get_state`` at the head (the thread's config alone) and at the oldest and a middle
checkpoint (by the ``checkpoint_id`` the history gave), each the median of repetitions;
then, in a store opened afresh, the first listing, and forking at the middle checkpoint
(``update_state`` there) and running the fork to its end; and in a third, which has
listed nothing, ``get_state`` at the middle and oldest checkpoints again.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any

from bench.graphs import config, counting_loop
from bench.sides import checkpointer
from bench.storage import disk_usage
from bench.workload import Measurement, Metric, Params, Plan, Side, Workload

THREAD = "history"
FIRST = 10  # entries in the "first page" of the history
FORK_STEPS = 10  # steps a run from the fork takes to reach the target again
MB = 1024 * 1024

METRICS = (
    Metric("list_cold_ms", "list whole history, first time (freshly opened store)", "ms"),
    Metric("list_all_ms", "list whole history, again (median)", "ms"),
    Metric("list_first_ms", f"first {FIRST} of history (limit={FIRST})", "ms"),
    Metric("state_head_ms", "get_state, head", "ms"),
    Metric("state_middle_ms", "get_state, middle checkpoint by id, after listing", "ms"),
    Metric("state_oldest_ms", "get_state, oldest checkpoint by id, after listing", "ms"),
    Metric("state_middle_cold_ms", "get_state, middle by id, store just opened", "ms"),
    Metric("state_oldest_cold_ms", "get_state, oldest by id, store just opened", "ms"),
    Metric("fork_ms", "fork at the middle checkpoint (update_state there)", "ms"),
    Metric("fork_run_ms", f"run from the fork ({FORK_STEPS} steps to the end)", "ms"),
    Metric("db_mb", "DB size", "MB"),
    Metric("checkpoints", "checkpoints in the history", "count", compare=False),
    Metric("build_s", "build time (one invoke)", "s", compare=False),
)


def plan(quick: bool) -> Plan:
    """The same thread length on both sides."""
    params = {"checkpoints": 2000 if quick else 10_000, "list_reps": 3 if quick else 5, "reps": 15}
    return Plan(
        rounds=2 if quick else 3,
        params=dict.fromkeys(Side, params),
        metrics=METRICS,
        budget_s=30.0 if quick else 200.0,
        run_timeout_s=180.0,
    )


def run(side: Side, params: Params, workdir: Path) -> Measurement:
    """Build the thread, then time each read."""
    target, reps = int(params["checkpoints"]), int(params["reps"])
    cfg = config(THREAD)
    notes: list[str] = []
    with checkpointer(side, workdir / "history.db") as saver:
        graph = counting_loop(side, saver, target)
        began = perf_counter()
        graph.invoke({"count": 0}, config(THREAD, recursion_limit=target + 10))
        values = {"build_s": perf_counter() - began}
        history = list(graph.get_state_history(cfg))
        if graph.get_state(cfg).values.get("count") != target:
            notes.append(f"{side.value}: the head's count is not {target}")
        values |= {
            "checkpoints": len(history),
            "list_all_ms": median_ms(
                lambda: list(graph.get_state_history(cfg)), int(params["list_reps"])
            ),
            "list_first_ms": median_ms(
                lambda: list(graph.get_state_history(cfg, limit=FIRST)), reps
            ),
            "state_head_ms": median_ms(lambda: graph.get_state(cfg), reps),
            "state_middle_ms": median_ms(
                lambda: graph.get_state(history[len(history) // 2].config), reps
            ),
            "state_oldest_ms": median_ms(lambda: graph.get_state(history[-1].config), reps),
        }
    values["db_mb"] = disk_usage(workdir).total / MB  # before the forks add to it
    with checkpointer(side, workdir / "history.db") as reopened:
        graph = counting_loop(side, reopened, target)
        began = perf_counter()
        list(graph.get_state_history(cfg))
        values["list_cold_ms"] = (perf_counter() - began) * 1000
        middle = history[len(history) // 2].config
        values["fork_ms"], values["fork_run_ms"] = fork_and_run(graph, middle, target, reps, notes)
    with checkpointer(side, workdir / "history.db") as unlisted:
        graph = counting_loop(side, unlisted, target)
        values["state_middle_cold_ms"] = median_ms(lambda: graph.get_state(middle), reps)
        oldest = history[-1].config
        values["state_oldest_cold_ms"] = median_ms(lambda: graph.get_state(oldest), reps)
    return Measurement(values, tuple(notes))


def fork_and_run(
    graph: Any, checkpoint: dict[str, Any], target: int, reps: int, notes: list[str]
) -> tuple[float, float]:
    """Fork at ``checkpoint`` with ``count`` set ``FORK_STEPS`` short of the target, then
    run the fork to the end (``invoke(None, fork)``), ``reps`` times: median ms of each."""
    forks, runs = [], []
    for _ in range(reps):
        began = perf_counter()
        fork = graph.update_state(checkpoint, {"count": target - FORK_STEPS})
        forked = perf_counter()
        result = graph.invoke(None, fork)
        ended = perf_counter()
        forks.append(forked - began)
        runs.append(ended - forked)
        if result.get("count") != target and not notes:
            notes.append(f"a run from the fork ended with {result!r}, expected count {target}")
    return statistics.median(forks) * 1000, statistics.median(runs) * 1000


def median_ms(read: Callable[[], Any], reps: int) -> float:
    """The median wall time of ``reps`` calls of ``read``, in milliseconds."""
    durations = []
    for _ in range(reps):
        began = perf_counter()
        read()
        durations.append(perf_counter() - began)
    return statistics.median(durations) * 1000


WORKLOAD = Workload(
    name="history",
    description="one thread of many checkpoints on SQLite: list its history, read old states",
    plan=plan,
    run=run,
)
