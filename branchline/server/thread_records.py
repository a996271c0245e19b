"""What the API keeps of a thread beside its events, for every server process on the
database: that it was deleted (``DELETE /threads/{id}``), and the metadata set on it
after it was created (``PATCH /threads/{id}``).

A deleted thread is hidden from the API and the inbox from then on. Its events stay in
the log: the audit trail of what was decided on a thread outlives it (``branchline
audit`` still shows it), and who deleted it is recorded here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from branchline.server.tables import ServerTables

DELETED = "branchline_deleted_threads"
METADATA = "branchline_thread_metadata"


class ThreadRecords:
    """The threads deleted over the API, and the metadata set on threads."""

    def __init__(self, tables: ServerTables) -> None:
        self._db, self._mark = tables, tables.mark
        self._deleted, self._metadata = tables.table(DELETED), tables.table(METADATA)
        with tables.connection() as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._deleted} (thread_id TEXT PRIMARY KEY, "
                "actor TEXT NOT NULL, deleted_at TEXT NOT NULL)"
            )
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._metadata} (thread_id TEXT PRIMARY KEY, "
                "metadata TEXT NOT NULL)"
            )

    def delete(self, thread_id: str, actor: str) -> None:
        """Hide ``thread_id`` from now on (deleted by ``actor``)."""
        row = (thread_id, actor, datetime.now(UTC).isoformat())
        with self._db.connection() as conn:
            conn.execute(
                f"INSERT INTO {self._deleted} (thread_id, actor, deleted_at) VALUES "
                f"({self._db.marks(3)}) ON CONFLICT (thread_id) DO NOTHING",
                row,
            )

    def deleted(self, thread_id: str) -> bool:
        """Whether ``thread_id`` was deleted."""
        query = f"SELECT 1 FROM {self._deleted} WHERE thread_id = {self._mark}"
        with self._db.connection() as conn:
            return conn.execute(query, (thread_id,)).fetchone() is not None

    def all_deleted(self) -> set[str]:
        """Every deleted thread."""
        with self._db.connection() as conn:
            return {row[0] for row in conn.execute(f"SELECT thread_id FROM {self._deleted}")}

    def metadata(self, thread_id: str) -> dict[str, Any]:
        """The metadata set on ``thread_id`` since it was created."""
        query = f"SELECT metadata FROM {self._metadata} WHERE thread_id = {self._mark}"
        with self._db.connection() as conn:
            found = conn.execute(query, (thread_id,)).fetchone()
        return {} if found is None else dict(json.loads(found[0]))

    def update_metadata(self, thread_id: str, patch: Mapping[str, Any]) -> None:
        """Merge ``patch`` into the metadata set on ``thread_id``."""
        with self._db.locked(thread_id) as conn:
            query = f"SELECT metadata FROM {self._metadata} WHERE thread_id = {self._mark}"
            found = conn.execute(query, (thread_id,)).fetchone()
            merged = {**({} if found is None else json.loads(found[0])), **patch}
            conn.execute(
                f"INSERT INTO {self._metadata} (thread_id, metadata) VALUES ({self._db.marks(2)}) "
                "ON CONFLICT (thread_id) DO UPDATE SET metadata = excluded.metadata",
                (thread_id, json.dumps(merged)),
            )
