"""Whether a cached thread is still the latest, without reading its stream (SQLite).

A cached thread must be brought up to date before it is returned, since another process
may have appended to it. On SQLite, ``PRAGMA data_version`` on a connection of our own
changes whenever any other connection (another process, or this store's writer)
commits to the file, and reading it touches no table. A thread read when the file was
at data version ``v`` is therefore still the latest while the version is ``v``: the
head of a thread that nobody wrote to is answered from the cache with no query. A
thread is marked only when the version it was read at is kept in the cache, so a slow
reader cannot mark an older state as current.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from uuid import UUID

_KEPT = 10_000  # threads whose last check is remembered


class FileWatch:
    """The data version of one SQLite file, and the version each thread was read at."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._query_lock = threading.Lock()
        self.lock = threading.Lock()  # held while a thread read up to date is kept
        self._read_at: dict[UUID, int] = {}

    def mark(self) -> int:
        """The file's data version now: take it before reading a thread."""
        with self._query_lock:
            version: int = self._conn.execute("PRAGMA data_version").fetchone()[0]
            return version

    def unchanged(self, stream: UUID, mark: int) -> bool:
        """Whether ``stream`` was last read at data version ``mark`` (nothing committed since)."""
        return self._read_at.get(stream) == mark

    def read(self, stream: UUID, mark: int) -> None:
        """Note that ``stream`` was read up to date when the file was at ``mark``."""
        self._read_at.pop(stream, None)
        self._read_at[stream] = mark
        while len(self._read_at) > _KEPT:
            del self._read_at[next(iter(self._read_at))]

    def close(self) -> None:
        with self._query_lock:
            self._conn.close()
