"""Views: the read models of every thread, kept in their own SQLite file.

The views follow the store's notification log. Each batch of events is applied in
one transaction together with the tracking position, so every event takes effect
exactly once, whether the views follow an attached store (a query after an append
catches up first: reads see every write, appends pay nothing) or are caught up in bulk
(``catch_up``, ``rebuild``, ``branchline project``).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from uuid import UUID

from branchline.domain.model.errors import UnreadableEvent
from branchline.domain.model.events import ThreadEvent, ThreadStarted
from branchline.domain.model.ids import sharded_position
from branchline.projections import (
    audit,
    checkpoint_tree,
    database,
    pending_interrupts,
    read_models,
    skipped,
    threads,
)
from branchline.projections.audit import Decision
from branchline.projections.checkpoint_tree import CheckpointRow
from branchline.projections.database import ViewsDatabase
from branchline.projections.errors import (
    ConnectionLost,
    LogMismatch,
    UnknownStream,
    ViewsConfigError,
)
from branchline.projections.notification_log import NotificationLog
from branchline.projections.pending_interrupts import PendingInterrupt
from branchline.projections.postgres import PgDatabase
from branchline.projections.skipped import SkippedEvent
from branchline.projections.threads import ThreadRow

logger = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[int], None]  # told how many log rows each catch-up batch read
BATCH_SIZE = 500
# What passes an event over instead of stopping the views: it cannot be read, it
# contradicts the rows already there, or its thread's start was never applied.
_SKIPPABLE = (UnreadableEvent, UnknownStream, sqlite3.IntegrityError)
TRACKING_NAME = "branchline.views"


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
        # PostgreSQL: other processes append too, so every query catches up first.
        self._shared = isinstance(db, PgDatabase)

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, batch_size: int = BATCH_SIZE) -> Views:
        """Open or create the views file at ``path`` (``":memory:"`` for memory)."""
        _checked_batch_size(batch_size)  # before a connection exists that would leak
        db = database.open_database(path)
        read_models.open_schema(db)
        return cls(db, batch_size=batch_size)

    @classmethod
    def open_postgres(
        cls, connect: Callable[[], Any], schema: str, *, batch_size: int = BATCH_SIZE
    ) -> Views:
        """Open or create the views in a store's PostgreSQL schema, over connections that
        ``connect`` opens (autocommit psycopg ones; a dropped one is opened again).
        ``branchline.open_views(store)`` opens them for a store; any process may catch
        them up, and ``branchline project`` keeps them current for everyone."""
        _checked_batch_size(batch_size)
        db = PgDatabase(connect, schema)
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
        do the views of a file this process may not write, so that it can be inspected. A
        damaged views file is rebuilt from the log, with a warning."""
        path = views_path(store.path if not store.encrypted and _writable(store.path) else None)
        try:
            return cls.open(path, batch_size=batch_size)
        except sqlite3.DatabaseError as error:
            if type(error) is not sqlite3.DatabaseError:  # locked, full, unreachable
                raise
        logger.warning("the views file %s is damaged: rebuilding it from the log", path)
        for damaged in (path, f"{path}-wal", f"{path}-shm"):
            Path(damaged).unlink(missing_ok=True)
        return cls.open(path, batch_size=batch_size)

    @property
    def position(self) -> int:
        """The log position up to which every event has been applied."""
        return database.read_position(self.db.conn, TRACKING_NAME)

    # Following the log ---------------------------------------------------------------

    def catch_up(self, log: NotificationLog, progress: Progress | None = None) -> int:
        """Apply every event recorded since ``position``; return how many were applied.

        Events of types no view handles are skipped (not counted) but still advance
        the position. Each batch is one transaction with its position update;
        ``progress(rows)`` is told how many log rows each batch read.
        """
        with self._lock:
            return self._catch_up(log, progress)

    def backlog(self, log: NotificationLog) -> int:
        """About how many log rows a catch-up has to read (the positions not yet seen)."""
        return sum(
            max(0, shard_log.max_position() - self._seen(shard))
            for shard, shard_log in enumerate(log.shard_logs())
        )

    def _seen(self, shard: int) -> int:
        return database.read_position(self.db.conn, tracking_name(shard))

    def _catch_up(self, log: NotificationLog, progress: Progress | None = None) -> int:
        shards = log.shard_logs()
        return sum(self._catch_up_shard(s, i, len(shards), progress) for i, s in enumerate(shards))

    def _catch_up_shard(
        self, log: NotificationLog, shard: int, shards: int, progress: Progress | None
    ) -> int:
        conn, name = self.db.conn, tracking_name(shard)
        applied = 0
        while True:
            with database.immediate_transaction(conn):
                if isinstance(self.db, PgDatabase):
                    self.db.lock_transaction(TRACKING_NAME)  # SQLite: BEGIN IMMEDIATE does
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
            if progress is not None:
                progress(len(batch))
            if len(batch) < self.batch_size:
                return applied

    def rebuild(self, log: NotificationLog, progress: Progress | None = None) -> int:
        """Drop every view and the tracking position, then replay the whole log."""
        self.clear()
        return self.catch_up(log, progress)

    def clear(self) -> None:
        """Drop every view and the tracking position: the next catch-up replays the log."""
        with database.immediate_transaction(self.db.conn):
            read_models.drop_schema(self.db)
            read_models.create_schema(self.db)
        self._streams.clear()

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
        behind = False
        for shard, shard_log in enumerate(log.shard_logs()):
            seen = self._seen(shard)
            end = shard_log.max_position()
            if seen > end:
                raise LogMismatch(
                    f"the views are at log position {seen} but the store's log ends at "
                    f"{end}, so they were built from another log (or the log was restored "
                    f"from an older backup); call rebuild(store) or delete the views file "
                    f"{self._filename()!r}"
                )
            behind = behind or seen < end
        self._followed, self._behind = log, behind
        log.subscribe(self._note_append)

    def _note_append(self, appended: Sequence[tuple[int, ThreadEvent]]) -> None:
        """An append happened: the next query catches up first (appends stay cheap)."""
        self._behind = True

    def refresh(self) -> None:
        """Catch up with the attached log if anything was appended since (every query
        does this first; on PostgreSQL, where other processes append, always). A catch-up
        that failed (a full disk) is tried again by the next query."""
        log = self._followed
        if (self._behind or self._shared) and log is not None and not self._closed:
            with self._lock:
                self._behind = False
                try:
                    self._catch_up(log)
                except BaseException:
                    self._behind = True
                    raise

    def _read(self, query: Callable[[ViewsDatabase], T]) -> T:
        """Catch up, then run ``query``; once more on a new connection if the PostgreSQL
        server dropped the one in use."""
        try:
            self.refresh()
            return query(self.db)
        except ConnectionLost as lost:
            logger.warning("%s; trying again", lost)
            self.refresh()
            return query(self.db)

    def _apply(self, batch: Sequence[tuple[int, ThreadEvent | UnreadableEvent]]) -> int:
        """Apply a batch; if one of its events cannot be applied, apply them one at a time
        and pass over (recording in ``skipped``) the ones that fail."""
        conn = self.db.conn
        conn.execute("SAVEPOINT batch")
        try:
            applied = sum(self._apply_one(position, event) for position, event in batch)
        except _SKIPPABLE:
            conn.execute("ROLLBACK TO SAVEPOINT batch")
            applied = sum(self._apply_or_skip(position, event) for position, event in batch)
        conn.execute("RELEASE SAVEPOINT batch")
        return applied

    def _apply_one(self, position: int, event: ThreadEvent | UnreadableEvent) -> int:
        if isinstance(event, UnreadableEvent):
            raise event
        if not isinstance(event, read_models.HANDLED_TYPES):
            return 0
        read_models.apply(self.db.conn, self._thread_id(position, event), event, position)
        return 1

    def _apply_or_skip(self, position: int, event: ThreadEvent | UnreadableEvent) -> int:
        conn = self.db.conn
        conn.execute("SAVEPOINT event")
        try:
            applied = self._apply_one(position, event)
        except _SKIPPABLE as error:
            conn.execute("ROLLBACK TO SAVEPOINT event")
            stream = event.stream if isinstance(event, UnreadableEvent) else event.originator_id
            thread_id = None if stream is None else self._known_thread(stream)
            logger.warning("the views passed over log position %d: %s", position, error)
            skipped.record(conn, position, thread_id, str(error))
            applied = 0
        conn.execute("RELEASE SAVEPOINT event")
        return applied

    def _thread_id(self, position: int, event: ThreadEvent) -> str:
        if isinstance(event, ThreadStarted):
            self._streams[event.originator_id] = event.thread_id
            return event.thread_id
        thread_id = self._known_thread(event.originator_id)
        if thread_id is None:
            raise UnknownStream(
                f"{type(event).__name__} at log position {position} belongs to stream "
                f"{event.originator_id}, whose start the views never applied (unreadable, "
                "removed, or the views were built from another log)"
            )
        return thread_id

    def _known_thread(self, stream: UUID) -> str | None:
        thread_id = self._streams.get(stream)
        if thread_id is None:
            thread_id = threads.thread_id_for_stream(self.db.conn, stream)
            if thread_id is not None:
                self._streams[stream] = thread_id
        return thread_id

    def _filename(self) -> str:
        if isinstance(self.db, PgDatabase):
            return f"PostgreSQL schema {self.db.schema}"
        file = self.db.conn.execute("PRAGMA database_list").fetchone()[2]
        return str(file) if file else ":memory:"

    # Queries -------------------------------------------------------------------------

    def list_threads(
        self, status: str | None = None, limit: int | None = None, subgraphs_of: str | None = None
    ) -> list[ThreadRow]:
        """Threads, most recently updated first, optionally only those with ``status``;
        root threads, or the subgraph threads thread ``subgraphs_of`` ran."""
        return self._read(lambda db: threads.list_threads(db, status, limit, subgraphs_of))

    def get_thread(self, thread_id: str) -> ThreadRow | None:
        """The row of one thread, or None if the views have not seen it."""
        return self._read(lambda db: threads.get_thread(db, thread_id))

    def tree(self, thread_id: str) -> list[CheckpointRow]:
        """Every checkpoint of a thread, oldest first."""
        return self._read(lambda db: checkpoint_tree.tree(db, thread_id))

    def children(self, checkpoint_id: str) -> list[CheckpointRow]:
        """The checkpoints made directly from ``checkpoint_id``, oldest first."""
        return self._read(lambda db: checkpoint_tree.children(db, checkpoint_id))

    def pending_interrupts(self, thread_id: str | None = None) -> list[PendingInterrupt]:
        """The inbox: unanswered interrupts, oldest first, of every thread or of one."""
        return self._read(lambda db: pending_interrupts.pending(db, thread_id))

    def decisions(self, thread_id: str | None = None) -> list[Decision]:
        """The audit log: human decisions, oldest first, on every thread or on one."""
        return self._read(lambda db: audit.decisions(db, thread_id))

    def skipped_events(self) -> list[SkippedEvent]:
        """Events the views passed over because they could not apply them (see
        ``projections.skipped``), in log order; normally none."""
        return self._read(skipped.skipped)

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
