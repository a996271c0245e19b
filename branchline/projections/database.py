"""The views database: its own SQLite file, its schema and its tracking position.

The file is disposable, since every row can be rebuilt from the event log, so it is
opened with WAL and ``synchronous=NORMAL``: a crash may lose the latest commits, never
corrupt the file. The connection runs in autocommit mode so that the subscriber opens
its transactions explicitly with ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlite_utils import Database

from branchline.projections import audit, checkpoint_tree, pending_interrupts, threads

TRACKING_TABLE = "tracking"
SCHEMA_VERSION = 2
"""The shape of the view tables, kept in ``PRAGMA user_version``; bump it on every change."""
VIEW_TABLES = (threads.TABLE, checkpoint_tree.TABLE, pending_interrupts.TABLE, audit.TABLE)


class ViewsDatabase(Protocol):
    """What the views use of their database: sqlite-utils' ``Database`` on SQLite, or
    ``projections.postgres.PgDatabase``."""

    @property
    def conn(self) -> Any:
        """A connection with ``execute(sql, params)``, ``?`` parameters."""

    def query(self, sql: str, params: Any = None, /) -> Iterable[dict[str, Any]]:
        """Rows as dicts."""

    def table(self, name: str, /) -> Any:
        """A table with ``create``, ``create_index`` and ``drop``."""

    def close(self) -> None:
        """Release the connection."""


_READ_POSITION = "SELECT position FROM tracking WHERE name = ?"
_WRITE_POSITION = (
    "INSERT INTO tracking (name, position) VALUES (?, ?) "
    "ON CONFLICT (name) DO UPDATE SET position = excluded.position"
)


def open_database(path: str | os.PathLike[str]) -> Database:
    """Open or create the views database at ``path`` (``":memory:"`` for memory)."""
    # Appends (and so inline catch-ups) may come from any thread; Views serialises them.
    conn = sqlite3.connect(os.fspath(path), isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return Database(conn, execute_plugins=False)


def create_schema(db: ViewsDatabase) -> None:
    """Create the view tables and the tracking table if they do not exist yet."""
    threads.create_table(db)
    checkpoint_tree.create_table(db)
    pending_interrupts.create_table(db)
    audit.create_table(db)
    db.table(TRACKING_TABLE).create(
        {"name": str, "position": int}, pk="name", not_null=["position"], if_not_exists=True
    )


def open_schema(db: Database) -> None:
    """Create the schema, first dropping one of another version so the log replays into it.

    A views file written by an older Branchline lacks tables and columns; dropping its
    tracking position too makes the next catch-up rebuild every row.
    """
    with immediate_transaction(db.conn):
        # Read inside the write lock, so two processes opening one old file drop it once.
        version = db.conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            drop_schema(db)
            db.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        create_schema(db)


def drop_schema(db: ViewsDatabase) -> None:
    """Drop the view tables and the tracking table (their indexes go with them)."""
    for name in (*VIEW_TABLES, TRACKING_TABLE):
        db.table(name).drop(ignore=True)


def read_position(conn: Any, name: str) -> int:
    """The log position up to which ``name`` has applied events (0 if never)."""
    row = conn.execute(_READ_POSITION, (name,)).fetchone()
    return int(row[0]) if row else 0


def write_position(conn: Any, name: str, position: int) -> None:
    """Record that ``name`` has applied every event up to ``position``."""
    conn.execute(_WRITE_POSITION, (name, position))


@contextmanager
def immediate_transaction(conn: Any) -> Iterator[None]:
    """Run the block in one ``BEGIN IMMEDIATE`` transaction: all of it or none of it."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
