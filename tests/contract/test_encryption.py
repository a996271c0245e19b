"""A store is encrypted or not from its creation: a key that does not fit is refused before
anything is written, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import base64
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import pytest
from psycopg.conninfo import make_conninfo

from branchline import END, START, CheckpointStore, StateGraph, StoreConfigError
from branchline.domain.store.backends import connect, record_postgres_encryption, stamp_sqlite_file
from branchline.domain.store.encryption import new_encryption_key

KEY, OTHER_KEY = new_encryption_key(), new_encryption_key()
NO_KEY = r"is encrypted, but no encryption key was given; nothing was written\. Set BRANCHLINE_"
ANOTHER_KEY = r"is encrypted with another key than the one given; nothing was written\. Set"
PLAINTEXT = r"is not encrypted \(it was created without a key\), but an encryption key was given"


class Counter(TypedDict):
    count: int


def _fill(store: CheckpointStore) -> None:
    """Run a two-step graph on thread 't', then close the store."""
    builder = StateGraph(Counter)
    builder.add_node("a", lambda s: {"count": s["count"] + 1})
    builder.add_edge(START, "a")
    builder.add_edge("a", END)
    with store:
        builder.compile(checkpointer=store).invoke(
            {"count": 0}, {"configurable": {"thread_id": "t"}}
        )


@dataclass
class Place:
    """Where a store lives: how to create and open it, and read or change its raw rows."""

    create: Callable[..., CheckpointStore]
    open: Callable[..., CheckpointStore]
    raw: Callable[[], Any]  # every stored byte, to compare before and after
    sql: Callable[[str], list[tuple[Any, ...]]]  # run a statement on the raw database
    exists: Callable[[], bool]


def _sqlite(path: Path) -> Place:
    def sql(statement: str) -> list[tuple[Any, ...]]:
        with sqlite3.connect(path) as conn:
            return conn.execute(statement).fetchall()

    def raw() -> tuple[bytes, bytes]:
        wal = path.with_name(f"{path.name}-wal")  # a refused open may leave it, empty
        return path.read_bytes(), wal.read_bytes() if wal.exists() else b""

    def opened(**options: Any) -> CheckpointStore:
        return CheckpointStore.sqlite(path, **options)

    return Place(opened, opened, raw, sql, path.exists)


def _postgres(dsn: str, schema: str) -> Place:
    def sql(statement: str) -> list[tuple[Any, ...]]:
        with connect(dsn) as conn:
            conn.execute(f"SET search_path TO {schema}")
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def raw() -> dict[str, list[tuple[Any, ...]]]:
        tables = sql(
            "SELECT table_name FROM information_schema.tables "
            f"WHERE table_schema = '{schema}' ORDER BY 1"
        )
        return {t: sql(f"SELECT * FROM {t} ORDER BY 1, 2") for (t,) in tables}

    def exists() -> bool:
        return bool(sql(f"SELECT 1 FROM pg_namespace WHERE nspname = '{schema}'"))

    return Place(
        lambda **o: CheckpointStore.postgres(dsn, schema=schema, create_tables=True, **o),
        lambda **o: CheckpointStore.postgres(dsn, schema=schema, **o),
        raw,
        sql,
        exists,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        yield _sqlite(tmp_path / "threads.db")
        return
    dsn, schema = request.getfixturevalue("pg_dsn"), f"test_{uuid.uuid4().hex[:12]}"
    yield _postgres(dsn, schema)
    with connect(dsn) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _reads_with(place: Place, key: str | None) -> None:
    with place.open(encryption_key=key) as store:
        thread = store.load("t")
        assert thread is not None and thread.values == {"count": 1}
        assert all(report.intact for report in store.verify())


def test_an_encrypted_store_opened_without_its_key_is_refused_and_writes_nothing(
    place: Place,
) -> None:
    _fill(place.create(encryption_key=KEY))
    before = place.raw()
    with pytest.raises(StoreConfigError, match=NO_KEY):
        place.open()
    assert place.raw() == before
    _reads_with(place, KEY)


def test_a_plaintext_store_opened_with_a_key_is_refused_and_writes_nothing(place: Place) -> None:
    _fill(place.create())
    before = place.raw()
    with pytest.raises(StoreConfigError, match=PLAINTEXT + r"; nothing was written\. Remove"):
        place.open(encryption_key=KEY)
    assert place.raw() == before
    _reads_with(place, None)


def test_an_encrypted_store_opened_with_another_key_is_refused_and_writes_nothing(
    place: Place,
) -> None:
    _fill(place.create(encryption_key=KEY))
    before = place.raw()
    with pytest.raises(StoreConfigError, match=ANOTHER_KEY):
        place.open(encryption_key=OTHER_KEY)
    assert place.raw() == before
    _reads_with(place, KEY)


def test_creating_a_store_again_with_another_key_is_refused(place: Place) -> None:
    _fill(place.create(encryption_key=KEY))
    with pytest.raises(StoreConfigError, match=ANOTHER_KEY):
        place.create(encryption_key=OTHER_KEY)
    with pytest.raises(StoreConfigError, match=NO_KEY):
        place.create()


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("not a key!", r"the encryption key \(10 characters\) is not valid base64 \("),
        ("abc", r"the encryption key \(3 characters\) is not valid base64 \("),
        (base64.b64encode(b"x" * 20).decode(), r"decodes to 20 bytes; AES needs 16, 24 or 32"),
        ("  ", r"the encryption key is empty"),
    ],
)
def test_a_malformed_key_is_a_clear_error_before_anything_is_created(
    place: Place, key: str, problem: str
) -> None:
    with pytest.raises(StoreConfigError, match=problem + r".*`branchline db key`"):
        place.create(encryption_key=key)
    assert not place.exists()


def test_a_malformed_key_on_a_store_writes_nothing(place: Place) -> None:
    _fill(place.create(encryption_key=KEY))
    before = place.raw()
    with pytest.raises(StoreConfigError, match="not valid base64"):
        place.open(encryption_key=KEY[:-2])
    assert place.raw() == before


def test_a_key_with_surrounding_whitespace_is_the_same_key(place: Place) -> None:
    _fill(place.create(encryption_key=KEY))
    _reads_with(place, f" {KEY}\n")


def test_a_store_in_memory_refuses_a_malformed_key() -> None:
    with pytest.raises(StoreConfigError, match="decodes to 3 bytes"):
        CheckpointStore.in_memory(encryption_key="QUJD")


# Stores created before the encryption was recorded --------------------------------------


def _forget(place: Place) -> None:
    """Make the store as one created before this Branchline recorded its encryption."""
    place.sql("DELETE FROM branchline_meta WHERE key = 'encryption'")


def _recorded(place: Place) -> list[tuple[Any, ...]]:
    return place.sql("SELECT value FROM branchline_meta WHERE key = 'encryption'")


def test_an_old_encrypted_store_is_known_by_its_first_event(place: Place) -> None:
    _fill(place.create(encryption_key=KEY))
    _forget(place)
    before = place.raw()
    with pytest.raises(StoreConfigError, match=NO_KEY):
        place.open()
    with pytest.raises(StoreConfigError, match=ANOTHER_KEY):
        place.open(encryption_key=OTHER_KEY)
    assert place.raw() == before and _recorded(place) == []
    _reads_with(place, KEY)
    assert [value.split(":")[0] for (value,) in _recorded(place)] == ["aes-gcm"]


def test_an_old_plaintext_store_is_known_by_its_first_event(place: Place) -> None:
    _fill(place.create())
    _forget(place)
    before = place.raw()
    with pytest.raises(StoreConfigError, match=PLAINTEXT):
        place.open(encryption_key=KEY)
    assert place.raw() == before
    _reads_with(place, None)
    assert _recorded(place) == [("plaintext",)]


def test_an_old_store_without_events_takes_the_encryption_of_its_first_opener(
    place: Place,
) -> None:
    place.create().close()
    _forget(place)
    _fill(place.open(encryption_key=KEY))
    with pytest.raises(StoreConfigError, match=NO_KEY):
        place.open()
    _reads_with(place, KEY)


def test_of_two_first_openers_of_a_file_the_first_to_record_its_encryption_wins(
    tmp_path: Path,
) -> None:
    """Each first opener records its encryption if none is yet, then reads back what is
    recorded and is refused if it is not its own: a later one finds the other's."""
    path = tmp_path / "threads.db"
    CheckpointStore.sqlite(path, encryption_key=KEY).close()
    recorded = stamp_sqlite_file(path, "plaintext")
    assert recorded is not None and recorded.startswith("aes-gcm:")


def test_of_two_first_openers_of_a_schema_the_first_to_record_its_encryption_wins(
    pg_dsn: str, pg_schema: str
) -> None:
    assert record_postgres_encryption(pg_dsn, pg_schema, "aes-gcm:0") == "plaintext"


def test_a_read_only_role_still_opens_an_old_schema_it_cannot_record_in(
    pg_dsn: str, pg_schema: str
) -> None:
    place = _postgres(pg_dsn, pg_schema)
    _fill(place.open())
    _forget(place)
    role = f"reader_{uuid.uuid4().hex[:8]}"
    place.sql(f"CREATE ROLE {role} LOGIN PASSWORD '{role}'")
    try:
        place.sql(f"GRANT USAGE ON SCHEMA {pg_schema} TO {role}")
        place.sql(f"GRANT SELECT ON ALL TABLES IN SCHEMA {pg_schema} TO {role}")
        reader = _postgres(make_conninfo(pg_dsn, user=role, password=role), pg_schema)
        _reads_with(reader, None)
        with pytest.raises(StoreConfigError, match=PLAINTEXT):
            reader.open(encryption_key=KEY)
        assert _recorded(place) == []
    finally:
        place.sql(f"DROP OWNED BY {role}")
        place.sql(f"DROP ROLE {role}")
