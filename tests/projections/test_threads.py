"""The threads read model: one row per thread with its status and head checkpoint."""

from __future__ import annotations

from datetime import datetime

from branchline.domain import CheckpointStore, checkpoint_id, task_id
from branchline.projections import ThreadRow, Views


def test_thread_row_appears_with_status_head_and_step_after_a_run(
    store: CheckpointStore, views: Views, runs
) -> None:
    thread = runs.run("t1", steps=2)
    views.catch_up(store)

    started = next(store.events("t1"))
    assert thread.head is not None
    assert views.get_thread("t1") == ThreadRow(
        thread_id="t1",
        status="done",
        head_checkpoint=checkpoint_id("t1", thread.head.version),
        step=1,
        next=(),
        metadata={"source": "loop", "step": 1},
        created_at=started.timestamp,
        updated_at=thread.head.created_at,
    )


def test_started_thread_without_checkpoint_is_new(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.start("t1")
    views.catch_up(store)

    row = views.get_thread("t1")
    assert row is not None
    assert (row.status, row.head_checkpoint, row.step, row.next) == ("new", None, None, ())
    assert row.created_at == row.updated_at


def test_thread_with_nodes_to_run_is_ready(store: CheckpointStore, views: Views, runs) -> None:
    runs.update("t1", next_nodes=["review"])
    views.catch_up(store)

    row = views.get_thread("t1")
    assert row is not None
    assert (row.status, row.next) == ("ready", ("review",))


def test_checkpoint_metadata_is_merged_with_source_and_step(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.update("t1")
    views.catch_up(store)

    row = views.get_thread("t1")
    assert row is not None
    assert row.metadata == {"by": "test", "source": "update", "step": 0}


def test_failed_node_marks_thread_error(store: CheckpointStore, views: Views, runs) -> None:
    runs.run("t1", steps=1)
    runs.fail("t1")
    views.catch_up(store)

    failure = list(store.events("t1"))[-1]
    row = views.get_thread("t1")
    assert row is not None
    assert (type(failure).__name__, row.status) == ("NodeFailed", "error")
    assert row.updated_at == failure.timestamp


def test_next_checkpoint_after_a_failure_clears_the_error(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.fail("t1")
    runs.update("t1")
    views.catch_up(store)

    row = views.get_thread("t1")
    assert row is not None
    assert row.status == "done"


def test_completed_node_moves_updated_at_and_keeps_status(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.update("t1", next_nodes=["a", "b"])
    runs.apply(
        "t1", lambda t: t.complete_task(task_id("t1", 2, "a", 0), "a", assigned={}, appended={})
    )
    views.catch_up(store)

    last = list(store.events("t1"))[-1]
    row = views.get_thread("t1")
    assert row is not None
    assert (row.status, row.step, row.updated_at) == ("ready", 0, last.timestamp)


def test_list_threads_orders_most_recently_updated_first(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.run("a", steps=1)
    runs.run("b", steps=1)
    runs.update("a")
    views.catch_up(store)

    assert [row.thread_id for row in views.list_threads()] == ["a", "b"]


def test_list_threads_filters_by_status_and_limits(
    store: CheckpointStore, views: Views, runs
) -> None:
    for name in ("p1", "p2", "p3"):
        runs.update(name, next_nodes=["review"])
    runs.run("d1", steps=1)
    runs.fail("e1")
    views.catch_up(store)

    assert [row.thread_id for row in views.list_threads(status="ready", limit=2)] == [
        "p3",
        "p2",
    ]
    assert [row.thread_id for row in views.list_threads(status="error")] == ["e1"]
    assert len(views.list_threads()) == 5


def test_get_thread_of_unknown_thread_is_none(views: Views) -> None:
    assert views.get_thread("nobody") is None


def test_timestamps_come_back_as_aware_datetimes(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.run("t1", steps=1)
    views.catch_up(store)

    row = views.get_thread("t1")
    assert row is not None
    assert isinstance(row.updated_at, datetime)
    assert row.updated_at.utcoffset() is not None


def _status(views: Views, thread_id: str) -> str:
    row = views.get_thread(thread_id)
    assert row is not None
    return row.status


def _pending_ids(store: CheckpointStore, thread_id: str) -> list[str]:
    thread = store.load(thread_id)
    assert thread is not None
    return [record.interrupt_id for record in thread.pending_interrupts]


def test_thread_with_an_unanswered_interrupt_is_interrupted(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.ask("t1")
    views.catch_up(store)

    assert _status(views, "t1") == "interrupted"


def test_thread_stays_interrupted_until_its_last_interrupt_is_answered(
    store: CheckpointStore, views: Views, runs
) -> None:
    views.attach(store)
    runs.new_input("t1", next_nodes=["a", "b"])
    runs.ask("t1", node="a")
    runs.ask("t1", node="b")
    first, second = _pending_ids(store, "t1")

    runs.answer("t1", first)
    assert _status(views, "t1") == "interrupted"
    runs.answer("t1", second)
    assert _status(views, "t1") == "ready"


def test_new_input_on_an_interrupted_thread_makes_it_ready(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.ask("t1")
    runs.new_input("t1")
    views.catch_up(store)

    assert _status(views, "t1") == "ready"


def test_paused_thread_is_paused_until_the_next_checkpoint(
    store: CheckpointStore, views: Views, runs
) -> None:
    views.attach(store)
    runs.new_input("t1")
    runs.pause("t1", before=["review"])
    assert _status(views, "t1") == "paused"

    runs.finish_step("t1")
    assert _status(views, "t1") == "done"


def test_interrupt_shows_over_a_failure_that_shows_again_once_answered(
    store: CheckpointStore, views: Views, runs
) -> None:
    views.attach(store)
    runs.new_input("t1", next_nodes=["flaky", "review"])
    runs.fail("t1")
    runs.ask("t1", node="review")
    assert _status(views, "t1") == "interrupted"

    runs.answer("t1", _pending_ids(store, "t1")[0])
    assert _status(views, "t1") == "error"


def test_failure_after_a_pause_makes_the_thread_error(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.new_input("t1")
    runs.pause("t1", before=["review"])
    runs.fail("t1")
    views.catch_up(store)

    assert _status(views, "t1") == "error"


def test_list_threads_filters_interrupted_and_paused(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.ask("i1")
    runs.new_input("p1")
    runs.pause("p1")
    runs.update("u1", next_nodes=["review"])
    views.catch_up(store)

    assert [row.thread_id for row in views.list_threads(status="interrupted")] == ["i1"]
    assert [row.thread_id for row in views.list_threads(status="paused")] == ["p1"]
