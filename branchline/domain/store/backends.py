"""Where a store keeps its events: the settings for each backend, and PostgreSQL setup.

SQLite in one file is the embedded default. PostgreSQL is for many worker processes on
many machines: its schema is created once (``branchline db init``) and workers start
with table creation off, since many workers creating tables at once fail.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from branchline.domain.model.errors import StoreConfigError, StoreUnavailable
from branchline.domain.store.shards import table_prefixes

if TYPE_CHECKING:
    import psycopg

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
STORE_FORMAT = 1  # the stored format this Branchline writes; a newer one is refused
TABLE_PREFIX = "branchline"  # the event log's name: tables branchline_events, _snapshots
META_TABLE = f"{TABLE_PREFIX}_meta"  # settings recorded when the store was created
META_KEY = "encryption"  # its row there that says if the store is encrypted (``encryption``)
_SQLITE_META = f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key TEXT PRIMARY KEY, value TEXT)"
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def is_postgres(target: str) -> bool:
    """True if ``target`` is a PostgreSQL connection URL rather than an SQLite path."""
    return target.startswith(POSTGRES_SCHEMES)


def sqlite_env(path: Path, lock_timeout: int) -> dict[str, str]:
    """The eventsourcing settings for an SQLite store in ``path``, once the file is checked."""
    if path.is_dir():
        raise StoreConfigError(f"SQLite path {str(path)!r} is a directory; give a file path")
    check_sqlite_directory(path)
    check_sqlite_file(path)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": read_only_uri(path) or str(path),
        "SQLITE_LOCK_TIMEOUT": str(lock_timeout),
    }


def check_sqlite_directory(path: Path) -> None:
    """Refuse a new database file whose directory is missing or not writable (SQLite
    would fail deep in the event-store library, naming no path)."""
    folder = path.absolute().parent
    if not folder.is_dir():
        raise StoreConfigError(
            f"cannot create the database {str(path)!r}: its directory {str(folder)!r} does "
            f"not exist; create it (mkdir -p {str(folder)!r}) or give another path"
        )
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise StoreConfigError(
            f"cannot create the database {str(path)!r}: its directory {str(folder)!r} is "
            "not writable by this user; change its permissions or give another path"
        )


def read_only_uri(path: Path) -> str | None:
    """How to open an existing ``path`` this process may not write (a read-only file,
    directory or filesystem): SQLite's read-only URI, so it can be inspected. Without a
    writable directory SQLite cannot make the WAL index either: the file is opened as
    ``immutable`` (a writer elsewhere would go unseen until it is opened again).
    None if the file can be written, or does not exist yet."""
    folder = path.absolute().parent
    if not path.exists() or (os.access(path, os.W_OK) and os.access(folder, os.W_OK)):
        return None
    immutable = "" if os.access(folder, os.W_OK) else "&immutable=1"
    return f"{path.resolve().as_uri()}?mode=ro{immutable}"


def _reader(path: Path) -> sqlite3.Connection:
    """A connection that reads ``path`` and never writes it."""
    return sqlite3.connect(read_only_uri(path) or f"{path.resolve().as_uri()}?mode=ro", uri=True)


def check_sqlite_file(path: Path) -> None:
    """Refuse, before anything is written, a file that is not a Branchline database:
    not SQLite at all, another program's database, or one from a newer Branchline."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with closing(_reader(path)) as conn:
            stored_format = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise StoreConfigError(
            f"{str(path)!r} is not an SQLite database ({exc}); give the path of a Branchline "
            "database, or a new path to create one"
        ) from None
    if stored_format > STORE_FORMAT:
        raise StoreConfigError(
            f"{str(path)!r} was written by a newer Branchline (stored format {stored_format}; "
            f"this one reads up to {STORE_FORMAT}); upgrade Branchline to open it"
        )
    if tables and "stored_events" not in tables:
        raise StoreConfigError(
            f"{str(path)!r} is another program's SQLite database (tables: "
            f"{', '.join(sorted(tables)[:5])}); give Branchline a file of its own"
        )


def stamp_sqlite_file(path: Path, encryption: str | None = None) -> str | None:
    """Record the stored format in a new database file (``PRAGMA user_version``) and, if
    it records none yet, its ``encryption`` (see ``encryption``). Returns the encryption
    the file records: another process may have recorded its own first (None: a read-only
    file that records none)."""
    if read_only_uri(path) is not None:
        return sqlite_encryption(path)[0]
    with closing(sqlite3.connect(path)) as conn:
        if conn.execute("PRAGMA user_version").fetchone()[0] == 0:
            conn.execute(f"PRAGMA user_version = {STORE_FORMAT}")
        if encryption is not None:
            with suppress(sqlite3.OperationalError), conn:  # read-only: nothing to guard
                conn.execute(_SQLITE_META)
                conn.execute(
                    f"INSERT OR IGNORE INTO {META_TABLE} VALUES (?, ?)", (META_KEY, encryption)
                )
        return _sqlite_encryption(conn)


def sqlite_encryption(path: Path) -> tuple[str | None, bytes | None]:
    """What an SQLite file records of its encryption and, if nothing, its first stored
    event, read without writing (``(None, None)`` for a new file)."""
    if not path.exists() or path.stat().st_size == 0:
        return None, None
    with closing(_reader(path)) as conn:
        recorded = _sqlite_encryption(conn)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if recorded is not None or "stored_events" not in tables:
            return recorded, None
        first = conn.execute("SELECT state FROM stored_events ORDER BY rowid LIMIT 1").fetchone()
    return None, None if first is None else bytes(first[0])


def _sqlite_encryption(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute(f"SELECT value FROM {META_TABLE} WHERE key = ?", (META_KEY,)).fetchone()
    except sqlite3.OperationalError:  # no such table: written before it was recorded
        return None
    return None if row is None else str(row[0])


def checked_schema(schema: str) -> str:
    """``schema`` if it is a plain lower-case PostgreSQL identifier; else a clear error."""
    if not _IDENTIFIER.fullmatch(schema):
        raise StoreConfigError(
            f"PostgreSQL schema name {schema!r} is not a plain identifier; use lower-case "
            "letters, digits and underscores (at most 63, not starting with a digit)"
        )
    return schema


def postgres_env(
    dsn: str, schema: str, create_tables: bool, pool_size: int, lock_timeout: int
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


def prepare_schema(dsn: str, schema: str, *, create: bool, shards: int | None = None) -> int:
    """Create the schema and record the stored format and shard count (``create``; the
    store then makes its tables), or check that ``branchline db init`` did and that no
    newer Branchline wrote there. Returns the number of shards (as recorded, unless
    ``shards`` asks for a count, which must then match)."""
    from psycopg import sql

    meta = sql.Identifier(schema, f"{TABLE_PREFIX}_meta")
    with connect(dsn) as conn:
        if create:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute(
                sql.SQL("CREATE TABLE IF NOT EXISTS {} (key text PRIMARY KEY, value text)").format(
                    meta
                )
            )
            for key, value in (("format", STORE_FORMAT), ("shards", shards or 1)):
                conn.execute(
                    sql.SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(meta),
                    (key, str(value)),
                )
        settings = _meta(conn, schema)
        recorded = int(settings.get("shards", shards or 1))
        if shards is not None and recorded != shards:
            raise StoreConfigError(
                f"PostgreSQL schema {schema!r} was set up with {recorded} shard(s), not "
                f"{shards}: threads are placed by the shard count, so every worker must use "
                f"the same one (leave shards= out to use the recorded {recorded})"
            )
        tables = [f"{p}_{t}" for p in table_prefixes(recorded) for t in ("events", "snapshots")]
        found = {
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = %s AND table_name = ANY(%s)",
                (schema, tables),
            )
        }
        if not create and not set(tables) <= found:
            raise StoreConfigError(
                f"PostgreSQL schema {schema!r} has no Branchline tables yet; create them once "
                f"with: branchline db init --db {_redacted(dsn)!r}"
                + (f" --schema {schema}" if schema != "public" else "")
            )
        if int(settings.get("format", STORE_FORMAT)) > STORE_FORMAT:
            raise StoreConfigError(
                f"PostgreSQL schema {schema!r} was written by a newer Branchline (stored "
                f"format {settings['format']}; this one reads up to {STORE_FORMAT}); "
                "upgrade Branchline"
            )
    return recorded


def _meta(conn: psycopg.Connection[Any], schema: str) -> dict[str, str]:
    """The settings ``db init`` recorded in the schema (none before it ran)."""
    from psycopg import sql

    exists = conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
        (schema, f"{TABLE_PREFIX}_meta"),
    ).fetchone()
    if exists is None:
        return {}
    query = sql.SQL("SELECT key, value FROM {}").format(
        sql.Identifier(schema, f"{TABLE_PREFIX}_meta")
    )
    return {str(k): str(v) for k, v in conn.execute(query)}


def postgres_encryption(dsn: str, schema: str) -> tuple[str | None, bytes | None]:
    """What a PostgreSQL schema records of its encryption and, if nothing, the first
    stored event of its first shard that has one (``(None, None)``: a new schema)."""
    from psycopg import sql

    with connect(dsn) as conn:
        settings = _meta(conn, schema)
        if META_KEY in settings:
            return settings[META_KEY], None
        for prefix in table_prefixes(int(settings.get("shards", 1))):
            table = f"{prefix}_events"
            if not _exists(conn, schema, table):
                continue
            query = sql.SQL("SELECT state FROM {} ORDER BY notification_id LIMIT 1")
            row = conn.execute(query.format(sql.Identifier(schema, table))).fetchone()
            if row is not None:
                return None, bytes(row[0])
    return None, None


def record_postgres_encryption(dsn: str, schema: str, encryption: str) -> str | None:
    """Record ``encryption`` in a schema that records none yet; the encryption it records
    (another process may have recorded its own first; None: it cannot record one)."""
    from psycopg import sql

    with connect(dsn) as conn:
        if not _exists(conn, schema, META_TABLE):
            return None  # set up before settings were recorded: judged at every open
        insert = sql.SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING")
        with suppress(_psycopg().Error):  # a role that may not write cannot append either
            conn.execute(insert.format(sql.Identifier(schema, META_TABLE)), (META_KEY, encryption))
        return _meta(conn, schema).get(META_KEY)


def _exists(conn: psycopg.Connection[Any], schema: str, table: str) -> bool:
    found = conn.execute(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = %s",
        (schema, table),
    ).fetchone()
    return found is not None


def open_connection(dsn: str) -> psycopg.Connection[Any]:
    """A new autocommit connection to ``dsn``; StoreUnavailable if no server answers,
    StoreConfigError if it refuses (user, password, database), each saying what to do."""
    library = _psycopg()
    try:
        conn = library.connect(dsn, autocommit=True, connect_timeout=10)
    except library.OperationalError as exc:
        if exc.sqlstate is None:  # no answer from a server: down, unreachable, refused
            raise StoreUnavailable(
                f"cannot reach PostgreSQL at {_redacted(dsn)!r}: {str(exc).strip()}. Check "
                "that the server runs and that the URL's host and port are right; the call "
                "can be retried once it is reachable"
            ) from None
        raise StoreConfigError(
            f"cannot connect to PostgreSQL at {_redacted(dsn)!r}: {str(exc).strip()}. "
            "Check that the URL's user, password and database are right"
        ) from None
    return cast("psycopg.Connection[Any]", conn)


@contextmanager
def connect(dsn: str) -> Iterator[psycopg.Connection[Any]]:
    """One autocommit connection to ``dsn`` for a ``with`` block (see ``open_connection``)."""
    with open_connection(dsn) as conn:
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
