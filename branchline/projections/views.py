"""Views: the read models of every thread, kept in their own SQLite file.

The views follow the store's notification log. Each batch of events is applied in
one transaction together with the tracking position, so every event takes effect
exactly once, whether the views follow an attached store (a query after an append
catches up first: reads see every write, appends pay nothing) or are caught up in bulk
(``catch_up``, ``rebuild``, ``branchline project``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol
from uuid import UUID

from branchline.domain.model.events import ThreadEvent, ThreadStarted
from branchline.domain.model.ids import sharded_position
from branchline.projections import (
    audit,
    checkpoint_tree,
    database,
    pending_interrupts,
    read_models,
    threads,
)
from branchline.projections.audit import Decision
from branchline.projections.checkpoint_tree import CheckpointRow
from branchline.projections.database import ViewsDatabase
from branchline.projections.errors import LogMismatch, UnknownStream, ViewsConfigError
from branchline.projections.pending_interrupts import PendingInterrupt
from branchline.projections.postgres import PgDatabase
from branchline.projections.threads import ThreadRow

BATCH_SIZE = 500
TRACKING_NAME = "branchline.views"


class NotificationLog(Protocol):
    """What the views need of an event store; ``branchline.CheckpointStore`` provides it."""

    @property
    def path(self) -> Path | None:
        """The SQLite file of the log, or None if it lives in memory."""

    @property
    def encrypted(self) -> bool:
        """True if the log is encrypted at rest (its views then stay in memory)."""

    def notifications(self, after: int, limit: int = 500) -> list[tuple[int, ThreadEvent]]:
        """Events of every thread in record order, after a log position."""

    def max_position(self) -> int:
        """The log position of the latest event (0 if none)."""

    def subscribe(self, listener: Callable[[Sequence[tuple[int, ThreadEvent]]], None]) -> None:
        """Call ``listener`` after every successful append."""

    def shard_logs(self) -> Sequence[NotificationLog]:
        """The log of each shard of a sharded store (the log itself otherwise)."""


def tracking_name(shard: int) -> str:
    """The tracking row of a shard's log position (shard 0: the unsharded name)."""
    return TRACKING_NAME if shard == 0 else f"{TRACKING_NAME}#{shard}"


def views_path(store_path: Path | None) -> str:
    """The views file that goes with an events file: ``threads.db`` -> ``threads.views.db``.

    An in-memory store (``None``) gets in-memory views.
    """
    if store_path is None:
        return ":memory:"
    return str(store_path.with_name(f"{store_path.stem}.views{store_path.suffix or '.db'}"))


def _writable(store_path: Path | None) -> bool:
    """Whether this process may write the views file of ``store_path`` (and the events
    file): not so for a read-only file, directory or filesystem, opened to be inspected."""
    if store_path is None:
        return False
    views = Path(views_path(store_path))
    folder = os.access(store_path.absolute().parent, os.W_OK)
    kept = os.access(views, os.W_OK) if views.exists() else folder
    return folder and kept and os.access(store_path, os.W_OK)


def _checked_batch_size(batch_size: int) -> int:
    if batch_size < 1:
        raise ViewsConfigError(
            f"batch_size must be at least 1, got {batch_size!r}; the default is {BATCH_SIZE}"
        )
    return batch_size


class Views:
    """The read models across threads, and the subscriber that keeps them current.

    Open with ``Views.open(path)`` or ``Views.for_store(store)``; the views are a
    context manager and ``close()`` releases the connection.
    """

    def __init__(self, db: ViewsDatabase, *, batch_size: int = BATCH_SIZE) -> None:
        self.db = db
        self.batch_size = _checked_batch_size(batch_size)
        self._streams: dict[UUID, str] = {}
        self._closed = False
        self._lock = threading.Lock()
        self._followed: NotificationLog | None = None  # the attached log, caught up lazily
        self._behind = False

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, batch_size: int = BATCH_SIZE) -> Views:
        """Open or create the views file at ``path`` (``":memory:"`` for memory)."""
        _checked_batch_size(batch_size)  # before a connection exists that would leak
        db = database.open_database(path)
        read_models.open_schema(db)
        return cls(db, batch_size=batch_size)

    @classmethod
    def open_postgres(cls, conn: Any, schema: str, *, batch_size: int = BATCH_SIZE) -> Views:
        """Open or create the views in a store's PostgreSQL schema, over ``conn``, an open
        autocommit psycopg connection that the views then own and close (``branchline
        project`` keeps them current; ``branchline.open_views(store)`` opens them for a
        store)."""
        try:
            _checked_batch_size(batch_size)
        except ViewsConfigError:
            conn.close()  # it was handed over: no leak on the way out
            raise
        db = PgDatabase(conn, schema)
        with database.immediate_transaction(db.conn):
            if db.schema_version() != read_models.SCHEMA_VERSION:
                read_models.drop_schema(db)
                db.set_schema_version(read_models.SCHEMA_VERSION)
            read_models.create_schema(db)
        return cls(db, batch_size=batch_size)

    @classmethod
    def for_store(cls, store: NotificationLog, *, batch_size: int = BATCH_SIZE) -> Views:
        """Open the views file next to a store's events file (see ``views_path``); an
        encrypted store's views stay in memory, so no plaintext copy reaches the disk; so
        do the views of a file this process may not write, so that it can be inspected."""
        path = store.path if not store.encrypted and _writable(store.path) else None
        return cls.open(views_path(path), batch_size=batch_size)

    @property
    def position(self) -> int:
        """The log position up to which every event has been applied."""
        return database.read_position(self.db.conn, TRACKING_NAME)

    # Following the log ---------------------------------------------------------------

    def catch_up(self, log: NotificationLog) -> int:
        """Apply every event recorded since ``position``; return how many were applied.

        Events of types no view handles are skipped (not counted) but still advance
        the position. Each batch is one transaction with its position update.
        """
        with self._lock:
            return self._catch_up(log)

    def _catch_up(self, log: NotificationLog) -> int:
        shards = log.shard_logs()
        return sum(self._catch_up_shard(s, i, len(shards)) for i, s in enumerate(shards))

    def _catch_up_shard(self, log: NotificationLog, shard: int, shards: int) -> int:
        conn, name = self.db.conn, tracking_name(shard)
        applied = 0
        while True:
            with database.immediate_transaction(conn):
                # Read inside the write lock, so two catch-ups never apply one batch twice.
                after = database.read_position(conn, name)
                batch = log.notifications(after=after, limit=self.batch_size)
                # Rows keyed by position (decisions, the inbox) need one number across shards.
                keyed = (
                    batch if shards == 1 else [(sharded_position(p, shard), e) for p, e in batch]
                )
                applied += self._apply(keyed)
                if batch:
                    database.write_position(conn, name, batch[-1][0])
            if len(batch) < self.batch_size:
                return applied

    def rebuild(self, log: NotificationLog) -> int:
        """Drop every view and the tracking position, then replay the whole log."""
        with database.immediate_transaction(self.db.conn):
            read_models.drop_schema(self.db)
            read_models.create_schema(self.db)
        self._streams.clear()
        return self.catch_up(log)

    def attach(self, log: NotificationLog) -> int:
        """Catch up now, then follow ``log`` (see ``follow``).

        Returns the number of events applied now. Raises LogMismatch, applying
        nothing, if the views have seen more of a log than ``log`` holds.
        """
        self.follow(log)
        self._behind = False
        return self.catch_up(log)

    def follow(self, log: NotificationLog) -> None:
        """Follow ``log`` without reading it yet: the first query, and any query after an
        append, catches up first. Reads see every write; opening a store and appending
        pay nothing for the views. Raises LogMismatch if the views have seen more of a
        log than ``log`` holds."""
        end = log.max_position()
        if self.position > end:
            raise LogMismatch(
                f"the views are at log position {self.position} but the store's log ends at "
                f"{end}, so they were built from another log; call rebuild(store) or delete "
                f"the views file {self._filename()!r}"
            )
        self._followed, self._behind = log, self.position < end
        log.subscribe(self._note_append)

    def _note_append(self, appended: Sequence[tuple[int, ThreadEvent]]) -> None:
        """An append happened: the next query catches up first (appends stay cheap)."""
        self._behind = True

    def refresh(self) -> None:
        """Catch up with the attached log if anything was appended since (every query
        does this first)."""
        log = self._followed
        if self._behind and log is not None and not self._closed:
            with self._lock:
                self._behind = False
                self._catch_up(log)

    def _fresh(self) -> ViewsDatabase:
        self.refresh()
        return self.db

    def _apply(self, batch: Sequence[tuple[int, ThreadEvent]]) -> int:
        conn = self.db.conn
        applied = 0
        for position, event in batch:
            if not isinstance(event, read_models.HANDLED_TYPES):
                continue
            read_models.apply(conn, self._thread_id(position, event), event, position)
            applied += 1
        return applied

    def _thread_id(self, position: int, event: ThreadEvent) -> str:
        stream = event.originator_id
        if isinstance(event, ThreadStarted):
            self._streams[stream] = event.thread_id
            return event.thread_id
        thread_id = self._streams.get(stream)
        if thread_id is None:
            thread_id = threads.thread_id_for_stream(self.db.conn, stream)
            if thread_id is None:
                raise UnknownStream(
                    f"{type(event).__name__} at log position {position} belongs to stream "
                    f"{stream}, whose ThreadStarted the views never applied; the views file "
                    "was built from another log: call rebuild(store)"
                )
            self._streams[stream] = thread_id
        return thread_id

    def _filename(self) -> str:
        file = self.db.conn.execute("PRAGMA database_list").fetchone()[2]
        return str(file) if file else ":memory:"

    # Queries -------------------------------------------------------------------------

    def list_threads(self, status: str | None = None, limit: int | None = None) -> list[ThreadRow]:
        """Threads, most recently updated first, optionally only those with ``status``."""
        return threads.list_threads(self._fresh(), status=status, limit=limit)

    def get_thread(self, thread_id: str) -> ThreadRow | None:
        """The row of one thread, or None if the views have not seen it."""
        return threads.get_thread(self._fresh(), thread_id)

    def tree(self, thread_id: str) -> list[CheckpointRow]:
        """Every checkpoint of a thread, oldest first."""
        return checkpoint_tree.tree(self._fresh(), thread_id)

    def children(self, checkpoint_id: str) -> list[CheckpointRow]:
        """The checkpoints made directly from ``checkpoint_id``, oldest first."""
        return checkpoint_tree.children(self._fresh(), checkpoint_id)

    def pending_interrupts(self, thread_id: str | None = None) -> list[PendingInterrupt]:
        """The inbox: unanswered interrupts, oldest first, of every thread or of one."""
        return pending_interrupts.pending(self._fresh(), thread_id)

    def decisions(self, thread_id: str | None = None) -> list[Decision]:
        """The audit log: human decisions, oldest first, on every thread or on one."""
        return audit.decisions(self._fresh(), thread_id)

    # Lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Release the connection; an attached store's later appends are ignored."""
        if not self._closed:
            self._closed = True
            self.db.close()

    def __enter__(self) -> Views:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
