"""The hitl workload: pause on ``interrupt("ok?")`` and resume with ``Command(resume="yes")``.

Graph START -> a -> ask -> b -> END on SQLite (WAL, ``synchronous=FULL``). Each of N
threads is invoked (it runs ``a`` and pauses in ``ask``) and then resumed (``ask``
reruns, gets the answer, and ``b`` finishes). The metric is the wall time of the pair.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from time import perf_counter
from typing import Any

from bench.graphs import ANSWER, asking, config
from bench.sides import checkpointer, resume_command
from bench.workload import Measurement, Metric, Params, Plan, Side, Workload

FINAL_COUNT = 3  # a, ask and b each add one
DURABILITIES = ("sync", "async")  # LangGraph's default is "async", Branchline's "sync"

METRICS = (
    Metric("ms_pair", "ms per pause + resume, median thread, default durability", "ms"),
    *(
        Metric(f"ms_pair_{mode}", f'ms per pause + resume, durability="{mode}"', "ms")
        for mode in DURABILITIES
    ),
    Metric("ms_pause", "ms per pausing invoke, median", "ms"),
    Metric("ms_resume", "ms per resume, median", "ms"),
    Metric("pairs_s", "pairs/s over all threads", "pairs/s", lower_is_better=False),
)


def plan(quick: bool) -> Plan:
    """The same number of threads on both sides."""
    params = {"threads": 50 if quick else 200}
    return Plan(
        rounds=3 if quick else 5,
        params=dict.fromkeys(Side, params),
        metrics=METRICS,
        budget_s=30.0 if quick else 100.0,
        run_timeout_s=120.0,
    )


def run(side: Side, params: Params, workdir: Path) -> Measurement:
    """One untimed warm-up thread, then N timed pause/resume pairs."""
    threads = int(params["threads"])
    notes: list[str] = []
    with checkpointer(side, workdir / "hitl.db") as saver:
        graph = asking(side, saver)
        answer = resume_command(side, ANSWER)
        pause_resume(graph, answer, "warm-up", notes)
        start = perf_counter()
        pairs = [pause_resume(graph, answer, f"t{i}", notes) for i in range(threads)]
        elapsed = perf_counter() - start
        by_mode = {
            mode: [pause_resume(graph, answer, f"{mode}-{i}", notes, mode) for i in range(threads)]
            for mode in DURABILITIES
        }
    values = {
        "ms_pair": statistics.median(p + r for p, r in pairs) * 1000,
        "ms_pause": statistics.median(p for p, _ in pairs) * 1000,
        "ms_resume": statistics.median(r for _, r in pairs) * 1000,
        "pairs_s": threads / elapsed,
    }
    for mode, timed in by_mode.items():
        values[f"ms_pair_{mode}"] = statistics.median(p + r for p, r in timed) * 1000
    return Measurement(values, tuple(dict.fromkeys(notes)))


def pause_resume(
    graph: Any, answer: Any, thread: str, notes: list[str], durability: str | None = None
) -> tuple[float, float]:
    """Invoke until the pause, then resume; return both wall times in seconds."""
    cfg = config(thread)
    options = {} if durability is None else {"durability": durability}
    began = perf_counter()
    paused = graph.invoke({"count": 0}, cfg, **options)
    resumed_at = perf_counter()
    done = graph.invoke(answer, cfg, **options)
    ended = perf_counter()
    if "__interrupt__" not in paused:
        notes.append(f"an invoke did not pause: {paused!r}")
    if done.get("count") != FINAL_COUNT or "__interrupt__" in done:
        notes.append(f"a resume ended with {done!r}, expected count {FINAL_COUNT}")
    return resumed_at - began, ended - resumed_at


WORKLOAD = Workload(
    name="hitl",
    description="pause on interrupt() and resume with Command(resume=...), on SQLite",
    plan=plan,
    run=run,
)
