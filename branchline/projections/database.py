"""The views database: its own SQLite file, its transactions and its tracking position.

Which tables it holds is the read models' business (``read_models``). The file is
disposable, since every row can be rebuilt from the event log, so it is opened with WAL
and ``synchronous=NORMAL``: a crash may lose the latest commits, never corrupt the file.
The connection runs in autocommit mode so that the subscriber opens its transactions
explicitly with ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from sqlite_utils import Database

TRACKING_TABLE = "tracking"


class ViewsDatabase(Protocol):
    """What the views use of their database: sqlite-utils' ``Database`` on SQLite, or
    ``branchline.projections.postgres.PgDatabase``."""

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


def create_tracking_table(db: ViewsDatabase) -> None:
    """Create the table of tracking positions if it does not exist yet."""
    db.table(TRACKING_TABLE).create(
        {"name": str, "position": int}, pk="name", not_null=["position"], if_not_exists=True
    )


def drop_tracking_table(db: ViewsDatabase) -> None:
    """Drop the table of tracking positions: every view then replays from the start."""
    db.table(TRACKING_TABLE).drop(ignore=True)


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
        if conn.in_transaction:  # SQLite ends some on its own ("database or disk is full")
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
