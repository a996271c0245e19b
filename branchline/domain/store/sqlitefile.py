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
Appends of this process do not move the data version, so a read is marked current only
if no append of this process happened while it ran, and a cached state is used only if
it is the very version that was marked (the library's cache can hold another).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any, NamedTuple, TypeVar
from urllib.parse import unquote
from uuid import UUID

from branchline.domain.model.errors import StoreReadOnly
from branchline.domain.store import stream_heads
from branchline.domain.store.group_commit import GroupCommit
from branchline.domain.store.stream_heads import Head

T = TypeVar("T")
Row = tuple[str, int, str, bytes]  # stream id (hex), stream version, topic, stored bytes
Append = tuple[Sequence[Row], Head]
_KEPT = 10_000  # threads whose data version is remembered
_ROWS_A_STATEMENT = 5_000  # 4 parameters each, under SQLite's 32,766


class Mark(NamedTuple):
    """When a read began: the file's data version, and this process's appends so far."""

    data_version: int
    appends: int


class SQLiteFile:
    """Appends to an eventsourcing SQLite events table, and knows which cached threads
    are still the latest."""

    def __init__(self, path: str, table: str, lock_timeout: float) -> None:
        # A busy file is waited for here, between attempts, not inside SQLite: reads of
        # this process (which share the connection) need not queue behind the wait.
        self._conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=0, uri=True
        )
        self._conn.execute("PRAGMA synchronous=FULL")
        with suppress(sqlite3.OperationalError):  # a read-only file takes no appends either
            self._conn.execute(stream_heads.SQLITE_CREATE)
        self._lock_timeout = lock_timeout
        self._name = unquote(path.split("?")[0].removeprefix("file://"))  # for messages
        self._insert_into = f"INSERT INTO {table}"
        self._insert = f"{self._insert_into} VALUES (?,?,?,?)"
        self._exists = f"SELECT 1 FROM {table} WHERE originator_id=? LIMIT 1"
        self._lock = threading.Lock()  # one statement or transaction at a time
        self._appends_queue = GroupCommit(self._commit)  # see insert
        self._keep_lock = threading.Lock()
        self._appends = 0  # appends of this process so far (they leave the data version)
        # stream -> (data version, stream version) of the state last marked current
        self._current: dict[UUID, tuple[int, int]] = {}

    @classmethod
    def of(cls, settings: Mapping[str, str], table: str) -> SQLiteFile | None:
        """The connection for a store's eventsourcing settings, if they name an SQLite
        file (not memory) whose events table is ``table``."""
        path = settings.get("SQLITE_DBNAME") if table else None
        if not path or "memory:" in path or "mode=memory" in path:
            return None
        timeout = float(settings.get("SQLITE_LOCK_TIMEOUT") or 0) or 5.0  # 0: the default
        return cls(path, table, timeout)

    def insert(self, rows: Sequence[Row], head: Head) -> tuple[list[int], int]:
        """Insert ``rows`` and record the stream's new ``head``, in one transaction; the
        rows' log positions (rowids) and the data version the append was made at.
        ``sqlite3.IntegrityError`` if a stream version is taken (another writer got there
        first), ``sqlite3.OperationalError`` if the file stayed locked past the timeout:
        either way nothing of it is written.

        Group commit: appends of this process's threads that arrive while another commits
        wait in a queue, and the first of them to get the connection commits them all in
        one transaction (one fsync), each in a savepoint of its own, so one refused append
        refuses no other. Each returns once its rows are committed."""
        return self._appends_queue.append((rows, head))

    def _commit(self, batch: list[Append]) -> list[tuple[list[int], int] | Exception]:
        """Commit ``batch`` in one transaction; what each append gets (its refusal, when a
        stream version it writes is taken)."""

        def attempt(conn: sqlite3.Connection) -> list[tuple[list[int], int] | Exception]:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = self._data_version()  # every other commit is before ours
                if len(batch) == 1:  # alone: no savepoint, a refusal rolls it all back
                    outcomes = [self._insert_one(conn, batch[0], version)]
                else:
                    outcomes = self._insert_all(conn, batch, version) or [
                        self._in_savepoint(conn, a, version) for a in batch
                    ]
                if conn.in_transaction:  # (not if its one append was refused)
                    conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return outcomes

        try:
            return self._retrying(attempt)
        except sqlite3.OperationalError as exc:  # the file's: every append gets it
            return [self._file_error(exc) for _ in batch]

    def _insert_one(
        self, conn: sqlite3.Connection, append: Append, version: int
    ) -> tuple[list[int], int] | Exception:
        """One append's rows and head; the IntegrityError refusing it (the transaction
        rolled back) if a stream version is taken."""
        try:
            positions = [conn.execute(self._insert, row).lastrowid or 0 for row in append[0]]
            conn.execute(stream_heads.SQLITE_UPSERT, append[1].row())
        except sqlite3.IntegrityError as refused:
            conn.execute("ROLLBACK")
            return refused
        return positions, version

    def _insert_all(
        self, conn: sqlite3.Connection, batch: list[Append], version: int
    ) -> list[tuple[list[int], int] | Exception] | None:
        """All of ``batch`` in a few statements (None, nothing written, if a stream
        version is taken: then each goes alone). Few statements matter: the connection
        lets go of the GIL for each, and a busy event loop thread keeps it for up to the
        switch interval (5 ms) before this thread gets it back."""
        rows = [row for rows, _ in batch for row in rows]
        heads = [head.row() for _, head in batch]
        positions: list[int] = []
        conn.execute("SAVEPOINT all_appends")
        try:
            for start in range(0, len(rows), _ROWS_A_STATEMENT):
                chunk = rows[start : start + _ROWS_A_STATEMENT]
                values = ",".join(["(?,?,?,?)"] * len(chunk))
                flat = [field for row in chunk for field in row]
                last = conn.execute(f"{self._insert_into} VALUES {values}", flat).lastrowid
                # One statement inserts its rows one after another, each one past the
                # largest rowid: consecutive (the table has no AUTOINCREMENT gaps).
                positions += range((last or 0) - len(chunk) + 1, (last or 0) + 1)
            conn.execute(stream_heads.sqlite_upsert(len(heads)), [f for h in heads for f in h])
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK TO all_appends")
            conn.execute("RELEASE all_appends")
            return None
        conn.execute("RELEASE all_appends")
        outcomes: list[tuple[list[int], int] | Exception] = []
        for rows_of_append, _ in batch:
            outcomes.append((positions[: len(rows_of_append)], version))
            positions = positions[len(rows_of_append) :]
        return outcomes

    def _in_savepoint(
        self, conn: sqlite3.Connection, append: Append, version: int
    ) -> tuple[list[int], int] | Exception:
        """``_insert_one`` inside a savepoint: a refused append leaves the others be."""
        conn.execute("SAVEPOINT one_append")
        try:
            positions = [conn.execute(self._insert, row).lastrowid or 0 for row in append[0]]
            conn.execute(stream_heads.SQLITE_UPSERT, append[1].row())
        except sqlite3.IntegrityError as refused:
            conn.execute("ROLLBACK TO one_append")
            return refused
        finally:
            conn.execute("RELEASE one_append")
        return positions, version

    def _file_error(self, error: Exception) -> Exception:
        """An error of the file, as an append refused by it gets it (one per append)."""
        if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
            return StoreReadOnly(
                f"cannot write to {self._name!r}: this process may only read it (the file, "
                "its directory or its filesystem is read-only), so it was opened for "
                "inspection and nothing was written; write as a user who may, or fix its "
                "permissions"
            )
        return type(error)(*error.args) if isinstance(error, sqlite3.Error) else error

    def heads(self) -> list[Head]:
        """Every stream's recorded head."""
        rows = self._retrying(lambda conn: conn.execute(stream_heads.SQLITE_SELECT).fetchall())
        return [Head.of_row(row) for row in rows]

    def has_stream(self, stream: UUID) -> bool:
        """Whether ``stream`` has any event (one indexed lookup: a new thread costs no more)."""
        return self._retrying(
            lambda conn: conn.execute(self._exists, (stream.hex,)).fetchone() is not None
        )

    def mark(self) -> Mark:
        """Take before reading a thread: the file's data version and our appends so far."""
        return self._retrying(lambda conn: Mark(self._data_version(), self._appends))

    def _retrying(self, attempt: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``attempt`` on the connection; while the file is busy (another process
        writing), wait between tries without holding the connection, so the other
        threads of this process get their turn, until the lock timeout."""
        deadline, pause = time.monotonic() + self._lock_timeout, 0.0005
        while True:
            with self._lock:
                try:
                    return attempt(self._conn)
                except sqlite3.OperationalError as exc:
                    if not _busy(exc) or time.monotonic() > deadline:
                        raise
            time.sleep(pause)
            pause = min(pause * 2, 0.02)

    def _data_version(self) -> int:
        version: int = self._conn.execute("PRAGMA data_version").fetchone()[0]
        return version

    def cached(self, stream: UUID, mark: Mark, cache: Any) -> Any | None:
        """The cached state of ``stream`` if it is the one last marked current and no
        other connection committed since (the file is still at ``mark``'s data version)."""
        current = self._current.get(stream)
        if current is None or current[0] != mark.data_version:
            return None
        try:
            state = cache.get(stream)
        except KeyError:  # evicted since
            return None
        return state if state.version == current[1] else None

    def appended(self, stream: UUID, state: Any, version: int, cache: Any) -> None:
        """Cache ``state``, which this process just appended at data version ``version``:
        the latest until another connection commits."""
        with self._keep_lock:
            self._appends += 1
            self._keep(stream, state, version, cache)

    def read(self, stream: UUID, state: Any, mark: Mark, cache: Any) -> None:
        """Cache ``state``, read up to date after ``mark``, as current; unless this process
        appended meanwhile (to this thread, maybe: then the next read asks again)."""
        with self._keep_lock:
            if self._appends == mark.appends:
                self._keep(stream, state, mark.data_version, cache)

    def _keep(self, stream: UUID, state: Any, version: int, cache: Any) -> None:
        cache.put(stream, state)
        self._current.pop(stream, None)
        self._current[stream] = (version, state.version)
        while len(self._current) > _KEPT:
            del self._current[next(iter(self._current))]

    def close(self) -> None:
        self._appends_queue.close()
        with self._lock:
            self._conn.close()


def _busy(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error) or "busy" in str(error)
