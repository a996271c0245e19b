"""Each side's checkpointer for its async API, on SQLite or PostgreSQL, at the same durability.

SQLite: one file in WAL mode with ``synchronous=FULL`` on both sides (as ``bench.sides``
does for the sync savers): Branchline's ``CheckpointStore.sqlite``, LangGraph's
``AsyncSqliteSaver`` on an ``aiosqlite`` connection given both pragmas.

PostgreSQL: the local server; each run gets a database of its own, dropped afterwards.
Both sides get the same number of connections (``POOL_SIZE``): Branchline's
``CheckpointStore.postgres(pool_size=...)``, LangGraph's ``AsyncPostgresSaver`` on an
``AsyncConnectionPool`` of that size (it still takes one ``asyncio.Lock`` around every
statement it runs, whatever the pool).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from bench.sides import checkpointer
from bench.workload import Side

PG_SERVER = os.environ.get("BRANCHLINE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
POOL_SIZE = 5  # connections per side (Branchline's default pool_size)


@asynccontextmanager
async def async_checkpointer(side: Side, store: str, workdir: Path) -> AsyncIterator[Any]:
    """The side's checkpointer on ``store`` ("sqlite": a file in ``workdir``;
    "postgres": a fresh database), closed (and the database dropped) on exit."""
    if store == "sqlite":
        async with sqlite_saver(side, workdir / "async.db") as saver:
            yield saver
        return
    with fresh_database() as dsn:
        async with _postgres(side, dsn) as saver:
            yield saver


@asynccontextmanager
async def sqlite_saver(side: Side, path: Path) -> AsyncIterator[Any]:
    """The side's SQLite checkpointer on ``path`` (WAL, ``synchronous=FULL``), closed on exit."""
    if side is Side.BRANCHLINE:
        with checkpointer(side, path) as store:
            yield store
        return
    import aiosqlite
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    async with aiosqlite.connect(path) as conn:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=FULL")
        saver = AsyncSqliteSaver(conn)
        await saver.setup()
        yield saver


@asynccontextmanager
async def _postgres(side: Side, dsn: str) -> AsyncIterator[Any]:
    if side is Side.BRANCHLINE:
        from branchline import CheckpointStore

        store = CheckpointStore.postgres(dsn, create_tables=True, pool_size=POOL_SIZE)
        try:
            yield store
        finally:
            store.close()
        return
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from psycopg.rows import dict_row
    from psycopg_pool import AsyncConnectionPool

    settings = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    pool = AsyncConnectionPool(dsn, max_size=POOL_SIZE, kwargs=settings, open=False)
    async with pool:
        saver = AsyncPostgresSaver(pool)  # type: ignore[arg-type]
        await saver.setup()
        yield saver


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database on the local server (its DSN), dropped on exit."""
    import psycopg

    name = f"bench_async_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
