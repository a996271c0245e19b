"""Group commit on SQLite and PostgreSQL: appends of several threads of one process that
arrive while another commits are committed together, one transaction for all, each still
refused on its own when its stream version is taken."""

from __future__ import annotations

import operator
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import END, START, CheckpointStore, StateGraph
from branchline.domain.store.sqlitefile import SQLiteFile
from branchline.domain.store.stream_heads import Head


@pytest.fixture
def file(tmp_path: Path) -> SQLiteFile:
    path = str(tmp_path / "threads.db")
    CheckpointStore.sqlite(path).close()  # the tables
    return SQLiteFile(path, "stored_events", lock_timeout=5.0)


def append(stream: uuid.UUID, version: int) -> tuple[list[tuple[str, int, str, bytes]], Head]:
    rows = [(stream.hex, version, "topic", b"{}")]
    return rows, Head(f"thread-{stream.hex[:6]}", stream, version, "digest")


def test_appends_waiting_behind_a_commit_are_committed_together(file: SQLiteFile) -> None:
    commits: list[str] = []
    file._conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    streams = [uuid.uuid4() for _ in range(6)]
    results: dict[int, Any] = {}

    def appender(n: int) -> None:
        results[n] = file.insert(*append(streams[n], 1))

    with file._appends_queue._committing:  # a commit under way: the six appends queue behind it
        threads = [threading.Thread(target=appender, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        while len(file._appends_queue) < 6:
            threading.Event().wait(0.001)
    for t in threads:
        t.join(timeout=30)

    assert len(commits) == 1  # one transaction for the six
    positions = sorted(p for n in range(6) for p in results[n][0])
    assert positions == list(range(1, 7))  # each got its own row


def test_a_refused_append_in_a_group_refuses_no_other(file: SQLiteFile) -> None:
    taken, free = uuid.uuid4(), uuid.uuid4()
    file.insert(*append(taken, 1))
    outcomes: dict[str, Any] = {}

    def appender(name: str, stream: uuid.UUID) -> None:
        try:
            outcomes[name] = file.insert(*append(stream, 1))
        except sqlite3.IntegrityError as refused:
            outcomes[name] = refused

    with file._appends_queue._committing:
        threads = [
            threading.Thread(target=appender, args=("taken", taken)),
            threading.Thread(target=appender, args=("free", free)),
        ]
        for t in threads:
            t.start()
        while len(file._appends_queue) < 2:
            threading.Event().wait(0.001)
    for t in threads:
        t.join(timeout=30)

    assert isinstance(outcomes["taken"], sqlite3.IntegrityError)
    assert not isinstance(outcomes["free"], Exception)
    rows = file._conn.execute("SELECT originator_id FROM stored_events").fetchall()
    assert sorted(r[0] for r in rows) == sorted([taken.hex, free.hex])


class Counter(TypedDict):
    log: Annotated[list[int], operator.add]


def test_many_threads_running_at_once_on_one_file_each_keep_every_step(tmp_path: Path) -> None:
    builder = StateGraph(Counter)
    names = [f"n{i}" for i in range(5)]
    for i, name in enumerate(names):
        builder.add_node(name, lambda state, i=i: {"log": [i]})
    for start, end in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(start, end)
    results: dict[int, Any] = {}
    with CheckpointStore.sqlite(tmp_path / "threads.db") as store:
        graph = builder.compile(checkpointer=store)

        def run(n: int) -> None:
            config = {"configurable": {"thread_id": f"t{n}"}}
            results[n] = graph.invoke({"log": []}, config, durability="sync")

        threads = [threading.Thread(target=run, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

        assert results == {n: {"log": [0, 1, 2, 3, 4]} for n in range(16)}
        histories = [
            list(graph.get_state_history({"configurable": {"thread_id": f"t{n}"}}))
            for n in range(16)
        ]
        assert {len(h) for h in histories} == {7}  # input, START's step and five nodes


def test_appends_on_postgresql_waiting_behind_a_commit_share_one_insert(
    open_postgres: Any,
) -> None:
    store = open_postgres()
    graph = one_node_graph(store)
    log = store._logs[0]
    inserts: list[int] = []
    insert_events = log.recorder.insert_events

    def counted(stored: Any, **kwargs: Any) -> Any:
        inserts.append(len(stored))
        return insert_events(stored, **kwargs)

    log.recorder.insert_events = counted
    group = log._appends._group
    results: dict[int, Any] = {}

    def run(n: int) -> None:
        results[n] = graph.invoke({"log": []}, {"configurable": {"thread_id": f"t{n}"}})

    with group._committing:  # a commit under way: the first appends of six runs queue
        threads = [threading.Thread(target=run, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        while len(group) < 6:
            threading.Event().wait(0.001)
    for t in threads:
        t.join(timeout=60)

    assert results == {n: {"log": [0]} for n in range(6)}
    assert max(inserts) >= 6  # the six queued appends' rows went in one insert
    heads = {h.thread_id for h in store._logs[0].recorded_heads() or ()}
    assert heads == {f"t{n}" for n in range(6)}  # each append's head written with it


def one_node_graph(store: CheckpointStore) -> Any:
    builder = StateGraph(Counter)
    builder.add_node("n0", lambda state: {"log": [0]})
    builder.add_edge(START, "n0")
    builder.add_edge("n0", END)
    return builder.compile(checkpointer=store)
