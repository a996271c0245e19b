"""The Thread aggregate: commands validate and return events; the fold is pure."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from branchline.domain import (
    CheckpointStore,
    InvalidCommand,
    StoreConfigError,
    Thread,
    ThreadEvent,
    evolve,
)
from branchline.domain.model.checkpoint import START, TaskResult
from branchline.domain.model.clock import set_clock
from branchline.domain.model.events import ThreadSnapshot
from branchline.domain.model.evolve import project

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock() -> object:
    set_clock(lambda: WHEN)
    yield None
    set_clock(None)


def started(*next_nodes: str) -> Thread:
    thread = evolve(None, Thread.start("t", {"log": []}))
    thread = evolve(thread, thread.receive_input([START], {}))
    thread = evolve(
        thread, thread.complete_task(thread.task_for(START), START, assigned={"x": 1}, appended={})
    )
    return evolve(thread, thread.complete_step(next_nodes, {}, {}))


def test_commands_return_events_and_do_not_change_the_state() -> None:
    thread = started("a")
    event = thread.complete_task(thread.task_for("a"), "a", assigned={"x": 2}, appended={})
    assert thread.values == {"log": [], "x": 1}
    assert event.originator_version == thread.version + 1
    assert event.timestamp == WHEN


def test_completed_tasks_show_in_live_values_until_the_step_closes() -> None:
    thread = started("a", "b")
    thread = evolve(
        thread,
        thread.complete_task(thread.task_for("a"), "a", assigned={}, appended={"log": ["a"]}),
    )
    assert thread.values == {"log": [], "x": 1}
    assert thread.live_values == {"log": ["a"], "x": 1}
    assert thread.pending_nodes == ("b",)


def test_a_step_cannot_close_while_a_task_is_pending() -> None:
    thread = started("a", "b")
    thread = evolve(
        thread, thread.complete_task(thread.task_for("a"), "a", assigned={}, appended={})
    )
    with pytest.raises(InvalidCommand, match=r"still has pending tasks \['b'\]"):
        thread.complete_step([], {}, {})


def test_a_failed_task_stays_pending_and_its_siblings_do_not() -> None:
    thread = started("a", "b")
    thread = evolve(
        thread, thread.complete_task(thread.task_for("a"), "a", assigned={}, appended={})
    )
    thread = evolve(thread, thread.fail_task("t2", "b", "ValueError('boom')"))
    assert thread.pending_nodes == ("b",)
    assert thread.finished_nodes == ("a",)


def test_only_pending_nodes_can_complete() -> None:
    with pytest.raises(
        InvalidCommand,
        match=r"task 't1' of node 'z' is not pending on thread 't'; pending: \[\('a', ",
    ):
        started("a").complete_task("t1", "z", assigned={}, appended={})


def test_a_step_carries_the_tasks_that_finish_with_it() -> None:
    thread = started("a", "b")
    thread = evolve(
        thread, thread.complete_task(thread.task_for("a"), "a", assigned={}, appended={})
    )
    b = TaskResult(thread.task_for("b"), "b", {"x": 5}, {"log": ["b"]}, ("c",))
    step = thread.complete_step(["c"], {}, {}, finished=[b])
    assert step.results == (
        {
            "task_id": b.task_id,
            "node": "b",
            "assigned": {"x": 5},
            "appended": {"log": ["b"]},
            "triggers": ["c"],
        },
    )
    closed = evolve(thread, step)
    assert closed.values == {"log": ["b"], "x": 5}
    assert closed.head is not None and closed.head.writers == ("a", "b")


def test_a_step_refuses_to_carry_a_task_that_is_not_pending() -> None:
    thread = started("a")
    done = TaskResult(thread.task_for("a"), "a")
    with pytest.raises(InvalidCommand, match=r"task 't1' of node 'a' is not pending"):
        thread.complete_step([], {}, {}, finished=[done, TaskResult("t1", "a")])
    with pytest.raises(InvalidCommand, match=r"of node 'z' is not pending.*pending: \['a'\]"):
        thread.complete_step([], {}, {}, finished=[TaskResult(done.task_id, "z")])


def test_empty_thread_id_is_refused() -> None:
    with pytest.raises(InvalidCommand, match="thread_id must be a non-empty string"):
        Thread.start("")


def test_the_step_that_closes_records_its_writers() -> None:
    thread = started("a", "b")
    for node in ("a", "b"):
        thread = evolve(
            thread, thread.complete_task(thread.task_for(node), node, assigned={}, appended={})
        )
    thread = evolve(thread, thread.complete_step([], {}, {}))
    assert thread.head is not None
    assert thread.head.writers == ("a", "b")
    assert thread.head.step == 1


def test_a_bad_snapshot_interval_is_refused() -> None:
    with pytest.raises(StoreConfigError, match="snapshot_interval must be at least 1, got 0"):
        CheckpointStore.in_memory(snapshot_interval=0)


def test_from_env_opens_the_sqlite_file_it_names(tmp_path: Path) -> None:
    path = tmp_path / "env.db"
    with CheckpointStore.from_env({"BRANCHLINE_DB": str(path)}) as store:
        assert store.path == path
    assert path.exists()


def test_from_env_memory() -> None:
    with CheckpointStore.from_env({"BRANCHLINE_DB": ":memory:"}) as store:
        assert store.path is None


steps = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 3), st.booleans()),
    min_size=1,
    max_size=30,
)


def _history(plan: list[tuple[str, int, bool]]) -> list[ThreadEvent]:
    """Events of a run of single-node steps, each writing a few items (and maybe ``x``)."""
    thread = started("a")
    events: list[ThreadEvent] = []
    for number, (node, items, replace) in enumerate(plan):
        assigned = {"x": items} if replace else {}
        pending = thread.pending_nodes[0]
        task = thread.complete_task(
            thread.task_for(pending),
            pending,
            assigned=assigned,
            appended={"log": [node] * items},
        )
        thread = evolve(thread, task)
        step = thread.complete_step([node], {}, {"n": number})
        thread = evolve(thread, step)
        events += [task, step]
    return events


@settings(max_examples=60, deadline=None)
@given(steps, st.data())
def test_snapshot_plus_tail_equals_the_full_fold(
    plan: list[tuple[str, int, bool]], data: st.DataObject
) -> None:
    base = started("a")
    events = _history(plan)
    cut = data.draw(st.integers(0, len(events)))
    full = project(base, events)
    middle = project(base, events[:cut])
    assert middle is not None
    snapshot = ThreadSnapshot(
        originator_id=middle.id,
        originator_version=middle.version,
        timestamp=WHEN,
        state=middle.to_snapshot_state(),
    )
    with CheckpointStore.in_memory() as store:
        stored = store.codec.decode(store.codec.encode(snapshot.state))
    restored = evolve(None, ThreadSnapshot(**{**vars(snapshot), "state": stored}))
    assert project(restored, events[cut:]) == full
