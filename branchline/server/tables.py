"""The server's own tables (tokens, runs), in the store's database: the SQLite file or
the PostgreSQL schema of the events, so every server process on it sees the same rows.

Every request reads them (its token, its thread's runs), so connections are kept: one
per worker thread on SQLite, a small pool on PostgreSQL.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from branchline.domain.model.errors import StoreConfigError
from branchline.domain.store.checkpoint_store import CheckpointStore

# Seconds an SQLite write waits for another writer: under many clients, a request waits
# as long as they wait for answers (LangGraph's own server: seconds at its p99) rather
# than fail.
WRITER_WAIT_S = 60
POOL_SIZE = 8  # PostgreSQL connections of one server process's tables


class ServerTables:
    """Connections to the database of ``store`` for the server's tables, with the
    placeholder (``mark``) and table names of its dialect."""

    def __init__(self, store: CheckpointStore) -> None:
        self._dsn, self._schema, self._path = store.dsn, store.schema, store.path
        if self._dsn is None and self._path is None:
            raise StoreConfigError(
                "the server needs a database that outlives the process: open the store "
                "with CheckpointStore.sqlite(path) or CheckpointStore.postgres(dsn)"
            )
        self.mark = "%s" if self._dsn is not None else "?"
        self._pool: Any = None  # PostgreSQL's, opened on first use
        self._local = threading.local()  # SQLite: this thread's connection
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def table(self, name: str) -> str:
        """``name`` as this database addresses it (in the store's schema on PostgreSQL)."""
        return f'"{self._schema}".{name}' if self._dsn is not None else name

    def marks(self, count: int) -> str:
        """``count`` placeholders, comma-separated."""
        return ", ".join([self.mark] * count)

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A connection in autocommit mode (each statement its own transaction)."""
        if self._dsn is not None:
            with self._postgres().connection() as pg:
                yield pg
            return
        conn = getattr(self._local, "conn", None)
        if conn is None:
            assert self._path is not None
            conn = sqlite3.connect(
                self._path, isolation_level=None, timeout=WRITER_WAIT_S, check_same_thread=False
            )
            with self._lock:
                self._opened.append(conn)
            self._local.conn = conn
        yield conn

    @contextmanager
    def locked(self, key: str) -> Iterator[Any]:
        """A transaction that no other one locking ``key`` overlaps (SQLite: the file's
        write lock; PostgreSQL: an advisory lock on the key), committed at the end."""
        with self.connection() as conn:
            if self._dsn is not None:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
                    yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def secret(self, name: str) -> str:
        """A random secret every server process on the database shares (made once)."""
        table = self.table("branchline_secrets")
        with self.connection() as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            conn.execute(
                f"INSERT INTO {table} (name, value) VALUES ({self.marks(2)}) "
                "ON CONFLICT (name) DO NOTHING",
                (name, secrets.token_urlsafe(32)),
            )
            row = conn.execute(f"SELECT value FROM {table} WHERE name = {self.mark}", (name,))
            return str(row.fetchone()[0])

    def close(self) -> None:
        """Close every connection (the server stops); the next use opens new ones."""
        with self._lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
            self._local = threading.local()
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()

    def _postgres(self) -> Any:
        with self._lock:
            if self._pool is None:
                from psycopg_pool import ConnectionPool  # the postgres extra's

                self._pool = ConnectionPool(
                    str(self._dsn), min_size=1, max_size=POOL_SIZE, kwargs={"autocommit": True}
                )
            return self._pool
