"""The floor under every durable step: raw sqlite3, one small row per transaction.

The same file settings as both sides' checkpointers (WAL, ``synchronous=FULL``), so
each commit is one fsync of the WAL. No checkpointer can commit faster than this on
the same disk; a side that commits once per step is bounded by it. Timed once the WAL
is at its working size, like the loops it is compared with (``bench.wal.warm``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from time import perf_counter

from bench.wal import warm

WARM_UP_LIMIT = 5_000  # commits; the WAL of one-row commits restarts after about 1,000


def commits_per_second(path: Path, commits: int) -> float:
    """Insert ``commits`` rows of one int, each in its own transaction, and time it."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE floor (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")

        def commit(value: int = 0) -> None:
            conn.execute("BEGIN")
            conn.execute("INSERT INTO floor (value) VALUES (?)", (value,))
            conn.execute("COMMIT")

        warm(path, commit, WARM_UP_LIMIT)
        start = perf_counter()
        for value in range(commits):
            commit(value)
        return commits / (perf_counter() - start)
    finally:
        conn.close()
