"""Database size on disk, measured the same way for both sides.

A side may write more than one SQLite file (Branchline's read models, once a program
opens them, live in a ``*.views.db`` next to the events file; no workload here opens
them), so every ``*.db`` in the run's directory counts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

WAL_SUFFIX = "-wal"


@dataclass(frozen=True)
class DiskUsage:
    """Bytes on disk per database file (main file plus its WAL) after a checkpoint."""

    files: dict[str, int]
    blocked: tuple[str, ...]  # files whose WAL checkpoint a reader blocked

    @property
    def total(self) -> int:
        """Bytes of every file together."""
        return sum(self.files.values())


def disk_usage(directory: Path) -> DiskUsage:
    """Checkpoint and measure every ``*.db`` in ``directory``.

    ``wal_checkpoint(TRUNCATE)`` runs on a separate connection, so neither side's code
    is touched. If a reader blocks it, the WAL still holds pages and counts as it is.
    """
    files: dict[str, int] = {}
    blocked: list[str] = []
    for db in sorted(directory.glob("*.db")):
        if not _checkpoint(db):
            blocked.append(db.name)
        files[db.name] = _file_size(db) + _file_size(db.with_name(db.name + WAL_SUFFIX))
    return DiskUsage(files=files, blocked=tuple(blocked))


def _checkpoint(db: Path) -> bool:
    conn = sqlite3.connect(db)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()
    return bool(busy == 0)


def _file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0
