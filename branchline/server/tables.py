"""The server's own tables (tokens, runs), in the store's database: the SQLite file or
the PostgreSQL schema of the events, so every server process on it sees the same rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from branchline.domain.model.errors import StoreConfigError
from branchline.domain.store.backends import open_connection
from branchline.domain.store.checkpoint_store import CheckpointStore

BUSY_TIMEOUT = 5.0  # seconds an SQLite statement waits for another writer


class ServerTables:
    """Connections to the database of ``store`` for the server's tables, with the
    placeholder (``mark``) and table names of its dialect."""

    def __init__(self, store: CheckpointStore) -> None:
        self._dsn, self._schema = store.dsn, store.schema
        self._path = store.path
        if self._dsn is None and self._path is None:
            raise StoreConfigError(
                "the server needs a database that outlives the process: open the store "
                "with CheckpointStore.sqlite(path) or CheckpointStore.postgres(dsn)"
            )
        self.mark = "%s" if self._dsn is not None else "?"

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
            with open_connection(self._dsn) as pg:
                yield pg
            return
        assert self._path is not None
        conn = sqlite3.connect(self._path, isolation_level=None, timeout=BUSY_TIMEOUT)
        try:
            yield conn
        finally:
            conn.close()

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
