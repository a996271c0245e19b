"""The audit read model: every decision a person made on a thread, in log order.

Three kinds of row:

- ``resume``: an interrupt was answered (``Resumed``): who, the answer, and the digest
  of the question they were shown.
- ``update``: the state was edited (``StateUpdated``, from ``update_state`` or
  ``Command(update=...)``): who, as which node, the writes, and the new checkpoint.
- ``superseded``: a pending interrupt was dropped unanswered (``InterruptSuperseded``)
  because new input or an edit came first: on whose action, and why.

A decision taken inside a subgraph is listed once, under the root thread, with the
subgraph's ``namespace``: an answer to a subgraph's question is the parent's ``Resumed``
(the subgraph's own copy of it is not listed again), an edit of a subgraph's state is
the subgraph thread's ``StateUpdated``.

``actor`` is None when the decision was recorded without one; it is never guessed.
``value`` is display JSON (see ``projections.display``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from branchline.domain.model.events import InterruptSuperseded, Resumed, StateUpdated, ThreadEvent
from branchline.domain.model.ids import checkpoint_id
from branchline.projections.display import display_json
from branchline.projections.threads import root_of

if TYPE_CHECKING:
    from branchline.projections.database import ViewsDatabase

TABLE = "decisions"
EVENT_TYPES: tuple[type[ThreadEvent], ...] = (Resumed, StateUpdated, InterruptSuperseded)

_COLUMNS = (
    "position, thread_id, kind, actor, at, interrupt_id, node, value, digest, checkpoint_id, "
    "namespace"
)
_INSERT = f"INSERT INTO decisions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_SELECT = f"SELECT {_COLUMNS} FROM decisions"
# Read before the inbox drops the answered question (read_models applies the audit first).
_ASKED_IN = "SELECT namespace FROM pending_interrupts WHERE interrupt_id = ?"


@dataclass(frozen=True)
class Decision:
    """One human decision: an answer, an edit, or an interrupt dropped unanswered."""

    position: int
    thread_id: str
    kind: str
    """``"resume"``, ``"update"`` or ``"superseded"``."""
    actor: str | None
    at: datetime
    interrupt_id: str | None
    node: str | None
    value: Any
    """Display JSON, decoded: the answer; ``{"assigned", "appended"}``; or ``{"reason"}``."""
    digest: str | None
    checkpoint_id: str | None
    namespace: str = ""
    """The subgraph it was taken in (an edit of its state), or where in a subgraph the
    question answered was asked; ``""`` for the thread's own."""


def create_table(db: ViewsDatabase) -> None:
    """Create the ``decisions`` table and its index if they do not exist yet."""
    table = db.table(TABLE)
    table.create(
        {
            "position": int,
            "thread_id": str,
            "kind": str,
            "actor": str,
            "at": str,
            "interrupt_id": str,
            "node": str,
            "value": str,
            "digest": str,
            "checkpoint_id": str,
            "namespace": str,
        },
        pk="position",
        not_null=["thread_id", "kind", "at", "value", "namespace"],
        if_not_exists=True,
    )
    table.create_index(["thread_id", "position"], if_not_exists=True)


# Handlers: one per event type -----------------------------------------------------


def apply(conn: sqlite3.Connection, thread_id: str, event: ThreadEvent, position: int) -> None:
    """Apply the event at log ``position`` of ``thread_id``'s stream; other types are ignored."""
    if not isinstance(event, EVENT_TYPES):
        return
    root, namespace = root_of(conn, thread_id)
    match event:
        case StateUpdated():
            _on_state_updated(conn, (root, namespace), thread_id, event, position)
        case _ if root != thread_id:
            return  # a subgraph's copy of an answer (or drop) its parent records too
        case Resumed():
            _on_resumed(conn, thread_id, event, position)
        case InterruptSuperseded():
            _on_superseded(conn, thread_id, event, position)


def _on_resumed(conn: sqlite3.Connection, thread_id: str, event: Resumed, position: int) -> None:
    asked = conn.execute(_ASKED_IN, (event.interrupt_id,)).fetchone()
    conn.execute(
        _INSERT,
        (
            position,
            thread_id,
            "resume",
            event.actor,
            event.timestamp.isoformat(),
            event.interrupt_id,
            event.node,
            display_json(event.value),
            event.digest,
            None,
            asked[0] if asked else "",
        ),
    )


def _on_state_updated(
    conn: sqlite3.Connection,
    shown_as: tuple[str, str],
    thread_id: str,
    event: StateUpdated,
    position: int,
) -> None:
    writes = {"assigned": event.assigned, "appended": event.appended}
    conn.execute(
        _INSERT,
        (
            position,
            shown_as[0],
            "update",
            event.actor,
            event.timestamp.isoformat(),
            None,
            event.as_node,
            display_json(writes),
            None,
            checkpoint_id(thread_id, event.originator_version),
            shown_as[1],
        ),
    )


def _on_superseded(
    conn: sqlite3.Connection, thread_id: str, event: InterruptSuperseded, position: int
) -> None:
    conn.execute(
        _INSERT,
        (
            position,
            thread_id,
            "superseded",
            event.actor,
            event.timestamp.isoformat(),
            event.interrupt_id,
            event.node,
            display_json({"reason": event.reason}),
            None,
            None,
            "",
        ),
    )


# Queries ---------------------------------------------------------------------------


def decisions(db: ViewsDatabase, thread_id: str | None = None) -> list[Decision]:
    """Human decisions, oldest first, on every thread or only on ``thread_id``."""
    if thread_id is None:
        found = db.query(f"{_SELECT} ORDER BY position")
    else:
        found = db.query(f"{_SELECT} WHERE thread_id = ? ORDER BY position", [thread_id])
    return [_row(row) for row in found]


def _row(found: dict[str, Any]) -> Decision:
    return Decision(
        position=found["position"],
        thread_id=found["thread_id"],
        kind=found["kind"],
        actor=found["actor"],
        at=datetime.fromisoformat(found["at"]),
        interrupt_id=found["interrupt_id"],
        node=found["node"],
        value=json.loads(found["value"]),
        digest=found["digest"],
        checkpoint_id=found["checkpoint_id"],
        namespace=found["namespace"],
    )
