"""Failures: errors reach the caller unchanged, bad input writes nothing, one append per step."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    END,
    START,
    CheckpointStore,
    InvalidConfigError,
    InvalidUpdateError,
    StateGraph,
)
from branchline.domain import UnsupportedValueError
from branchline.domain.model.events import StepCompleted
from branchline.domain.store.codec import MAX_DEPTH, VALUE_DEPTH


class State(TypedDict, total=False):
    x: Any
    log: Annotated[list[str], operator.add]


class Boom(Exception):
    """A node's own error."""


def record(name: str) -> Callable[[State], dict[str, Any]]:
    def node(state: State) -> dict[str, Any]:
        return {"log": [name]}

    return node


def ok_then(bad: Callable[[State], Any], store: CheckpointStore | None) -> Any:
    """START -> ok -> bad -> END."""
    builder = StateGraph(State)
    builder.add_node("ok", record("ok"))
    builder.add_node("bad", bad)
    builder.add_edge(START, "ok")
    builder.add_edge("ok", "bad")
    builder.add_edge("bad", END)
    return builder.compile(checkpointer=store)


def count(store: CheckpointStore, thread_id: str = "t1") -> int:
    return len(list(store.events(thread_id)))


def refuse_step(
    graph: Any, config: dict, store: CheckpointStore, error: type[Exception], *, stored: int
) -> tuple[str, int, int]:
    """Stream until ``stored`` value chunks (input, then steps) are out, then hit the refusal.

    Returns the error message and the thread's event counts before and after the refusal.
    """
    stream = graph.stream({"log": []}, config, stream_mode="values")
    for _ in range(stored):
        next(stream)
    before = count(store)
    with pytest.raises(error) as caught:
        next(stream)
    return str(caught.value), before, count(store)


# A node's exception --------------------------------------------------------------------


def test_node_exception_propagates_unchanged(store: CheckpointStore, config: dict) -> None:
    raised: list[Boom] = []

    def bad(state: State) -> None:
        raised.append(Boom("kaboom: 42"))
        raise raised[-1]

    graph = ok_then(bad, store)

    with pytest.raises(Boom, match=r"^kaboom: 42$") as caught:
        graph.invoke({"log": []}, config)

    assert caught.value is raised[0]


def test_node_exception_propagates_unchanged_without_checkpointer() -> None:
    def bad(state: State) -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        ok_then(bad, None).invoke({"log": []})


def test_failed_node_leaves_the_thread_at_that_node(store: CheckpointStore, config: dict) -> None:
    def bad(state: State) -> None:
        raise Boom("kaboom")

    graph = ok_then(bad, store)
    with pytest.raises(Boom):
        graph.invoke({"log": []}, config)

    state = graph.get_state(config)
    assert state.values["log"] == ["ok"]
    assert state.next == ("bad",)


def parallel_with_flaky(calls: dict[str, int], fail: list[bool], store: CheckpointStore) -> Any:
    """START -> good and flaky in parallel; flaky raises while ``fail[0]``."""

    def good(state: State) -> dict[str, Any]:
        calls["good"] += 1
        return {"log": ["good"]}

    def flaky(state: State) -> dict[str, Any]:
        calls["flaky"] += 1
        if fail[0]:
            raise Boom("flaky failed")
        return {"log": ["flaky"]}

    builder = StateGraph(State)
    builder.add_node("good", good)
    builder.add_node("flaky", flaky)
    builder.add_edge(START, "good")
    builder.add_edge(START, "flaky")
    return builder.compile(checkpointer=store)


def test_sibling_writes_are_kept_when_a_parallel_node_fails(
    store: CheckpointStore, config: dict
) -> None:
    graph = parallel_with_flaky({"good": 0, "flaky": 0}, [True], store)
    with pytest.raises(Boom):
        graph.invoke({"log": []}, config)

    state = graph.get_state(config)

    assert state.values["log"] == ["good"]
    assert state.next == ("flaky",)


def test_failed_task_shows_its_error(store: CheckpointStore, config: dict) -> None:
    graph = parallel_with_flaky({"good": 0, "flaky": 0}, [True], store)
    with pytest.raises(Boom):
        graph.invoke({"log": []}, config)

    tasks = graph.get_state(config).tasks

    # As in LangGraph, the finished sibling is listed too, with its result.
    assert [(t.name, t.error, t.result) for t in tasks] == [
        ("good", None, {"log": ["good"]}),
        ("flaky", "Boom('flaky failed')", None),
    ]


def test_invoke_none_retries_only_the_failed_node(store: CheckpointStore, config: dict) -> None:
    calls = {"good": 0, "flaky": 0}
    fail = [True]
    graph = parallel_with_flaky(calls, fail, store)
    with pytest.raises(Boom):
        graph.invoke({"log": []}, config)
    fail[0] = False

    result = graph.invoke(None, config)

    assert calls == {"good": 1, "flaky": 2}
    assert sorted(result["log"]) == ["flaky", "good"]
    assert graph.get_state(config).next == ()


def test_retry_after_failure_completes_the_step_in_one_checkpoint(
    store: CheckpointStore, config: dict
) -> None:
    fail = [True]
    graph = parallel_with_flaky({"good": 0, "flaky": 0}, fail, store)
    with pytest.raises(Boom):
        graph.invoke({"log": []}, config)
    fail[0] = False

    graph.invoke(None, config)

    history = list(graph.get_state_history(config))
    assert [s.metadata["step"] for s in history] == [1, 0, -1]


# Config --------------------------------------------------------------------------------


def test_missing_thread_id_is_an_error_naming_it(store: CheckpointStore) -> None:
    graph = ok_then(record("bad"), store)

    with pytest.raises(InvalidConfigError, match="thread_id"):
        graph.invoke({"log": []}, {"configurable": {}})


def test_missing_config_is_an_error_naming_thread_id(store: CheckpointStore) -> None:
    graph = ok_then(record("bad"), store)

    with pytest.raises(InvalidConfigError, match="thread_id"):
        graph.invoke({"log": []})


def test_get_state_without_thread_id_is_an_error_naming_it(store: CheckpointStore) -> None:
    graph = ok_then(record("bad"), store)

    with pytest.raises(InvalidConfigError, match="thread_id"):
        graph.get_state({"configurable": {}})


def test_update_state_without_thread_id_is_an_error_naming_it(store: CheckpointStore) -> None:
    graph = ok_then(record("bad"), store)

    with pytest.raises(InvalidConfigError, match="thread_id"):
        graph.update_state({}, {"log": ["x"]})


# Bad writes write nothing --------------------------------------------------------------


def test_node_returning_a_non_dict_is_refused_and_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = ok_then(lambda s: "not a dict", store)

    message, before, after = refuse_step(graph, config, store, InvalidUpdateError, stored=2)

    assert "'bad'" in message
    assert after == before


def test_thread_stays_readable_after_a_non_dict_node_return(
    store: CheckpointStore, config: dict
) -> None:
    graph = ok_then(lambda s: "not a dict", store)
    with pytest.raises(InvalidUpdateError):
        graph.invoke({"log": []}, config)

    state = graph.get_state(config)

    assert state.values["log"] == ["ok"]
    assert state.next == ("bad",)


def two_writers(store: CheckpointStore) -> Any:
    builder = StateGraph(State)
    builder.add_node("a", lambda s: {"x": "from a"})
    builder.add_node("b", lambda s: {"x": "from b"})
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")
    return builder.compile(checkpointer=store)


def test_two_parallel_writes_to_a_last_value_key_are_refused(
    store: CheckpointStore, config: dict
) -> None:
    graph = two_writers(store)

    with pytest.raises(InvalidUpdateError, match=r"At key 'x'.*one value per step"):
        graph.invoke({"log": []}, config)


def test_refused_parallel_writes_write_nothing_and_the_thread_stays_readable(
    store: CheckpointStore, config: dict
) -> None:
    graph = two_writers(store)

    _, before, after = refuse_step(graph, config, store, InvalidUpdateError, stored=1)

    state = graph.get_state(config)
    assert after == before
    assert state.next == ("a", "b")
    assert "x" not in state.values


def test_a_key_a_node_writes_that_the_state_lacks_is_left_out(
    store: CheckpointStore, config: dict
) -> None:
    # As LangGraph (which the differential tests compare): a node may return more than
    # the state holds, e.g. a subgraph's whole output; only the state's keys are written.
    graph = ok_then(lambda s: {"nope": 1, "log": ["bad"]}, store)

    assert graph.invoke({"log": []}, config) == {"log": ["ok", "bad"]}
    assert graph.get_state(config).values == {"log": ["ok", "bad"]}


def test_unserialisable_node_write_is_refused_and_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = ok_then(lambda s: {"x": object()}, store)

    message, before, after = refuse_step(graph, config, store, UnsupportedValueError, stored=2)

    assert issubclass(UnsupportedValueError, TypeError)
    assert "cannot store" in message
    assert after == before


def test_a_node_write_nested_too_deep_is_refused_and_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    deep: Any = "leaf"
    for _ in range(MAX_DEPTH + 1):
        deep = {"k": deep}
    graph = ok_then(lambda s: {"x": deep}, store)

    message, before, after = refuse_step(graph, config, store, UnsupportedValueError, stored=2)

    assert f"nested more than {VALUE_DEPTH} levels" in message
    assert after == before


def test_thread_stays_readable_after_an_unserialisable_write(
    store: CheckpointStore, config: dict
) -> None:
    graph = ok_then(lambda s: {"x": lambda: None}, store)
    with pytest.raises(UnsupportedValueError):
        graph.invoke({"log": []}, config)

    state = graph.get_state(config)

    assert state.values["log"] == ["ok"]
    assert state.next == ("bad",)


def test_retry_after_an_unserialisable_write_runs_the_node_again(
    store: CheckpointStore, config: dict
) -> None:
    values: list[Any] = [object(), "fine"]
    graph = ok_then(lambda s: {"x": values.pop(0)}, store)
    with pytest.raises(UnsupportedValueError):
        graph.invoke({"log": []}, config)

    assert graph.invoke(None, config)["x"] == "fine"


# Bad input writes nothing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_input", "error", "fragment"),
    [
        ("hello", InvalidUpdateError, "expected a dict"),
        ({"x": object()}, UnsupportedValueError, "cannot store"),
    ],
    ids=["non-dict", "unserialisable"],
)
def test_bad_input_is_refused_and_writes_nothing(
    store: CheckpointStore, config: dict, bad_input: Any, error: type, fragment: str
) -> None:
    graph = ok_then(record("bad"), store)

    with pytest.raises(error, match=fragment):
        graph.invoke(bad_input, config)

    assert count(store) == 0
    assert graph.get_state(config).values == {}


def test_bad_input_on_an_existing_thread_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = ok_then(record("bad"), store)
    graph.invoke({"log": []}, config)
    before = count(store)

    with pytest.raises(InvalidUpdateError):
        graph.invoke("not a dict", config)

    assert count(store) == before
    assert graph.get_state(config).values["log"] == ["ok", "bad"]


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ("hello", InvalidUpdateError),
        ({"nope": 1}, InvalidUpdateError),
        ({"x": object()}, UnsupportedValueError),
    ],
    ids=["non-dict", "unknown-key", "unserialisable"],
)
def test_bad_update_state_is_refused_and_writes_nothing(
    store: CheckpointStore, config: dict, values: Any, error: type
) -> None:
    graph = ok_then(record("bad"), store)
    graph.invoke({"log": []}, config)
    before = count(store)

    with pytest.raises(error):
        graph.update_state(config, values)

    assert count(store) == before
    assert graph.get_state(config).values["log"] == ["ok", "bad"]


def test_invoke_with_an_unknown_checkpoint_id_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = ok_then(record("bad"), store)
    graph.invoke({"log": []}, config)
    before = count(store)
    bad = {"configurable": {"thread_id": "t1", "checkpoint_id": "not-an-id"}}

    with pytest.raises(LookupError, match="'not-an-id'"):
        graph.invoke(None, bad)

    assert count(store) == before


def test_update_state_with_an_unknown_checkpoint_id_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = ok_then(record("bad"), store)
    graph.invoke({"log": []}, config)
    before = count(store)
    bad = {"configurable": {"thread_id": "t1", "checkpoint_id": "not-an-id"}}

    with pytest.raises(LookupError, match="'not-an-id'"):
        graph.update_state(bad, {"log": ["x"]})

    assert count(store) == before


# One append per superstep --------------------------------------------------------------


def three_nodes(store: CheckpointStore) -> Any:
    builder = StateGraph(State)
    for name in ("a", "b", "c"):
        builder.add_node(name, record(name))
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("b", "c")
    return builder.compile(checkpointer=store)


def test_a_linear_run_stores_one_event_per_step_carrying_its_task(
    store: CheckpointStore, config: dict, event_names: Callable[[str], list[str]]
) -> None:
    three_nodes(store).invoke({"log": []}, config)

    assert event_names("t1") == ["ThreadStarted", "InputReceived", *["StepCompleted"] * 4]
    steps = [e for e in store.events("t1") if isinstance(e, StepCompleted)]
    assert [[r["node"] for r in step.results] for step in steps] == [[START], ["a"], ["b"], ["c"]]
    history = list(three_nodes(store).get_state_history(config))
    # Each checkpoint still shows its task's writes, as LangGraph's history does.
    results = [(t.name, t.result) for snap in reversed(history) for t in snap.tasks]
    assert results[-3:] == [("a", {"log": ["a"]}), ("b", {"log": ["b"]}), ("c", {"log": ["c"]})]


def test_each_superstep_is_one_append(store: CheckpointStore, config: dict) -> None:
    appends: list[int] = []
    store.subscribe(lambda _: appends.append(store.max_position()))

    three_nodes(store).invoke({"log": []}, config)

    assert len(appends) == 4


def test_parallel_step_is_one_append(store: CheckpointStore, config: dict) -> None:
    appends: list[int] = []
    store.subscribe(lambda _: appends.append(store.max_position()))
    builder = StateGraph(State)
    builder.add_node("a", record("a"))
    builder.add_node("b", record("b"))
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")

    builder.compile(checkpointer=store).invoke({"log": []}, config)

    assert len(appends) == 2
