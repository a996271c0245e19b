"""Views: catching up from the notification log, attaching, rebuilding, the views file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar
from uuid import uuid4

import pytest

from branchline.domain import CheckpointStore, Thread, ThreadEvent, stream_id
from branchline.projections import LogMismatch, Views, ViewsConfigError, views_path


def test_catch_up_is_incremental_and_rerun_applies_nothing(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.run("t1", steps=1)
    assert views.catch_up(store) == 4
    assert views.position == store.max_position()

    runs.run("t1", steps=1)
    assert views.catch_up(store) == 3
    assert views.catch_up(store) == 0
    assert views.position == store.max_position()
    assert len(views.tree("t1")) == 4


def test_catch_up_applies_a_long_log_in_batches(store: CheckpointStore, runs) -> None:
    runs.run("t1", steps=4)
    with Views.open(":memory:", batch_size=2) as views:
        assert views.catch_up(store) == 10
        assert views.position == store.max_position()
        assert len(views.tree("t1")) == 5


def test_views_reopened_resume_from_their_tracked_position(
    store: CheckpointStore, runs, tmp_path: Path
) -> None:
    runs.run("t1", steps=1)
    with Views.open(tmp_path / "v.db") as views:
        views.catch_up(store)
    runs.run("t2", steps=1)

    with Views.open(tmp_path / "v.db") as views:
        assert views.catch_up(store) == 4
        assert [row.thread_id for row in views.list_threads()] == ["t2", "t1"]


def test_attach_keeps_views_current_after_each_append(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.run("t1", steps=1)
    assert views.attach(store) == 4

    runs.update("t1", next_nodes=["review"])
    row = views.get_thread("t1")
    assert row is not None
    assert (row.status, row.next) == ("ready", ("review",))

    runs.fail("t1")
    row = views.get_thread("t1")
    assert row is not None
    assert row.status == "error"
    assert views.position == store.max_position()


def test_closed_views_ignore_later_appends(store: CheckpointStore, views: Views, runs) -> None:
    views.attach(store)
    views.close()

    thread = runs.run("t1", steps=1)

    assert thread.version == 4


def test_views_file_is_separate_from_events_file(
    store: CheckpointStore, views: Views, runs, tmp_path: Path
) -> None:
    views.attach(store)
    runs.run("t1", steps=1)

    assert (tmp_path / "t.views.db").is_file()
    with sqlite3.connect(tmp_path / "t.db") as events:
        event_tables = {name for (name,) in events.execute("SELECT name FROM sqlite_master")}
    view_tables = {"threads", "checkpoints", "pending_interrupts", "decisions", "tracking"}
    view_tables.add("skipped_events")
    assert not view_tables & event_tables
    assert set(views.db.table_names()) == view_tables


@pytest.mark.parametrize(
    ("store_path", "expected"),
    [
        (Path("threads.db"), "threads.views.db"),
        (Path("data/run.sqlite"), str(Path("data/run.views.sqlite"))),
        (Path("branchline"), "branchline.views.db"),
        (None, ":memory:"),
    ],
)
def test_views_path_puts_views_next_to_the_events_file(
    store_path: Path | None, expected: str
) -> None:
    assert views_path(store_path) == expected


def test_in_memory_store_gets_in_memory_views() -> None:
    with CheckpointStore.in_memory() as store, Views.for_store(store) as views:
        views.attach(store)
        store.append(None, [Thread.start("t1")])

        assert views.get_thread("t1") is not None
        assert views.db.execute("PRAGMA database_list").fetchone()[2] == ""


def test_rebuild_gives_the_same_rows(
    store: CheckpointStore,
    views: Views,
    runs,
    dump_views: Callable[[Views], Any],
) -> None:
    views.attach(store)
    runs.run("t1", steps=2)
    runs.fail("t2")
    runs.fork("t1", version=4)
    before = dump_views(views)

    assert views.rebuild(store) == store.max_position()
    assert dump_views(views) == before


@dataclass(frozen=True, kw_only=True)
class Annotated(ThreadEvent):
    """An event type no view handles."""

    TOPIC: ClassVar[str] = "test.Annotated"

    note: str


class FakeLog:
    """A notification log held in a list."""

    path = None
    encrypted = False

    def __init__(self, events: list[ThreadEvent]) -> None:
        self.events = events

    def shard_logs(self) -> list[FakeLog]:
        return [self]

    def notifications(self, after: int, limit: int = 500) -> list[tuple[int, ThreadEvent]]:
        numbered = list(enumerate(self.events, start=1))
        return numbered[after : after + limit]

    def max_position(self) -> int:
        return len(self.events)

    def subscribe(self, listener: Callable[[Any], None]) -> None:
        """Never called back: the fake log does not grow."""


NOON = datetime(2025, 1, 1, 12, tzinfo=UTC)


def test_events_no_view_handles_are_skipped_but_advance_the_position() -> None:
    note = Annotated(originator_id=uuid4(), originator_version=1, timestamp=NOON, note="hi")
    log = FakeLog([Thread.start("t1"), note])
    with Views.open(":memory:") as views:
        assert views.catch_up(log) == 1
        assert views.position == 2


def test_an_event_of_a_stream_never_started_is_passed_over_and_named() -> None:
    thread = Thread(id=stream_id("ghost"), version=1, thread_id="ghost")
    update = thread.update_state("n", assigned={}, appended={}, next_nodes=(), metadata={})
    log = FakeLog([Thread.start("t1"), update, Thread.start("t2")])
    with Views.open(":memory:") as views:
        assert views.catch_up(log) == 2  # both starts; the stray update is passed over

        assert [row.thread_id for row in views.list_threads()] == ["t2", "t1"]
        assert views.position == 3
        [passed_over] = views.skipped_events()
        assert (passed_over.position, passed_over.thread_id) == (2, None)
        assert passed_over.reason == (
            f"StateUpdated at log position 2 belongs to stream {stream_id('ghost')}, whose "
            "start the views never applied (unreadable, removed, or the views were built "
            "from another log)"
        )


def test_attach_refuses_views_built_from_a_longer_log(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.run("t1", steps=1)
    views.catch_up(store)
    with CheckpointStore.in_memory() as other:
        with pytest.raises(LogMismatch, match="at log position 4 but the store's log ends at 0"):
            views.attach(other)
        assert views.position == 4


def test_batch_size_below_one_is_refused() -> None:
    with pytest.raises(ViewsConfigError) as raised:
        Views.open(":memory:", batch_size=0)

    assert str(raised.value) == "batch_size must be at least 1, got 0; the default is 500"


def test_views_file_of_an_older_schema_is_rebuilt_from_the_log(
    store: CheckpointStore, runs, tmp_path: Path
) -> None:
    runs.update("t1", actor="ana")
    with Views.open(tmp_path / "v.db") as views:
        views.catch_up(store)
        views.db.execute("DROP TABLE decisions")
        views.db.execute("PRAGMA user_version = 1")

    with Views.open(tmp_path / "v.db") as views:
        assert (views.position, views.list_threads()) == (0, [])
        assert views.catch_up(store) == store.max_position()
        assert [row.actor for row in views.decisions()] == ["ana"]
