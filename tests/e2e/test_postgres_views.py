"""The views on PostgreSQL: followed by `branchline project`, read by the CLI, one writer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, TypedDict

import pytest

from branchline import END, START, Command, StateGraph, interrupt, open_views
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

    with Views.open_postgres(lambda: open_connection(pg_dsn), pg_schema) as views:
        assert {t.thread_id for t in views.list_threads()} == {f"ticket-{n}" for n in range(4)}
        assert sorted(p.thread_id for p in views.pending_interrupts()) == ["ticket-1", "ticket-3"]
        assert [d.actor for d in views.decisions("ticket-0")] == ["dana"]
    assert "ticket-3" in finished(cli(pg_dsn, pg_schema, "pending"))
    assert "dana" in finished(cli(pg_dsn, pg_schema, "audit", "ticket-2"))


def test_project_once_returns_while_a_projector_and_a_reader_are_running(
    pg_dsn: str, pg_schema: str
) -> None:
    with CheckpointStore.postgres(pg_dsn, schema=pg_schema) as store:
        fill(store, 2)
        assert len(open_views(store).list_threads()) == 2  # a reader keeps its views open
        running = cli(pg_dsn, pg_schema, "project", "--poll", "0.1")
        assert running.stdout is not None
        assert "projecting" in running.stdout.readline()
        try:
            finished(cli(pg_dsn, pg_schema, "project", "--once"))
        finally:
            running.terminate()
            running.communicate(timeout=30)


def test_open_views_show_what_other_processes_answered(pg_dsn: str, pg_schema: str) -> None:
    with CheckpointStore.postgres(pg_dsn, schema=pg_schema) as store:
        fill(store, 4)
        views = open_views(store)
        assert sorted(p.thread_id for p in views.pending_interrupts()) == ["ticket-1", "ticket-3"]
        with CheckpointStore.postgres(pg_dsn, schema=pg_schema) as elsewhere:
            config = {"configurable": {"thread_id": "ticket-1", "actor": "erin"}}
            approvals(elsewhere).invoke(Command(resume="erin"), config)

        assert [p.thread_id for p in views.pending_interrupts()] == ["ticket-3"]
        assert "ticket-1" not in finished(cli(pg_dsn, pg_schema, "pending"))
        assert [d.actor for d in views.decisions("ticket-1")] == ["erin"]


def terminate_backends(pg_dsn: str, application: str) -> int:
    """End, from the server side, every connection opened under ``application``."""
    with open_connection(pg_dsn) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
            (application,),
        ).fetchall()
    return len(rows)


def test_views_reconnect_after_the_server_drops_their_connection(
    pg_dsn: str, pg_schema: str
) -> None:
    with CheckpointStore.postgres(pg_dsn, schema=pg_schema) as store:
        fill(store, 2)
        views = open_views(store)
        assert len(views.list_threads()) == 2
        with open_connection(pg_dsn) as admin:
            pid = views.db.conn.raw.info.backend_pid
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        fill(store, 3)  # ticket-2 is new

        assert len(views.list_threads()) == 3
        assert views.db.conn.raw.info.backend_pid != pid


def test_project_reconnects_after_its_backends_are_terminated(
    pg_dsn: str, pg_schema: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = f"branchline-project-{pg_schema}"
    monkeypatch.setenv("PGAPPNAME", application)  # the projector's connections, by name
    running = cli(pg_dsn, pg_schema, "project", "--poll", "0.1")
    monkeypatch.delenv("PGAPPNAME")
    try:
        assert running.stdout is not None
        assert "projecting" in running.stdout.readline()
        assert terminate_backends(pg_dsn, application) >= 1
        with CheckpointStore.postgres(pg_dsn, schema=pg_schema) as store:
            fill(store, 2)
            deadline = time.monotonic() + 30
            with Views.open_postgres(lambda: open_connection(pg_dsn), pg_schema) as views:
                while len(list(views.db.query("SELECT thread_id FROM threads"))) < 2:
                    assert running.poll() is None, running.communicate()[0]
                    assert time.monotonic() < deadline, "the projector did not catch up"
                    time.sleep(0.1)
    finally:
        running.terminate()
        out, _ = running.communicate(timeout=30)
    assert "Traceback" not in out
    assert "the connection to PostgreSQL was lost" in out and "reconnecting in 1 s" in out


def test_views_followed_in_batches_equal_views_rebuilt_from_the_log(
    pg_dsn: str, pg_sharded_schema: str, dump_views: Callable[[Views], Any]
) -> None:
    with (
        CheckpointStore.postgres(pg_dsn, schema=pg_sharded_schema) as store,
        Views.open_postgres(
            lambda: open_connection(pg_dsn), pg_sharded_schema, batch_size=3
        ) as views,
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


def test_views_refusing_their_batch_size_open_no_connection(pg_dsn: str, pg_schema: str) -> None:
    opened: list[object] = []

    def connect() -> object:
        opened.append(open_connection(pg_dsn))
        return opened[-1]

    with pytest.raises(ViewsConfigError, match="batch_size must be at least 1, got 0"):
        Views.open_postgres(connect, pg_schema, batch_size=0)

    assert opened == []
