"""The read models, together: their tables, their shape's version, and each event applied to all.

Each read model is one module (``threads``, ``checkpoint_tree``, ``pending_interrupts``,
``audit``) holding its table, its handlers and its queries. This module is the one list
of them, so the database (``database``) need not know which tables it holds and the
views (``views``) apply an event without naming every model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from branchline.domain.model.events import ThreadEvent
from branchline.projections import (
    audit,
    checkpoint_tree,
    database,
    pending_interrupts,
    skipped,
    threads,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

    from branchline.projections.database import ViewsDatabase

SCHEMA_VERSION = 4
"""The shape of the view tables (SQLite: ``PRAGMA user_version``); bump it on every change."""
TABLES = (
    threads.TABLE,
    checkpoint_tree.TABLE,
    pending_interrupts.TABLE,
    audit.TABLE,
    skipped.TABLE,
)
HANDLED_TYPES: tuple[type[ThreadEvent], ...] = (
    *threads.EVENT_TYPES,
    *checkpoint_tree.EVENT_TYPES,
    *pending_interrupts.EVENT_TYPES,
    *audit.EVENT_TYPES,
)


def create_schema(db: ViewsDatabase) -> None:
    """Create the view tables and the tracking table if they do not exist yet."""
    threads.create_table(db)
    checkpoint_tree.create_table(db)
    pending_interrupts.create_table(db)
    audit.create_table(db)
    skipped.create_table(db)
    database.create_tracking_table(db)


def drop_schema(db: ViewsDatabase) -> None:
    """Drop the view tables and the tracking table (their indexes go with them)."""
    for name in TABLES:
        db.table(name).drop(ignore=True)
    database.drop_tracking_table(db)


def open_schema(db: Database) -> None:
    """Create the schema in an SQLite views file, first dropping one of another version
    so the log replays into it.

    A views file written by an older Branchline lacks tables and columns; dropping its
    tracking position too makes the next catch-up rebuild every row.
    """
    with database.immediate_transaction(db.conn):
        # Read inside the write lock, so two processes opening one old file drop it once.
        version = db.conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            drop_schema(db)
            db.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        create_schema(db)


def apply(conn: Any, thread_id: str, event: ThreadEvent, position: int) -> None:
    """Apply one event of ``thread_id``, recorded at log ``position``, to every read model."""
    threads.apply(conn, thread_id, event)
    checkpoint_tree.apply(conn, thread_id, event)
    audit.apply(conn, thread_id, event, position)  # before the inbox drops what it answers
    pending_interrupts.apply(conn, thread_id, event, position)
