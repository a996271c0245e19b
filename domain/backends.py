"""Where a store keeps its events: the settings for each backend, and PostgreSQL setup.

SQLite in one file is the embedded default. PostgreSQL is for many worker processes on
many machines: its schema is created once (``branchline db init``) and workers start
with table creation off, since many workers creating tables at once fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from domain.errors import StoreConfigError

if TYPE_CHECKING:
    import psycopg

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
TABLE_PREFIX = "branchline"  # the event log's name: tables branchline_events, _snapshots
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def is_postgres(target: str) -> bool:
    """True if ``target`` is a PostgreSQL connection URL rather than an SQLite path."""
    return target.startswith(POSTGRES_SCHEMES)


def checked_schema(schema: str) -> str:
    """``schema`` if it is a plain lower-case PostgreSQL identifier; else a clear error."""
    if not _IDENTIFIER.fullmatch(schema):
        raise StoreConfigError(
            f"PostgreSQL schema name {schema!r} is not a plain identifier; use lower-case "
            "letters, digits and underscores (at most 63, not starting with a digit)"
        )
    return schema


def postgres_env(
    dsn: str, *, schema: str, create_tables: bool, pool_size: int, lock_timeout: int
) -> dict[str, str]:
    """The eventsourcing settings for a PostgreSQL store at ``dsn`` (a ``postgresql://`` URL)."""
    parts = _conninfo(dsn)
    missing = [key for key in ("host", "dbname") if not parts.get(key)]
    if missing:
        raise StoreConfigError(
            f"the PostgreSQL URL {_redacted(dsn)!r} names no {' or '.join(missing)}; "
            "write it as postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME"
        )
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": parts["dbname"],
        "POSTGRES_HOST": parts["host"],
        "POSTGRES_PORT": parts.get("port") or "5432",
        "POSTGRES_USER": parts.get("user") or "postgres",
        "POSTGRES_PASSWORD": parts.get("password") or "",
        "POSTGRES_SCHEMA": checked_schema(schema),
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_LOCK_TIMEOUT": str(lock_timeout),
        "CREATE_TABLE": "y" if create_tables else "n",
    }


def prepare_schema(dsn: str, schema: str, *, create: bool) -> None:
    """Create the schema (``create``; the store then creates its tables), or check that
    ``branchline db init`` did."""
    if create:
        init_schema(dsn, schema)
    elif not has_tables(dsn, schema):
        raise StoreConfigError(
            f"PostgreSQL schema {schema!r} has no Branchline tables yet; create them once "
            f"with: branchline db init --db {_redacted(dsn)!r}"
            + (f" --schema {schema}" if schema != "public" else "")
        )


def init_schema(dsn: str, schema: str) -> None:
    """Create the PostgreSQL schema if it is missing (the store then creates its tables)."""
    from psycopg import sql

    with connect(dsn) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))


def has_tables(dsn: str, schema: str) -> bool:
    """True if ``branchline db init`` has created the event tables in ``schema``."""
    with connect(dsn) as conn:
        found = conn.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = %s AND table_name = ANY(%s)",
            (schema, [f"{TABLE_PREFIX}_events", f"{TABLE_PREFIX}_snapshots"]),
        ).fetchone()
    return found is not None and found[0] == 2


@contextmanager
def connect(dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """One autocommit connection to ``dsn``, with errors that say what to do."""
    psycopg = _psycopg()
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise StoreConfigError(
            f"cannot connect to PostgreSQL at {_redacted(dsn)!r}: {str(exc).strip()}. "
            "Check that the server runs and the URL's host, port, user and database are right"
        ) from None
    with conn:
        yield conn


def _conninfo(dsn: str) -> dict[str, str]:
    psycopg = _psycopg()
    try:
        parsed = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as exc:
        raise StoreConfigError(
            f"{_redacted(dsn)!r} is not a PostgreSQL URL ({exc}); "
            "write it as postgresql://USER[:PASSWORD]@HOST[:PORT]/DBNAME"
        ) from None
    return {k: str(v) for k, v in parsed.items() if v is not None}


def _psycopg() -> Any:
    try:
        import psycopg
        import psycopg.conninfo
    except ImportError:
        raise StoreConfigError(
            "PostgreSQL needs psycopg 3; install it with pip install 'branchline[postgres]'"
        ) from None
    return psycopg


def _redacted(dsn: str) -> str:
    """``dsn`` with any password replaced, for error messages."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", dsn)
