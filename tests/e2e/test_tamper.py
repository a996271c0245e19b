"""The audit trail is tamper-evident: rows edited, deleted or swapped in the database are named.

The tampering goes straight at the database (sqlite3, psycopg), as someone with access to
it would; ``branchline audit --verify`` then runs as its own process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import pytest

from branchline import END, START, StateGraph
from branchline.domain import CheckpointStore
from branchline.domain.model.ids import stream_id
from branchline.domain.store.backends import connect
from branchline.domain.store.chain import link, seal, unseal

THREAD = "audited"


class Counter(TypedDict):
    count: int


@dataclass
class Database:
    """A store with one finished thread, and raw SQL on its event table."""

    db: str
    env: dict[str, str]
    execute: Callable[[str, tuple[Any, ...]], None]
    fetch: Callable[[str, tuple[Any, ...]], bytes]
    table: str
    mark: str  # the parameter placeholder

    def audit(self, *args: str, expect: int) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "branchline", "audit", *args],
            capture_output=True,
            text=True,
            env={**self.env, "BRANCHLINE_DB": self.db, "COLUMNS": "250"},
            timeout=60,
        )
        assert done.returncode == expect, done.stdout + done.stderr
        return " ".join((done.stdout + done.stderr).split())

    def where(self, version: int) -> tuple[str, tuple[Any, ...]]:
        stream = stream_id(THREAD)
        key = stream.hex if self.mark == "?" else stream
        return f"originator_id = {self.mark} AND originator_version = {self.mark}", (key, version)


def fill(store: CheckpointStore) -> None:
    builder = StateGraph(Counter)
    for name in ("a", "b", "c"):
        builder.add_node(name, lambda s: {"count": s["count"] + 1})
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("b", "c")
    builder.add_edge("c", END)
    graph = builder.compile(checkpointer=store)
    graph.invoke({"count": 0}, {"configurable": {"thread_id": THREAD}})
    graph.invoke({"count": 10}, {"configurable": {"thread_id": "bystander"}})


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        path = tmp_path / "audit.db"
        with CheckpointStore.sqlite(path) as store:
            fill(store)

        def run_sqlite(sql: str, params: tuple[Any, ...]) -> None:
            with sqlite3.connect(path) as conn:
                conn.execute(sql, params)

        def fetch_sqlite(sql: str, params: tuple[Any, ...]) -> bytes:
            with sqlite3.connect(path) as conn:
                return bytes(conn.execute(sql, params).fetchone()[0])

        return Database(str(path), dict(os.environ), run_sqlite, fetch_sqlite, "stored_events", "?")
    dsn, schema = request.getfixturevalue("pg_dsn"), request.getfixturevalue("pg_schema")
    with CheckpointStore.postgres(dsn, schema=schema) as store:
        fill(store)

    def run_postgres(sql: str, params: tuple[Any, ...]) -> None:
        with connect(dsn) as conn:
            conn.execute(sql, params)

    def fetch_postgres(sql: str, params: tuple[Any, ...]) -> bytes:
        with connect(dsn) as conn:
            row = conn.execute(sql, params).fetchone()
        assert row is not None
        return bytes(row[0])

    env = {**os.environ, "BRANCHLINE_PG_SCHEMA": schema}
    table = f"{schema}.branchline_events"
    return Database(dsn, env, run_postgres, fetch_postgres, table, "%s")


def test_an_untouched_log_verifies(database: Database) -> None:
    assert "ok audited: 6 events, chain intact" in database.audit(THREAD, "--verify", expect=0)
    everything = database.audit("--all", "--verify", expect=0)
    assert "ok audited" in everything and "ok bystander" in everything


def test_an_edited_event_is_named(database: Database) -> None:
    where, params = database.where(4)
    stored = database.fetch(f"SELECT state FROM {database.table} WHERE {where}", params)
    edited = stored.replace(b'"count":1', b'"count":7')
    assert edited != stored
    database.execute(
        f"UPDATE {database.table} SET state = {database.mark} WHERE {where}", (edited, *params)
    )
    said = database.audit(THREAD, "--verify", expect=1)
    assert "BROKEN audited: event 4 (StepCompleted) does not match the chain" in said
    assert "ok bystander" in database.audit("--all", "--verify", expect=1)


def test_a_removed_event_is_named(database: Database) -> None:
    where, params = database.where(3)
    database.execute(f"DELETE FROM {database.table} WHERE {where}", params)
    said = database.audit(THREAD, "--verify", expect=1)
    assert "BROKEN audited: event 3 is missing" in said


def test_swapped_events_are_named(database: Database) -> None:
    # Move event 4's row out of the way, renumber 5 as 4, then the old 4 as 5.
    for old, new in ((4, 1000), (5, 4), (1000, 5)):
        where, params = database.where(old)
        database.execute(
            f"UPDATE {database.table} SET originator_version = {database.mark} WHERE {where}",
            (new, *params),
        )
    said = database.audit(THREAD, "--verify", expect=1)
    assert "BROKEN audited: event 4 (StepCompleted) does not match the chain" in said


def test_the_json_audit_trail_holds_the_chain_head(database: Database) -> None:
    trail = json.loads(database.audit(THREAD, "--json", expect=0))
    [report] = json.loads(database.audit(THREAD, "--verify", "--json", expect=0))
    assert trail["chain"] == report
    assert report["intact"] and report["broken"] is None and report["head"]


def test_a_removed_tail_is_named(database: Database) -> None:
    # The newest events, a decision and everything after it, say, are deleted.
    stream = stream_id(THREAD)
    key = stream.hex if database.mark == "?" else stream
    database.execute(
        f"DELETE FROM {database.table} WHERE originator_id = {database.mark} "
        f"AND originator_version >= {database.mark}",
        (key, 5),
    )
    said = database.audit(THREAD, "--verify", expect=1)
    assert (
        "BROKEN audited: event 5 is missing: the log ends at event 4, but its recorded head "
        "is event 6, so its newest events were removed" in said
    )


def test_a_removed_thread_is_named(database: Database) -> None:
    stream = stream_id(THREAD)
    key = stream.hex if database.mark == "?" else stream
    database.execute(f"DELETE FROM {database.table} WHERE originator_id = {database.mark}", (key,))
    said = database.audit("--all", "--verify", expect=1)
    assert "BROKEN audited: event 1 is missing: the whole thread was removed" in said
    assert "ok bystander" in said


def test_an_event_appended_with_a_computed_digest_is_named(database: Database) -> None:
    # Someone who knows how the chain is computed forges event 7 after the last one.
    where, params = database.where(6)
    last = database.fetch(f"SELECT state FROM {database.table} WHERE {where}", params)
    body, digest = unseal(last)
    assert digest is not None
    topic = "branchline.StepCompleted"
    forged = seal(body, link(digest, 7, topic, body))
    stream = stream_id(THREAD)
    key = stream.hex if database.mark == "?" else stream
    marks = ", ".join([database.mark] * 4)
    database.execute(
        f"INSERT INTO {database.table} (originator_id, originator_version, topic, state) "
        f"VALUES ({marks})",
        (key, 7, topic, forged),
    )
    said = database.audit(THREAD, "--verify", expect=1)
    assert "BROKEN audited: event 7 was not appended by Branchline" in said


def test_a_tail_removed_with_its_head_record_is_named_by_an_export(
    database: Database, tmp_path: Path
) -> None:
    # The owner of the database removes the newest events and rewrites the head record
    # too; the heads exported before, kept elsewhere, still tell.
    exported = tmp_path / "heads.json"
    database.audit("--export-heads", str(exported), expect=0)
    stream = stream_id(THREAD)
    key = stream.hex if database.mark == "?" else stream
    where = f"originator_id = {database.mark}"
    database.execute(
        f"DELETE FROM {database.table} WHERE {where} AND originator_version >= {database.mark}",
        (key, 5),
    )
    heads = database.table.replace("stored_events", "stream_heads").replace("_events", "_heads")
    database.execute(
        f"DELETE FROM {heads} WHERE {where}", (key if database.mark == "?" else stream.hex,)
    )
    assert "ok audited" in database.audit(THREAD, "--verify", expect=0)  # fooled without it
    said = database.audit(THREAD, "--verify", "--against", str(exported), expect=1)
    assert "BROKEN audited: event 5 is missing" in said and "exported earlier" in said


def test_a_thread_removed_with_its_head_record_is_named_by_an_export(
    database: Database, tmp_path: Path
) -> None:
    exported = tmp_path / "heads.json"
    database.audit("--export-heads", str(exported), expect=0)
    stream = stream_id(THREAD)
    key = stream.hex if database.mark == "?" else stream
    database.execute(f"DELETE FROM {database.table} WHERE originator_id = {database.mark}", (key,))
    heads = database.table.replace("stored_events", "stream_heads").replace("_events", "_heads")
    database.execute(f"DELETE FROM {heads} WHERE originator_id = {database.mark}", (stream.hex,))
    said = database.audit("--all", "--verify", "--against", str(exported), expect=1)
    assert "BROKEN audited: event 1 is missing: the whole thread was removed" in said
    assert "its exported head is event 6" in said and "ok bystander" in said


def test_an_export_that_is_not_one_is_refused(database: Database, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"heads": []}')
    said = database.audit("--all", "--verify", "--against", str(bogus), expect=1)
    assert "not an export of Branchline heads" in said
