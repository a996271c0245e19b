"""Throughput across worker processes on PostgreSQL: ``python -m bench.scale``.

W worker processes share one PostgreSQL schema set up with K shards. Each worker runs
threads of a 5-node graph whose middle node asks a question: one invoke pauses there,
a ``Command(resume=...)`` finishes the thread. It counts the node steps it completed in
a fixed window; the table reports supersteps per second for every W x K, all workers
together. Branchline only (LangGraph's PostgreSQL saver is not part of the bench extra).

Options: ``--dsn`` (default: the local test server), ``--seconds`` per cell, ``--workers``
and ``--shards`` (comma-separated lists), ``--mode appends`` (one small event a
transaction, no graph: the store's own ceiling, where the table lock shows).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from typing import Any, TypedDict

NODES = ("n1", "n2", "ask", "n4", "n5")
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"


class Count(TypedDict):
    count: int


def build(store: Any) -> Any:
    """START -> n1 -> n2 -> ask (interrupt) -> n4 -> n5 -> END."""
    from branchline import END, START, StateGraph, interrupt

    def step(state: Count) -> dict[str, int]:
        return {"count": state["count"] + 1}

    def ask(state: Count) -> dict[str, int]:
        return {"count": state["count"] + int(interrupt("ok?"))}

    builder = StateGraph(Count)
    for name in NODES:
        builder.add_node(name, ask if name == "ask" else step)
    for source, target in zip([START, *NODES], [*NODES, END], strict=True):
        builder.add_edge(source, target)
    return builder.compile(checkpointer=store)


def worker(dsn: str, schema: str, seconds: float, start_at: float, mode: str) -> None:
    """From ``start_at``, for ``seconds``: run threads of the graph (``graph``: prints the
    node steps completed) or append one small event a transaction (``appends``: the
    store alone, to find the table lock's limit)."""
    from branchline import CheckpointStore, Command
    from branchline.domain import Thread

    with CheckpointStore.postgres(dsn, schema=schema) as store:
        graph = build(store)
        prefix, done = uuid.uuid4().hex[:8], 0
        time.sleep(max(0.0, start_at - time.time()))
        end = start_at + seconds
        while time.time() < end:
            thread_id = f"{prefix}-{done}"
            if mode == "appends":
                store.append(None, [Thread.start(thread_id)])
            else:
                config = {"configurable": {"thread_id": thread_id}}
                graph.invoke({"count": 0}, config)
                graph.invoke(Command(resume=1), config)
            done += 1
    print(json.dumps({"steps": done if mode == "appends" else done * len(NODES)}))


def cell(dsn: str, shards: int, workers: int, seconds: float, mode: str) -> float:
    """Steps (or appends) per second of ``workers`` processes on a fresh ``shards``-shard
    schema."""
    from branchline.domain import CheckpointStore
    from branchline.domain.store.backends import connect

    schema = f"bench_scale_{uuid.uuid4().hex[:8]}"
    CheckpointStore.postgres(dsn, schema=schema, create_tables=True, shards=shards).close()
    try:
        start_at = time.time() + 1.5  # every worker imported and connected by then
        command = [sys.executable, "-m", "bench.scale", "--mode", mode, "--worker", dsn, schema]
        procs = [
            subprocess.Popen(
                [*command, str(seconds), str(start_at)], stdout=subprocess.PIPE, text=True
            )
            for _ in range(workers)
        ]
        steps = sum(json.loads(p.communicate()[0].strip())["steps"] for p in procs)
        return steps / seconds
    finally:
        with connect(dsn) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main(argv: Sequence[str] | None = None) -> None:
    """Measure every cell and print the table (and one JSON line per cell)."""
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--dsn", default=os.environ.get("BRANCHLINE_TEST_POSTGRES", DEFAULT_DSN))
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--shards", default="1,4")
    parser.add_argument("--mode", choices=("graph", "appends"), default="graph")
    parser.add_argument("--worker", nargs=4, metavar=("DSN", "SCHEMA", "SECONDS", "START_AT"))
    args = parser.parse_args(argv)
    if args.worker:
        dsn, schema, seconds, start_at = args.worker
        worker(dsn, schema, float(seconds), float(start_at), args.mode)
        return
    shard_counts = [int(k) for k in args.shards.split(",")]
    worker_counts = [int(w) for w in args.workers.split(",")]
    rates = {
        (w, k): cell(args.dsn, k, w, args.seconds, args.mode)
        for k in shard_counts
        for w in worker_counts
    }
    unit = "appends/s" if args.mode == "appends" else "supersteps/s"
    print(f"{unit}, {args.seconds:g} s per cell (workers down, shards across)")
    print("W \\ K | " + " | ".join(f"{k:>6}" for k in shard_counts))
    for w in worker_counts:
        print(f"{w:>5} | " + " | ".join(f"{rates[(w, k)]:>6,.0f}" for k in shard_counts))
    for (w, k), rate in rates.items():
        print(json.dumps({"workers": w, "shards": k, unit: round(rate, 1)}))


if __name__ == "__main__":
    main()
