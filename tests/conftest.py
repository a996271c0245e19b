"""Fixtures shared by every test folder: a PostgreSQL schema of one's own.

The PostgreSQL tests run against ``BRANCHLINE_TEST_POSTGRES`` (default: the local
server, database ``test``). Without a server they skip, saying how to enable them;
in CI (``CI`` set) they fail instead, so a missing server never passes silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from branchline.domain import CheckpointStore
from branchline.domain.model.errors import StoreConfigError, StoreUnavailable
from branchline.domain.store.backends import connect
from branchline.projections import Views

PG_DSN = os.environ.get("BRANCHLINE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")

OpenPostgres = Callable[..., CheckpointStore]


def _server_problem() -> str | None:
    try:
        with connect(PG_DSN) as conn:
            conn.execute("SELECT 1")
    except (StoreConfigError, StoreUnavailable) as error:
        return str(error)
    return None


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """The test server's URL; skips (or fails in CI) when it cannot be reached."""
    problem = _server_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but: {problem}")
        pytest.skip(
            f"PostgreSQL tests skipped: {problem}. Start PostgreSQL 15+ on 127.0.0.1:5432 "
            "(database 'test', user 'postgres') or set BRANCHLINE_TEST_POSTGRES=postgresql://..."
        )
    return PG_DSN


@pytest.fixture
def pg_schema(pg_dsn: str) -> Iterator[str]:
    """A fresh schema with the Branchline tables, dropped afterwards."""
    yield from _schema(pg_dsn, shards=1)


@pytest.fixture
def pg_sharded_schema(pg_dsn: str) -> Iterator[str]:
    """A fresh schema set up with 4 shards, dropped afterwards."""
    yield from _schema(pg_dsn, shards=4)


def _schema(dsn: str, shards: int) -> Iterator[str]:
    schema = f"test_{uuid.uuid4().hex[:12]}"
    CheckpointStore.postgres(dsn, schema=schema, create_tables=True, shards=shards).close()
    yield schema
    with connect(dsn) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def open_postgres(pg_dsn: str, pg_schema: str) -> Iterator[OpenPostgres]:
    """Open stores on the test schema (closed afterwards), like a worker would."""
    opened: list[CheckpointStore] = []

    def opener(**options: Any) -> CheckpointStore:
        store = CheckpointStore.postgres(pg_dsn, schema=pg_schema, **options)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


def dump(views: Views) -> dict[str, list[dict[str, Any]]]:
    """Every row of every view table and the tracking table, in primary-key order, read
    as a query reads them: caught up with the attached log first."""
    views.refresh()
    tables = ("threads", "checkpoints", "pending_interrupts", "decisions", "tracking")
    return {name: list(views.db.query(f"SELECT * FROM {name} ORDER BY 1")) for name in tables}


@pytest.fixture(scope="session")
def dump_views() -> Callable[[Views], dict[str, list[dict[str, Any]]]]:
    """A function that reads every row of the views (SQLite or PostgreSQL), to compare."""
    return dump
