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
from typing import TYPE_CHECKING

from branchline.domain.model.errors import StoreConfigError
from branchline.domain.model.events import ThreadEvent
from branchline.domain.model.ids import MAX_SHARDS, stream_id

if TYPE_CHECKING:
    from branchline.domain.store.eventlog import EventLog


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

    def notifications(self, after: int, limit: int = 500) -> list[tuple[int, ThreadEvent]]:
        rows = self._log.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        mapper = self._log.mapper
        return [(row.id, mapper.to_domain_event(row)) for row in rows]  # type: ignore[misc]

    def max_position(self) -> int:
        return self._log.recorder.max_notification_id() or 0

    def subscribe(self, listener: Callable[[Sequence[tuple[int, ThreadEvent]]], None]) -> None:
        raise StoreConfigError(
            "a sharded store's views are not followed inline; run `branchline project`"
        )

    def shard_logs(self) -> Sequence[ShardLog]:
        return [self]
