"""The async workloads: 1,000 paused-and-resumed threads in one event loop (issue 18).

``async`` runs ``bench.async_threads`` on SQLite (WAL, ``synchronous=FULL``) and then
``bench.group_commit`` (64 concurrent threads, ``durability="sync"``, against the floor);
``async-pg`` runs ``bench.async_threads`` on PostgreSQL (a database of its own per run).
Each side uses its async API (``ainvoke``, ``aget_state``) and its default durability
(Branchline ``"sync"``, LangGraph ``"async"``) except where a row says otherwise: the
threads run again (new ids, same store) with ``durability="async"`` on both sides.
"""

from __future__ import annotations

import asyncio
import resource
from pathlib import Path
from typing import Any

from bench import group_commit
from bench.async_sides import async_checkpointer, sqlite_saver
from bench.async_threads import measure
from bench.workload import Measurement, Metric, Params, Plan, Side, Workload

THREAD_METRICS = (
    Metric("wall_s", "wall time, all threads started at once", "s"),
    Metric("steps_s", "supersteps/s (5 a thread / wall time)", "steps/s", lower_is_better=False),
    Metric("p50_ms", "step latency p50 (a node's return to the next node's start)", "ms"),
    Metric("p99_ms", "step latency p99", "ms"),
    Metric("engine_p50_ms", "engine time per thread p50 (ainvokes minus time in nodes)", "ms"),
    Metric("engine_p99_ms", "engine time per thread p99", "ms"),
    Metric("peak_mb", "peak memory (ru_maxrss)", "MB"),
    Metric(
        "async_steps_s",
        'supersteps/s, both durability="async"',
        "steps/s",
        lower_is_better=False,
    ),
    Metric("async_p50_ms", 'step latency p50, both durability="async"', "ms"),
    Metric("async_p99_ms", 'step latency p99, both durability="async"', "ms"),
)
GROUP_METRICS = (
    Metric(
        "group_steps_s",
        f'steps/s, {group_commit.TASKS} ainvoke tasks, SQLite, durability="sync"',
        "steps/s",
        lower_is_better=False,
    ),
    Metric("group_floor", "floor: raw sqlite3 commits/s", "commits/s", compare=False),
    Metric(
        "group_pct",
        f"{group_commit.TASKS}-task steps/s as % of floor commits/s",
        "%",
        lower_is_better=False,
    ),
)


def plan_sqlite(quick: bool) -> Plan:
    """1,000 threads (quick: 200), then 64 tasks x 10 invokes (quick: x 3)."""
    params = {
        "threads": 200 if quick else 1000,
        "group_invokes": 3 if quick else 10,
        "floor_commits": 300 if quick else 1000,
    }
    return Plan(
        rounds=1 if quick else 3,
        params=dict.fromkeys(Side, params),
        metrics=THREAD_METRICS + GROUP_METRICS,
        budget_s=50.0 if quick else 300.0,
        run_timeout_s=300.0,
    )


def plan_postgres(quick: bool) -> Plan:
    """1,000 threads (quick: 200)."""
    return Plan(
        rounds=1 if quick else 3,
        params={key: {"threads": 200 if quick else 1000} for key in Side},
        metrics=THREAD_METRICS,
        budget_s=50.0 if quick else 240.0,
        run_timeout_s=300.0,
    )


def run_sqlite(side: Side, params: Params, workdir: Path) -> Measurement:
    """The threads on SQLite, then the 64 tasks and the floor."""
    values, notes = asyncio.run(_threads(side, "sqlite", int(params["threads"]), workdir))
    values["group_floor"] = group_commit.floor_commits_per_second(
        workdir, int(params["floor_commits"])
    )
    rate, wrong = asyncio.run(_group(side, workdir / "group.db", int(params["group_invokes"])))
    values["group_steps_s"] = rate
    values["group_pct"] = 100 * rate / values["group_floor"]
    if wrong:
        notes.append(f"{side.value}: {wrong} of the 64-task invokes ended with a wrong count")
    return Measurement(values, tuple(notes))


def run_postgres(side: Side, params: Params, workdir: Path) -> Measurement:
    """The threads on PostgreSQL."""
    values, notes = asyncio.run(_threads(side, "postgres", int(params["threads"]), workdir))
    return Measurement(values, tuple(notes))


async def _threads(
    side: Side, store: str, threads: int, workdir: Path
) -> tuple[dict[str, float], list[str]]:
    async with async_checkpointer(side, store, workdir) as saver:
        outcome = await measure(side, saver, threads)
        values = outcome.values()
        values["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        alike = await measure(side, saver, threads, durability="async", prefix="a")
    values |= {f"async_{key}": alike.values()[key] for key in ("steps_s", "p50_ms", "p99_ms")}
    notes: list[str] = []
    for run in (outcome, alike):
        notes += [f"{side.value} {store}: {problem}" for problem in run.problems[:3]]
        if len(run.problems) > 3:
            notes.append(f"{side.value} {store}: {len(run.problems)} threads ended wrong")
    return values, notes


async def _group(side: Side, db: Path, invokes: int) -> tuple[float, int]:
    async with sqlite_saver(side, db) as saver:
        return await group_commit.steps_per_second(side, saver, db, invokes)


def _workload(name: str, description: str, plan: Any, run: Any) -> Workload:
    return Workload(name=name, description=description, plan=plan, run=run)


SQLITE = _workload(
    "async",
    "1,000 async threads that pause and are resumed, and 64 durable threads, on SQLite",
    plan_sqlite,
    run_sqlite,
)
POSTGRES = _workload(
    "async-pg",
    "1,000 async threads that pause and are resumed, on PostgreSQL",
    plan_postgres,
    run_postgres,
)
