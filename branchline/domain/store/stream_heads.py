"""The log-wide record of every stream's head: its thread, its last version, its digest.

Each append writes its stream's new head in the same transaction as its events, so a
log whose newest events were removed, or a thread removed whole, no longer looks
intact: ``verify`` compares each stream's chain with its recorded head, and names the
threads whose events are gone. Someone who can write the database can rewrite this
record as well; export the heads (``branchline audit --export-heads``) to a place they
cannot, and check the log against that later.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol
from uuid import UUID

from branchline.domain.model import clock
from branchline.domain.model.errors import StoreConfigError
from branchline.domain.model.ids import stream_id
from branchline.domain.store.chain import Break, ChainReport

EXPORT_FORMAT = "branchline-heads/1"

SQLITE_TABLE = "stream_heads"
SQLITE_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {SQLITE_TABLE} (originator_id TEXT PRIMARY KEY, "
    "thread_id TEXT NOT NULL, originator_version INTEGER NOT NULL, digest TEXT NOT NULL)"
)


def sqlite_upsert(heads: int) -> str:
    """The statement recording ``heads`` heads (each stream's latest, in order)."""
    values = ",".join(["(?,?,?,?)"] * heads)
    return (
        f"INSERT INTO {SQLITE_TABLE} VALUES {values} ON CONFLICT (originator_id) DO UPDATE "
        "SET originator_version = excluded.originator_version, digest = excluded.digest"
    )


SQLITE_UPSERT = sqlite_upsert(1)
SQLITE_SELECT = f"SELECT originator_id, thread_id, originator_version, digest FROM {SQLITE_TABLE}"


@dataclass(frozen=True)
class Head:
    """Where a thread's chain ends: its last stream version and the digest there."""

    thread_id: str
    stream: UUID
    version: int
    digest: str

    def row(self) -> tuple[str, str, int, str]:
        """The head as stored: stream id (hex), thread id, version, digest."""
        return (self.stream.hex, self.thread_id, self.version, self.digest)

    @classmethod
    def of_row(cls, row: tuple[object, ...]) -> Head:
        """A stored head (the stream id as hex or a UUID)."""
        stream, thread_id, version, digest = row
        uuid = stream if isinstance(stream, UUID) else UUID(str(stream))
        return cls(str(thread_id), uuid, int(str(version)), str(digest))


def postgres_table(prefix: str) -> str:
    """The heads table of the event log named ``prefix``, in the store's schema."""
    return f"{prefix}_heads"


class MemoryHeads:
    """The heads of an in-memory store."""

    def __init__(self) -> None:
        self._heads: dict[UUID, Head] = {}

    def writing(self, *heads: Head) -> None:
        """Appends that lead to ``heads`` are about to be inserted."""

    def written(self, head: Head) -> None:
        """The append that leads to ``head`` is stored."""
        self._heads[head.stream] = head

    def all(self) -> list[Head]:
        return list(self._heads.values())


class PostgresHeads:
    """The heads table of a PostgreSQL event log, written inside each append's transaction
    (the recorder's ``_insert_events`` step, which runs before its rows are inserted)."""

    def __init__(self, recorder: Any, *, create: bool) -> None:
        from psycopg import sql

        self._datastore = recorder.datastore
        prefix = recorder.events_table_name.removesuffix("_events")
        schema, name = recorder.datastore.schema, postgres_table(prefix)
        table = sql.Identifier(schema, name)
        self._upsert = sql.SQL(
            "INSERT INTO {} VALUES (%s, %s, %s, %s) ON CONFLICT (originator_id) DO UPDATE "
            "SET originator_version = excluded.originator_version, digest = excluded.digest"
        ).format(table)
        self._select = sql.SQL(
            "SELECT originator_id, thread_id, originator_version, digest FROM {}"
        ).format(table)
        self._pending = threading.local()
        with self._datastore.transaction(commit=True) as cursor:
            if create:
                cursor.execute(
                    sql.SQL(
                        "CREATE TABLE IF NOT EXISTS {} (originator_id text PRIMARY KEY, "
                        "thread_id text NOT NULL, originator_version bigint NOT NULL, "
                        "digest text NOT NULL)"
                    ).format(table)
                )
            cursor.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                "AND table_name = %s",
                (schema, name),
            )
            self.recorded = cursor.fetchone() is not None
        if self.recorded:  # a schema set up before heads were recorded has no table
            before = recorder._insert_events

            def insert_events(cursor: Any, stored: Any, **kwargs: Any) -> None:
                for head in getattr(self._pending, "heads", ()):
                    cursor.execute(self._upsert, head.row())
                before(cursor, stored, **kwargs)

            recorder._insert_events = insert_events

    def writing(self, *heads: Head) -> None:
        """The heads the next insert of this thread of control writes, in its transaction
        (one for each append it holds)."""
        self._pending.heads = heads

    def written(self, head: Head) -> None:
        """The append is stored (its head with it)."""
        self._pending.heads = ()

    def all(self) -> list[Head] | None:
        if not self.recorded:
            return None
        with self._datastore.transaction(commit=False) as cursor:
            cursor.execute(self._select)
            return [Head.of_row(tuple(row.values())) for row in cursor.fetchall()]


def checked(report: ChainReport, head: Head | None) -> ChainReport:
    """``report`` (a stream's chain, checked) also held against the stream's recorded head."""
    if head is None or report.broken is not None:
        return report  # no head recorded (written before heads were), or already broken
    count = report.events
    if count < head.version:
        problem = (
            f"is missing: the log ends at event {count}, but its recorded head is event "
            f"{head.version}, so its newest events were removed"
        )
        return replace(report, broken=Break(count + 1, "", problem))
    if count > head.version:
        problem = (
            f"was not appended by Branchline: the recorded head is event {head.version}, so "
            "this event and the ones after it were added to the database directly"
        )
        return replace(report, broken=Break(head.version + 1, "", problem))
    if report.head != head.digest:
        problem = "does not match the recorded head: the thread's events were rewritten"
        return replace(report, broken=Break(head.version, "", problem))
    return report


def removed(head: Head, source: str = "recorded") -> ChainReport:
    """The report of a thread whose every event is gone, though its head is known."""
    problem = (
        f"is missing: the whole thread was removed from the log; its {source} head is event "
        f"{head.version}"
    )
    return ChainReport(head.thread_id, 0, None, Break(1, "", problem))


class AuditedLog(Protocol):
    """What an audit needs of an event log."""

    def recorded_heads(self) -> list[Head] | None: ...

    def thread_streams(self) -> Iterable[tuple[str, UUID]]: ...

    def verify(
        self, thread_id: str, stream: UUID, anchor: tuple[int, str] | None = None
    ) -> ChainReport: ...


def audit_logs(
    logs: Sequence[AuditedLog],
    thread_id: str | None,
    anchors: Mapping[str, tuple[int, str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[ChainReport]:
    """Every thread's chain (or ``thread_id``'s), held against the recorded heads and the
    ``anchors`` exported earlier; threads whose events are gone are reported too.
    ``progress(checked, total)`` is told of each thread checked."""
    anchors = anchors or {}
    reports: list[ChainReport] = []
    plan = []
    for log in logs:
        heads = {head.stream: head for head in log.recorded_heads() or ()}
        if thread_id is not None:
            found = {stream_id(thread_id): thread_id}
        else:
            found = {stream: name for name, stream in log.thread_streams()}
        plan.append((log, heads, found))
    total = sum(len(found) for _, _, found in plan)
    for log, heads, found in plan:
        for stream, name in found.items():
            reports.append(checked(log.verify(name, stream, anchors.get(name)), heads.get(stream)))
            if progress is not None:
                progress(len(reports), total)
        if thread_id is None:
            reports += [removed(h) for stream, h in heads.items() if stream not in found]
    named = {r.thread_id for r in reports}
    for name, (version, digest) in anchors.items():
        if name not in named and thread_id in (None, name):
            reports.append(removed(Head(name, stream_id(name), version, digest), "exported"))
    return reports


def export(reports: Iterable[ChainReport], key: bytes | None) -> dict[str, Any]:
    """The heads of the intact chains among ``reports``, signed with ``key`` if given."""
    heads = sorted([r.thread_id, r.events, r.head] for r in reports if r.intact and r.events)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": clock.now().isoformat(),
        "heads": heads,
        "signature": None if key is None else _signature(heads, key),
    }


def anchors_of(document: Mapping[str, Any], key: bytes | None) -> dict[str, tuple[int, str]]:
    """The heads an export lists, by thread; refused if it is not one, or (with the audit
    key) if it was not signed with that key or was edited since."""
    if not isinstance(document, Mapping) or document.get("format") != EXPORT_FORMAT:
        raise StoreConfigError(
            f"not an export of Branchline heads (format {EXPORT_FORMAT!r}); make one with "
            "branchline audit --export-heads FILE"
        )
    heads = document.get("heads")
    if not isinstance(heads, list) or not all(isinstance(h, list) and len(h) == 3 for h in heads):
        raise StoreConfigError(
            "the export's heads are damaged: expected [thread, events, head] rows"
        )
    if key is not None and document.get("signature") != _signature(heads, key):
        raise StoreConfigError(
            "the export is not signed with this store's audit key, or was edited since it was "
            "signed; verify against an export made with the same key"
        )
    return {str(name): (int(version), str(digest)) for name, version, digest in heads}


def _signature(heads: list[Any], key: bytes) -> str:
    canonical = json.dumps(heads, separators=(",", ":"), ensure_ascii=True).encode()
    return hashlib.blake2b(
        canonical, key=key, digest_size=32, person=b"branchline-heads"
    ).hexdigest()
