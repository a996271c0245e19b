"""The threads read model: one row per thread with its status and head checkpoint.

Status is, first match wins:

- ``interrupted``: an interrupt asked since the head is still unanswered;
- ``error`` or ``paused``: the latest of a node failure (``NodeFailed``) or a static
  breakpoint (``Paused``) since the head; both last until the next checkpoint;
- ``new`` (started, no checkpoint yet), ``ready`` (the head has nodes to run: answered
  or edited, waiting for ``invoke(None, config)``; not ``pending``, which names the
  questions waiting for a person) or ``done`` (it has none).

The row keeps the count of unanswered interrupts and the status without them
(``run_status``), so answering the last interrupt reveals the status underneath.

A subgraph's own thread has a row too, naming the thread that ran it (``parent_thread``),
the root of that chain (``root_thread``: where people see its questions and decisions)
and its namespace there; listings show root threads unless asked for a thread's subgraphs.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from branchline.domain.model.events import (
    CheckpointEvent,
    Interrupted,
    InterruptSuperseded,
    NodeCompleted,
    NodeFailed,
    Paused,
    Resumed,
    ThreadEvent,
    ThreadStarted,
)
from branchline.domain.model.ids import checkpoint_id
from branchline.projections.display import display_json

if TYPE_CHECKING:
    from branchline.projections.database import ViewsDatabase

TABLE = "threads"
EVENT_TYPES: tuple[type[ThreadEvent], ...] = (
    ThreadStarted,
    CheckpointEvent,
    NodeCompleted,
    NodeFailed,
    Paused,
    Interrupted,
    Resumed,
    InterruptSuperseded,
)

_COLUMNS = (
    "thread_id, status, head_checkpoint, step, next, metadata, created_at, updated_at, "
    "parent_thread, namespace"
)
_STARTED = (
    "INSERT INTO threads (thread_id, stream_id, status, run_status, open_interrupts, next, "
    "metadata, created_at, updated_at, parent_thread, root_thread, namespace) "
    "VALUES (?, ?, 'new', 'new', 0, '[]', '{}', ?, ?, ?, ?, ?)"
)
_ROOT = "SELECT root_thread, namespace FROM threads WHERE thread_id = ?"
# Plain ``?`` parameters and standard SQL throughout: the same statements run on SQLite
# and on PostgreSQL (``projections.postgres``).
_CHECKPOINTED = (
    "UPDATE threads SET status = ?, run_status = ?, open_interrupts = 0, head_checkpoint = ?, "
    "step = ?, next = ?, metadata = ?, updated_at = ? WHERE thread_id = ?"
)
_TOUCHED = "UPDATE threads SET updated_at = ? WHERE thread_id = ?"
_STOPPED = (
    "UPDATE threads SET run_status = ?, "
    "status = CASE WHEN open_interrupts > 0 THEN 'interrupted' ELSE ? END, "
    "updated_at = ? WHERE thread_id = ?"
)
_ASKED = (
    "UPDATE threads SET open_interrupts = open_interrupts + 1, status = 'interrupted', "
    "updated_at = ? WHERE thread_id = ?"
)
# SET expressions read the row as it was, so ``open_interrupts > 1`` means "one is left".
_SETTLED = (
    "UPDATE threads SET open_interrupts = "
    "CASE WHEN open_interrupts > 0 THEN open_interrupts - 1 ELSE 0 END, "
    "status = CASE WHEN open_interrupts > 1 THEN 'interrupted' ELSE run_status END, "
    "updated_at = ? WHERE thread_id = ?"
)
_STREAM_OWNER = "SELECT thread_id FROM threads WHERE stream_id = ?"


@dataclass(frozen=True)
class ThreadRow:
    """One thread as the read model sees it."""

    thread_id: str
    status: str
    head_checkpoint: str | None
    step: int | None
    next: tuple[str, ...]
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    parent_thread: str | None = None
    """For a subgraph's own thread: the thread of the graph that ran it."""
    namespace: str = ""
    """For a subgraph's own thread: its place in the root thread (``"sub:<task id>"``)."""


def create_table(db: ViewsDatabase) -> None:
    """Create the ``threads`` table and its indexes if they do not exist yet."""
    table = db.table(TABLE)
    table.create(
        {
            "thread_id": str,
            "stream_id": str,
            "status": str,
            "run_status": str,
            "open_interrupts": int,
            "head_checkpoint": str,
            "step": int,
            "next": str,
            "updated_at": str,
            "metadata": str,
            "created_at": str,
            "parent_thread": str,
            "root_thread": str,
            "namespace": str,
        },
        pk="thread_id",
        not_null=[
            "stream_id",
            "status",
            "run_status",
            "open_interrupts",
            "next",
            "updated_at",
            "metadata",
            "created_at",
            "root_thread",
            "namespace",
        ],
        if_not_exists=True,
    )
    table.create_index(["stream_id"], unique=True, if_not_exists=True)
    table.create_index(["updated_at"], if_not_exists=True)
    table.create_index(["status", "updated_at"], if_not_exists=True)
    table.create_index(["parent_thread"], if_not_exists=True)


# Handlers: one per event type -----------------------------------------------------


def apply(conn: sqlite3.Connection, thread_id: str, event: ThreadEvent) -> None:
    """Apply one event of ``thread_id``'s stream to the table; other types are ignored."""
    match event:
        case ThreadStarted():
            _on_started(conn, event)
        case CheckpointEvent():
            _on_checkpoint(conn, thread_id, event)
        case NodeCompleted():
            _on_node_completed(conn, thread_id, event)
        case NodeFailed():
            _on_stopped(conn, thread_id, event, "error")
        case Paused():
            _on_stopped(conn, thread_id, event, "paused")
        case Interrupted():
            conn.execute(_ASKED, (event.timestamp.isoformat(), thread_id))
        case Resumed() | InterruptSuperseded():
            conn.execute(_SETTLED, (event.timestamp.isoformat(), thread_id))


def _on_started(conn: sqlite3.Connection, event: ThreadStarted) -> None:
    at, parent = event.timestamp.isoformat(), event.parent_thread
    root = event.thread_id if parent is None else root_of(conn, parent)[0]
    conn.execute(
        _STARTED,
        (event.thread_id, str(event.originator_id), at, at, parent, root, event.namespace),
    )


def _on_checkpoint(conn: sqlite3.Connection, thread_id: str, event: CheckpointEvent) -> None:
    metadata = {**event.metadata, "source": event.SOURCE, "step": event.step}
    status = "ready" if event.next else "done"
    conn.execute(
        _CHECKPOINTED,
        (
            status,
            status,
            checkpoint_id(thread_id, event.originator_version),
            event.step,
            json.dumps(list(event.next)),
            # a read model shows what JSON cannot hold rather than fail the log
            display_json(metadata),
            event.timestamp.isoformat(),
            thread_id,
        ),
    )


def _on_node_completed(conn: sqlite3.Connection, thread_id: str, event: NodeCompleted) -> None:
    conn.execute(_TOUCHED, (event.timestamp.isoformat(), thread_id))


def _on_stopped(
    conn: sqlite3.Connection, thread_id: str, event: ThreadEvent, run_status: str
) -> None:
    conn.execute(_STOPPED, (run_status, run_status, event.timestamp.isoformat(), thread_id))


# Queries ---------------------------------------------------------------------------


def thread_id_for_stream(conn: sqlite3.Connection, stream: UUID) -> str | None:
    """The thread id whose ``ThreadStarted`` opened ``stream``, if the table has it."""
    row = conn.execute(_STREAM_OWNER, (str(stream),)).fetchone()
    return str(row[0]) if row else None


def root_of(conn: sqlite3.Connection, thread_id: str) -> tuple[str, str]:
    """The root thread of ``thread_id`` and its namespace there (itself and ``""`` for a
    root thread, and for one the table has not seen)."""
    row = conn.execute(_ROOT, (thread_id,)).fetchone()
    return (str(row[0]), str(row[1])) if row else (thread_id, "")


def list_threads(
    db: ViewsDatabase,
    status: str | None = None,
    limit: int | None = None,
    subgraphs_of: str | None = None,
) -> list[ThreadRow]:
    """Root threads, most recently updated first, optionally only those with ``status``;
    or the subgraph threads that thread ``subgraphs_of`` ran (its children)."""
    params: list[str | int] = [] if subgraphs_of is None else [subgraphs_of]
    where = "WHERE parent_thread IS NULL" if subgraphs_of is None else "WHERE parent_thread = ?"
    if status is not None:
        where += " AND status = ?"
        params.append(status)
    sql = f"SELECT {_COLUMNS} FROM threads {where} ORDER BY updated_at DESC, thread_id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [_row(found) for found in db.query(sql, params)]


def get_thread(db: ViewsDatabase, thread_id: str) -> ThreadRow | None:
    """The row of one thread, or None if the views have not seen it."""
    sql = f"SELECT {_COLUMNS} FROM threads WHERE thread_id = ?"
    return next((_row(found) for found in db.query(sql, [thread_id])), None)


def _row(found: dict[str, Any]) -> ThreadRow:
    return ThreadRow(
        thread_id=found["thread_id"],
        status=found["status"],
        head_checkpoint=found["head_checkpoint"],
        step=found["step"],
        next=tuple(json.loads(found["next"])),
        metadata=json.loads(found["metadata"]),
        created_at=datetime.fromisoformat(found["created_at"]),
        updated_at=datetime.fromisoformat(found["updated_at"]),
        parent_thread=found["parent_thread"],
        namespace=found["namespace"],
    )
