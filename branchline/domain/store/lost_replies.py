"""Did our append land? The question a lost reply from PostgreSQL leaves open.

When the server commits an append and the connection drops before its reply arrives,
the client sees an error although the rows are stored; the library's retry of the
insert then conflicts with those very rows. Reading the stream back settles it: each
stored row is sealed into its thread's chain with its time, so rows byte-identical to
the ones we sent are ours, and nobody else's.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

logger = logging.getLogger(__name__)


def landed_positions(recorder: Any, stream: UUID, stored: list[StoredEvent]) -> list[int] | None:
    """The log positions of ``stored`` if exactly these rows are in ``stream`` (None if
    not, or if the recorder cannot be asked: in memory and on SQLite an insert either
    happens or raises, never both)."""
    try:  # psycopg is optional: without it, this is no PostgreSQL store
        from eventsourcing.postgres import PostgresApplicationRecorder
        from psycopg.sql import SQL
    except ImportError:
        return None
    if not isinstance(recorder, PostgresApplicationRecorder):
        return None
    first, last = stored[0].originator_version, stored[-1].originator_version
    query = recorder.select_events_statement + SQL(
        " AND originator_version >= %s AND originator_version <= %s"
    )
    try:
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(query, (stream, first, last))
            rows = {r["originator_version"]: r for r in cursor.fetchall()}
    except Exception:  # still unreachable: the caller raises the append's own error
        logger.exception("stream %s: could not read back an append", stream)
        return None
    ours = [rows.get(s.originator_version) for s in stored]
    if any(r is None or bytes(r["state"]) != s.state for r, s in zip(ours, stored, strict=True)):
        return None
    return [int(r["notification_id"]) for r in ours if r is not None]
