"""The views in PostgreSQL, next to a store that many workers share.

The projection handlers and queries are the same as on SQLite: their SQL is standard
and uses ``?`` parameters, which this adapter passes to psycopg as ``%s``. It offers
the small part of sqlite-utils' ``Database`` that the views use (``conn``, ``query``
and ``table(...).create/create_index/drop``), over one autocommit connection whose
``search_path`` is the store's schema. The caller gives a function that opens such a
connection (the store's adapters know how: ``branchline.bootstrap`` wires them): a
connection the server dropped is replaced by a new one at the next statement. Any
process may catch the views up: each batch holds a transaction-level advisory lock, so
batches never interleave and nobody waits longer than one batch.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from branchline.projections.errors import ConnectionLost

VERSION_TABLE = "views_meta"
_TYPES = {str: "text", int: "bigint"}


class PgConnection:
    """What the handlers need of a connection: ``execute(sql, params)``, SQLite-flavoured
    (a conflicting row is ``sqlite3.IntegrityError``), over a connection that is opened
    again if the server dropped it (the statement that found it dropped raises
    ConnectionLost)."""

    def __init__(self, connect: Callable[[], Any], schema: str) -> None:
        self._connect, self._schema = connect, schema
        self._raw: Any = None

    @property
    def raw(self) -> Any:
        """The psycopg connection, a new one if the last was closed."""
        if self._raw is None or self._raw.closed:
            from psycopg import sql

            self._raw = self._connect()
            self._raw.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self._schema)))
        return self._raw

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on the current connection (a dropped one has none)."""
        from psycopg.pq import TransactionStatus

        raw = self._raw
        return (
            raw is not None
            and not raw.closed
            and raw.info.transaction_status != TransactionStatus.IDLE
        )

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with translated_errors():
            return self.raw.execute(_to_postgres(sql), tuple(params))

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()


@contextmanager
def translated_errors() -> Iterator[None]:
    """psycopg's errors as the views handle them: a dropped connection is ConnectionLost
    (retry: the next statement reconnects), a conflicting row sqlite3.IntegrityError."""
    import psycopg

    try:
        yield
    except psycopg.IntegrityError as error:
        raise sqlite3.IntegrityError(str(error)) from error
    except psycopg.OperationalError as error:
        raise ConnectionLost(
            f"the connection to PostgreSQL was lost ({str(error).strip()}); the next "
            "query opens a new one"
        ) from error


class PgTable:
    """``create``, ``create_index`` and ``drop``, as sqlite-utils names them."""

    def __init__(self, conn: PgConnection, name: str) -> None:
        self.conn, self.name = conn, name

    def create(
        self,
        columns: dict[str, type],
        pk: str,
        not_null: Iterable[str] = (),
        if_not_exists: bool = False,
    ) -> None:
        required = set(not_null)
        fields = [
            f"{name} {_TYPES[kind]}{' NOT NULL' if name in required else ''}"
            for name, kind in columns.items()
        ]
        exists = "IF NOT EXISTS " if if_not_exists else ""
        self.conn.execute(
            f"CREATE TABLE {exists}{self.name} ({', '.join(fields)}, PRIMARY KEY ({pk}))"
        )

    def create_index(
        self, columns: Sequence[str], unique: bool = False, if_not_exists: bool = False
    ) -> None:
        name = f"idx_{self.name}_{'_'.join(columns)}"
        kind = "UNIQUE INDEX" if unique else "INDEX"
        exists = "IF NOT EXISTS " if if_not_exists else ""
        self.conn.execute(f"CREATE {kind} {exists}{name} ON {self.name} ({', '.join(columns)})")

    def drop(self, ignore: bool = False) -> None:
        self.conn.execute(f"DROP TABLE {'IF EXISTS ' if ignore else ''}{self.name}")


class PgDatabase:
    """The views' database in a PostgreSQL schema, over autocommit psycopg connections
    that ``connect`` opens (``close`` closes the current one)."""

    def __init__(self, connect: Callable[[], Any], schema: str) -> None:
        self.conn = PgConnection(connect, schema)
        self.conn.execute("SELECT 1")  # connect now: an unreachable server fails the open
        self.schema = schema

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        from psycopg.rows import dict_row

        with translated_errors(), self.conn.raw.cursor(row_factory=dict_row) as cursor:
            cursor.execute(_to_postgres(sql), tuple(params or ()))
            rows = cursor.fetchall()
        yield from rows

    def table(self, name: str) -> PgTable:
        return PgTable(self.conn, name)

    def schema_version(self) -> int:
        """The views' shape as recorded (0 if never)."""
        self.conn.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version bigint)")
        row = self.conn.execute(f"SELECT version FROM {VERSION_TABLE}").fetchone()
        return int(row[0]) if row else 0

    def set_schema_version(self, version: int) -> None:
        self.conn.execute(f"DELETE FROM {VERSION_TABLE}")
        self.conn.execute(f"INSERT INTO {VERSION_TABLE} VALUES (?)", (version,))

    def lock_transaction(self, purpose: str) -> None:
        """Wait for, then hold until the transaction ends, the advisory lock for
        ``purpose`` in this schema."""
        self.conn.execute("SELECT pg_advisory_xact_lock(?)", (self._key(purpose),))

    def _key(self, purpose: str) -> int:
        digest = hashlib.blake2b(f"{self.schema}:{purpose}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    def close(self) -> None:
        self.conn.close()


def _to_postgres(sql: str) -> str:
    """SQLite's spelling to PostgreSQL's: ``?`` parameters, a plain ``BEGIN``."""
    return sql.replace("BEGIN IMMEDIATE", "BEGIN").replace("?", "%s")
