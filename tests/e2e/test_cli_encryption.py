"""Encryption from the command line: a process without the key cannot write plaintext into an
encrypted database, and everyone with the key still reads it (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from branchline.domain.store.backends import connect

REQUEST = {"messages": [{"role": "user", "content": "Refund order A-1042"}]}
# Two processes: the owner runs the demo graph with the store from_env (and so its key);
# the intruder opens the store as CheckpointStore.sqlite(path) / .postgres(dsn) do, no key.
OWNER = f"""
import sys
from branchline import CheckpointStore
from branchline.cli.demo_graph import build
with CheckpointStore.from_env() as store:
    build(store).invoke({REQUEST!r}, {{"configurable": {{"thread_id": sys.argv[1]}}}})
"""
INTRUDER = f"""
import sys
from branchline import CheckpointStore
from branchline.cli.demo_graph import build
target, *schema = sys.argv[1:]
store = CheckpointStore.open(target, **({{"schema": schema[0]}} if schema else {{}}))
build(store).invoke({REQUEST!r}, {{"configurable": {{"thread_id": "intruder"}}}})
"""
NO_KEY = "is encrypted, but no encryption key was given; nothing was written. Set"


def run(*args: str, env: dict[str, str], key: str | None = None, expect: int = 0) -> str:
    """Run ``python ARGS`` (``-m branchline ...``, ``-c SCRIPT``) with ``env`` and ``key`` as
    BRANCHLINE_ENCRYPTION_KEY (or none); what it printed, its exit code checked."""
    variables = {**os.environ, **env, "COLUMNS": "1000"}
    variables.pop("BRANCHLINE_ENCRYPTION_KEY", None)
    variables.update({} if key is None else {"BRANCHLINE_ENCRYPTION_KEY": key})
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=variables, timeout=60
    )
    assert done.returncode == expect, done.stdout + done.stderr
    return done.stdout + done.stderr


@dataclass(frozen=True)
class Database:
    """A database the tests run the CLI on: its settings and its stored rows."""

    env: dict[str, str]  # BRANCHLINE_DB (and BRANCHLINE_PG_SCHEMA)
    args: list[str]  # the intruder's arguments: where it opens the store
    log: Callable[[], Any]  # every row of the event log's tables, to compare

    def run(self, *args: str, key: str | None = None, expect: int = 0) -> str:
        return run(*args, env=self.env, key=key, expect=expect)

    def cli(self, *args: str, key: str | None = None, expect: int = 0) -> str:
        return self.run("-m", "branchline", *args, key=key, expect=expect)


def _sqlite(path: Path) -> Database:
    def log() -> dict[str, list[Any]]:
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as conn:
            tables = [
                t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in sorted(tables)}

    return Database({"BRANCHLINE_DB": str(path)}, [str(path)], log)


def _postgres(dsn: str, schema: str) -> Database:
    def log() -> dict[str, list[Any]]:
        with connect(dsn) as conn:
            found = conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "AND table_name LIKE 'branchline%%' ORDER BY 1",
                (schema,),
            )
            tables = [t for (t,) in found]
            return {
                t: conn.execute(f"SELECT * FROM {schema}.{t} ORDER BY 1").fetchall() for t in tables
            }

    env = {"BRANCHLINE_DB": dsn, "BRANCHLINE_PG_SCHEMA": schema}
    return Database(env, [dsn, schema], log)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def place(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """Where a database will be (nothing there yet)."""
    if request.param == "sqlite":
        yield _sqlite(tmp_path_factory.mktemp("encrypted") / "threads.db")
        return
    dsn, schema = request.getfixturevalue("pg_dsn"), f"test_{uuid.uuid4().hex[:12]}"
    yield _postgres(dsn, schema)
    with connect(dsn) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(scope="module")
def key() -> str:
    return run("-m", "branchline", "db", "key", env={}).strip()


@pytest.fixture(scope="module")
def encrypted(place: Database, key: str) -> Database:
    """The database created by `branchline db init` with the key, a review paused on it."""
    out = place.cli("db", "init", key=key)
    assert "encrypted) is ready" in out and "not encrypted" not in out
    place.run("-c", OWNER, "review-1", key=key)
    return place


def test_db_key_prints_a_256_bit_key_in_base64(key: str) -> None:
    assert len(base64.b64decode(key, validate=True)) == 32


def test_a_process_without_the_key_cannot_write_into_an_encrypted_database(
    encrypted: Database,
) -> None:
    before = encrypted.log()
    out = encrypted.run("-c", INTRUDER, *encrypted.args, expect=1)
    assert "StoreConfigError" in out and NO_KEY in out
    assert encrypted.log() == before


def test_everyone_with_the_key_still_reads_the_database_after_an_intrusion(
    encrypted: Database, key: str
) -> None:
    encrypted.run("-c", INTRUDER, *encrypted.args, expect=1)
    assert "review-1" in encrypted.cli("threads", key=key)
    assert "human_review" in encrypted.cli("pending", key=key)
    assert "chain intact" in encrypted.cli("audit", "--all", "--verify", key=key)


def test_the_cli_without_the_key_is_refused_and_records_nothing(encrypted: Database) -> None:
    before = encrypted.log()
    answer = json.dumps({"action": "approve"})
    for command in (["threads"], ["resume", "review-1", "--value", answer, "--actor", "eve"]):
        out = encrypted.cli(*command, expect=1)
        assert NO_KEY in out and "Traceback" not in out
    assert encrypted.log() == before


def test_the_cli_with_another_key_is_refused(encrypted: Database) -> None:
    other = base64.b64encode(b"k" * 32).decode()
    out = encrypted.cli("pending", key=other, expect=1)
    assert "is encrypted with another key than the one given; nothing was written" in out


def test_a_malformed_key_is_a_clear_error_not_a_traceback(encrypted: Database) -> None:
    out = encrypted.cli("threads", key="not-a-key", expect=1)
    assert "the encryption key (9 characters) is not valid base64" in out
    assert "branchline db key" in out and "Traceback" not in out


def test_the_cli_with_a_key_on_a_plaintext_database_is_refused(tmp_path: Path) -> None:
    key = base64.b64encode(b"k" * 32).decode()
    plaintext = _sqlite(tmp_path / "plain.db")
    assert "(not encrypted) is ready" in plaintext.cli("db", "init")
    out = plaintext.cli("threads", key=key, expect=1)
    assert "is not encrypted (it was created without a key), but an encryption key" in out
    assert "Remove BRANCHLINE_ENCRYPTION_KEY" in out
