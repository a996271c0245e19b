"""Bad and hostile input: each gets a clear error, and nothing already stored is damaged."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, TypedDict

import pytest

from branchline import END, START, Command, StateGraph, interrupt
from branchline.domain import CheckpointStore
from branchline.domain.model.errors import (
    EventTooLarge,
    InvalidThreadId,
    StoreConfigError,
    UnreadableEvent,
)
from branchline.domain.model.ids import stream_id
from branchline.domain.store.backends import connect
from branchline.domain.store.codec import UnsupportedValueError


class State(TypedDict, total=False):
    note: Any


def asking(store: CheckpointStore) -> Any:
    """START -> ask (pauses on interrupt) -> END."""
    builder = StateGraph(State)
    builder.add_node("ask", lambda state: {"note": interrupt("ok?")})
    builder.add_edge(START, "ask")
    builder.add_edge("ask", END)
    return builder.compile(checkpointer=store)


def config(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id}}


@pytest.fixture
def paused(tmp_path: Path) -> Any:
    """A graph on an SQLite file whose thread "t" is paused on its question."""
    store = CheckpointStore.sqlite(tmp_path / "threads.db")
    graph = asking(store)
    graph.invoke({"note": "start"}, config("t"))
    yield graph
    store.close()


# Files that are not Branchline databases -------------------------------------------------


@pytest.mark.parametrize(
    "content", [os.urandom(4096), b"just some notes, not a database\n" * 50], ids=["binary", "text"]
)
def test_a_file_that_is_not_a_database_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StoreConfigError, match="is not an SQLite database"):
        CheckpointStore.sqlite(path)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "theirs.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    before = path.read_bytes()
    with pytest.raises(StoreConfigError, match=r"another program's SQLite database.*invoices"):
        CheckpointStore.sqlite(path)
    assert path.read_bytes() == before


def test_a_database_from_a_newer_branchline_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "threads.db"
    CheckpointStore.sqlite(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreConfigError, match=r"newer Branchline.*format 99"):
        CheckpointStore.sqlite(path)


def test_a_postgres_schema_from_a_newer_branchline_is_refused(pg_dsn: str, pg_schema: str) -> None:
    with connect(pg_dsn) as conn:
        conn.execute(f"UPDATE {pg_schema}.branchline_meta SET value = '99' WHERE key = 'format'")
    with pytest.raises(StoreConfigError, match=r"newer Branchline.*format 99"):
        CheckpointStore.postgres(pg_dsn, schema=pg_schema)


# Thread ids, payloads, sizes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("thread_id", "problem"),
    [("x" * 10_240, "10,240 characters long"), ("a\x00b\x1b[31m", "control characters")],
    ids=["10KB", "control-characters"],
)
def test_a_hostile_thread_id_is_refused_before_anything_is_written(
    paused: Any, thread_id: str, problem: str
) -> None:
    store = paused.store
    before = store.max_position()
    with pytest.raises(InvalidThreadId, match=problem):
        paused.invoke({"note": "hi"}, config(thread_id))
    with pytest.raises(InvalidThreadId, match=problem):
        paused.get_state(config(thread_id))
    assert store.max_position() == before


def test_a_50_mb_state_is_refused_and_the_thread_is_unchanged(paused: Any) -> None:
    store = paused.store
    before, state = store.max_position(), paused.get_state(config("t"))
    with pytest.raises(EventTooLarge, match=r"50\.0 MB, over this store's limit of 16 MB"):
        paused.update_state(config("t"), {"note": "x" * 50_000_000})
    assert store.max_position() == before
    assert paused.get_state(config("t")) == state


def test_a_resume_payload_that_cannot_be_stored_writes_nothing(paused: Any) -> None:
    store = paused.store
    before = store.max_position()
    with pytest.raises(UnsupportedValueError, match="object"):
        paused.invoke(Command(resume=object()), config("t"))
    assert store.max_position() == before
    assert paused.get_state(config("t")).next == ("ask",)
    assert paused.invoke(Command(resume="fine"), config("t")) == {"note": "fine"}


# Events this Branchline cannot read ---------------------------------------------------------


def _add_row(path: Path, version: int, topic: str, state: bytes) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO stored_events VALUES (?, ?, ?, ?)",
            (stream_id("t").hex, version, topic, state),
        )


def test_an_event_of_an_unknown_type_is_named_and_other_threads_still_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "threads.db"
    with CheckpointStore.sqlite(path) as store:
        graph = asking(store)
        graph.invoke({"note": "a"}, config("t"))
        graph.invoke({"note": "b"}, config("other"))
        version = store.load("t").version  # type: ignore[union-attr]
    _add_row(path, version + 1, "branchline.FromTheFuture", b"{}")
    with CheckpointStore.sqlite(path) as store:
        graph = asking(store) if False else None  # the views would read the row too
        unknown = r"'branchline.FromTheFuture'.*Upgrade Branchline"
        with pytest.raises(UnreadableEvent, match=unknown):
            list(store.events("t"))
        assert type(next(store.events("other"))).__name__ == "ThreadStarted"
    with sqlite3.connect(path) as conn:  # the row is still there, as found
        assert conn.execute(
            "SELECT count(*) FROM stored_events WHERE topic LIKE '%Future'"
        ).fetchone() == (1,)


def test_an_event_of_a_newer_version_is_named(tmp_path: Path) -> None:
    path = tmp_path / "threads.db"
    with CheckpointStore.sqlite(path) as store:
        asking(store).invoke({"note": "a"}, config("t"))
        version = store.load("t").version  # type: ignore[union-attr]
    _add_row(
        path,
        version + 1,
        "branchline.Paused",
        b'{"timestamp":"2026-11-25T12:00:00+00:00","class_version":9}',
    )
    with CheckpointStore.sqlite(path) as store, pytest.raises(UnreadableEvent, match="version 9"):
        list(store.events("t"))


# Encryption at rest -------------------------------------------------------------------------


def test_an_encrypted_store_keeps_no_plaintext_on_disk(tmp_path: Path) -> None:
    from branchline.domain.store.encryption import new_encryption_key

    key, secret = new_encryption_key(), "the-patient-is-allergic-to-penicillin"
    path = tmp_path / "secret.db"
    with CheckpointStore.sqlite(path, encryption_key=key) as store:
        graph = asking(store)
        graph.invoke({"note": secret}, config("t"))
        graph.invoke(Command(resume=secret.upper()), config("t"))
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in on_disk and secret.upper().encode() not in on_disk
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.db"]  # no views file

    with CheckpointStore.sqlite(path, encryption_key=key) as store:
        assert asking(store).get_state(config("t")).values == {"note": secret.upper()}
        assert store.verify("t")[0].intact
    with pytest.raises(StoreConfigError, match="is encrypted with another key"):
        CheckpointStore.sqlite(path, encryption_key=new_encryption_key())
