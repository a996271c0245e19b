"""The eventsourcing application under the store: streams, stored rows, decoding.

An append is one transaction, guarded by the stream version (on SQLite through the
store's own connection, ``domain.sqlitefile``). Reading a long stream is where the
library's per-row objects cost most, so this module reads SQLite rows as plain tuples
and decodes a stream in one JSON document.

Events are stored compactly (``EventMapper``): a field left at its default is
omitted, a tuple field is a JSON list and a UTC timestamp a plain ISO string, so a
typical event is half the bytes of its fully tagged form and decodes in a third of
the time. Rows in the fully tagged form (written before) read back the same way.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import (
    IntegrityError,
    Mapper,
    OperationalError,
    StoredEvent,
    Transcoder,
)
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import Environment, EnvType

from branchline.domain.model import clock
from branchline.domain.model.events import ThreadEvent, ThreadSnapshot, ThreadStarted
from branchline.domain.model.evolve import project
from branchline.domain.model.thread import Thread
from branchline.domain.store.chain import (
    ChainReport,
    Sealing,
    before_chaining,
    genesis,
    unseal,
    verify,
)
from branchline.domain.store.codec import Codec
from branchline.domain.store.compact_form import restored
from branchline.domain.store.event_mapper import EventMapper, event_class
from branchline.domain.store.off_loop import off_loop_call
from branchline.domain.store.recorder_appends import RecorderAppends
from branchline.domain.store.sqlitefile import SQLiteFile
from branchline.domain.store.storage_faults import reaching_server, server_name
from branchline.domain.store.stream_heads import Head, MemoryHeads, PostgresHeads

logger = logging.getLogger(__name__)

_PAGE = 500  # log rows read at a time
_HEADS_KEPT = 10_000  # chain heads remembered, so an append need not read its base back


@dataclass(frozen=True)
class Appended:
    """What an append wrote: the new state and the log positions of its events."""

    thread: Thread
    first_position: int
    last_position: int


class Row(NamedTuple):
    """One stored event, as read: what the mapper needs of a ``StoredEvent``."""

    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class Written(NamedTuple):
    """One appended event: its log position and its stored size in bytes."""

    position: int
    event: ThreadEvent
    size: int


class EventLog(Application[UUID]):
    """The eventsourcing application that holds the thread streams, and reads them fast."""

    name = "Branchline"

    def __init__(self, env: EnvType, codec: Codec, name: str = "Branchline") -> None:
        self.name = name  # PostgreSQL names the tables after it: <name>_events, ...
        self._codec = codec
        self._heads: dict[UUID, tuple[int, str]] = {}  # stream -> (version, chain head)
        self._heads_lock = threading.Lock()
        # stream -> (events, bytes) since its last snapshot, and that snapshot's size
        self._since_snapshot: dict[UUID, tuple[int, int, int]] = {}
        self.server = server_name(dict(env))  # PostgreSQL: named when it is out of reach
        super().__init__(env)
        # Wherever the library rebuilds a thread (a cache miss, a past version), it does so
        # as ``_reconstructed`` says; a cached thread it still fast-forwards itself.
        self.repository._reconstruct_aggregate = self._reconstructed  # type: ignore[method-assign, assignment]
        table = getattr(self.recorder, "events_table_name", "")
        self._file = SQLiteFile.of(dict(env), table)  # None unless an SQLite file
        self._appends: RecorderAppends | None = None  # not for an SQLite file (SQLiteFile)
        self._recorded_heads: MemoryHeads | PostgresHeads | None = None  # SQLite: the file's
        if getattr(self.recorder, "datastore", None) is not None and self._file is None:
            create = str(dict(env).get("CREATE_TABLE", "y")).lower() in ("y", "yes", "true", "1")
            self._recorded_heads = PostgresHeads(self.recorder, create=create)
        elif self._file is None:
            self._recorded_heads = MemoryHeads()
        if self._recorded_heads is not None:  # grouped on PostgreSQL (see recorder_appends)
            grouped = self.server is not None
            self._appends = RecorderAppends(self.recorder, self._recorded_heads, grouped)

    def latest(self, stream: UUID) -> Thread:
        """A thread at its newest version (AggregateNotFoundError if it has none): cached,
        with no query, while nobody else wrote to the SQLite file (``domain.sqlitefile``)."""
        file, cache = self._file, self.repository.cache
        if file is None or cache is None:
            latest = self.get(stream)
            if cache is not None:  # the library leaves the older state cached
                cache.put(stream, latest)
            return latest
        mark = file.mark()
        cached = file.cached(stream, mark, cache)
        if cached is not None:
            return cast(Thread, cached)
        if not file.has_stream(stream):  # the library would look for a snapshot first
            raise AggregateNotFoundError(stream)
        thread = self.get(stream)
        file.read(stream, thread, mark, cache)
        return thread

    @reaching_server
    def get(self, stream: UUID, version: int | None = None) -> Thread:
        """A thread at ``version`` (default: its newest)."""
        return self.repository.get(stream, version=version, projector_func=project)

    def _reconstructed(self, stream: UUID, version: int | None, *_: Any) -> Thread:
        """A thread from its latest snapshot at ``version`` and the events after it, read in
        one query with the event the snapshot follows: the snapshot is used only if it is
        sealed to that event's digest. An edited snapshot (or one from before snapshots
        were sealed) is passed over, with a warning, for all the thread's events."""
        assert self.snapshots is not None
        found = self.snapshots.recorder.select_events(stream, lte=version, desc=True, limit=1)
        start = found[0].originator_version if found else 0
        rows = self.select(stream, gt=start - 1 if found else None, lte=version)
        if found:
            follows = self._digest_at(stream, rows, start)
            snapshot = self.event_mapper.proven_snapshot(found[0], follows)
            if snapshot is not None:
                return cast(Thread, project(None, [snapshot, *self.decoded(rows[1:])]))
            logger.warning(
                "snapshot at event %d of stream %s does not match it; folding the events instead",
                start,
                stream,
            )
            rows = self.select(stream, lte=version)
        if not rows:
            raise AggregateNotFoundError(stream)
        return cast(Thread, project(None, self.decoded(rows)))

    def _digest_at(self, stream: UUID, rows: Sequence[Row], version: int) -> str | None:
        """The chain digest of the event at ``version``, if it heads ``rows``."""
        if not rows or rows[0].originator_version != version:
            return None
        return unseal(self.event_mapper.plain(rows[0].state))[1] or before_chaining(stream, version)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._appends is not None:
            self._appends.close()
        super().close()

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Only what the store was given: os.environ is read once, by from_env().
        return Environment(name, dict(env or {}))

    def construct_transcoder(self) -> Transcoder:
        return self._codec

    def construct_mapper(self) -> Mapper[UUID]:
        # The environment still chooses the cipher and compressor, if any.
        return self.factory.mapper(transcoder=self._codec, mapper_class=EventMapper)

    # Sealed appends ---------------------------------------------------------------

    @reaching_server
    def save_sealed(
        self, thread: Thread, base_version: int, events: Sequence[ThreadEvent]
    ) -> list[Written]:
        """Save one stream's events (one transaction), sealed into its chain; ``thread``
        is the state they lead to, kept in the cache."""
        stream, cache = thread.id, self.repository.cache
        heads = {stream: self._chain_head(stream, base_version)}
        version = None  # the data version of the SQLite file the append was made at
        with Sealing(heads):
            stored = [self.mapper.to_stored_event(event) for event in events]
        head = Head(thread.thread_id, stream, events[-1].originator_version, heads[stream])
        if self._appends is not None:
            # The recorder directly: ``save`` would first check each event against
            # the library's runtime-checkable protocols (a fifth of a superstep).
            positions = self._appends.put(stream, stored, head)
        else:
            assert self._file is not None  # no recorder appends: an SQLite file
            positions, version = self._insert(self._file, stored, head)
        written = [
            Written(n, event, len(row.state))
            for event, row, n in zip(events, stored, positions, strict=True)
        ]
        with self._heads_lock:  # appends of several threads of ours may trim at once
            self._heads[stream] = (events[-1].originator_version, heads[stream])
            while len(self._heads) > _HEADS_KEPT:
                del self._heads[next(iter(self._heads))]
        if cache is not None and self._file is not None and version is not None:
            self._file.appended(stream, thread, version, cache)
        elif cache is not None:
            cache.put(stream, thread)
        return written

    @reaching_server
    def recorded_heads(self) -> list[Head] | None:
        """Every stream's head as recorded with its appends (None: not recorded here)."""
        if self._file is not None:
            return self._file.heads()
        return None if self._recorded_heads is None else self._recorded_heads.all()

    @staticmethod
    def _insert(file: SQLiteFile, stored: list[StoredEvent], head: Head) -> tuple[list[int], int]:
        rows = [  # our mapper's stream ids are UUIDs
            (cast(UUID, s.originator_id).hex, s.originator_version, s.topic, s.state)
            for s in stored
        ]
        try:
            return file.insert(rows, head)
        except sqlite3.IntegrityError as exc:  # the library's, as its recorder would raise
            raise IntegrityError(exc) from exc
        except sqlite3.OperationalError as exc:
            raise OperationalError(exc) from exc

    @reaching_server
    def snapshot_after(self, thread: Thread, count: int, size: int, interval: int) -> None:
        """Snapshot ``thread`` after ``interval`` events, and not before the events since
        the last snapshot weigh twice as much as it: a growing state (a long chat) then
        gets geometrically rarer snapshots, which together cost at most about half the log.
        ``count`` events of ``size`` bytes were just appended.
        """
        events, written, last_size = self._since_snapshot.get(thread.id, (0, 0, 0))
        events, written = events + count, written + size
        if events < interval or written < 2 * last_size:
            self._since_snapshot[thread.id] = (events, written, last_size)
            return
        snapshot = ThreadSnapshot(
            originator_id=thread.id,
            originator_version=thread.version,
            timestamp=clock.now(),
            state=thread.to_snapshot_state(),
        )
        assert self.snapshots is not None
        with Sealing({thread.id: self._chain_head(thread.id, thread.version)}):
            stored = self.mapper.to_stored_event(snapshot)  # sealed to the event it follows
        try:
            off_loop_call(self.snapshots.recorder.insert_events, [stored])
        except Exception:  # the events are committed; a missing snapshot only slows reads
            logger.exception("could not store a snapshot of thread %r", thread.thread_id)
            return
        self._since_snapshot[thread.id] = (0, 0, len(stored.state))

    def _chain_head(self, stream: UUID, version: int) -> str:
        """The digest the event after ``version`` chains to: remembered, or read back."""
        if version == 0:
            return genesis(stream)
        known = self._heads.get(stream)
        if known is not None and known[0] == version:
            return known[1]
        rows = off_loop_call(self.select, stream, gt=version - 1, lte=version)
        digest = unseal(self.event_mapper.plain(rows[0].state))[1] if rows else None
        return digest or before_chaining(stream, version)

    @reaching_server
    def verify(
        self, thread_id: str, stream: UUID, anchor: tuple[int, str] | None = None
    ) -> ChainReport:
        """Recompute a stream's chain from its stored bytes (see ``chain``), through the
        exported head ``anchor`` if one is given."""
        plain = self.event_mapper.plain
        rows = self.select(stream)
        return verify(
            thread_id,
            stream,
            ((r.originator_version, r.topic, plain(r.state)) for r in rows),
            self.event_mapper.audit_key,
            anchor,
        )

    @reaching_server
    def thread_streams(self) -> Iterator[tuple[str, UUID]]:
        """``(thread id, stream)`` of every thread, from the log itself (not the views)."""
        after: int | None = None
        while True:
            rows = self.recorder.select_notifications(
                after, _PAGE, topics=[ThreadStarted.TOPIC], inclusive_of_start=False
            )
            for row in rows:
                try:
                    started = self.mapper.to_domain_event(row)
                    name = cast(ThreadStarted, started).thread_id
                except Exception:  # damaged or unreadable: verify() names the event
                    name = f"(stream {row.originator_id})"
                stream = row.originator_id
                yield name, stream if isinstance(stream, UUID) else UUID(str(stream))
            if len(rows) < _PAGE:
                return
            after = rows[-1].id

    @property
    def event_mapper(self) -> EventMapper:
        return cast(EventMapper, self.mapper)

    @property
    def audit_key(self) -> bytes | None:
        """The key the chains are sealed with, if the store has one."""
        return self.event_mapper.audit_key

    @reaching_server
    def select(
        self,
        sid: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[Row]:
        """A stream's stored rows. On SQLite, read as plain tuples: the library's reader
        builds a ``StoredEvent`` and a ``UUID`` per row, most of the cost of a long read."""
        recorder = self.recorder
        if not isinstance(recorder, SQLiteAggregateRecorder):
            return recorder.select_events(sid, gt=gt, lte=lte, desc=desc, limit=limit)  # type: ignore[return-value]
        where: list[str] = ["originator_id=?"]
        params: list[Any] = [sid.hex]
        for clause, value in (("originator_version>?", gt), ("originator_version<=?", lte)):
            if value is not None:
                where.append(clause)
                params.append(value)
        statement = (
            f"SELECT originator_version, topic, state FROM {recorder.events_table_name} "
            f"WHERE {' AND '.join(where)} ORDER BY originator_version {'DESC' if desc else 'ASC'}"
        )
        if limit is not None:
            statement += f" LIMIT {int(limit)}"
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            return [Row(sid, v, topic, state) for v, topic, state in cursor.fetchall()]

    def decoded(self, rows: Sequence[Row]) -> list[ThreadEvent]:
        """Stored rows as events, decoded in one JSON document when there are many.

        One ``json.loads`` of a whole stream costs about half of one per event; the
        events are the ones ``EventMapper`` gives, upcast the same way.
        """
        mapper = self.mapper
        if len(rows) < 16 or mapper.cipher is not None or mapper.compressor is not None:
            return [mapper.to_domain_event(row) for row in rows]  # type: ignore[arg-type, misc]
        states = self._codec.decode(b"[" + b",".join(unseal(row.state)[0] for row in rows) + b"]")
        return [
            restored(
                event_class(row.topic, row.originator_id, row.originator_version),
                row.originator_id,
                row.originator_version,
                state,
            )
            for row, state in zip(rows, states, strict=True)
        ]
