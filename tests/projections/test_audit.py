"""The audit read model: every human decision (answer, edit, dropped question) in log order."""

from __future__ import annotations

from branchline.domain import CheckpointStore, Interrupted, checkpoint_id
from branchline.projections import Decision, Views


def _asked(store: CheckpointStore, thread_id: str) -> list[Interrupted]:
    return [e for e in store.events(thread_id) if isinstance(e, Interrupted)]


def test_answer_is_recorded_with_actor_answer_and_question_digest(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.ask("t1")
    [asked] = _asked(store, "t1")
    runs.answer("t1", asked.interrupt_id, value={"approved": True}, actor="ana")
    views.catch_up(store)

    answered = list(store.events("t1"))[-1]
    assert views.decisions() == [
        Decision(
            position=store.max_position(),
            thread_id="t1",
            kind="resume",
            actor="ana",
            at=answered.timestamp,
            interrupt_id=asked.interrupt_id,
            node="review",
            value={"approved": True},
            digest=f"d-{asked.interrupt_id}",
            checkpoint_id=None,
        )
    ]


def test_state_update_is_recorded_with_its_writes_and_new_checkpoint(
    store: CheckpointStore, views: Views, runs
) -> None:
    thread = runs.update("t1", next_nodes=["review"], actor="bo")
    views.catch_up(store)

    assert thread.head is not None
    assert views.decisions() == [
        Decision(
            position=store.max_position(),
            thread_id="t1",
            kind="update",
            actor="bo",
            at=thread.head.created_at,
            interrupt_id=None,
            node="editor",
            value={"assigned": {"edited": True}, "appended": {}},
            digest=None,
            checkpoint_id=checkpoint_id("t1", thread.head.version),
        )
    ]


def test_superseded_interrupt_is_recorded_with_the_reason_and_who_caused_it(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.ask("t1")
    [asked] = _asked(store, "t1")
    runs.new_input("t1", actor="carla")
    views.catch_up(store)

    [dropped] = views.decisions()
    assert (dropped.kind, dropped.actor, dropped.interrupt_id, dropped.node, dropped.value) == (
        "superseded",
        "carla",
        asked.interrupt_id,
        "review",
        {"reason": "input"},
    )
    assert (dropped.digest, dropped.checkpoint_id) == (None, None)


def test_decision_without_an_actor_keeps_actor_none(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.ask("t1")
    runs.answer("t1", _asked(store, "t1")[0].interrupt_id, actor=None)
    runs.ask("t1")
    runs.update("t1", actor=None)
    views.catch_up(store)

    assert [(row.kind, row.actor) for row in views.decisions()] == [
        ("resume", None),
        ("superseded", None),
        ("update", None),
    ]


def test_runs_questions_and_pauses_are_not_decisions(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.run("t1", steps=2)
    runs.ask("t2")
    runs.new_input("t3")
    runs.pause("t3")
    runs.fail("t4")
    views.catch_up(store)

    assert views.decisions() == []


def test_decisions_are_oldest_first_and_filter_by_thread(
    store: CheckpointStore, views: Views, runs
) -> None:
    runs.update("b", actor="bo")
    runs.ask("a")
    runs.answer("a", _asked(store, "a")[0].interrupt_id, actor="ana")
    runs.update("b", actor="ana")
    views.catch_up(store)

    rows = views.decisions()
    assert [(row.thread_id, row.kind, row.actor) for row in rows] == [
        ("b", "update", "bo"),
        ("a", "resume", "ana"),
        ("b", "update", "ana"),
    ]
    assert [row.position for row in rows] == sorted(row.position for row in rows)
    assert views.decisions("b") == [rows[0], rows[2]]
    assert views.decisions("nobody") == []
