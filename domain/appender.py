"""Appends to an SQLite store: the library's rows, written on a connection of our own.

A superstep is one small insert, and the eventsourcing recorder wraps each in a
connection pool, three context managers and a notification object per row: a fifth of
the CPU time of a superstep (measured with ``python -m bench --only steps``). This writes
the same rows to the same table in one ``BEGIN IMMEDIATE ... COMMIT``, with
``synchronous=FULL`` (one fsync per append, as before); everything else (creating the
tables, reading, snapshots, the notification log) stays with the library.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence

Row = tuple[str, int, str, bytes]  # stream id (hex), stream version, topic, stored bytes


class SQLiteAppender:
    """Inserts stored events into an eventsourcing SQLite events table, one transaction
    per call; returns their log positions (the table's rowids)."""

    def __init__(self, path: str, insert_statement: str, lock_timeout: float) -> None:
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=lock_timeout
        )
        self._conn.execute("PRAGMA synchronous=FULL")
        self._insert = insert_statement
        self._lock = threading.Lock()  # one transaction at a time on this connection

    def insert(self, rows: Sequence[Row]) -> list[int]:
        """Insert ``rows`` in one transaction. ``sqlite3.IntegrityError`` if a stream
        version is taken (another writer got there first), ``sqlite3.OperationalError``
        if the file stayed locked past the timeout: either way nothing is written."""
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                positions = [conn.execute(self._insert, row).lastrowid or 0 for row in rows]
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        return positions

    def close(self) -> None:
        with self._lock:
            self._conn.close()
