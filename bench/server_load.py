"""Pause-and-resume cycles over HTTP (issue 19): many ``langgraph-sdk`` clients at once
against a local server, for a fixed time.

Each client, in a loop until the time is up: creates a thread, runs it to its question
(``runs.wait`` with input: START -> a -> ask -> b -> END, ``ask`` pausing on
``interrupt``), answers it (``runs.wait`` with ``Command(resume=...)``), and notes the
cycle's time. Afterwards every thread a client finished is checked: it ended with count
3 (a, the answered ask, b), having paused once; and, on Branchline, its audit trail holds
exactly one answer (a lost or doubled decision shows in ``wrong``).

Branchline: ``branchline serve`` on SQLite (WAL, ``synchronous=FULL``) and on
PostgreSQL (a database of its own), with API tokens on, one process. LangGraph:
``langgraph dev`` (``langgraph-cli[inmem]``, in-memory, no authentication), one
process, ``--n-jobs-per-worker`` raised to the number of clients so that its run queue
does not throttle them; measured once and shown on both rows.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from time import perf_counter
from typing import Any

import httpx

from bench.async_sides import fresh_database
from bench.graphs import ANSWER
from bench.workload import Measurement, Metric, Params, Plan, Side, Workload

ROOT = Path(__file__).resolve().parent.parent
GRAPH = "asking"
START_TIMEOUT_S = 120.0
STORES = ("sqlite", "pg")


def _metrics(store: str) -> tuple[Metric, ...]:
    where = "SQLite" if store == "sqlite" else "PostgreSQL"
    return (
        Metric(f"cycles_s_{store}", f"pause+resume cycles/s, {where}", "cycles/s", False),
        Metric(f"p50_ms_{store}", f"cycle latency p50, {where}", "ms"),
        Metric(f"p99_ms_{store}", f"cycle latency p99, {where}", "ms"),
        Metric(f"wrong_{store}", f"lost or doubled decisions, {where}", "", compare=False),
    )


METRICS = _metrics("sqlite") + _metrics("pg")


def plan(quick: bool) -> Plan:
    """200 clients for 60 s per store (quick: 20 clients for 5 s)."""
    params = {"clients": 20 if quick else 200, "seconds": 5 if quick else 60}
    return Plan(
        rounds=1,
        params=dict.fromkeys(Side, params),
        metrics=METRICS,
        budget_s=60.0 if quick else 400.0,
        run_timeout_s=600.0,
        notes=(
            "LangGraph: `langgraph dev`, in memory (its only local server), shown on both rows",
        ),
    )


def run(side: Side, params: Params, workdir: Path) -> Measurement:
    """Serve, load, check; for Branchline once per store."""
    clients, seconds = int(params["clients"]), float(params["seconds"])
    values: dict[str, float] = {}
    if side is Side.LANGGRAPH:
        with _langgraph_dev(workdir, clients) as url:
            found = asyncio.run(_load(url, None, clients, seconds))
        for store in STORES:
            values |= _values(store, found)
        return Measurement(values)
    for store in STORES:
        with _branchline_serve(workdir, store) as (url, token, check):
            found = asyncio.run(_load(url, token, clients, seconds))
            found["wrong"] += check(found["threads"])
        values |= _values(store, found)
    return Measurement(values)


def _values(store: str, found: dict[str, Any]) -> dict[str, float]:
    latencies = found["latencies"]
    return {
        f"cycles_s_{store}": len(latencies) / found["seconds"],
        f"p50_ms_{store}": statistics.median(latencies) * 1000,
        f"p99_ms_{store}": statistics.quantiles(latencies, n=100, method="inclusive")[98] * 1000,
        f"wrong_{store}": float(found["wrong"]),
    }


async def _load(url: str, token: str | None, clients: int, seconds: float) -> dict[str, Any]:
    """Every client cycling until ``seconds`` have passed; the cycles' times, the threads
    finished, and how many ended wrong."""
    from langgraph_sdk import get_client

    latencies: list[float] = []
    threads: list[str] = []
    wrong = 0
    deadline = time.monotonic() + seconds

    async def client() -> None:
        nonlocal wrong
        async with get_client(url=url, api_key=token, timeout=300) as sdk:
            while time.monotonic() < deadline:
                began = perf_counter()
                tid = (await sdk.threads.create())["thread_id"]
                paused = await sdk.runs.wait(tid, GRAPH, input={"count": 0})
                done = await sdk.runs.wait(tid, GRAPH, command={"resume": ANSWER})
                latencies.append(perf_counter() - began)
                threads.append(tid)
                wrong += "__interrupt__" not in paused or done.get("count") != 3

    began = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    return {
        "latencies": latencies,
        "threads": threads,
        "wrong": wrong,
        "seconds": time.monotonic() - began,
    }


@contextmanager
def _branchline_serve(workdir: Path, store: str) -> Iterator[tuple[str, str, Any]]:
    """``branchline serve`` on a new database; its URL, a token, and the audit check."""
    with _database(workdir, store) as (db, env):
        create = ("token", "create", "--actor", "bench", "--db", db)
        token = subprocess.run(
            [sys.executable, "-m", "branchline", *create],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        ).stdout.strip()
        port = _free_port()
        serve = [sys.executable, "-m", "branchline", "serve", "--db", db, "--port", str(port)]
        serve += ["--graph", f"{GRAPH}=bench.served_graphs:branchline_graph"]
        with _process(serve, port, env) as url:
            yield url, token, lambda threads: _audit(db, env, threads)


@contextmanager
def _database(workdir: Path, store: str) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if store == "sqlite":
        yield str(workdir / "server.db"), env
        return
    with fresh_database() as dsn:
        env = {**env, "BRANCHLINE_PG_SCHEMA": "public"}
        init = [sys.executable, "-m", "branchline", "db", "init", "--db", dsn]
        subprocess.run(init, capture_output=True, check=True, env=env)  # tables, once
        yield dsn, env


def _audit(db: str, env: dict[str, str], threads: list[str]) -> int:
    """Threads whose audit trail does not hold exactly one answer."""
    from branchline import CheckpointStore
    from branchline.domain.model.events import Resumed

    wrong = 0
    with CheckpointStore.from_env({**env, "BRANCHLINE_DB": db}) as store:
        for tid in threads:
            wrong += sum(isinstance(e, Resumed) for e in store.events(tid)) != 1
    return wrong


@contextmanager
def _langgraph_dev(workdir: Path, clients: int) -> Iterator[str]:
    """``langgraph dev`` serving the same graph (its own in-memory store)."""
    config = workdir / "langgraph.json"
    graph = f"{ROOT / 'bench' / 'served_langgraph.py'}:graph"
    config.write_text(json.dumps({"dependencies": ["."], "graphs": {GRAPH: graph}}))
    port = _free_port()
    command = [str(Path(sys.executable).with_name("langgraph")), "dev", "--config", str(config)]
    command += ["--port", str(port), "--no-browser", "--no-reload"]
    command += ["--n-jobs-per-worker", str(clients), "--server-log-level", "WARNING"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LANGSMITH_TRACING": "false"}
    with _process(command, port, env, cwd=workdir) as url:
        yield url


@contextmanager
def _process(
    command: list[str], port: int, env: dict[str, str], cwd: Path | None = None
) -> Iterator[str]:
    """Start a server; its URL once it answers ``/ok``; stop it."""
    log = open(os.devnull, "w")  # noqa: SIM115  (closed below, with the process)
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped: {' '.join(command)}")
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer in time: {' '.join(command)}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)
        log.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


WORKLOAD = Workload(
    name="server",
    description="200 langgraph-sdk clients pausing and resuming threads for 60 s, per store",
    plan=plan,
    run=run,
)
