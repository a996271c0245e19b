"""Runs as rows in the store's database, so that every server process on it can tell a
run's status, wait for it, cancel it, and keep two runs off one thread.

A run is ``pending`` until it may start (the runs before it on its thread have ended),
then ``running``, then ``success`` (it returned, paused on a question or not), ``error``
or ``interrupted`` (cancelled). The process that runs it holds a lease on it, renewed
every ``LEASE_S / 3`` seconds; a run whose lease ran out lost its process (killed,
crashed): it is ended as ``error``, and its thread is free again. What it completed
stays in the thread's log, as after any crash.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from branchline.server.tables import ServerTables

TABLE = "branchline_runs"
LEASE_S = 30.0  # seconds a run stays claimed without a renewal
_LOST = json.dumps({"__error__": {"error": "RunLost", "message": "its server process stopped"}})
_COLUMNS = (
    "run_id",
    "thread_id",
    "assistant_id",
    "status",
    "metadata",
    "multitask_strategy",
    "created_at",
    "updated_at",
    "lease_until",
    "cancel",
    "result",
)


class RunRecords:
    """The runs of one store's database."""

    def __init__(self, tables: ServerTables) -> None:
        self._db = tables
        self._table, self._mark = self._db.table(TABLE), self._db.mark
        with self._db.connection() as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._table} (run_id TEXT PRIMARY KEY, "
                "thread_id TEXT NOT NULL, assistant_id TEXT NOT NULL, status TEXT NOT NULL, "
                "metadata TEXT NOT NULL, multitask_strategy TEXT NOT NULL, "
                "created_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
                "lease_until DOUBLE PRECISION NOT NULL, cancel INTEGER NOT NULL, result TEXT)"
            )
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS {TABLE}_by_thread "
                f"ON {self._table} (thread_id, created_at)"
            )

    def add(
        self,
        run_id: str,
        thread_id: str,
        assistant_id: str,
        metadata: dict[str, Any],
        strategy: str,
    ) -> bool:
        """Record a new pending run; False (nothing recorded) if ``strategy`` is
        ``reject`` and the thread has a run that has not ended."""
        now = _now()
        lease = time.time() + LEASE_S
        row = (run_id, thread_id, assistant_id, "pending", json.dumps(metadata), strategy)
        row_with_times = (*row, now, now, lease, 0, None)
        with self._db.locked(thread_id) as conn:
            self._expire(conn, thread_id)
            if strategy == "reject" and self._active(conn, thread_id):
                return False
            names, marks = ", ".join(_COLUMNS), self._db.marks(len(_COLUMNS))
            conn.execute(f"INSERT INTO {self._table} ({names}) VALUES ({marks})", row_with_times)
        return True

    def claim(self, run_id: str, thread_id: str) -> bool:
        """Start ``run_id`` if no run before it on its thread is still on: whether it did.
        A run that waits asks often: while the run ahead holds its lease, it is told so
        by a read, without the thread's lock."""
        with self._db.connection() as conn:
            ahead = self._first_on(conn, thread_id)
        if ahead is not None and ahead[0] != run_id and ahead[1] >= time.time():
            return False
        with self._db.locked(thread_id) as conn:
            self._expire(conn, thread_id)
            ahead = self._first_on(conn, thread_id)
            if ahead is None or ahead[0] != run_id:
                return False
            self._set(conn, run_id, status="running")
        return True

    def _first_on(self, conn: Any, thread_id: str) -> tuple[str, float] | None:
        """The thread's oldest run not ended, and its lease."""
        found = conn.execute(
            f"SELECT run_id, lease_until FROM {self._table} WHERE thread_id = {self._mark} "
            "AND status IN ('pending', 'running') ORDER BY created_at, run_id LIMIT 1",
            (thread_id,),
        ).fetchone()
        return None if found is None else (str(found[0]), float(found[1]))

    def end(self, run_id: str, status: str, result: Any) -> None:
        """Record how ``run_id`` ended, and what it gave (JSON text); a run already ended
        as lost (its lease ran out) stays so: its thread may have gone on without it."""
        with self._db.connection() as conn:
            self._set(conn, run_id, status=status, result=result, on=True)

    def renew(self, run_ids: Sequence[str]) -> list[str]:
        """Extend the leases of ``run_ids`` still on; those of them to stop: whose
        cancellation was asked, or that were ended as lost (the lease ran out first)."""
        if not run_ids:
            return []
        marks = self._db.marks(len(run_ids))
        with self._db.connection() as conn:
            conn.execute(
                f"UPDATE {self._table} SET lease_until = {self._mark} WHERE run_id IN ({marks}) "
                "AND status IN ('pending', 'running')",
                (time.time() + LEASE_S, *run_ids),
            )
            rows = conn.execute(
                f"SELECT run_id FROM {self._table} WHERE run_id IN ({marks}) AND (cancel = 1 "
                "OR status NOT IN ('pending', 'running'))",
                tuple(run_ids),
            ).fetchall()
        return [row[0] for row in rows]

    def ask_to_cancel(self, run_id: str) -> None:
        """Ask the process that runs ``run_id`` to cancel it (it looks at its renewal)."""
        with self._db.connection() as conn:
            conn.execute(
                f"UPDATE {self._table} SET cancel = 1 WHERE run_id = {self._mark}", (run_id,)
            )

    def get(self, thread_id: str, run_id: str) -> dict[str, Any] | None:
        """The run, as the API shows it (with its ``result`` text), or None."""
        with self._db.connection() as conn:
            row = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM {self._table} "
                f"WHERE run_id = {self._mark} AND thread_id = {self._mark}",
                (run_id, thread_id),
            ).fetchone()
        return None if row is None else _shown(row)

    def listed(self, thread_id: str, limit: int, offset: int) -> list[dict[str, Any]]:
        """The thread's runs, newest first."""
        with self._db.connection() as conn:
            rows = conn.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM {self._table} WHERE thread_id = "
                f"{self._mark} ORDER BY created_at DESC, run_id DESC LIMIT {self._mark} "
                f"OFFSET {self._mark}",
                (thread_id, limit, offset),
            ).fetchall()
        return [_shown(row) for row in rows]

    def busy(self, thread_id: str) -> bool:
        """Whether the thread has a run that has not ended."""
        with self._db.connection() as conn:
            return self._active(conn, thread_id)

    def _active(self, conn: Any, thread_id: str) -> bool:
        """Whether the thread has a run on, its lease current."""
        found = conn.execute(
            f"SELECT 1 FROM {self._table} WHERE thread_id = {self._mark} "
            f"AND status IN ('pending', 'running') AND lease_until >= {self._mark} LIMIT 1",
            (thread_id, time.time()),
        ).fetchone()
        return found is not None

    def _expire(self, conn: Any, thread_id: str) -> None:
        """End the thread's runs whose process stopped renewing them."""
        conn.execute(
            f"UPDATE {self._table} SET status = 'error', result = {self._mark}, updated_at = "
            f"{self._mark} WHERE thread_id = {self._mark} AND status IN ('pending', 'running') "
            f"AND lease_until < {self._mark}",
            (_LOST, _now(), thread_id, time.time()),
        )

    def _set(self, conn: Any, run_id: str, on: bool = False, **values: Any) -> None:
        """Set ``values`` on the run (``on``: only while it has not ended)."""
        assigned = ", ".join(f"{name} = {self._mark}" for name in [*values, "updated_at"])
        still = " AND status IN ('pending', 'running')" if on else ""
        conn.execute(
            f"UPDATE {self._table} SET {assigned} WHERE run_id = {self._mark}{still}",
            (*values.values(), _now(), run_id),
        )


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _shown(row: Sequence[Any]) -> dict[str, Any]:
    found = dict(zip(_COLUMNS, row, strict=True))
    lost = found["status"] in ("pending", "running") and found["lease_until"] < time.time()
    return {
        "run_id": found["run_id"],
        "thread_id": found["thread_id"],
        "assistant_id": found["assistant_id"],
        "status": "error" if lost else found["status"],
        "metadata": json.loads(found["metadata"]),
        "multitask_strategy": found["multitask_strategy"],
        "created_at": found["created_at"],
        "updated_at": found["updated_at"],
        "result": _LOST if lost else found["result"],
    }
