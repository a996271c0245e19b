"""Durable supersteps of many concurrent threads on one SQLite file, against the floor.

``TASKS`` asyncio tasks, each running ``invokes`` threads of the 10-node linear graph of
``bench.graphs`` one after another through the side's async API with
``durability="sync"`` (every superstep committed before the next starts). The floor is
``bench.floor``: raw sqlite3 committing one small row per transaction on the same disk,
measured in the same worker just before. One thread alone cannot beat the floor (it
waits for each commit); many can, if the checkpointer commits the steps that arrive
together in one transaction (Branchline's group commit on SQLite).
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from time import perf_counter
from typing import Any

from bench import floor
from bench.graphs import config, linear
from bench.wal import wal_salts
from bench.workload import Side

TASKS = 64
NODES = 10
WARM_UP_LIMIT = 500  # invokes; the WAL restarts long before


async def steps_per_second(side: Side, saver: Any, db: Path, invokes: int) -> tuple[float, int]:
    """Node steps per second of ``TASKS`` tasks x ``invokes`` sequential invokes, once the
    WAL of ``db`` is at its working size; and how many invokes ended wrong."""
    graph = linear(side, NODES, saver)
    await _warm(graph, db)
    wrong = 0

    async def task(n: int) -> None:
        nonlocal wrong
        for i in range(invokes):
            done = await graph.ainvoke({"count": 0}, config(f"g{n}-{i}"), durability="sync")
            wrong += done.get("count") != NODES

    began = perf_counter()
    await asyncio.gather(*(task(n) for n in range(TASKS)))
    return TASKS * invokes * NODES / (perf_counter() - began), wrong


async def _warm(graph: Any, db: Path) -> None:
    """Invoke (untimed) until the WAL has restarted once (see ``bench.wal.warm``)."""
    first = wal_salts(db)
    for n in itertools.count():
        await graph.ainvoke({"count": 0}, config(f"warm-{n}"), durability="sync")
        salts = wal_salts(db)
        if n >= WARM_UP_LIMIT or (first is not None and salts != first):
            return
        first = first or salts


def floor_commits_per_second(workdir: Path, commits: int) -> float:
    """``bench.floor`` on a file of its own in ``workdir``."""
    return floor.commits_per_second(workdir / "group-floor.db", commits)
