"""Appends through the event-store library's recorder (in memory and on PostgreSQL).

On PostgreSQL an append takes the events table's lock until it commits (so that commit
order is notification order): appends of one process's threads that arrive while
another commits go together in the next transaction (``group_commit``), one lock and one
WAL flush for all, each thread's stream head written with it. If the grouped insert is
refused (a stream version of one of them was taken) or its reply is lost, each is tried
alone, as it would have been.

A failure after the server committed (the reply lost with the connection) is ambiguous,
and the library's retry of the insert then conflicts with our own rows. So on any
failure the stream is read back: if the rows at our versions are ours, byte for byte
(each is sealed into the chain with its time, so no other append stores the same bytes),
the append landed and counts as done, once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)

from branchline.domain.store.group_commit import GroupCommit
from branchline.domain.store.lost_replies import landed_positions
from branchline.domain.store.stream_heads import Head, MemoryHeads, PostgresHeads

logger = logging.getLogger(__name__)

Append = tuple[UUID, list[StoredEvent], Head]  # the stream, its rows, its new head
_FAILURES = (IntegrityError, OperationalError, InterfaceError)


class RecorderAppends:
    """Inserts the rows of appends through ``recorder``, recording their heads."""

    def __init__(self, recorder: Any, heads: MemoryHeads | PostgresHeads, grouped: bool):
        self._recorder, self._heads = recorder, heads
        self._group = GroupCommit(self._commit) if grouped else None

    def put(self, stream: UUID, stored: list[StoredEvent], head: Head) -> Sequence[int]:
        """Insert one append's rows (with others queued meanwhile, when grouped); their
        log positions."""
        if self._group is None:
            return self._alone((stream, stored, head))
        return self._group.append((stream, stored, head))

    def close(self) -> None:
        """Stop the group's committer thread, if it has one."""
        if self._group is not None:
            self._group.close()

    def _commit(self, batch: list[Append]) -> list[Sequence[int] | Exception]:
        if len(batch) == 1:
            return [_outcome(self._alone, batch[0])]
        heads = [head for _, _, head in batch]
        try:
            self._heads.writing(*heads)  # in the same transaction
            positions = self._recorder.insert_events([s for _, rows, _ in batch for s in rows])
        except _FAILURES:  # one stream taken, or the reply lost: each alone, as it would be
            self._heads.writing()
            return [_outcome(self._alone, append) for append in batch]
        assert positions is not None, "an application recorder returns the log positions"
        split: list[Sequence[int] | Exception] = []
        for _, rows, head in batch:
            split.append(positions[: len(rows)])
            positions = positions[len(rows) :]
            self._heads.written(head)
        return split

    def _alone(self, append: Append) -> Sequence[int]:
        stream, stored, head = append
        try:
            self._heads.writing(head)  # in the same transaction, on PostgreSQL
            positions = self._recorder.insert_events(stored)
        except _FAILURES:
            landed = landed_positions(self._recorder, stream, stored)
            if landed is None:
                raise
            logger.warning(
                "stream %s: the database's reply to an append was lost, but the append "
                "was committed (read back); carrying on",
                stream,
            )
            return landed
        assert positions is not None, "an application recorder returns the log positions"
        self._heads.written(head)
        return list(positions)


def _outcome(put: Any, append: Append) -> Sequence[int] | Exception:
    try:
        positions: Sequence[int] = put(append)
    except Exception as refused:
        return refused
    return positions
