"""Shards: threads spread over several event logs by a hash of the thread id.

One PostgreSQL event table takes about 1,000 appends a second however many workers
write, since every append locks it to keep one global order. A store with K shards
keeps K logs (``branchline_s0_events`` ... ``branchline_s{K-1}_events``), each thread
wholly in one of them, so K appends can proceed at once. Views follow each shard's
log with a position of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from branchline.domain.model.errors import StoreConfigError, UnreadableEvent
from branchline.domain.model.events import ThreadEvent
from branchline.domain.model.ids import MAX_SHARDS, stream_id

if TYPE_CHECKING:
    from branchline.domain.store.eventlog import EventLog


Notification = tuple[int, ThreadEvent | UnreadableEvent]
"""A log position and the event recorded there, or the error that says why it is unreadable."""


def table_prefixes(shards: int) -> list[str]:
    """The table-name prefix of each shard's log (one unsharded log: ``branchline``)."""
    if not 1 <= shards <= MAX_SHARDS:
        raise StoreConfigError(f"shards must be between 1 and {MAX_SHARDS}, got {shards!r}")
    return ["branchline"] if shards == 1 else [f"branchline_s{i}" for i in range(shards)]


def shard_of(thread_id: str, shards: int) -> int:
    """The shard that holds ``thread_id``: stable across processes and machines."""
    return stream_id(thread_id).int % shards


class ShardLog:
    """One shard's notification log, as the views follow it."""

    path: Path | None = None

    def __init__(self, log: EventLog, encrypted: bool) -> None:
        self._log = log
        self.encrypted = encrypted

    def notifications(self, after: int, limit: int = 500) -> list[Notification]:
        """Events after a log position; a row that cannot be read comes as the error that
        says why, in its place, so the views can pass over it and follow the rest."""
        rows = self._log.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        return [(row.id, self._event(row)) for row in rows]

    def _event(self, row: Any) -> ThreadEvent | UnreadableEvent:
        try:
            return cast(ThreadEvent, self._log.mapper.to_domain_event(row))
        except UnreadableEvent as error:
            stream = row.originator_id
            return UnreadableEvent(
                str(error), stream=stream if isinstance(stream, UUID) else UUID(str(stream))
            )

    def max_position(self) -> int:
        return self._log.recorder.max_notification_id() or 0

    def subscribe(self, listener: Callable[[Sequence[tuple[int, ThreadEvent]]], None]) -> None:
        raise StoreConfigError(
            "a sharded store's views are not followed inline; run `branchline project`"
        )

    def shard_logs(self) -> Sequence[ShardLog]:
        return [self]


def single_log(logs: Sequence[EventLog], encrypted: bool) -> ShardLog:
    """The one log of an unsharded store, or a clear error for a sharded one."""
    if len(logs) > 1:
        raise StoreConfigError(
            f"this store has {len(logs)} shards, each with its own log position; "
            "follow them with shard_logs()"
        )
    return ShardLog(logs[0], encrypted)
