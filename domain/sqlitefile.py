"""The store's own connection to its SQLite file: appends, and fresh cached threads.

Appends. A superstep is one small insert, and the eventsourcing recorder wraps each in a
connection pool, three context managers and a notification object per row: a fifth of
the CPU time of a superstep (measured with ``python -m bench --only steps``). This
connection writes the same rows to the same table in one ``BEGIN IMMEDIATE ... COMMIT``
with ``synchronous=FULL`` (one fsync per append, as before). Creating the tables,
reading, snapshots and the notification log stay with the library.

Freshness. A cached thread must be brought up to date before it is returned, since
another process may have appended to it. ``PRAGMA data_version`` on this connection
changes when any other connection commits to the file (another process, a snapshot
written by the library) but not for this connection's own appends, and reading it
touches no table. So a thread read, or appended, when the data version was ``v`` is
still the latest while it is ``v``: the head of a thread that nobody else wrote to is
answered from the cache with no query, also right after this process appended to it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

Row = tuple[str, int, str, bytes]  # stream id (hex), stream version, topic, stored bytes
_KEPT = 10_000  # threads whose data version is remembered


class SQLiteFile:
    """Appends to an eventsourcing SQLite events table, and knows which cached threads
    are still the latest."""

    def __init__(self, path: str, table: str, lock_timeout: float) -> None:
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=lock_timeout
        )
        self._conn.execute("PRAGMA synchronous=FULL")
        self._insert = f"INSERT INTO {table} VALUES (?,?,?,?)"
        self._exists = f"SELECT 1 FROM {table} WHERE originator_id=? LIMIT 1"
        self._lock = threading.Lock()  # one statement or transaction at a time
        self._keep_lock = threading.Lock()
        self._read_at: dict[UUID, int] = {}  # stream -> data version its cached state is from

    @classmethod
    def of(cls, settings: Mapping[str, str], table: str) -> SQLiteFile | None:
        """The connection for a store's eventsourcing settings, if they name an SQLite
        file (not memory) whose events table is ``table``."""
        path = settings.get("SQLITE_DBNAME") if table else None
        if not path or "memory:" in path or "mode=memory" in path:
            return None
        timeout = float(settings.get("SQLITE_LOCK_TIMEOUT") or 0) or 5.0  # 0: the default
        return cls(path, table, timeout)

    def insert(self, rows: Sequence[Row]) -> tuple[list[int], int]:
        """Insert ``rows`` in one transaction; their log positions (rowids) and the data
        version the append was made at. ``sqlite3.IntegrityError`` if a stream version
        is taken (another writer got there first), ``sqlite3.OperationalError`` if the
        file stayed locked past the timeout: either way nothing is written."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = self._data_version()  # every other commit is before this one
                positions = [conn.execute(self._insert, row).lastrowid or 0 for row in rows]
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return positions, version

    def has_stream(self, stream: UUID) -> bool:
        """Whether ``stream`` has any event (one indexed lookup: a new thread costs no more)."""
        with self._lock:
            return self._conn.execute(self._exists, (stream.hex,)).fetchone() is not None

    def data_version(self) -> int:
        """The file's data version now: take it before reading a thread."""
        with self._lock:
            return self._data_version()

    def _data_version(self) -> int:
        version: int = self._conn.execute("PRAGMA data_version").fetchone()[0]
        return version

    def cached(self, stream: UUID, version: int, cache: Any) -> Any | None:
        """The cached state of ``stream`` if nothing was committed by others since it was
        read or appended (the file is still at data version ``version``)."""
        if self._read_at.get(stream) != version:
            return None
        try:
            return cache.get(stream)
        except KeyError:  # evicted since
            return None

    def keep(self, stream: UUID, state: Any, version: int, cache: Any) -> None:
        """Cache ``state``, the latest at data version ``version``, unless another thread
        of this process kept a newer one meanwhile (a slow reader cannot mark an older
        state as current)."""
        with self._keep_lock:
            try:
                kept = cache.get(stream)
            except KeyError:
                kept = None
            if kept is not None and kept.version > state.version:
                return
            cache.put(stream, state)
            self._read_at.pop(stream, None)
            self._read_at[stream] = version
            while len(self._read_at) > _KEPT:
                del self._read_at[next(iter(self._read_at))]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
