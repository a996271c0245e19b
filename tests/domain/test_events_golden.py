"""The stored form of every event type is pinned by a golden JSON file.

A failing test here means a stored field changed: add an upcaster (bump
``class_version``) instead of editing the field. To write the files for a new
event type, run the tests with ``BRANCHLINE_WRITE_GOLDEN=1`` and review the diff.
``golden/tagged/`` keeps the fully tagged form rows had before the compact one:
those rows must read back as the same events forever.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from branchline.domain import Codec, Thread, ThreadEvent
from branchline.domain.model.checkpoint import Checkpoint, TaskResult
from branchline.domain.model.events import (
    EVENT_TYPES,
    Forked,
    InputReceived,
    Interrupted,
    InterruptSuperseded,
    NodeCompleted,
    NodeFailed,
    Paused,
    Replayed,
    Resumed,
    StateUpdated,
    StepCompleted,
    ThreadSnapshot,
    ThreadStarted,
)
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.domain.store.codec import thread_codec
from branchline.domain.store.event_mapper import EventMapper

GOLDEN = Path(__file__).parent / "golden"
TAGGED = GOLDEN / "tagged"
STREAM = UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7")
WHEN = datetime(2026, 11, 25, 12, 0, 0, 123456, tzinfo=UTC)
HEADER = {"originator_id": STREAM, "timestamp": WHEN}

SAMPLES: list[ThreadEvent] = [
    ThreadStarted(**HEADER, originator_version=1, thread_id="t-1", values={"log": []}),
    InputReceived(
        **HEADER,
        originator_version=2,
        parent=None,
        step=-1,
        next=("__start__",),
        metadata={"user": "ada"},
    ),
    NodeCompleted(
        **HEADER,
        originator_version=3,
        task_id="task-1",
        node="agent",
        assigned={"count": 1, "pair": (1, 2)},
        appended={"log": ["hello"]},
        triggers=("tools",),
    ),
    NodeFailed(
        **HEADER, originator_version=4, task_id="task-2", node="tools", error="ValueError('boom')"
    ),
    StepCompleted(
        **HEADER,
        originator_version=5,
        parent=2,
        step=0,
        next=("a", "b"),
        metadata={},
        waiting={"join:a+b:c": ("a",)},
        results=({"task_id": "task-0", "node": "plan", "assigned": {"n": 1}, "triggers": ["a"]},),
    ),
    Interrupted(
        **HEADER,
        originator_version=7,
        interrupt_id="0f" * 16,
        task_id="task-3",
        node="review",
        index=0,
        value={"tool": "send_email", "args": {"to": "ada@example.com"}},
    ),
    Resumed(
        **HEADER,
        originator_version=8,
        interrupt_id="0f" * 16,
        task_id="task-3",
        node="review",
        index=0,
        value={"approved": True},
        actor="ada",
        digest="3a1f0c9e2b7d4a51",
    ),
    InterruptSuperseded(
        **HEADER,
        originator_version=9,
        interrupt_id="1e" * 16,
        node="review",
        reason="input",
        actor=None,
    ),
    Paused(**HEADER, originator_version=10, before=("send",), after=()),
    Forked(
        **HEADER,
        originator_version=11,
        checkpoint=Checkpoint(5, 2, 0, "loop", ("a",), {}, WHEN, {}, ("__start__",)),
        values={"log": ["x"]},
        reason="edit",
        actor="ada",
        name="what-if",
    ),
    Replayed(**HEADER, originator_version=12, parent=5, step=1, next=("a",), metadata={}),
    StateUpdated(
        **HEADER,
        originator_version=6,
        parent=5,
        step=1,
        next=(),
        metadata={},
        as_node="human",
        assigned={"answer": "yes"},
        appended={},
        actor="ada",
    ),
]


def golden_path(cls: type[ThreadEvent], version: int | None = None) -> Path:
    """``TOPIC.json`` for version 1, ``TOPIC.vN.json`` after: old versions stay pinned."""
    version = version or cls.class_version
    return GOLDEN / (f"{cls.TOPIC}.json" if version == 1 else f"{cls.TOPIC}.v{version}.json")


def _stored(event: ThreadEvent) -> dict[str, object]:
    stored = EventMapper(transcoder=thread_codec()).to_stored_event(event)
    return {"topic": stored.topic, "state": json.loads(stored.state)}


def _read_back(path: Path, version: int) -> ThreadEvent:
    """The event a golden file decodes to, through the store's mapper."""
    golden = json.loads(path.read_text())
    stored = StoredEvent(STREAM, version, golden["topic"], json.dumps(golden["state"]).encode())
    with CheckpointStore.in_memory() as store:
        event: ThreadEvent = store._logs[0].mapper.to_domain_event(stored)
    return event


def test_every_event_type_has_a_golden_sample() -> None:
    assert {type(e) for e in SAMPLES} == set(EVENT_TYPES)


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_stored_form_matches_its_golden_file(event: ThreadEvent) -> None:
    path = golden_path(type(event))
    stored = _stored(event)
    if os.environ.get("BRANCHLINE_WRITE_GOLDEN") == "1":
        path.write_text(json.dumps(stored, indent=2, ensure_ascii=False) + "\n")
    assert path.exists(), (
        f"no golden file {path.name}; run with BRANCHLINE_WRITE_GOLDEN=1 and review it"
    )
    assert stored == json.loads(path.read_text())


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_golden_file_decodes_to_the_same_event(event: ThreadEvent) -> None:
    assert _read_back(golden_path(type(event)), event.originator_version) == event


# Fields added since the tagged form was last written, and the value they read back as.
ADDED_SINCE_TAGGED: dict[type[ThreadEvent], dict[str, object]] = {StepCompleted: {"results": ()}}


@pytest.mark.parametrize("event", SAMPLES, ids=lambda e: type(e).__name__)
def test_rows_in_the_earlier_tagged_form_decode_to_the_same_event(event: ThreadEvent) -> None:
    cls = type(event)
    tagged = max(TAGGED.glob(f"{cls.TOPIC}.*json"))  # its newest version in that form
    expected = dataclasses.replace(event, **ADDED_SINCE_TAGGED.get(cls, {}))
    assert _read_back(tagged, event.originator_version) == expected


def test_the_compact_form_leaves_out_defaults_and_tags() -> None:
    stored = _stored(SAMPLES[2])  # a NodeCompleted with no sends
    state = stored["state"]
    assert isinstance(state, dict)
    assert "sends" not in state
    assert state["timestamp"] == "2026-11-25T12:00:00.123456+00:00"
    assert state["triggers"] == ["tools"]


def test_a_timestamp_outside_utc_keeps_its_offset() -> None:
    from datetime import timedelta, timezone

    local = datetime(2026, 11, 25, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    event = Paused(originator_id=STREAM, originator_version=3, timestamp=local, before=("a",))
    mapper = EventMapper(transcoder=Codec())
    decoded = mapper.to_domain_event(mapper.to_stored_event(event))
    assert decoded == event
    assert decoded.timestamp.utcoffset() == timedelta(hours=1)


def test_snapshot_state_round_trips_through_the_store_codec() -> None:
    head = Checkpoint(5, 2, 0, "loop", ("a",), {}, WHEN, {}, ("__start__",))
    thread = Thread(
        STREAM, 6, "t-1", {"log": ["x"]}, head, (TaskResult("task-1", "a", {}, {"log": ["y"]}),)
    )
    snapshot = ThreadSnapshot(**HEADER, originator_version=6, state=thread.to_snapshot_state())
    with CheckpointStore.in_memory() as store:
        assert store.codec.decode(store.codec.encode(snapshot.state)) == snapshot.state


@pytest.mark.parametrize(
    "event",
    [e for e in SAMPLES if type(e).class_version > 1],
    ids=lambda e: type(e).__name__,
)
def test_older_stored_versions_are_upcast_on_read(event: ThreadEvent) -> None:
    cls = type(event)
    with CheckpointStore.in_memory() as store:
        mapper = store._logs[0].mapper
        for version in range(1, cls.class_version):
            golden = json.loads(golden_path(cls, version).read_text())
            stored = StoredEvent(
                STREAM,
                event.originator_version,
                golden["topic"],
                json.dumps(golden["state"]).encode(),
            )
            upcast = mapper.to_domain_event(stored)
            assert type(upcast) is cls
            for name in vars(event):
                assert hasattr(upcast, name), (
                    f"{cls.__name__} v{version} lacks {name} after upcasting"
                )


def test_rows_written_before_the_package_rename_still_decode() -> None:
    """Version 0.1 stored our own classes by module path (``domain.checkpoint:Checkpoint``)."""
    forked = next(e for e in SAMPLES if isinstance(e, Forked))
    assert _read_back(GOLDEN / "v0.1" / "branchline.Forked.json", forked.originator_version) == (
        forked
    )
