"""Running graphs: results, checkpoints per step, parallel steps, routing and limits."""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    EmptyInputError,
    GraphRecursionError,
    InvalidConfigError,
    StateGraph,
)


class State(TypedDict, total=False):
    n: int
    stop: int
    log: Annotated[list[str], operator.add]
    seen: Annotated[list[int], operator.add]


def record(name: str) -> Callable[[State], dict[str, Any]]:
    def node(state: State) -> dict[str, Any]:
        return {"log": [name]}

    return node


def linear(k: int) -> StateGraph:
    """START -> node0 -> ... -> node{k-1} -> END, each node appending its name."""
    builder = StateGraph(State)
    names = [f"node{i}" for i in range(k)]
    for name in names:
        builder.add_node(name, record(name))
    for start, end in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(start, end)
    return builder


def counter_loop() -> StateGraph:
    """One node that increments ``n`` and loops until ``n == stop``."""
    builder = StateGraph(State)
    builder.add_node("inc", lambda s: {"n": s["n"] + 1})
    builder.add_edge(START, "inc")
    builder.add_conditional_edges("inc", lambda s: END if s["n"] >= s["stop"] else "inc")
    return builder


def fan_out() -> StateGraph:
    """START -> a and b in parallel; each records how many log items it saw."""
    builder = StateGraph(State)
    builder.add_node("a", lambda s: {"log": ["a"], "seen": [len(s["log"])]})
    builder.add_node("b", lambda s: {"log": ["b"], "seen": [len(s["log"])]})
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")
    return builder


def test_linear_run_returns_the_final_values(store: CheckpointStore, config: dict) -> None:
    graph = linear(3).compile(checkpointer=store)

    result = graph.invoke({"log": ["in"]}, config)

    assert result == {"log": ["in", "node0", "node1", "node2"], "seen": []}


@pytest.mark.parametrize("k", [1, 3])
def test_linear_run_of_k_nodes_writes_k_plus_two_checkpoints(
    store: CheckpointStore, config: dict, k: int
) -> None:
    graph = linear(k).compile(checkpointer=store)

    graph.invoke({"log": []}, config)

    history = list(graph.get_state_history(config))
    assert [s.metadata["step"] for s in history] == list(range(k, -2, -1))
    assert [s.metadata["source"] for s in history] == ["loop"] * (k + 1) + ["input"]


def test_get_state_after_a_run_shows_the_final_checkpoint(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(2).compile(checkpointer=store)
    graph.invoke({"log": []}, config)

    state = graph.get_state(config)
    history = list(graph.get_state_history(config))

    assert state.values == {"log": ["node0", "node1"], "seen": []}
    assert state.next == ()
    assert state.tasks == ()
    assert state.config["configurable"]["thread_id"] == "t1"
    assert state.config == history[0].config
    assert state.metadata == {"source": "loop", "step": 2, "parents": {}}
    assert datetime.fromisoformat(state.created_at).tzinfo is not None
    assert state.parent_config == history[1].config


def test_checkpoint_ids_are_distinct_and_chain_through_parent_config(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(2).compile(checkpointer=store)
    graph.invoke({"log": []}, config)

    history = list(graph.get_state_history(config))

    ids = [s.config["configurable"]["checkpoint_id"] for s in history]
    assert len(set(ids)) == len(ids)
    assert [s.parent_config for s in history[:-1]] == [s.config for s in history[1:]]
    assert history[-1].parent_config is None


def test_get_state_of_a_checkpoint_id_shows_that_checkpoint(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(2).compile(checkpointer=store)
    graph.invoke({"log": []}, config)
    first_step = next(s for s in graph.get_state_history(config) if s.metadata["step"] == 0)

    state = graph.get_state(first_step.config)

    assert state.values == {"log": [], "seen": []}
    assert state.next == ("node0",)
    assert state.config == first_step.config


def test_get_state_of_an_unknown_thread_is_empty(store: CheckpointStore) -> None:
    graph = linear(1).compile(checkpointer=store)

    state = graph.get_state({"configurable": {"thread_id": "never"}})

    assert (state.values, state.next) == ({}, ())


def test_second_invoke_continues_the_step_count(store: CheckpointStore, config: dict) -> None:
    graph = linear(1).compile(checkpointer=store)
    graph.invoke({"log": []}, config)

    graph.invoke({"log": []}, config)

    history = list(graph.get_state_history(config))
    assert [s.metadata["step"] for s in history] == [4, 3, 2, 1, 0, -1]
    assert [s.metadata["source"] for s in history] == [
        "loop",
        "loop",
        "input",
        "loop",
        "loop",
        "input",
    ]


def test_second_invoke_input_goes_through_the_reducers(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(1).compile(checkpointer=store)
    graph.invoke({"log": ["first"]}, config)

    result = graph.invoke({"log": ["second"]}, config)

    assert result["log"] == ["first", "node0", "second", "node0"]


def test_parallel_nodes_share_one_checkpoint(store: CheckpointStore, config: dict) -> None:
    graph = fan_out().compile(checkpointer=store)

    graph.invoke({"log": []}, config)

    history = list(graph.get_state_history(config))
    assert [s.metadata["step"] for s in history] == [1, 0, -1]
    assert history[1].next == ("a", "b")


def test_parallel_writes_apply_through_reducers_at_the_step_boundary(
    store: CheckpointStore, config: dict
) -> None:
    graph = fan_out().compile(checkpointer=store)

    result = graph.invoke({"log": ["in"]}, config)

    assert sorted(result["log"]) == ["a", "b", "in"]


def test_parallel_nodes_each_see_the_state_before_the_step(
    store: CheckpointStore, config: dict
) -> None:
    graph = fan_out().compile(checkpointer=store)

    result = graph.invoke({"log": ["in"]}, config)

    assert result["seen"] == [1, 1]


def test_node_returning_command_updates_and_goes_to_the_named_node(
    store: CheckpointStore, config: dict
) -> None:
    builder = StateGraph(State)
    builder.add_node("a", lambda s: Command(update={"log": ["a"]}, goto="c"))
    builder.add_node("b", record("b"))
    builder.add_node("c", record("c"))
    builder.add_edge(START, "a")
    builder.add_edge("b", END)
    builder.add_edge("c", END)
    graph = builder.compile(checkpointer=store)

    assert graph.invoke({"log": []}, config)["log"] == ["a", "c"]


def test_node_returning_command_can_go_to_several_nodes() -> None:
    builder = StateGraph(State)
    builder.add_node("a", lambda s: Command(goto=["b", "c"]))
    builder.add_node("b", record("b"))
    builder.add_node("c", record("c"))
    builder.add_edge(START, "a")

    assert sorted(builder.compile().invoke({"log": []})["log"]) == ["b", "c"]


def test_command_goto_end_finishes_the_run() -> None:
    builder = StateGraph(State)
    builder.add_node("a", lambda s: Command(update={"log": ["a"]}, goto=END))
    builder.add_node("b", record("b"))
    builder.add_edge(START, "a")

    assert builder.compile().invoke({"log": []})["log"] == ["a"]


# Recursion limit -----------------------------------------------------------------------


def test_run_within_the_recursion_limit_finishes(store: CheckpointStore) -> None:
    graph = counter_loop().compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t1"}, "recursion_limit": 10}

    assert graph.invoke({"n": 0, "stop": 3}, config)["n"] == 3


def test_run_past_the_recursion_limit_raises_naming_the_limit(store: CheckpointStore) -> None:
    graph = counter_loop().compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t1"}, "recursion_limit": 2}

    with pytest.raises(GraphRecursionError, match="Recursion limit of 2 reached") as caught:
        graph.invoke({"n": 0, "stop": 5}, config)

    assert isinstance(caught.value, RecursionError)
    assert "recursion_limit" in str(caught.value)


def test_run_past_the_recursion_limit_saves_its_progress(store: CheckpointStore) -> None:
    graph = counter_loop().compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t1"}, "recursion_limit": 2}
    with pytest.raises(GraphRecursionError):
        graph.invoke({"n": 0, "stop": 5}, config)

    state = graph.get_state(config)

    assert state.values["n"] == 2
    assert state.next == ("inc",)


def test_invoke_none_with_a_higher_limit_continues_after_the_recursion_limit(
    store: CheckpointStore,
) -> None:
    graph = counter_loop().compile(checkpointer=store)
    with pytest.raises(GraphRecursionError):
        graph.invoke(
            {"n": 0, "stop": 5}, {"configurable": {"thread_id": "t1"}, "recursion_limit": 2}
        )

    result = graph.invoke(None, {"configurable": {"thread_id": "t1"}, "recursion_limit": 10})

    assert result["n"] == 5


def test_recursion_limit_below_one_is_a_config_error(store: CheckpointStore) -> None:
    graph = counter_loop().compile(checkpointer=store)

    with pytest.raises(InvalidConfigError, match="recursion_limit"):
        graph.invoke(
            {"n": 0, "stop": 1}, {"configurable": {"thread_id": "t1"}, "recursion_limit": 0}
        )


# Config --------------------------------------------------------------------------------


def test_config_metadata_keys_appear_in_checkpoint_metadata(store: CheckpointStore) -> None:
    graph = linear(2).compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t1"}, "metadata": {"user": "ana", "run": 7}}

    graph.invoke({"log": []}, config)

    history = list(graph.get_state_history(config))
    assert all(s.metadata["user"] == "ana" and s.metadata["run"] == 7 for s in history)


def test_node_taking_state_and_config_receives_the_config(
    store: CheckpointStore, config: dict
) -> None:
    received: list[Any] = []

    def node(state: State, config: dict[str, Any]) -> None:
        received.append(config)

    builder = StateGraph(State)
    builder.add_node("node", node)
    builder.add_edge(START, "node")
    graph = builder.compile(checkpointer=store)

    graph.invoke({"log": []}, {**config, "metadata": {"user": "ana"}})

    assert received[0]["configurable"]["thread_id"] == "t1"
    assert received[0]["metadata"]["user"] == "ana"


def test_node_taking_a_keyword_config_parameter_receives_the_config() -> None:
    received: list[Any] = []

    def node(state: State, *, config: dict[str, Any]) -> None:
        received.append(config)

    builder = StateGraph(State)
    builder.add_node("node", node)
    builder.add_edge(START, "node")

    builder.compile().invoke({"log": []}, {"configurable": {"thread_id": "t9"}})

    assert received[0]["configurable"]["thread_id"] == "t9"


def test_node_with_a_defaulted_second_parameter_is_called_with_the_state_only() -> None:
    builder = StateGraph(State)
    builder.add_node("node", lambda state, name="default": {"log": [name]})
    builder.add_edge(START, "node")

    assert builder.compile().invoke({"log": []})["log"] == ["default"]


def test_invoke_none_on_a_finished_thread_returns_final_values_and_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(2).compile(checkpointer=store)
    final = graph.invoke({"log": []}, config)
    stored = len(list(store.events("t1")))

    assert graph.invoke(None, config) == final
    assert len(list(store.events("t1"))) == stored


def test_invoke_none_on_an_unknown_thread_raises_empty_input_error(
    store: CheckpointStore,
) -> None:
    graph = linear(1).compile(checkpointer=store)

    with pytest.raises(EmptyInputError, match="'nobody'"):
        graph.invoke(None, {"configurable": {"thread_id": "nobody"}})

    assert list(store.events("nobody")) == []


def test_graph_without_checkpointer_runs() -> None:
    graph = linear(2).compile()

    assert graph.invoke({"log": []}) == {"log": ["node0", "node1"], "seen": []}


def test_graph_without_checkpointer_keeps_no_state_between_calls() -> None:
    graph = linear(1).compile()
    config = {"configurable": {"thread_id": "t1"}}
    graph.invoke({"log": ["first"]}, config)

    assert graph.invoke({"log": ["second"]}, config)["log"] == ["second", "node0"]


def test_get_state_without_checkpointer_raises_invalid_config_error() -> None:
    graph = linear(1).compile()

    with pytest.raises(InvalidConfigError, match="checkpointer"):
        graph.get_state({"configurable": {"thread_id": "t1"}})
