"""The views recover by themselves: a damaged views file, views ahead of a restored log, a
catch-up that failed once, and a log with a bad event never strand the people reading them.
Long work (catching up, verifying every chain, creating shards) shows progress on a
terminal, and nothing of it when piped.

Faults are made as they happen: bytes written over the views file, the events file put
back from an older copy, SQLite's own "database or disk is full", rows edited in the
event table. The commands run as their own processes (``cli_process``).
"""

from __future__ import annotations

import os
import pty
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, TypedDict

import pytest
from cli_process import branchline

from branchline import END, START, CheckpointStore, StateGraph, interrupt, open_views
from branchline.domain.model.ids import stream_id
from branchline.projections import views_path

EVENTS = "stored_events"


class Ticket(TypedDict, total=False):
    action: str
    approved_by: str


def ask(store: CheckpointStore, *threads: str) -> Any:
    """One question per thread: START -> approve (asks) -> END."""
    builder = StateGraph(Ticket)
    builder.add_node("approve", lambda state: {"approved_by": interrupt(state["action"])})
    builder.add_edge(START, "approve")
    builder.add_edge("approve", END)
    graph = builder.compile(checkpointer=store)
    for thread in threads:
        graph.invoke({"action": f"refund {thread}"}, {"configurable": {"thread_id": thread}})
    return graph


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "tickets.db"
    with CheckpointStore.sqlite(path) as store:
        ask(store, "t1", "t2", "t3")
    return path


def listed(db: Path) -> str:
    return branchline("threads", db=db)


def test_a_damaged_views_file_is_rebuilt_from_the_log(db: Path) -> None:
    assert "t3" in listed(db)
    views = Path(views_path(db))
    views.write_bytes(b"this is not a database" * 200)

    out = listed(db)
    assert all(thread in out for thread in ("t1", "t2", "t3"))
    assert f"the views file {views} is damaged: rebuilding it from the log" in out
    assert "damaged" not in listed(db)  # said once: the new file is sound
    assert "t2" in branchline("pending", db=db)


def test_a_graph_runs_whatever_the_views_file_holds(db: Path) -> None:
    Path(views_path(db)).write_bytes(b"\x00garbage" * 500)
    with CheckpointStore.sqlite(db) as store:
        ask(store, "t4")
        assert store.load("t4") is not None
        assert len(open_views(store).pending_interrupts()) == 4


def test_views_ahead_of_a_log_restored_from_a_backup_are_rebuilt(db: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.db"
    with sqlite3.connect(db) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)
    with CheckpointStore.sqlite(db) as store:
        ask(store, "t4", "t5")
    assert "t5" in listed(db)  # the views have seen five threads

    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copy(backup, db)

    out = listed(db)
    assert "t3" in out and "t4" not in out and "t5" not in out
    assert "but the store's log ends at" in out and "rebuilding them from the log" in out


def test_a_catch_up_that_failed_is_tried_again(db: Path) -> None:
    with CheckpointStore.sqlite(db) as store:
        views = open_views(store)
        assert len(views.list_threads()) == 3
        pages = views.db.conn.execute("PRAGMA page_count").fetchone()[0]
        views.db.conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
        ask(store, *(f"more-{n}-{'x' * 500}" for n in range(40)))

        with pytest.raises(sqlite3.OperationalError, match="full"):
            views.list_threads()
        views.db.conn.execute("PRAGMA max_page_count = 1073741823")  # space again

        assert len(views.list_threads()) == 43
        assert len(views.pending_interrupts()) == 43


def test_an_unreadable_event_hides_only_itself_and_is_named(db: Path) -> None:
    listed(db)
    with sqlite3.connect(db) as conn:
        conn.execute(
            f"UPDATE {EVENTS} SET state = ? WHERE originator_id = ? AND originator_version = 2",
            (b"\x00\x01 not an event", stream_id("t2").hex),
        )
    Path(views_path(db)).unlink()  # rebuilt from the damaged log

    out = listed(db)
    assert "t1" in out and "t3" in out
    assert "warning: the event at log position" in out and "(thread 't2') is not shown" in out
    assert "cannot read stored event 2" in out
    assert "branchline audit --all --verify" in out
    assert "t1" in branchline("pending", db=db)


def test_a_forged_event_that_contradicts_the_views_is_passed_over(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        topic, state = conn.execute(
            f"SELECT topic, state FROM {EVENTS} WHERE originator_id = ? AND originator_version = 1",
            (stream_id("t1").hex,),
        ).fetchone()
        conn.execute(  # t1 "started" a second time, on another stream
            f"INSERT INTO {EVENTS} (originator_id, originator_version, topic, state) "
            "VALUES (?, 1, ?, ?)",
            (uuid.uuid4().hex, topic, state),
        )
    with CheckpointStore.sqlite(db) as store:
        ask(store, "t4")

    out = listed(db)
    assert all(thread in out for thread in ("t1", "t2", "t3", "t4"))
    assert "(thread 't1') is not shown" in out and "UNIQUE constraint failed" in out


def run_on_a_terminal(*args: str, db: Path | str) -> str:
    """Run ``branchline ARGS`` with stdout and stderr on a pseudo-terminal; what it wrote."""
    leader, follower = pty.openpty()
    env = {**os.environ, "BRANCHLINE_DB": str(db), "COLUMNS": "120", "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "branchline", *args], stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    written = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        written += chunk
    assert process.wait(timeout=60) == 0, written.decode(errors="replace")
    os.close(leader)
    return written.decode(errors="replace")


def test_catching_up_shows_progress_on_a_terminal_only(db: Path) -> None:
    assert "catching up the views" in run_on_a_terminal("threads", db=db)
    Path(views_path(db)).unlink()
    assert "catching up the views" not in branchline("threads", db=db)


def test_verifying_every_chain_shows_progress_on_a_terminal_only(db: Path) -> None:
    assert "verifying every thread's chain" in run_on_a_terminal(
        "audit", "--all", "--verify", db=db
    )
    piped = branchline("audit", "--all", "--verify", db=db)
    assert "verifying" not in piped and piped.count("chain intact") == 3


def test_db_init_shows_what_it_is_creating_on_a_terminal_only(
    pg_dsn: str, pg_sharded_schema: str
) -> None:
    args = ("db", "init", "--schema", pg_sharded_schema, "--shards", "4")
    assert "creating the tables of 4 shard(s)" in run_on_a_terminal(*args, db=pg_dsn)
    piped = branchline(*args, db=Path("unused"), env={"BRANCHLINE_DB": pg_dsn})
    assert "creating" not in piped and "is ready" in piped
