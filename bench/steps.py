"""The steps workload: a 10-node linear graph, invoked on many fresh threads.

Measures node steps per second with no checkpointer, with each side's in-memory
checkpointer and with SQLite (WAL, ``synchronous=FULL``), next to the floor: raw
sqlite3 committing one small row per transaction in the same worker, just before the
SQLite loop. Also counts the fsync'd commits of one invoke, from the WAL file.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from time import perf_counter
from typing import Any

from bench import floor
from bench.graphs import config, linear
from bench.sides import checkpointer, memory_checkpointer
from bench.wal import commits_between, wal_mark, warm
from bench.workload import Measurement, Metric, Params, Plan, Side, Workload

NODES = 10
DURABILITIES = ("sync", "async", "exit")  # LangGraph's default is "async", Branchline's "sync"
COUNTED_INVOKES = 5  # invokes whose commits are counted, after one that creates the tables
WARM_UP_LIMIT = 500  # invokes; the WAL restarts after some 35 (Branchline) or 15 (LangGraph)

METRICS = (
    Metric("steps_s_none", "steps/s, no checkpointer", "steps/s", lower_is_better=False),
    Metric("steps_s_memory", "steps/s, in-memory checkpointer", "steps/s", lower_is_better=False),
    Metric(
        "steps_s_sqlite",
        "steps/s, SQLite, each side's default durability",
        "steps/s",
        lower_is_better=False,
    ),
    *(
        Metric(
            f"steps_s_sqlite_{mode}",
            f'steps/s, SQLite, durability="{mode}"',
            "steps/s",
            lower_is_better=False,
        )
        for mode in DURABILITIES
    ),
    Metric("floor_commits_s", "floor: raw sqlite3 commits/s", "commits/s", compare=False),
    Metric("pct_of_floor", "SQLite steps/s as % of floor commits/s", "%", lower_is_better=False),
    Metric("commits_per_invoke", f"fsync'd commits per {NODES}-node invoke", "commits"),
)


def plan(quick: bool) -> Plan:
    """The same sizes on both sides."""
    params = {
        "invokes": 50 if quick else 200,
        "floor_commits": 300 if quick else 1000,
    }
    return Plan(
        rounds=3 if quick else 5,
        params=dict.fromkeys(Side, params),
        metrics=METRICS,
        budget_s=40.0 if quick else 150.0,
        run_timeout_s=120.0,
    )


def run(side: Side, params: Params, workdir: Path) -> Measurement:
    """The three loops, the floor, then the commit count on a fresh file."""
    invokes = int(params["invokes"])
    notes: list[str] = []
    values = {
        "steps_s_none": steps_per_second(linear(side, NODES, None), invokes, "none", notes),
        "steps_s_memory": steps_per_second(
            linear(side, NODES, memory_checkpointer(side)), invokes, "memory", notes
        ),
        "floor_commits_s": floor.commits_per_second(
            workdir / "floor.db", int(params["floor_commits"])
        ),
    }
    with checkpointer(side, workdir / "steps.db") as saver:
        graph = linear(side, NODES, saver)
        warm_ups = itertools.count()
        warmed_in = warm(
            workdir / "steps.db",
            lambda: graph.invoke({"count": 0}, config(f"wal-warm-up-{next(warm_ups)}")),
            WARM_UP_LIMIT,
        )
        values["steps_s_sqlite"] = steps_per_second(graph, invokes, "sqlite", notes)
        for mode in DURABILITIES:
            values[f"steps_s_sqlite_{mode}"] = steps_per_second(
                graph, invokes, f"sqlite-{mode}", notes, durability=mode
            )
    values["pct_of_floor"] = 100 * values["steps_s_sqlite"] / values["floor_commits_s"]
    notes.append(f"{side.value}: {warmed_in} untimed invokes brought the WAL to its working size")
    commits = count_commits(side, workdir / "count.db", notes)
    if commits is not None:
        values["commits_per_invoke"] = commits
    return Measurement(values, tuple(notes))


def steps_per_second(
    graph: Any, invokes: int, label: str, notes: list[str], **options: Any
) -> float:
    """One untimed warm-up invoke, then ``invokes`` timed ones, each on a new thread."""
    check = _checker(label, notes)
    check(graph.invoke({"count": 0}, config(f"{label}-warm-up"), **options))
    start = perf_counter()
    results = [
        graph.invoke({"count": 0}, config(f"{label}-{i}"), **options) for i in range(invokes)
    ]
    elapsed = perf_counter() - start
    for result in results:
        check(result)
    return NODES * invokes / elapsed


def _checker(label: str, notes: list[str]) -> Callable[[dict[str, Any]], None]:
    def check(result: dict[str, Any]) -> None:
        if result.get("count") != NODES and not notes:
            notes.append(f"{label}: an invoke returned {result!r}, expected count {NODES}")

    return check


def count_commits(side: Side, db: Path, notes: list[str]) -> float | None:
    """Commit frames added to ``db``'s WAL per invoke, over ``COUNTED_INVOKES`` invokes."""
    with checkpointer(side, db) as saver:
        graph = linear(side, NODES, saver)
        graph.invoke({"count": 0}, config("count-warm-up"))
        before = wal_mark(db)
        for i in range(COUNTED_INVOKES):
            graph.invoke({"count": 0}, config(f"count-{i}"))
        commits = commits_between(before, wal_mark(db))
        if side is Side.BRANCHLINE:
            notes.append(_branchline_note(saver))
    if commits is None:
        notes.append(f"{side.value}: the WAL restarted while counting commits; not counted")
        return None
    return commits / COUNTED_INVOKES


def _branchline_note(store: Any) -> str:
    kinds = [type(event).__name__ for event in store.events("count-0")]
    checkpoints = sum(kind in ("InputReceived", "StepCompleted") for kind in kinds)
    return (
        f"branchline: {checkpoints} checkpoint events (InputReceived + StepCompleted) and "
        f"{len(kinds)} events per invoke"
    )


WORKLOAD = Workload(
    name="steps",
    description=f"a {NODES}-node linear graph on many fresh threads: steps/s by checkpointer",
    plan=plan,
    run=run,
)
