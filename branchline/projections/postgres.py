"""The views in PostgreSQL, next to a store that many workers share.

The projection handlers and queries are the same as on SQLite: their SQL is standard
and uses ``?`` parameters, which this adapter passes to psycopg as ``%s``. It offers
the small part of sqlite-utils' ``Database`` that the views use (``conn``, ``query``
and ``table(...).create/create_index/drop``), over one autocommit connection whose
``search_path`` is the store's schema. The caller opens that connection (the store's
adapters know how: ``branchline.bootstrap`` wires them); the views only use it.
``branchline project`` keeps the views current; an advisory lock makes it the only one
that writes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

VERSION_TABLE = "views_meta"
_TYPES = {str: "text", int: "bigint"}


class PgConnection:
    """What the handlers need of a connection: ``execute(sql, params)``, SQLite-flavoured."""

    def __init__(self, conn: Any) -> None:
        self.raw = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.raw.execute(_to_postgres(sql), tuple(params))


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
    """The views' database in a PostgreSQL schema, over an open autocommit psycopg
    connection, which it then owns (``close`` closes it)."""

    def __init__(self, conn: Any, schema: str) -> None:
        from psycopg import sql

        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        self.conn = PgConnection(conn)
        self.schema = schema

    def query(self, sql: str, params: Sequence[Any] | None = None) -> Iterator[dict[str, Any]]:
        from psycopg.rows import dict_row

        with self.conn.raw.cursor(row_factory=dict_row) as cursor:
            cursor.execute(_to_postgres(sql), tuple(params or ()))
            yield from cursor.fetchall()

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

    def try_lock(self, purpose: str) -> bool:
        """Take the session's advisory lock for ``purpose`` in this schema, if free."""
        row = self.conn.execute("SELECT pg_try_advisory_lock(?)", (self._key(purpose),))
        return bool(row.fetchone()[0])

    def lock(self, purpose: str) -> None:
        """Wait for, then take, the advisory lock for ``purpose`` in this schema."""
        self.conn.execute("SELECT pg_advisory_lock(?)", (self._key(purpose),))

    def _key(self, purpose: str) -> int:
        digest = hashlib.blake2b(f"{self.schema}:{purpose}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big", signed=True)

    def close(self) -> None:
        self.conn.raw.close()


def _to_postgres(sql: str) -> str:
    """SQLite's spelling to PostgreSQL's: ``?`` parameters, a plain ``BEGIN``."""
    return sql.replace("BEGIN IMMEDIATE", "BEGIN").replace("?", "%s")
