"""Events the views passed over: kept, so the views follow the rest of the log and the
commands can name what they could not show.

An event the store cannot read (damaged or edited bytes, a type from a newer Branchline)
or one that contradicts what the views already hold (a forged or repeated event) does
not stop the views: it is recorded here with its log position, its thread when the views
know it, and why, and every other event is applied as usual. ``branchline audit --all
--verify`` tells what happened to the log; rebuilding the views starts this list afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from branchline.projections.database import ViewsDatabase

TABLE = "skipped_events"
_INSERT = (
    "INSERT INTO skipped_events (position, thread_id, reason) VALUES (?, ?, ?) "
    "ON CONFLICT (position) DO NOTHING"
)


@dataclass(frozen=True)
class SkippedEvent:
    """An event of the log that the views could not apply."""

    position: int
    thread_id: str | None
    """The thread it belongs to, if the views know it (None: only the stream is known)."""
    reason: str


def create_table(db: ViewsDatabase) -> None:
    """Create the ``skipped_events`` table if it does not exist yet."""
    db.table(TABLE).create(
        {"position": int, "thread_id": str, "reason": str},
        pk="position",
        not_null=["reason"],
        if_not_exists=True,
    )


def record(conn: Any, position: int, thread_id: str | None, reason: str) -> None:
    """Remember that the event at log ``position`` was passed over, and why."""
    conn.execute(_INSERT, (position, thread_id, reason))


def skipped(db: ViewsDatabase) -> list[SkippedEvent]:
    """Every event passed over, in log order."""
    rows = db.query("SELECT position, thread_id, reason FROM skipped_events ORDER BY position")
    return [SkippedEvent(r["position"], r["thread_id"], r["reason"]) for r in rows]
