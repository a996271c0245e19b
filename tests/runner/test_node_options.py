"""add_node's options beyond the function, compile(name=...), and the builder's view of
its nodes and edges: each as LangGraph 1.2.22 gives it (checked by running both)."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, Literal

import pytest
from typing_extensions import TypedDict

from branchline import (
    END,
    START,
    CachePolicy,
    CheckpointStore,
    Command,
    GraphValidationError,
    RetryPolicy,
    StateGraph,
)


class State(TypedDict):
    log: Annotated[list[str], operator.add]


def step(state: State) -> dict[str, Any]:
    return {"log": ["step"]}


def route(state: State) -> Command[Literal["step", "__end__"]]:
    return Command(goto=END)


# Async nodes ----------------------------------------------------------------------------


async def thinks(state: State) -> dict[str, Any]:
    return {"log": ["async"]}


class AsyncAgent:
    async def __call__(self, state: State) -> dict[str, Any]:
        return {"log": ["async"]}


@pytest.mark.parametrize("action", [thinks, AsyncAgent()], ids=["async def", "async __call__"])
def test_an_async_node_run_by_a_sync_call_fails_saying_to_use_the_async_api(action: Any) -> None:
    # LangGraph gives the same: a TypeError at invoke, the task's error on the thread.
    builder = StateGraph(State)
    builder.add_node("think", action)
    builder.add_edge(START, "think")
    graph = builder.compile(checkpointer=CheckpointStore.in_memory())
    config = {"configurable": {"thread_id": "t"}}

    with pytest.raises(TypeError, match='No synchronous function provided to "think"'):
        graph.invoke({"log": []}, config)

    assert graph.get_state(config).next == ("think",)
    assert asyncio.run(graph.ainvoke(None, config)) == {"log": ["async"]}


async def streams(state: State) -> Any:
    yield {"log": ["part"]}


def test_an_async_generator_node_is_refused_when_added() -> None:
    builder = StateGraph(State)

    with pytest.raises(GraphValidationError) as refused:
        builder.add_node("parts", streams)

    assert "'parts' is an async generator" in str(refused.value)
    assert "get_stream_writer()" in str(refused.value)
    assert builder.nodes == {}


# destinations, metadata, the builder's nodes and edges ---------------------------------------


def test_builder_nodes_show_each_node_with_its_options() -> None:
    # LangGraph gives the same: a dict of node specs with these attributes.
    policy = RetryPolicy(max_attempts=2)
    builder = StateGraph(State)
    builder.add_node("a", step, destinations=("b", END), retry_policy=policy, metadata={"k": 1})
    builder.add_node("b", route, defer=True, cache_policy=CachePolicy(ttl=5))

    a, b = builder.nodes["a"], builder.nodes["b"]

    assert list(builder.nodes) == ["a", "b"]
    assert (a.runnable, a.ends, a.retry_policy, a.metadata, a.defer) == (
        step,
        ("b", END),
        policy,
        {"k": 1},
        False,
    )
    assert (b.ends, b.defer, b.cache_policy, b.retry_policy) == (
        ("step", END),  # from -> Command[Literal["step", "__end__"]]
        True,
        CachePolicy(ttl=5),
        None,
    )


def test_destinations_as_a_dict_are_kept_with_their_labels() -> None:
    # LangGraph gives the same: ends == {"a": "again"}.
    builder = StateGraph(State).add_node("b", step, destinations={"a": "again"})

    assert builder.nodes["b"].ends == {"a": "again"}


def test_destinations_only_describe_the_graph_and_do_not_route() -> None:
    # LangGraph gives the same: destinations only affect drawing.
    builder = StateGraph(State)
    builder.add_node("a", step, destinations=("b",))
    builder.add_node("b", step)
    builder.add_edge(START, "a")

    assert builder.compile().invoke({"log": []}) == {"log": ["step"]}


def test_builder_edges_are_the_plain_edges_and_waiting_edges_the_joins() -> None:
    # LangGraph gives the same: a set of pairs, and a set of (starts, end).
    builder = StateGraph(State)
    builder.add_node("a", step).add_node("b", step).add_node("c", step)
    builder.add_edge(START, "a").add_edge("a", "b").add_edge(["a", "b"], "c")

    assert builder.edges == {(START, "a"), ("a", "b")}
    assert builder.waiting_edges == {(("a", "b"), "c")}


def test_destinations_of_another_shape_are_refused_when_added() -> None:
    builder = StateGraph(State)

    with pytest.raises(TypeError, match=r"destinations='b'.*tuple of node names"):
        builder.add_node("a", step, destinations="b")  # type: ignore[arg-type]
    assert builder.nodes == {}


def test_a_cache_policy_of_another_type_is_refused_when_added() -> None:
    builder = StateGraph(State)

    with pytest.raises(TypeError, match=r"cache_policy=.*takes a CachePolicy, got int 60"):
        builder.add_node("a", step, cache_policy=60)  # type: ignore[arg-type]
    assert builder.nodes == {}


# compile(name=...) ------------------------------------------------------------------------


def test_a_compiled_graph_is_named_langgraph_unless_named_at_compile() -> None:
    # LangGraph gives the same default name.
    builder = StateGraph(State).add_node("a", step).add_edge(START, "a")

    assert builder.compile().name == "LangGraph"
    assert builder.compile(name="triage").name == "triage"


def test_a_name_that_is_not_a_string_is_refused_at_compile() -> None:
    builder = StateGraph(State).add_node("a", step).add_edge(START, "a")

    with pytest.raises(TypeError, match=r"compile\(name=3\).*str"):
        builder.compile(name=3)  # type: ignore[arg-type]
