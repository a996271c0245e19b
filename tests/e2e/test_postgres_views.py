"""The views on PostgreSQL: followed by `branchline project`, read by the CLI, one writer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, TypedDict

import pytest

from branchline import END, START, Command, StateGraph, interrupt
from branchline.domain import CheckpointStore
from branchline.domain.store.backends import open_connection
from branchline.projections import Views, ViewsConfigError


class Ticket(TypedDict, total=False):
    action: str
    approved_by: str


def approvals(store: CheckpointStore) -> Any:
    """START -> approve (asks) -> END."""
    builder = StateGraph(Ticket)
    builder.add_node("approve", lambda state: {"approved_by": interrupt(state["action"])})
    builder.add_edge(START, "approve")
    builder.add_edge("approve", END)
    return builder.compile(checkpointer=store)


def fill(store: CheckpointStore, threads: int) -> None:
    """``threads`` tickets: the even ones approved by dana, the odd ones still asking."""
    graph = approvals(store)
    for number in range(threads):
        config: dict[str, Any] = {"configurable": {"thread_id": f"ticket-{number}"}}
        graph.invoke({"action": f"refund {number}"}, config)
        if number % 2 == 0:
            config["configurable"]["actor"] = "dana"
            graph.invoke(Command(resume="dana"), config)


def cli(pg_dsn: str, schema: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "BRANCHLINE_DB": pg_dsn, "BRANCHLINE_PG_SCHEMA": schema, "COLUMNS": "200"}
    command = [sys.executable, "-m", "branchline", *args]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )


def finished(process: subprocess.Popen[str]) -> str:
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0, out
    return out


def test_project_writes_the_views_into_postgres_and_the_cli_reads_them(
    pg_dsn: str, pg_schema: str
) -> None:
    with CheckpointStore.postgres(pg_dsn, schema=pg_schema) as store:
        fill(store, 4)
    assert "applied" in finished(cli(pg_dsn, pg_schema, "project", "--once"))

    with Views.open_postgres(open_connection(pg_dsn), pg_schema) as views:
        assert {t.thread_id for t in views.list_threads()} == {f"ticket-{n}" for n in range(4)}
        assert sorted(p.thread_id for p in views.pending_interrupts()) == ["ticket-1", "ticket-3"]
        assert [d.actor for d in views.decisions("ticket-0")] == ["dana"]
    assert "ticket-3" in finished(cli(pg_dsn, pg_schema, "pending"))
    assert "dana" in finished(cli(pg_dsn, pg_schema, "audit", "ticket-2"))


def test_a_second_projector_waits_until_the_first_stops(pg_dsn: str, pg_schema: str) -> None:
    first = cli(pg_dsn, pg_schema, "project", "--poll", "0.1")
    assert first.stdout is not None
    assert "projecting" in first.stdout.readline()
    second = cli(pg_dsn, pg_schema, "project", "--once")
    time.sleep(1.0)
    assert second.poll() is None  # still waiting for the lock
    first.terminate()
    first.communicate(timeout=30)
    out = finished(second)
    assert out.index("waiting for it to stop") < out.index("projecting")


def test_views_followed_in_batches_equal_views_rebuilt_from_the_log(
    pg_dsn: str, pg_sharded_schema: str, dump_views: Callable[[Views], Any]
) -> None:
    with (
        CheckpointStore.postgres(pg_dsn, schema=pg_sharded_schema) as store,
        Views.open_postgres(open_connection(pg_dsn), pg_sharded_schema, batch_size=3) as views,
    ):
        for round_ in range(3):  # followed as the log grows, across 4 shards
            graph = approvals(store)
            for number in range(4):
                config = {"configurable": {"thread_id": f"r{round_}-{number}", "actor": "erin"}}
                graph.invoke({"action": "check"}, config)
                graph.invoke(Command(resume="erin"), config)
            views.catch_up(store)
        followed = dump_views(views)
        views.rebuild(store)
        assert dump_views(views) == followed
    assert len(followed["threads"]) == 12 and len(followed["decisions"]) == 12


def test_views_refusing_their_batch_size_close_the_connection_they_were_given(
    pg_dsn: str, pg_schema: str
) -> None:
    conn = open_connection(pg_dsn)
    with pytest.raises(ViewsConfigError, match="batch_size must be at least 1, got 0"):
        Views.open_postgres(conn, pg_schema, batch_size=0)

    assert conn.closed
