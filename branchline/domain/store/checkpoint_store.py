"""CheckpointStore: threads' event streams on eventsourcing (memory, SQLite, PostgreSQL).

One stream per thread; an append is one transaction, guarded by the stream version,
so two writers racing on one thread cannot both win. The store keeps snapshots of
threads' folded state so that reading any checkpoint folds a bounded number of
events, a bounded cache of hot threads, and the timelines of the threads listed lately
(``kept_timelines``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from branchline.domain.model.errors import CheckpointNotFound, ConcurrentUpdate, StoreConfigError
from branchline.domain.model.events import (
    EVENT_TYPES,
    CheckpointEvent,
    Forked,
    StateUpdated,
    StepCompleted,
    ThreadEvent,
)
from branchline.domain.model.evolve import project
from branchline.domain.model.ids import checkpoint_version, stream_id
from branchline.domain.model.thread import Thread
from branchline.domain.model.timeline import Timeline
from branchline.domain.store.backends import (
    is_postgres,
    postgres_env,
    prepare_schema,
    sqlite_env,
)
from branchline.domain.store.chain import ChainReport
from branchline.domain.store.chain import audit_key as chain_key
from branchline.domain.store.codec import thread_codec
from branchline.domain.store.encryption import KeyCheck, cipher_env
from branchline.domain.store.eventlog import Appended, EventLog
from branchline.domain.store.kept_timelines import KeptTimelines
from branchline.domain.store.off_loop import io_method, off_loop_call
from branchline.domain.store.shards import (
    Notification,
    ShardLog,
    shard_of,
    single_log,
    table_prefixes,
)
from branchline.domain.store.stream_heads import anchors_of, audit_logs, export

logger = logging.getLogger(__name__)

DEFAULT_SNAPSHOT_INTERVAL = 100
_STEP_READ = 32  # events read at a time while collecting one checkpoint's step
_CHECKPOINT_TOPICS = frozenset(t.TOPIC for t in EVENT_TYPES if issubclass(t, CheckpointEvent))
DEFAULT_CACHE_SIZE = 1000
DEFAULT_MAX_EVENT_BYTES = 16_000_000


class CheckpointStore:
    """Durable storage of thread event streams.

    Use a constructor: ``in_memory()``, ``sqlite(path)`` or ``from_env()``. The store
    is a context manager; ``close()`` releases its connections.

    Options: ``types`` allow-lists the dataclasses and pydantic models your state holds
    (needed to read them in a process that has not written one yet); ``snapshot_interval``
    and ``cache_size`` tune reads; ``lenient=True`` lets a read-only tool show values of
    classes it cannot import; ``max_event_bytes`` bounds one stored event; ``audit_key``
    seals their chains; ``encryption_key`` encrypts them, if it fits the database.
    """

    dsn: str | None = None  # PostgreSQL only: where the store (and its views) live
    schema: str | None = None

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        shards: int = 1,
        path: Path | None = None,
        types: Iterable[type] = (),
        snapshot_interval: int = DEFAULT_SNAPSHOT_INTERVAL,
        cache_size: int = DEFAULT_CACHE_SIZE,
        lenient: bool = False,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
        encryption_key: str | None = None,
        audit_key: str | None = None,
    ) -> None:
        if snapshot_interval < 1:
            raise StoreConfigError(
                f"snapshot_interval must be at least 1, got {snapshot_interval!r}"
            )
        if cache_size < 0:
            raise StoreConfigError(f"cache_size must be 0 (off) or more, got {cache_size!r}")
        sealing_key = None if audit_key is None else chain_key(audit_key)
        self.codec = thread_codec(types, lenient=lenient)
        settings = {
            "IS_SNAPSHOTTING_ENABLED": "y",
            "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",  # folded states are immutable
            **({"AGGREGATE_CACHE_MAXSIZE": str(cache_size)} if cache_size else {}),
            **(cipher_env(encryption_key) if encryption_key is not None else {}),
            **env,
        }
        if shards > 1 and env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
            raise StoreConfigError(f"shards={shards}: only PostgreSQL is sharded; leave it out")
        self._logs = [EventLog(settings, self.codec, name) for name in table_prefixes(shards)]
        for log in self._logs:
            log.event_mapper.max_bytes = max_event_bytes
            log.event_mapper.audit_key = sealing_key
        self.encrypted = encryption_key is not None
        self.path = path
        self.embedded = env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres"
        self.kept_in_memory = env.get("PERSISTENCE_MODULE") == "eventsourcing.popo"
        self.snapshot_interval = snapshot_interval
        self._listeners: list[Callable[[list[tuple[int, ThreadEvent]]], None]] = []
        self._kept = KeptTimelines(lambda t, after: self.events(t, after=after), cache_size)
        self._on_close: list[Callable[[], None]] = []
        self._closed = False

    def _log(self, thread_id: str) -> EventLog:
        """The event log that holds ``thread_id`` (its shard's)."""
        logs = self._logs
        return logs[0] if len(logs) == 1 else logs[shard_of(thread_id, len(logs))]

    # Constructors ------------------------------------------------------------------

    @classmethod
    def in_memory(cls, **options: Any) -> CheckpointStore:
        """A store that lives in this process only (tests, notebooks)."""
        return cls({"PERSISTENCE_MODULE": "eventsourcing.popo"}, **options)

    @classmethod
    def sqlite(
        cls, path: str | os.PathLike[str], *, lock_timeout: int = 5, **options: Any
    ) -> CheckpointStore:
        """A durable store in one SQLite file (WAL, synchronous=FULL)."""
        file = Path(path)
        env = sqlite_env(file, lock_timeout)  # refuses a file that is not a Branchline one
        check = KeyCheck.sqlite(file, options.get("encryption_key"))  # before any write
        return check.settled(cls(env, path=file, **options))

    @classmethod
    def postgres(
        cls,
        dsn: str,
        *,
        schema: str = "public",
        create_tables: bool = False,
        shards: int | None = None,
        pool_size: int = 5,
        lock_timeout: int = 0,
        **options: Any,
    ) -> CheckpointStore:
        """A store in PostgreSQL at ``dsn`` (``postgresql://user@host:port/dbname``).

        Run ``branchline db init`` (or pass ``create_tables=True`` from one process) once
        before starting workers: workers leave the schema alone, since many processes
        creating tables at once fail. ``shards`` (with ``create_tables``) spreads threads
        over that many event tables (``domain.shards``); workers read the count ``db init``
        recorded. ``lock_timeout`` (seconds, 0 = wait)
        bounds the wait for the append lock; ``pool_size`` is connections per process.
        """
        env = postgres_env(dsn, schema, create_tables, pool_size, lock_timeout)
        check = KeyCheck.postgres(dsn, schema, options.get("encryption_key"))  # before any write
        shards = prepare_schema(dsn, schema, create=create_tables, shards=shards)
        store = cls(env, shards=shards, **options)
        store.dsn, store.schema = dsn, schema
        return check.settled(store)

    @classmethod
    def open(cls, target: str | os.PathLike[str], **options: Any) -> CheckpointStore:
        """The store at ``target``: a ``postgresql://`` URL, ``:memory:``, or an SQLite path."""
        text = os.fspath(target)
        if text == ":memory:":
            return cls.in_memory(**options)
        if is_postgres(text):
            return cls.postgres(text, **options)
        return cls.sqlite(text, **options)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> CheckpointStore:
        """Configure from ``BRANCHLINE_DB``: an SQLite path (the default, ``./branchline.db``),
        ``:memory:``, or a ``postgresql://`` URL, whose schema ``BRANCHLINE_PG_SCHEMA``
        names (default ``public``); ``BRANCHLINE_ENCRYPTION_KEY`` is the encryption key
        (read here only), ``BRANCHLINE_AUDIT_KEY`` the key that seals the chains."""
        source = os.environ if environ is None else environ
        db = source.get("BRANCHLINE_DB", "branchline.db")
        if is_postgres(db):
            options.setdefault("schema", source.get("BRANCHLINE_PG_SCHEMA", "public"))
        options.setdefault("encryption_key", source.get("BRANCHLINE_ENCRYPTION_KEY") or None)
        options.setdefault("audit_key", source.get("BRANCHLINE_AUDIT_KEY") or None)
        return cls.open(db, **options)

    # Reading -----------------------------------------------------------------------

    @io_method
    def load(self, thread_id: str, version: int | None = None) -> Thread | None:
        """The folded state of a thread, at its latest version or at ``version``."""
        log, stream = self._log(thread_id), stream_id(thread_id)
        try:
            if version is None:
                return log.latest(stream)
            return log.get(stream, version)
        except AggregateNotFoundError:
            return None

    @io_method
    def load_checkpoint(self, thread_id: str, version: int) -> Thread | None:
        """A checkpoint with what its step recorded (results, questions, answers), or None:
        the state ``timeline()`` gives for it, taken from the kept timeline of a thread
        listed lately, else read without reading the whole stream."""
        if thread_id in self._kept:  # a UI lists, then opens one: it is at hand
            return self._kept.state_at(thread_id, version)
        thread = self.load(thread_id, version)
        if thread is None or thread.head is None or thread.head.version != version:
            return None
        return (
            Timeline.starting_at(thread).extend(self._step_of(thread_id, version)).states[version]
        )

    def checkpoint(self, thread_id: str, checkpoint: str) -> Thread:
        """A checkpoint by its public id, with its step's records; CheckpointNotFound if the
        id is malformed, of another thread, or names no checkpoint of this one."""
        version = checkpoint_version(thread_id, checkpoint)
        found = self.load_checkpoint(thread_id, version) if version > 0 else None
        if found is None:
            raise CheckpointNotFound(
                f"checkpoint_id {checkpoint!r} is not a checkpoint of thread {thread_id!r}; "
                "list them with get_state_history(config)"
            )
        return found

    @io_method
    def recent_states(self, thread_id: str, limit: int, below: int | None = None) -> list[Thread]:
        """The newest ``limit`` checkpoints (below ``below``), newest first, as the timeline
        has them: from the kept timeline if the thread has one, otherwise one snapshot
        load and a fold to the last, not the whole stream."""
        if thread_id in self._kept:
            return self._kept.newest(thread_id, limit, below)
        versions = list(islice(self.recent_checkpoints(thread_id, below), limit))
        if not versions:
            return []
        base = self.load(thread_id, versions[-1])
        assert base is not None
        timeline = Timeline.starting_at(base)
        timeline.extend(self.events(thread_id, after=base.version, upto=versions[0]))
        timeline.extend(self._step_of(thread_id, versions[0]))
        return [timeline.states[v] for v in versions]

    def _step_of(self, thread_id: str, version: int) -> Iterator[ThreadEvent]:
        """The events right after checkpoint ``version`` until the next checkpoint (or fork)."""
        after, sid, log = version, stream_id(thread_id), self._log(thread_id)
        while True:
            rows = log.select(sid, gt=after, limit=_STEP_READ)
            for event in log.decoded(rows):
                if isinstance(event, StepCompleted | StateUpdated) and event.results:
                    yield event  # it carries the step's results, the last of the step
                if isinstance(event, CheckpointEvent | Forked):
                    return
                yield event
            if len(rows) < _STEP_READ:
                return
            after = rows[-1].originator_version

    def events(
        self, thread_id: str, *, after: int | None = None, upto: int | None = None
    ) -> Iterator[ThreadEvent]:
        """The events of a thread in stream order, optionally within ``(after, upto]``."""
        log = self._log(thread_id)
        yield from log.decoded(log.select(stream_id(thread_id), gt=after, lte=upto))

    def checkpoint_states(self, thread_id: str) -> list[Thread]:
        """Each checkpoint of a thread, oldest first: its own ``values``, and as ``results``
        the tasks that finished (or failed) before the next checkpoint."""
        return self.timeline(thread_id).checkpoints()

    @io_method
    def timeline(self, thread_id: str) -> Timeline:
        """The thread's checkpoint tree and branches: folded once, then kept (for the
        threads listed lately, see ``kept_timelines``; none if ``cache_size`` is 0) and
        brought up to date with only the events recorded since."""
        return self._kept.timeline(thread_id)

    def recent_checkpoints(self, thread_id: str, below: int | None = None) -> Iterator[int]:
        """Versions of the thread's checkpoints, newest first, without decoding events."""
        sid, upto = stream_id(thread_id), None if below is None else below - 1
        while True:
            rows = self._log(thread_id).select(sid, lte=upto, desc=True, limit=_STEP_READ)
            for row in rows:
                if row.topic in _CHECKPOINT_TOPICS:
                    yield row.originator_version
            if len(rows) < _STEP_READ:
                return
            upto = rows[-1].originator_version - 1

    @io_method
    def notifications(self, after: int, limit: int = 500) -> list[Notification]:
        """Events of every thread in the order they were recorded, after a log position
        (a row that cannot be read: the error saying why, in its place)."""
        return single_log(self._logs, self.encrypted).notifications(after, limit)

    @io_method
    def max_position(self) -> int:
        """The log position of the latest recorded event (0 if none)."""
        return single_log(self._logs, self.encrypted).max_position()

    def shard_logs(self) -> list[ShardLog]:
        """Each shard's notification log (one for an unsharded store)."""
        return [ShardLog(log, self.encrypted) for log in self._logs]

    @io_method
    def verify(
        self,
        thread_id: str | None = None,
        *,
        against: Mapping[str, Any] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[ChainReport]:
        """Check that stored events are as written, for one thread or (None) every thread:
        chains of digests, held against the heads each append records and (``against``)
        those ``export_heads`` gave earlier; what was altered, added or removed is named.
        ``progress(checked, total)`` is told of each thread checked."""
        logs = self._logs if thread_id is None else [self._log(thread_id)]
        anchors = None if against is None else anchors_of(against, self._logs[0].audit_key)
        return audit_logs(logs, thread_id, anchors, progress)

    @io_method
    def export_heads(self) -> dict[str, Any]:
        """Every intact thread's chain head, to keep where the database's owner cannot
        rewrite it (signed with the audit key, if the store has one)."""
        return export(self.verify(), self._logs[0].audit_key)

    # Writing -----------------------------------------------------------------------

    def append(
        self, base: Thread | None, events: Sequence[ThreadEvent], folded: Thread | None = None
    ) -> Appended:
        """Append events decided on ``base`` in one transaction (``folded``: the state
        they lead to, if the caller has it). Raises ConcurrentUpdate, writing nothing, if
        another writer got there first."""
        thread = folded or project(base, events)
        assert thread is not None, "append needs at least one event"
        try:
            log = self._log(thread.thread_id)
            written = log.save_sealed(thread, base.version if base else 0, events)
        except IntegrityError:
            raise ConcurrentUpdate(
                f"thread {thread.thread_id!r} was changed by another writer since version "
                f"{base.version if base else 0}; reload it with get_state(config) and retry"
            ) from None
        size = sum(w.size for w in written)
        log.snapshot_after(thread, len(events), size, self.snapshot_interval)
        if self._listeners:  # views write to their own tables: off the loop, in an async run
            off_loop_call(self._tell, thread.thread_id, [(w.position, w.event) for w in written])
        return Appended(thread, written[0].position, written[-1].position)

    def _tell(self, thread_id: str, appended: list[tuple[int, ThreadEvent]]) -> None:
        for listener in self._listeners:
            try:
                listener(appended)
            except Exception:  # the append is committed; a lagging view catches up later
                logger.exception("a listener failed after an append to %r", thread_id)

    def subscribe(self, listener: Callable[[list[tuple[int, ThreadEvent]]], None]) -> None:
        """Call ``listener(appended)`` after every successful append, with the log
        positions and events just written (inline projections)."""
        self._listeners.append(listener)

    # Lifecycle ---------------------------------------------------------------------

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the store closes (to close what follows it)."""
        self._on_close.append(callback)

    def close(self) -> None:
        """Release connections; the store cannot be used afterwards."""
        if not self._closed:
            self._closed = True
            self._listeners.clear()
            for callback in self._on_close:
                callback()
            for log in self._logs:
                log.close()

    def __enter__(self) -> CheckpointStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
