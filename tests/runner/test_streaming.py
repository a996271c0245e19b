"""Streaming: values, updates and debug modes, several modes, and early stops."""

from __future__ import annotations

import operator
from datetime import datetime
from typing import Annotated, Any, TypedDict

import pytest

from branchline import END, START, CheckpointStore, StateGraph


class State(TypedDict, total=False):
    n: int
    log: Annotated[list[str], operator.add]


def record(name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        return {"log": [name]}

    return node


def linear(*names: str) -> StateGraph:
    builder = StateGraph(State)
    for name in names:
        builder.add_node(name, record(name))
    for start, end in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(start, end)
    return builder


def test_values_mode_yields_the_state_after_input_and_after_each_step(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear("a", "b").compile(checkpointer=store)

    chunks = list(graph.stream({"log": ["in"]}, config, stream_mode="values"))

    assert chunks == [
        {"log": ["in"]},
        {"log": ["in", "a"]},
        {"log": ["in", "a", "b"]},
    ]


def test_updates_mode_yields_each_nodes_writes_under_its_name(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear("a", "b").compile(checkpointer=store)

    chunks = list(graph.stream({"log": []}, config, stream_mode="updates"))

    assert chunks == [{"a": {"log": ["a"]}}, {"b": {"log": ["b"]}}]


def test_updates_mode_yields_one_chunk_per_parallel_node(
    store: CheckpointStore, config: dict
) -> None:
    builder = StateGraph(State)
    builder.add_node("a", lambda s: {"log": ["a"]})
    builder.add_node("b", lambda s: {"log": ["b"]})
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")
    graph = builder.compile(checkpointer=store)

    chunks = list(graph.stream({"log": []}, config, stream_mode="updates"))

    assert sorted(chunks, key=lambda c: list(c)) == [{"a": {"log": ["a"]}}, {"b": {"log": ["b"]}}]


def test_updates_mode_shows_none_for_a_node_that_wrote_nothing() -> None:
    builder = StateGraph(State)
    builder.add_node("a", lambda s: None)
    builder.add_edge(START, "a")

    assert list(builder.compile().stream({"n": 0}, stream_mode="updates")) == [{"a": None}]


def test_default_stream_mode_is_updates(store: CheckpointStore, config: dict) -> None:
    graph = linear("a", "b").compile(checkpointer=store)

    assert list(graph.stream({"log": []}, config)) == [{"a": {"log": ["a"]}}, {"b": {"log": ["b"]}}]


def test_debug_mode_yields_checkpoint_task_and_task_result_events(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear("a").compile(checkpointer=store)

    chunks = list(graph.stream({"log": []}, config, stream_mode="debug"))

    assert [(c["type"], c["step"]) for c in chunks] == [
        ("checkpoint", -1),
        ("checkpoint", 0),
        ("task", 1),
        ("task_result", 1),
        ("checkpoint", 1),
    ]
    for chunk in chunks:
        assert set(chunk) >= {"step", "timestamp", "type", "payload"}
        assert datetime.fromisoformat(chunk["timestamp"])


def test_debug_checkpoint_payload_describes_the_checkpoint(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear("a").compile(checkpointer=store)

    chunks = list(graph.stream({"log": []}, config, stream_mode="debug"))

    last = chunks[-1]["payload"]
    state = graph.get_state(config)
    assert set(last) >= {"config", "parent_config", "values", "metadata", "next", "tasks"}
    assert last["config"] == state.config
    assert last["values"] == {"log": ["a"]}
    assert last["metadata"]["source"] == "loop"
    assert list(last["next"]) == []
    assert list(chunks[1]["payload"]["next"]) == ["a"]


def test_debug_task_payloads_name_the_node_and_its_input_and_result(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear("a").compile(checkpointer=store)

    chunks = list(graph.stream({"log": ["in"]}, config, stream_mode="debug"))

    task = next(c["payload"] for c in chunks if c["type"] == "task")
    result = next(c["payload"] for c in chunks if c["type"] == "task_result")
    assert (task["name"], task["input"]) == ("a", {"log": ["in"]})
    assert (result["name"], result["result"], result["error"]) == ("a", {"log": ["a"]}, None)
    assert task["id"] == result["id"]


def test_a_failed_task_result_carries_the_exception_itself(
    store: CheckpointStore, config: dict
) -> None:
    # As LangGraph's tasks and debug modes: the exception object, not its text.
    def fails(state: State) -> dict[str, Any]:
        raise ValueError("the model is down")

    builder = StateGraph(State)
    builder.add_node("fails", fails)
    builder.add_edge(START, "fails")
    graph = builder.compile(checkpointer=store)
    chunks: list[Any] = []
    stream = graph.stream({}, config, stream_mode=["tasks", "debug"])
    with pytest.raises(ValueError, match="the model is down") as raised:
        chunks.extend(stream)

    results = [c for m, c in chunks if m == "tasks" and "result" in c]
    results += [c["payload"] for m, c in chunks if m == "debug" and c["type"] == "task_result"]
    assert [r["error"] for r in results] == [raised.value, raised.value]


def test_list_of_modes_yields_mode_and_chunk_pairs(store: CheckpointStore, config: dict) -> None:
    graph = linear("a").compile(checkpointer=store)

    chunks = list(graph.stream({"log": []}, config, stream_mode=["values", "updates"]))

    assert chunks == [
        ("values", {"log": []}),
        ("updates", {"a": {"log": ["a"]}}),
        ("values", {"log": ["a"]}),
    ]


def test_list_of_one_mode_still_yields_pairs(store: CheckpointStore, config: dict) -> None:
    graph = linear("a").compile(checkpointer=store)

    chunks = list(graph.stream({"log": []}, config, stream_mode=["updates"]))

    assert chunks == [("updates", {"a": {"log": ["a"]}})]


def test_stream_stopped_early_has_persisted_every_completed_step(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear("a", "b", "c").compile(checkpointer=store)

    for _chunk in graph.stream({"log": []}, config, stream_mode="updates"):
        break

    state = graph.get_state(config)
    assert state.values == {"log": ["a"]}
    assert state.next == ("b",)


def test_stream_stopped_early_can_be_finished_with_invoke_none(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear("a", "b", "c").compile(checkpointer=store)
    for _chunk in graph.stream({"log": []}, config, stream_mode="updates"):
        break

    assert graph.invoke(None, config) == {"log": ["a", "b", "c"]}


def test_unknown_stream_mode_is_an_error_naming_it(store: CheckpointStore, config: dict) -> None:
    graph = linear("a").compile(checkpointer=store)

    with pytest.raises(ValueError, match="bogus"):
        list(graph.stream({"log": []}, config, stream_mode="bogus"))

    assert list(store.events("t1")) == []


def test_unknown_mode_in_a_list_of_modes_is_an_error(store: CheckpointStore, config: dict) -> None:
    graph = linear("a").compile(checkpointer=store)

    with pytest.raises(ValueError, match="bogus"):
        list(graph.stream({"log": []}, config, stream_mode=["values", "bogus"]))
