"""The pending interrupts read model: the inbox of unanswered questions across threads."""

from __future__ import annotations

from datetime import UTC, datetime

from branchline.domain import CheckpointStore, Interrupted
from branchline.projections import PendingInterrupt, Views


def _asked(store: CheckpointStore, thread_id: str) -> list[Interrupted]:
    return [e for e in store.events(thread_id) if isinstance(e, Interrupted)]


def _inbox(views: Views, thread_id: str | None = None) -> list[tuple[str, str]]:
    return [(row.thread_id, row.interrupt_id) for row in views.pending_interrupts(thread_id)]


def test_asked_interrupt_appears_in_the_inbox_with_node_question_and_time(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.ask("t1", value={"question": "ship it?", "options": ["yes", "no"]})
    views.catch_up(store)

    [asked] = _asked(store, "t1")
    assert views.pending_interrupts() == [
        PendingInterrupt(
            thread_id="t1",
            node="review",
            interrupt_id=asked.interrupt_id,
            value={"question": "ship it?", "options": ["yes", "no"]},
            asked_at=asked.timestamp,
        )
    ]


def test_answered_interrupt_leaves_the_inbox(store: CheckpointStore, views: Views, runs) -> None:
    runs.ask("t1")
    [asked] = _asked(store, "t1")
    runs.answer("t1", asked.interrupt_id)
    views.catch_up(store)

    assert views.pending_interrupts() == []


def test_answering_one_of_two_interrupts_leaves_the_other(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.new_input("t1", next_nodes=["a", "b"])
    runs.ask("t1", node="a")
    runs.ask("t1", node="b")
    first, second = _asked(store, "t1")
    runs.answer("t1", first.interrupt_id)
    views.catch_up(store)

    assert _inbox(views) == [("t1", second.interrupt_id)]


def test_superseded_interrupt_leaves_the_inbox(store: CheckpointStore, views: Views, runs) -> None:
    runs.ask("t1")
    thread = store.load("t1")
    assert thread is not None
    store.append(thread, thread.supersede("input", "ana"))
    views.catch_up(store)

    assert views.pending_interrupts() == []


def test_new_input_clears_the_threads_inbox(store: CheckpointStore, views: Views, runs) -> None:
    runs.ask("t1")
    runs.apply("t1", lambda t: t.receive_input(["review"], {}))
    views.catch_up(store)

    assert views.pending_interrupts() == []


def test_completed_step_clears_the_threads_inbox(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.ask("t1")
    runs.finish_step("t1")
    views.catch_up(store)

    assert views.pending_interrupts() == []


def test_state_update_clears_the_threads_inbox(store: CheckpointStore, views: Views, runs) -> None:
    runs.ask("t1")
    runs.apply(
        "t1",
        lambda t: t.update_state(
            "editor", assigned={"x": 1}, appended={}, next_nodes=["review"], metadata={}
        ),
    )
    views.catch_up(store)

    assert views.pending_interrupts() == []


def test_a_checkpoint_clears_only_its_own_threads_interrupts(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.ask("t1")
    runs.ask("t2")
    runs.finish_step("t1")
    views.catch_up(store)

    [kept] = _asked(store, "t2")
    assert _inbox(views) == [("t2", kept.interrupt_id)]


def test_inbox_lists_oldest_first_across_threads_and_filters_by_thread(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.ask("b")
    runs.ask("a")
    runs.new_input("c", next_nodes=["x", "y"])
    runs.ask("c", node="y")
    runs.ask("c", node="x")
    views.catch_up(store)

    ids = {name: [e.interrupt_id for e in _asked(store, name)] for name in ("a", "b", "c")}
    assert _inbox(views) == [
        ("b", ids["b"][0]),
        ("a", ids["a"][0]),
        ("c", ids["c"][0]),
        ("c", ids["c"][1]),
    ]
    assert _inbox(views, "c") == [("c", ids["c"][0]), ("c", ids["c"][1])]
    assert views.pending_interrupts("nobody") == []


def test_inbox_equals_each_threads_own_pending_interrupts(
    store: CheckpointStore, views: Views, runs
) -> None:
    views.attach(store)
    runs.new_input("t1", next_nodes=["a", "b"])
    runs.ask("t1", node="a")
    runs.ask("t1", node="b")
    runs.answer("t1", _asked(store, "t1")[1].interrupt_id)
    runs.ask("t2")
    runs.new_input("t2")
    runs.ask("t2")

    folded = []
    for name in ("t1", "t2"):
        thread = store.load(name)
        assert thread is not None
        folded += [(name, r.interrupt_id, r.node) for r in thread.pending_interrupts]
    kept = [(row.thread_id, row.interrupt_id, row.node) for row in views.pending_interrupts()]
    assert kept == folded


def test_question_json_cannot_hold_is_shown_as_display_json(
    store: CheckpointStore, views: Views, runs
) -> None:
    when = datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
    runs.ask("t1", value={"due": when, "pair": (1, 2), (3, 4): {"tags": {"x"}}})
    views.catch_up(store)

    [row] = views.pending_interrupts()
    assert row.value == {"due": str(when), "pair": [1, 2], "(3, 4)": {"tags": "{'x'}"}}
