"""A snapshot is sealed to the event it follows and proven before it is used: one edited
in the database is never served; the thread is folded from its events instead."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypedDict

import pytest

from branchline import END, START, CheckpointStore, StateGraph
from branchline.domain.store.backends import connect

CONFIG = {"configurable": {"thread_id": "t"}}


class Counter(TypedDict):
    count: int


def _graph(store: CheckpointStore) -> Any:
    builder = StateGraph(Counter)
    builder.add_node("add", lambda s: {"count": s["count"] + 1})
    builder.add_edge(START, "add")
    builder.add_edge("add", END)
    return builder.compile(checkpointer=store)


def _run(store: CheckpointStore) -> None:
    graph = _graph(store)
    for start in (10, 20, 30, 40):
        graph.invoke({"count": start}, CONFIG)


Tamper = Callable[[bytes, bytes], int]


def _tamper_counts(tamper: Tamper) -> int:
    """Edit every count value the run made in the stored snapshots, wherever the snapshot
    policy placed them."""
    return sum(
        tamper(f'"count":{n}'.encode(), b'"count":99') for n in (10, 11, 20, 21, 30, 31, 40, 41)
    )


@pytest.fixture(params=["sqlite", "postgres"])
def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Callable[[], CheckpointStore], Tamper]]:
    if request.param == "sqlite":
        path = tmp_path / "snap.db"

        def open_sqlite() -> CheckpointStore:
            return CheckpointStore.sqlite(path, snapshot_interval=3)

        def tamper_sqlite(old: bytes, new: bytes) -> int:
            with sqlite3.connect(path) as conn:
                rows = conn.execute(
                    "SELECT originator_version, state FROM stored_snapshots"
                ).fetchall()
                for version, state in rows:
                    conn.execute(
                        "UPDATE stored_snapshots SET state = ? WHERE originator_version = ?",
                        (bytes(state).replace(old, new), version),
                    )
            return len(rows)

        yield open_sqlite, tamper_sqlite
        return
    dsn, schema = request.getfixturevalue("pg_dsn"), request.getfixturevalue("pg_schema")

    def open_postgres() -> CheckpointStore:
        return CheckpointStore.postgres(dsn, schema=schema, snapshot_interval=3)

    def tamper_postgres(old: bytes, new: bytes) -> int:
        with connect(dsn) as conn:
            table = f"{schema}.branchline_snapshots"
            rows = conn.execute(f"SELECT originator_version, state FROM {table}").fetchall()
            for version, state in rows:
                conn.execute(
                    f"UPDATE {table} SET state = %s WHERE originator_version = %s",
                    (bytes(state).replace(old, new), version),
                )
        return len(rows)

    yield open_postgres, tamper_postgres


def test_a_snapshot_edited_in_the_database_is_not_served(
    backend: tuple[Callable[[], CheckpointStore], Tamper], caplog: pytest.LogCaptureFixture
) -> None:
    opener, tamper = backend
    with opener() as store:
        _run(store)
    assert _tamper_counts(tamper) > 0
    with opener() as store, caplog.at_level(logging.WARNING):  # a fresh process
        graph = _graph(store)
        assert graph.get_state(CONFIG).values == {"count": 41}
        assert [s.values.get("count") for s in graph.get_state_history(CONFIG)][:3] == [41, 40, 31]
    assert "does not match it; folding the events instead" in caplog.text


def test_untouched_snapshots_prove_themselves(
    backend: tuple[Callable[[], CheckpointStore], Tamper], caplog: pytest.LogCaptureFixture
) -> None:
    opener, tamper = backend
    with opener() as store:
        _run(store)
    assert tamper(b"", b"") > 0  # there are snapshots to use
    with opener() as store, caplog.at_level(logging.WARNING):
        assert _graph(store).get_state(CONFIG).values == {"count": 41}
    assert "folding the events instead" not in caplog.text


def test_a_past_version_is_read_past_an_edited_snapshot(
    backend: tuple[Callable[[], CheckpointStore], Tamper],
) -> None:
    opener, tamper = backend
    with opener() as store:
        _run(store)
        latest = store.load("t")
        assert latest is not None
        version = latest.version
    assert _tamper_counts(tamper) > 0
    with opener() as store:
        past = store.load("t", version=version)
        assert past is not None and past.values == {"count": 41}
