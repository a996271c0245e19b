"""Crash safety: workers killed with SIGKILL at random points lose nothing that completed.

Each round starts a worker that runs 12-node threads one after another and kills it after
a random delay: inside a node, during an append, or between steps. Afterwards the store
must open, every thread must read back whole, every completed step must be there once,
no cut-short thread may look finished, ``invoke(None, config)`` must finish each, and
the views caught up from where they were must equal views rebuilt from the log.
``BRANCHLINE_CRASH_KILLS`` sets the number of kills (default 15 per backend).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from crash_graph import NODES, build

from branchline.domain import CheckpointStore
from branchline.domain.store.backends import open_connection
from branchline.projections import Views

KILLS = int(os.environ.get("BRANCHLINE_CRASH_KILLS", "15"))
HERE = Path(__file__).parent


def kill_workers(
    db: str, env: dict[str, str], kills: int, seed: int, durability: str = "sync"
) -> None:
    chance = random.Random(seed)
    for round_ in range(kills):
        with subprocess.Popen(
            [sys.executable, str(HERE / "crash_graph.py"), db, str(round_ * 1000), durability],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        ) as worker:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
            time.sleep(chance.uniform(0.005, 0.12))
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        assert worker.returncode == -signal.SIGKILL


def check_threads_after_crashes(store: CheckpointStore) -> int:
    """The checks every backend must pass; returns the number of threads cut short."""
    reports = store.verify()
    assert reports, "no thread was started before the kills"
    assert all(r.intact for r in reports), [r for r in reports if not r.intact]
    graph = build(store)
    cut_short = 0
    for report in reports:
        config: dict[str, Any] = {"configurable": {"thread_id": report.thread_id}}
        snapshot = graph.get_state(config)
        done = snapshot.values.get("log", [])
        assert done == NODES[: len(done)], f"{report.thread_id}: steps lost or repeated: {done}"
        if len(done) < len(NODES):
            cut_short += 1
            assert snapshot.next != (), f"{report.thread_id} stopped after {done} looks finished"
            assert graph.invoke(None, config)["log"] == NODES
        assert graph.get_state(config).next == ()
    return cut_short


@pytest.mark.parametrize("seed", [20261125])
def test_sqlite_workers_killed_at_random_points_lose_nothing(
    tmp_path: Path, seed: int, dump_views: Callable[[Views], Any]
) -> None:
    db = tmp_path / "crashes.db"
    kill_workers(str(db), dict(os.environ), KILLS, seed)

    with CheckpointStore.sqlite(db) as store:
        with Views.for_store(store) as views:  # where the killed workers left them
            views.catch_up(store)
            caught_up = dump_views(views)
        with Views.open(tmp_path / "rebuilt.views.db") as rebuilt:
            rebuilt.rebuild(store)
            assert dump_views(rebuilt) == caught_up
        cut_short = check_threads_after_crashes(store)
    assert cut_short > 0, "no kill landed inside a run; the harness is not testing anything"
    print(f"sqlite: {KILLS} kills survived, {cut_short} runs cut short and finished after")


@pytest.mark.parametrize("seed", [2611])
def test_async_workers_killed_at_random_points_keep_a_whole_prefix(
    tmp_path: Path, seed: int
) -> None:
    # durability="async": a kill may lose the steps still being written, never part of one,
    # and what was committed is a prefix of the run that invoke(None) finishes.
    db = tmp_path / "crashes.db"
    kill_workers(str(db), dict(os.environ), KILLS, seed, durability="async")

    with CheckpointStore.sqlite(db) as store:
        cut_short = check_threads_after_crashes(store)
    assert cut_short > 0, "no kill landed inside a run; the harness is not testing anything"
    print(f"sqlite, async: {KILLS} kills survived, {cut_short} runs cut short and finished")


@pytest.mark.parametrize("seed", [1125])
def test_postgres_workers_killed_at_random_points_lose_nothing(
    pg_dsn: str, pg_schema: str, seed: int, dump_views: Callable[[Views], Any]
) -> None:
    env = {**os.environ, "BRANCHLINE_PG_SCHEMA": pg_schema}
    kill_workers(pg_dsn, env, KILLS, seed)

    with CheckpointStore.postgres(pg_dsn, schema=pg_schema) as store:
        with Views.open_postgres(lambda: open_connection(pg_dsn), pg_schema, batch_size=7) as views:
            views.catch_up(store)
            caught_up = dump_views(views)
            views.rebuild(store)
            assert dump_views(views) == caught_up
        cut_short = check_threads_after_crashes(store)
    assert cut_short > 0, "no kill landed inside a run; the harness is not testing anything"
    print(f"postgres: {KILLS} kills survived, {cut_short} runs cut short and finished after")


def _terminate_backends(dsn: str, application: str) -> int:
    """Kill, from the server side, every backend of the workers named ``application``."""
    with open_connection(dsn) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            (application,),
        ).fetchall()
    return sum(1 for (done,) in rows if done)


@pytest.mark.parametrize("seed", [1204])
def test_postgres_workers_whose_backends_are_killed_lose_nothing_and_claim_nothing(
    pg_dsn: str, pg_schema: str, seed: int
) -> None:
    # The server kills the workers' connections at random (a failover, an admin, an OOM
    # kill), then the worker itself is killed. No committed step may be lost, and no run
    # that invoke reported finished may be half-finished in the store.
    application = f"branchline-crash-{pg_schema}"
    env = {**os.environ, "BRANCHLINE_PG_SCHEMA": pg_schema, "PGAPPNAME": application}
    chance, terminated, claimed = random.Random(seed), 0, []
    for round_ in range(KILLS):
        with subprocess.Popen(
            [sys.executable, str(HERE / "crash_graph.py"), pg_dsn, str(round_ * 1000)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        ) as worker:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
            if round_ == KILLS - 1 and not claimed:  # a busy machine: one run to check, at least
                claimed.append(worker.stdout.readline().split()[1])
            for _ in range(chance.randint(1, 3)):
                time.sleep(chance.uniform(0.005, 0.08))
                terminated += _terminate_backends(pg_dsn, application)
            time.sleep(chance.uniform(0.0, 0.05))
            worker.send_signal(signal.SIGKILL)
            claimed += [line.split()[1] for line in worker.stdout if line.startswith("finished")]
            worker.wait(timeout=30)

    with CheckpointStore.postgres(pg_dsn, schema=pg_schema) as store:
        graph = build(store)
        for thread_id in claimed:
            snapshot = graph.get_state({"configurable": {"thread_id": thread_id}})
            assert (snapshot.values["log"], snapshot.next) == (NODES, ()), thread_id
        check_threads_after_crashes(store)
    assert terminated > 0 and claimed, "no backend was killed mid-run; the harness tests nothing"
    print(f"postgres: {terminated} backends killed, {len(claimed)} runs finished and checked")
