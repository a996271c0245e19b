"""The pending interrupts read model: the inbox of questions waiting for a person.

A row per interrupt that nobody has answered yet, across every thread. The rules are
those of the thread's own fold (``Thread.pending_interrupts``): ``Interrupted`` adds a
row; ``Resumed`` and ``InterruptSuperseded`` remove that interrupt's row; any checkpoint
event removes every row of its thread, since a new checkpoint starts a fresh step.

An interrupt asked inside a subgraph is asked again, under the same id, by the parent
thread's task that runs the subgraph: the row then belongs to the parent, where people
answer it, so the inbox lists each question once, with the namespace it came from.

``value`` is display JSON (see ``projections.display``): read the thread from the
store for the exact value.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from branchline.domain.model.events import (
    CheckpointEvent,
    Interrupted,
    InterruptSuperseded,
    Resumed,
    ThreadEvent,
)
from branchline.projections.display import display_json

if TYPE_CHECKING:
    from branchline.projections.database import ViewsDatabase

TABLE = "pending_interrupts"
EVENT_TYPES: tuple[type[ThreadEvent], ...] = (
    Interrupted,
    Resumed,
    InterruptSuperseded,
    CheckpointEvent,
)

_COLUMNS = "interrupt_id, thread_id, node, value, asked_at, position, namespace"
_INSERT = (
    f"INSERT INTO pending_interrupts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (interrupt_id) DO UPDATE SET thread_id = excluded.thread_id, "
    "node = excluded.node, value = excluded.value, asked_at = excluded.asked_at, "
    "position = excluded.position, namespace = excluded.namespace"
)
_DELETE_ONE = "DELETE FROM pending_interrupts WHERE interrupt_id = ? AND thread_id = ?"
_DELETE_THREAD = "DELETE FROM pending_interrupts WHERE thread_id = ?"
_SELECT = f"SELECT {_COLUMNS} FROM pending_interrupts"


@dataclass(frozen=True)
class PendingInterrupt:
    """A question a node asked that is still waiting for an answer."""

    thread_id: str
    node: str
    interrupt_id: str
    value: Any
    """The question as display JSON, decoded: JSON types only (see ``projections.display``)."""
    asked_at: datetime
    namespace: str = ""
    """Where in a subgraph of ``node`` it was asked (``"sub:<task id>|ask:<task id>"``);
    ``""`` when ``node`` itself asked."""


def create_table(db: ViewsDatabase) -> None:
    """Create the ``pending_interrupts`` table and its indexes if they do not exist yet."""
    table = db.table(TABLE)
    table.create(
        {
            "interrupt_id": str,
            "thread_id": str,
            "node": str,
            "value": str,
            "asked_at": str,
            "position": int,
            "namespace": str,
        },
        pk="interrupt_id",
        not_null=["thread_id", "node", "value", "asked_at", "position", "namespace"],
        if_not_exists=True,
    )
    table.create_index(["thread_id"], if_not_exists=True)
    table.create_index(["position"], if_not_exists=True)


# Handlers: one per event type -----------------------------------------------------


def apply(conn: sqlite3.Connection, thread_id: str, event: ThreadEvent, position: int) -> None:
    """Apply the event at log ``position`` of ``thread_id``'s stream; other types are ignored."""
    match event:
        case Interrupted():
            _on_interrupted(conn, thread_id, event, position)
        case Resumed() | InterruptSuperseded():
            conn.execute(_DELETE_ONE, (event.interrupt_id, thread_id))
        case CheckpointEvent():
            conn.execute(_DELETE_THREAD, (thread_id,))


def _on_interrupted(
    conn: sqlite3.Connection, thread_id: str, event: Interrupted, position: int
) -> None:
    conn.execute(
        _INSERT,
        (
            event.interrupt_id,
            thread_id,
            event.node,
            display_json(event.value),
            event.timestamp.isoformat(),
            position,
            event.namespace,
        ),
    )


# Queries ---------------------------------------------------------------------------


def pending(db: ViewsDatabase, thread_id: str | None = None) -> list[PendingInterrupt]:
    """Unanswered interrupts, oldest first, of every thread or only of ``thread_id``."""
    if thread_id is None:
        found = db.query(f"{_SELECT} ORDER BY position")
    else:
        found = db.query(f"{_SELECT} WHERE thread_id = ? ORDER BY position", [thread_id])
    return [_row(row) for row in found]


def _row(found: dict[str, Any]) -> PendingInterrupt:
    return PendingInterrupt(
        thread_id=found["thread_id"],
        node=found["node"],
        interrupt_id=found["interrupt_id"],
        value=json.loads(found["value"]),
        asked_at=datetime.fromisoformat(found["asked_at"]),
        namespace=found["namespace"],
    )
