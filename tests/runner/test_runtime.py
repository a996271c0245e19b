"""What a node reaches besides its state: the call's context (``Runtime``,
``get_runtime()``), its config (``get_config()``), as LangGraph 1.2.22 gives them (each
expected value is what LangGraph gives for the same graph and call, checked by running
both)."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import (
    START,
    CheckpointStore,
    InvalidConfigError,
    Runtime,
    StateGraph,
    get_config,
    get_runtime,
)


@dataclass
class Context:
    user: str


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def greet(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
    return {"log": [f"hello {runtime.context.user}"]}


def one_node(node: Any, context_schema: type[Any] | None = Context) -> StateGraph:
    builder = StateGraph(State, context_schema=context_schema)
    builder.add_node("node", node)
    builder.add_edge(START, "node")
    return builder


def thread(name: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": name}}


def test_a_node_taking_runtime_gets_the_call_s_context(store: CheckpointStore) -> None:
    graph = one_node(greet).compile(checkpointer=store)

    result = graph.invoke({"log": []}, thread("t"), context=Context(user="ann"))

    # LangGraph gives the same.
    assert result == {"log": ["hello ann"]}


def test_a_dict_context_becomes_the_context_schema_s_dataclass() -> None:
    seen: list[Any] = []

    def node(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        seen.append(runtime.context)
        return {}

    one_node(node).compile().invoke({"log": []}, context={"user": "bob"})

    # LangGraph gives the same: Context(user='bob').
    assert seen == [Context(user="bob")]


def test_get_runtime_in_a_node_returns_its_runtime() -> None:
    seen: list[Any] = []

    def node(state: State) -> dict[str, Any]:
        runtime = get_runtime(Context)
        seen.append((runtime.context, runtime.store, runtime.previous))
        return {}

    one_node(node).compile().invoke({"log": []}, context=Context(user="cy"))

    # LangGraph gives the same (no store, no previous value outside the functional API).
    assert seen == [(Context(user="cy"), None, None)]


def test_without_context_the_runtime_s_context_is_none() -> None:
    seen: list[Any] = []

    def node(state: State, runtime: Runtime[Context]) -> dict[str, Any]:
        seen.append(runtime.context)
        return {}

    one_node(node).compile().invoke({"log": []})

    # LangGraph gives the same.
    assert seen == [None]


def test_a_subgraph_s_nodes_get_the_parent_call_s_context(store: CheckpointStore) -> None:
    inner = one_node(greet).compile()
    outer = StateGraph(State, context_schema=Context)
    outer.add_node("inner", inner)
    outer.add_edge(START, "inner")

    result = outer.compile(checkpointer=store).invoke(
        {"log": []}, thread("t"), context=Context(user="dee")
    )

    # LangGraph gives the same.
    assert result == {"log": ["hello dee"]}


def test_a_graph_invoked_in_a_node_gets_the_calling_run_s_context() -> None:
    inner = one_node(greet).compile()

    def calls(state: State) -> dict[str, Any]:
        return inner.invoke(state)

    result = one_node(calls).compile().invoke({"log": []}, context=Context(user="eve"))

    # LangGraph gives the same.
    assert result == {"log": ["hello eve"]}


def test_a_context_that_does_not_fit_the_schema_is_an_error_that_writes_nothing(
    store: CheckpointStore,
) -> None:
    graph = one_node(greet).compile(checkpointer=store)

    # LangGraph raises Context's own TypeError here; ours says what to pass.
    with pytest.raises(InvalidConfigError, match=r"context \{'name': 'x'\} does not fit"):
        graph.invoke({"log": []}, thread("t"), context={"name": "x"})

    assert graph.get_state(thread("t")).values == {}
    assert list(graph.get_state_history(thread("t"))) == []


def test_get_config_in_a_node_returns_the_config_a_config_parameter_gets(
    store: CheckpointStore,
) -> None:
    seen: list[dict[str, Any]] = []

    def node(state: State, config) -> dict[str, Any]:  # as a user writes it: no annotation
        seen.extend([config, get_config()])
        return {}

    one_node(node).compile(checkpointer=store).invoke({"log": []}, thread("t"))

    asked, got = seen
    # LangGraph gives the same: the thread, and the task's place as checkpoint_ns.
    assert got["configurable"]["thread_id"] == "t"
    assert got["configurable"]["checkpoint_ns"].startswith("node:")
    assert got["configurable"]["checkpoint_ns"] == asked["configurable"]["checkpoint_ns"]


def test_a_nodes_config_carries_the_task_metadata_langgraph_gives(
    store: CheckpointStore,
) -> None:
    seen: list[dict[str, Any]] = []

    def node(state: State, config) -> dict[str, Any]:
        seen.extend([config["metadata"], get_config()["metadata"]])
        return {}

    graph = one_node(node).compile(checkpointer=store)
    graph.invoke({"log": []}, {**thread("t"), "metadata": {"m": 1}})

    # LangGraph 1.2.22 gives the same keys and values (the namespace has its task id).
    asked, got = seen
    assert asked == got
    assert {k: v for k, v in got.items() if k != "langgraph_checkpoint_ns"} == {
        "m": 1,
        "thread_id": "t",
        "langgraph_step": 1,
        "langgraph_node": "node",
        "langgraph_triggers": ("branch:to:node",),
        "langgraph_path": ("__pregel_pull", "node"),
    }
    assert got["langgraph_checkpoint_ns"].startswith("node:")


@pytest.mark.parametrize("call", [get_runtime, get_config])
def test_outside_a_node_get_runtime_and_get_config_are_errors(call: Any) -> None:
    # LangGraph raises a RuntimeError too.
    with pytest.raises(RuntimeError, match="outside a graph node"):
        call()
