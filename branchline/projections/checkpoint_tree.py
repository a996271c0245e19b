"""The checkpoint tree read model: every checkpoint of every thread with its parent.

Forks (an edit or a run from an older checkpoint) show up as a checkpoint with more
than one child.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from branchline.domain.model.events import CheckpointEvent, ThreadEvent
from branchline.domain.model.ids import checkpoint_id

if TYPE_CHECKING:
    from branchline.projections.database import ViewsDatabase

TABLE = "checkpoints"
EVENT_TYPES: tuple[type[ThreadEvent], ...] = (CheckpointEvent,)

_COLUMNS = "checkpoint_id, thread_id, version, parent_id, step, source, created_at, next"
_INSERT = f"INSERT INTO checkpoints ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_TREE = f"SELECT {_COLUMNS} FROM checkpoints WHERE thread_id = ? ORDER BY version"
_CHILDREN = f"SELECT {_COLUMNS} FROM checkpoints WHERE parent_id = ? ORDER BY version"


@dataclass(frozen=True)
class CheckpointRow:
    """One checkpoint and the id of the checkpoint it was made from."""

    checkpoint_id: str
    thread_id: str
    version: int
    parent_id: str | None
    step: int
    source: str
    created_at: datetime
    next: tuple[str, ...]


def create_table(db: ViewsDatabase) -> None:
    """Create the ``checkpoints`` table and its indexes if they do not exist yet."""
    table = db.table(TABLE)
    table.create(
        {
            "checkpoint_id": str,
            "thread_id": str,
            "version": int,
            "parent_id": str,
            "step": int,
            "source": str,
            "created_at": str,
            "next": str,
        },
        pk="checkpoint_id",
        not_null=["thread_id", "version", "step", "source", "created_at", "next"],
        if_not_exists=True,
    )
    table.create_index(["thread_id", "version"], if_not_exists=True)
    table.create_index(["parent_id"], if_not_exists=True)


def apply(conn: sqlite3.Connection, thread_id: str, event: ThreadEvent) -> None:
    """Apply one event of ``thread_id``'s stream to the table; other types are ignored."""
    if isinstance(event, CheckpointEvent):
        _on_checkpoint(conn, thread_id, event)


def _on_checkpoint(conn: sqlite3.Connection, thread_id: str, event: CheckpointEvent) -> None:
    parent = None if event.parent is None else checkpoint_id(thread_id, event.parent)
    conn.execute(
        _INSERT,
        (
            checkpoint_id(thread_id, event.originator_version),
            thread_id,
            event.originator_version,
            parent,
            event.step,
            event.SOURCE,
            event.timestamp.isoformat(),
            json.dumps(list(event.next)),
        ),
    )


def tree(db: ViewsDatabase, thread_id: str) -> list[CheckpointRow]:
    """Every checkpoint of a thread, oldest first (empty for an unknown thread)."""
    return [_row(found) for found in db.query(_TREE, [thread_id])]


def children(db: ViewsDatabase, checkpoint: str) -> list[CheckpointRow]:
    """The checkpoints made directly from ``checkpoint``, oldest first."""
    return [_row(found) for found in db.query(_CHILDREN, [checkpoint])]


def _row(found: dict[str, Any]) -> CheckpointRow:
    return CheckpointRow(
        checkpoint_id=found["checkpoint_id"],
        thread_id=found["thread_id"],
        version=found["version"],
        parent_id=found["parent_id"],
        step=found["step"],
        source=found["source"],
        created_at=datetime.fromisoformat(found["created_at"]),
        next=tuple(json.loads(found["next"])),
    )
