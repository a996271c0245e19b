"""``durability="sync" | "async" | "exit"``: when a run's steps reach the SQLite file.

Every mode ends with the same thread and the same history; what differs is what another
reader of the file sees while the run is still going.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypedDict

import pytest

from branchline import END, START, CheckpointStore, Command, StateGraph, interrupt
from branchline.domain.model.errors import ConcurrentUpdate
from branchline.runner.errors import GraphRecursionError, InvalidConfigError

MODES = ("sync", "async", "exit")
CONFIG = {"configurable": {"thread_id": "t1"}}


class Count(TypedDict):
    count: int


def chain(store: CheckpointStore | None, middle: Callable[[Count], dict[str, Any]]) -> Any:
    """START -> first -> middle -> last -> END; first and last add one."""

    def add(state: Count) -> dict[str, Any]:
        return {"count": state["count"] + 1}

    builder = StateGraph(Count)
    builder.add_node("first", add)
    builder.add_node("middle", middle)
    builder.add_node("last", add)
    builder.add_edge(START, "first")
    builder.add_edge("first", "middle")
    builder.add_edge("middle", "last")
    builder.add_edge("last", END)
    return builder.compile(checkpointer=store)


def add_ten(state: Count) -> dict[str, Any]:
    return {"count": state["count"] + 10}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "threads.db"


@pytest.fixture
def store(db: Path) -> Iterator[CheckpointStore]:
    with CheckpointStore.sqlite(db) as opened:
        yield opened


def committed_steps(db: Path) -> list[int]:
    """The steps of thread t1 that another reader of the file sees committed."""
    with CheckpointStore.sqlite(db) as reader:
        graph = chain(reader, add_ten)
        return [s.metadata["step"] for s in graph.get_state_history(CONFIG)]


def history(graph: Any) -> list[tuple[int, dict[str, Any], tuple[str, ...]]]:
    return [(s.metadata["step"], s.values, s.next) for s in graph.get_state_history(CONFIG)]


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_ends_with_the_same_thread_and_history(
    mode: str, store: CheckpointStore, db: Path
) -> None:
    graph = chain(store, add_ten)

    assert graph.invoke({"count": 0}, CONFIG, durability=mode) == {"count": 12}

    with CheckpointStore.in_memory() as memory:
        reference = chain(memory, add_ten)
        reference.invoke({"count": 0}, CONFIG)
        assert history(graph) == history(reference)
    # Every step is on disk once invoke returns (exit keeps all of them, not just the last).
    assert committed_steps(db) == [3, 2, 1, 0, -1]
    assert [report.intact for report in store.verify()] == [True]


def test_exit_commits_the_steps_together_when_the_run_ends(
    store: CheckpointStore, db: Path
) -> None:
    seen: list[list[int]] = []

    def look(state: Count) -> dict[str, Any]:
        seen.append(committed_steps(db))
        return {"count": state["count"] + 10}

    chain(store, look).invoke({"count": 0}, CONFIG, durability="exit")

    # While "middle" ran nothing of the run was committed: a new input waits for its steps.
    assert seen == [[]]
    assert committed_steps(db) == [3, 2, 1, 0, -1]


@pytest.mark.parametrize("mode", ["async", "exit"])
def test_a_resume_is_committed_before_the_node_runs_again(
    mode: str, store: CheckpointStore, db: Path
) -> None:
    answered_on_disk: list[bool] = []

    def ask(state: Count) -> dict[str, Any]:
        answer = interrupt("how many?")
        # Past the interrupt: the answer is already committed, so a racer cannot win too.
        with CheckpointStore.sqlite(db) as reader:
            answered_on_disk.append(not chain(reader, ask).get_state(CONFIG).interrupts)
        return {"count": state["count"] + int(answer)}

    graph = chain(store, ask)
    graph.invoke({"count": 0}, CONFIG, durability=mode)
    assert graph.invoke(Command(resume="5"), CONFIG, durability=mode) == {"count": 7}

    assert answered_on_disk == [True]


def test_sync_commits_each_step_before_the_next_runs(store: CheckpointStore, db: Path) -> None:
    seen: list[list[int]] = []

    def look(state: Count) -> dict[str, Any]:
        seen.append(committed_steps(db))
        return {"count": state["count"] + 10}

    chain(store, look).invoke({"count": 0}, CONFIG, durability="sync")

    assert seen == [[1, 0, -1]]


def test_async_commits_a_step_while_the_next_one_runs(store: CheckpointStore, db: Path) -> None:
    written = threading.Event()

    def wait_for_first(state: Count) -> dict[str, Any]:
        # The writer thread commits "first"'s step while this node is still running.
        for _ in range(1000):
            if 1 in committed_steps(db):
                written.set()
                break
            threading.Event().wait(0.01)
        return {"count": state["count"] + 10}

    assert chain(store, wait_for_first).invoke({"count": 0}, CONFIG, durability="async") == {
        "count": 12
    }
    assert written.is_set()


@pytest.mark.parametrize("mode", ["async", "exit"])
def test_a_pause_is_committed_before_invoke_returns(
    mode: str, store: CheckpointStore, db: Path
) -> None:
    def ask(state: Count) -> dict[str, Any]:
        return {"count": state["count"] + int(interrupt("how many?"))}

    paused = chain(store, ask).invoke({"count": 0}, CONFIG, durability=mode)
    assert [i.value for i in paused["__interrupt__"]] == ["how many?"]

    # Another process (a fresh store on the file) sees the question and answers it.
    with CheckpointStore.sqlite(db) as other:
        graph = chain(other, ask)
        assert graph.get_state(CONFIG).next == ("middle",)
        assert graph.invoke(Command(resume="5"), CONFIG, durability=mode) == {"count": 7}


@pytest.mark.parametrize("mode", ["async", "exit"])
def test_a_failing_node_keeps_the_steps_before_it_and_retries_alone(
    mode: str, store: CheckpointStore
) -> None:
    calls = {"middle": 0}

    def flaky(state: Count) -> dict[str, Any]:
        calls["middle"] += 1
        if calls["middle"] == 1:
            raise ConnectionError("the model timed out")
        return {"count": state["count"] + 10}

    graph = chain(store, flaky)
    with pytest.raises(ConnectionError, match="timed out"):
        graph.invoke({"count": 0}, CONFIG, durability=mode)
    assert graph.get_state(CONFIG).values == {"count": 1}
    assert graph.get_state(CONFIG).next == ("middle",)

    assert graph.invoke(None, CONFIG, durability=mode) == {"count": 12}
    assert calls["middle"] == 2


def test_exit_keeps_the_progress_of_a_run_that_hits_the_recursion_limit(
    store: CheckpointStore,
) -> None:
    graph = chain(store, add_ten)
    limited = {**CONFIG, "recursion_limit": 2}

    with pytest.raises(GraphRecursionError):
        graph.invoke({"count": 0}, limited, durability="exit")

    assert graph.get_state(CONFIG).values == {"count": 11}
    assert graph.invoke(None, CONFIG, durability="exit") == {"count": 12}


@pytest.mark.parametrize("mode", ["async", "exit"])
def test_a_run_overtaken_by_another_writer_hands_over_without_a_gap(
    mode: str, store: CheckpointStore, db: Path
) -> None:
    def overtaken(state: Count) -> dict[str, Any]:
        # Another process edits the thread while this run's steps are not all committed
        # (async: once the steps before this one are; exit: before any is).
        while mode == "async" and 1 not in committed_steps(db):
            threading.Event().wait(0.01)
        with CheckpointStore.sqlite(db) as other:
            chain(other, add_ten).update_state(CONFIG, {"count": 100}, as_node="middle")
        return {"count": state["count"] + 10}

    graph = chain(store, overtaken)
    result = graph.invoke({"count": 0}, CONFIG, durability=mode)

    # The run ends where the other writer left the thread; the chain has no gap.
    state = graph.get_state(CONFIG)
    assert result == state.values
    assert state.values["count"] == 100
    assert [report.intact for report in store.verify()] == [True]
    assert graph.invoke(None, CONFIG) == {"count": 101}


@pytest.mark.parametrize("mode", MODES)
def test_a_conflict_raised_by_a_node_itself_reaches_the_caller(
    mode: str, store: CheckpointStore
) -> None:
    def busy(state: Count) -> dict[str, Any]:
        raise ConcurrentUpdate("the node's own database said no")

    graph = chain(store, busy)
    with pytest.raises(ConcurrentUpdate, match="the node's own database"):
        graph.invoke({"count": 0}, CONFIG, durability=mode)
    assert graph.get_state(CONFIG).next == ("middle",)


@pytest.mark.parametrize("mode", MODES)
def test_stream_yields_every_step_and_ends_with_all_of_them_stored(
    mode: str, store: CheckpointStore, db: Path
) -> None:
    graph = chain(store, add_ten)

    chunks = list(graph.stream({"count": 0}, CONFIG, durability=mode))

    assert [next(iter(c)) for c in chunks] == ["first", "middle", "last"]
    assert committed_steps(db) == [3, 2, 1, 0, -1]


def test_an_unknown_durability_is_refused_and_writes_nothing(store: CheckpointStore) -> None:
    graph = chain(store, add_ten)

    with pytest.raises(InvalidConfigError, match=r"durability must be one of .*got 'fast'"):
        graph.invoke({"count": 0}, CONFIG, durability="fast")

    assert list(store.events("t1")) == []


def test_durability_without_a_checkpointer_warns_and_runs() -> None:
    graph = chain(None, add_ten)

    with pytest.warns(UserWarning, match="durability='async' has no effect"):
        assert graph.invoke({"count": 0}, durability="async") == {"count": 12}


@pytest.mark.parametrize(("during", "mode"), [(True, "async"), (False, "exit")])
def test_checkpoint_during_still_works_with_a_deprecation_warning(
    during: bool, mode: str, store: CheckpointStore, db: Path
) -> None:
    seen: list[list[int]] = []

    def look(state: Count) -> dict[str, Any]:
        seen.append(committed_steps(db))
        return {"count": state["count"] + 10}

    graph = chain(store, look)
    with pytest.warns(DeprecationWarning, match=f"durability='{mode}'"):
        assert graph.invoke({"count": 0}, CONFIG, checkpoint_during=during) == {"count": 12}

    assert committed_steps(db) == [3, 2, 1, 0, -1]
    if mode == "exit":
        assert seen == [[]]


def test_checkpoint_during_and_durability_together_are_refused(store: CheckpointStore) -> None:
    graph = chain(store, add_ten)

    with (
        pytest.warns(DeprecationWarning, match="checkpoint_during is deprecated"),
        pytest.raises(InvalidConfigError, match="not both"),
    ):
        graph.invoke({"count": 0}, CONFIG, durability="sync", checkpoint_during=True)

    assert list(store.events("t1")) == []
