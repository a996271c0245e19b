"""The floor under every durable step: raw sqlite3, one small row per transaction.

The same file settings as both sides' checkpointers (WAL, ``synchronous=FULL``), so
each commit is one fsync of the WAL. No checkpointer can commit faster than this on
the same disk; a side that commits once per step is bounded by it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from time import perf_counter


def commits_per_second(path: Path, commits: int) -> float:
    """Insert ``commits`` rows of one int, each in its own transaction, and time it."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE floor (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
        start = perf_counter()
        for value in range(commits):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO floor (value) VALUES (?)", (value,))
            conn.execute("COMMIT")
        return commits / (perf_counter() - start)
    finally:
        conn.close()
