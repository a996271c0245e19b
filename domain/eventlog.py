"""The eventsourcing application under the store: streams, stored rows, decoding.

The library does the writing (one transaction per append, guarded by the stream
version). Reading a long stream is where its per-row objects cost most, so this
module reads SQLite rows as plain tuples and decodes a stream in one JSON document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Transcoder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from eventsourcing.utils import Environment, EnvType, register_topic, resolve_topic

from domain.codec import Codec
from domain.events import EVENT_TYPES, ThreadEvent, ThreadSnapshot

_STORED_TYPES: tuple[type[ThreadEvent], ...] = (*EVENT_TYPES, ThreadSnapshot)
for _type in _STORED_TYPES:
    # Stored names resolve to these classes in every process, whatever the module path.
    register_topic(_type.TOPIC, _type)


class Row(NamedTuple):
    """One stored event, as read: what the mapper needs of a ``StoredEvent``."""

    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


class EventLog(Application[UUID]):
    """The eventsourcing application that holds the thread streams, and reads them fast."""

    name = "Branchline"

    def __init__(self, env: EnvType, codec: Codec) -> None:
        self._codec = codec
        super().__init__(env)

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Only what the store was given: os.environ is read once, by from_env().
        return Environment(name, dict(env or {}))

    def construct_transcoder(self) -> Transcoder:
        return self._codec

    def select(
        self,
        sid: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[Row]:
        """A stream's stored rows. On SQLite, read as plain tuples: the library's reader
        builds a ``StoredEvent`` and a ``UUID`` per row, most of the cost of a long read."""
        recorder = self.recorder
        if not isinstance(recorder, SQLiteAggregateRecorder):
            return recorder.select_events(sid, gt=gt, lte=lte, desc=desc, limit=limit)  # type: ignore[return-value]
        where: list[str] = ["originator_id=?"]
        params: list[Any] = [sid.hex]
        for clause, value in (("originator_version>?", gt), ("originator_version<=?", lte)):
            if value is not None:
                where.append(clause)
                params.append(value)
        statement = (
            f"SELECT originator_version, topic, state FROM {recorder.events_table_name} "
            f"WHERE {' AND '.join(where)} ORDER BY originator_version {'DESC' if desc else 'ASC'}"
        )
        if limit is not None:
            statement += f" LIMIT {int(limit)}"
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, params)
            return [Row(sid, v, topic, state) for v, topic, state in cursor.fetchall()]

    def decoded(self, rows: Sequence[Row]) -> list[ThreadEvent]:
        """Stored rows as events, decoded in one JSON document when there are many.

        One ``json.loads`` of a whole stream costs about half of one per event; this is
        what the library's mapper does per row, with the same upcasting.
        """
        mapper = self.mapper
        if len(rows) < 16 or mapper.cipher is not None or mapper.compressor is not None:
            return [mapper.to_domain_event(row) for row in rows]  # type: ignore[arg-type, misc]
        states = self._codec.decode(b"[" + b",".join(row.state for row in rows) + b"]")
        events: list[ThreadEvent] = []
        for row, state in zip(rows, states, strict=True):
            cls = resolve_topic(row.topic)
            state["originator_id"] = row.originator_id
            state["originator_version"] = row.originator_version
            version = state.pop("class_version", 1)
            while version < cls.class_version:
                getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
                version += 1
            event = object.__new__(cls)
            object.__setattr__(event, "__dict__", state)
            events.append(event)
        return events
