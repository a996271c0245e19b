"""Threads deleted over the API (``DELETE /threads/{id}``): hidden from the API and the
inbox from then on, for every server process on the database. Their events stay in the
log: the audit trail of what was decided on a thread outlives it (``branchline audit``
still shows it), and who deleted it is recorded here."""

from __future__ import annotations

from datetime import UTC, datetime

from branchline.server.tables import ServerTables

TABLE = "branchline_deleted_threads"


class DeletedThreads:
    """The threads deleted over the API, in the store's database."""

    def __init__(self, tables: ServerTables) -> None:
        self._db = tables
        self._table, self._mark = tables.table(TABLE), tables.mark
        with tables.connection() as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._table} (thread_id TEXT PRIMARY KEY, "
                "actor TEXT NOT NULL, deleted_at TEXT NOT NULL)"
            )

    def delete(self, thread_id: str, actor: str) -> None:
        """Hide ``thread_id`` from now on (deleted by ``actor``)."""
        row = (thread_id, actor, datetime.now(UTC).isoformat())
        with self._db.connection() as conn:
            conn.execute(
                f"INSERT INTO {self._table} (thread_id, actor, deleted_at) VALUES "
                f"({self._db.marks(3)}) ON CONFLICT (thread_id) DO NOTHING",
                row,
            )

    def deleted(self, thread_id: str) -> bool:
        """Whether ``thread_id`` was deleted."""
        query = f"SELECT 1 FROM {self._table} WHERE thread_id = {self._mark}"
        with self._db.connection() as conn:
            return conn.execute(query, (thread_id,)).fetchone() is not None

    def all(self) -> set[str]:
        """Every deleted thread."""
        with self._db.connection() as conn:
            return {row[0] for row in conn.execute(f"SELECT thread_id FROM {self._table}")}
