"""The Runnable methods of a compiled graph: with_config, batch, invoke's stream_mode and
output_keys, as LangGraph 1.2.22 has them (each expected value is what LangGraph gives
for the same graph and calls, checked by running both)."""

from __future__ import annotations

import operator
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    GraphRecursionError,
    InvalidConfigError,
    StateGraph,
    interrupt,
)


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    count: int


def first(state: State) -> dict[str, Any]:
    return {"log": ["first"], "count": 1}


def second(state: State) -> dict[str, Any]:
    return {"log": ["second"]}


def chain() -> StateGraph:
    builder = StateGraph(State)
    builder.add_node("first", first)
    builder.add_node("second", second)
    builder.add_edge(START, "first")
    builder.add_edge("first", "second")
    builder.add_edge("second", END)
    return builder


def thread(name: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": name}}


def test_with_config_binds_a_recursion_limit_to_every_call() -> None:
    graph = chain().compile().with_config(recursion_limit=1)

    # LangGraph gives the same: GraphRecursionError after the first step.
    with pytest.raises(GraphRecursionError, match="Recursion limit of 1"):
        graph.invoke({"log": []})


def test_with_config_binds_the_thread_and_a_call_config_adds_to_it(
    store: CheckpointStore,
) -> None:
    graph = chain().compile(checkpointer=store)
    bound = graph.with_config(configurable={"thread_id": "bound"})

    bound.invoke({"log": ["in"]})
    bound.invoke({"log": ["again"]}, {"metadata": {"who": "ann"}})

    # LangGraph gives the same: both calls ran on the bound thread.
    assert graph.get_state(thread("bound")).values["log"] == [
        "in",
        "first",
        "second",
        "again",
        "first",
        "second",
    ]
    assert graph.get_state(thread("bound")).metadata["who"] == "ann"


def test_with_config_leaves_the_original_graph_as_it_was() -> None:
    graph = chain().compile()

    graph.with_config(recursion_limit=1)

    assert graph.invoke({"log": []}) == {"log": ["first", "second"], "count": 1}


def test_a_call_config_overrides_what_with_config_bound(store: CheckpointStore) -> None:
    graph = chain().compile(checkpointer=store).with_config(thread("bound"))

    graph.invoke({"log": []}, thread("given"))

    assert graph.get_state(thread("given")).values["count"] == 1
    assert graph.get_state(thread("bound")).values == {}


def test_batch_runs_each_input_and_returns_the_results_in_order() -> None:
    graph = chain().compile()

    results = graph.batch([{"log": ["1"]}, {"log": ["2"]}])

    # LangGraph gives the same.
    assert results == [
        {"log": ["1", "first", "second"], "count": 1},
        {"log": ["2", "first", "second"], "count": 1},
    ]


def test_batch_takes_one_config_per_input(store: CheckpointStore) -> None:
    graph = chain().compile(checkpointer=store)

    graph.batch([{"log": ["1"]}, {"log": ["2"]}], [thread("b1"), thread("b2")])

    assert graph.get_state(thread("b1")).values["log"] == ["1", "first", "second"]
    assert graph.get_state(thread("b2")).values["log"] == ["2", "first", "second"]


def test_batch_refuses_a_config_list_of_another_length_and_runs_nothing(
    store: CheckpointStore,
) -> None:
    graph = chain().compile(checkpointer=store)

    with pytest.raises(InvalidConfigError, match="batch got 1 configs for 2 inputs"):
        graph.batch([{"log": ["1"]}, {"log": ["2"]}], [thread("b1")])

    assert graph.get_state(thread("b1")).values == {}


def test_batch_with_return_exceptions_puts_a_failed_run_s_error_in_its_place() -> None:
    def fails(state: State) -> dict[str, Any]:
        if state["log"] == ["bad"]:
            raise ValueError("bad input")
        return {"count": 2}

    builder = StateGraph(State)
    builder.add_node("fails", fails)
    builder.add_edge(START, "fails")

    results = builder.compile().batch([{"log": ["bad"]}, {"log": ["ok"]}], return_exceptions=True)

    assert isinstance(results[0], ValueError)
    assert results[1] == {"log": ["ok"], "count": 2}


def test_invoke_with_updates_mode_returns_the_list_of_updates(store: CheckpointStore) -> None:
    graph = chain().compile(checkpointer=store)

    chunks = graph.invoke({"log": []}, thread("t"), stream_mode="updates")

    # LangGraph gives the same.
    assert chunks == [{"first": {"log": ["first"], "count": 1}}, {"second": {"log": ["second"]}}]


def test_invoke_with_several_modes_returns_mode_and_chunk_pairs(store: CheckpointStore) -> None:
    graph = chain().compile(checkpointer=store)

    chunks = graph.invoke({"log": ["in"]}, thread("t"), stream_mode=["values", "updates"])

    # LangGraph gives the same.
    assert chunks == [
        ("values", {"log": ["in"]}),
        ("updates", {"first": {"log": ["first"], "count": 1}}),
        ("values", {"log": ["in", "first"], "count": 1}),
        ("updates", {"second": {"log": ["second"]}}),
        ("values", {"log": ["in", "first", "second"], "count": 1}),
    ]


def test_invoke_with_updates_mode_shows_a_pause_as_its_last_update(
    store: CheckpointStore,
) -> None:
    def asks(state: State) -> dict[str, Any]:
        return {"log": [interrupt("name?")]}

    builder = StateGraph(State)
    builder.add_node("asks", asks)
    builder.add_edge(START, "asks")
    graph = builder.compile(checkpointer=store)

    paused = graph.invoke({"log": []}, thread("t"), stream_mode="updates")
    resumed = graph.invoke(Command(resume="ann"), thread("t"), stream_mode="updates")

    # LangGraph gives the same.
    assert [q.value for q in paused[0]["__interrupt__"]] == ["name?"]
    assert resumed == [{"asks": {"log": ["ann"]}}]


def test_invoke_with_output_keys_returns_those_keys_or_one_key_s_value() -> None:
    graph = chain().compile()

    # LangGraph gives the same.
    assert graph.invoke({"log": []}, output_keys=["count"]) == {"count": 1}
    assert graph.invoke({"log": []}, output_keys="count") == 1


def test_stream_with_output_keys_cuts_updates_down_to_those_keys(
    store: CheckpointStore,
) -> None:
    graph = chain().compile(checkpointer=store)

    chunks = list(graph.stream({"log": []}, thread("t"), output_keys=["count"]))

    # LangGraph gives the same: a node that wrote none of them shows None.
    assert chunks == [{"first": {"count": 1}}, {"second": None}]


def test_stream_with_output_keys_yields_values_only_after_steps_that_wrote_them(
    store: CheckpointStore,
) -> None:
    graph = chain().compile(checkpointer=store)

    single = list(
        graph.stream({"log": []}, thread("t1"), output_keys="count", stream_mode="values")
    )
    listed = list(
        graph.stream({"log": []}, thread("t2"), output_keys=["log"], stream_mode="values")
    )

    # LangGraph gives the same.
    assert single == [1]
    assert listed == [{"log": []}, {"log": ["first"]}, {"log": ["first", "second"]}]


def test_stream_with_output_keys_shows_the_state_a_resumed_call_starts_from(
    store: CheckpointStore,
) -> None:
    def asks(state: State) -> dict[str, Any]:
        return {"log": [interrupt("name?")]}

    builder = StateGraph(State)
    builder.add_node("first", first)
    builder.add_node("asks", asks)
    builder.add_node("counts", lambda state: {"count": 2})
    builder.add_edge(START, "first")
    builder.add_edge("first", "asks")
    builder.add_edge("asks", "counts")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"log": ["in"]}, thread("t"))

    modes = ["updates", "values"]
    chunks = list(
        graph.stream(Command(resume="r"), thread("t"), output_keys=["log"], stream_mode=modes)
    )

    # LangGraph gives the same.
    assert chunks == [
        ("values", {"log": ["in", "first"]}),
        ("updates", {"asks": {"log": ["r"]}}),
        ("values", {"log": ["in", "first", "r"]}),
        ("updates", {"counts": None}),
    ]


def test_output_keys_naming_an_unknown_key_is_an_error_that_writes_nothing(
    store: CheckpointStore,
) -> None:
    graph = chain().compile(checkpointer=store)

    with pytest.raises(InvalidConfigError, match=r"unknown state key\(s\) \['nope'\]"):
        graph.invoke({"log": []}, thread("t"), output_keys=["nope"])
    with pytest.raises(InvalidConfigError, match="the state's keys are"):
        list(graph.stream({"log": []}, thread("t"), output_keys="nope"))

    assert graph.get_state(thread("t")).values == {}


def test_checkpointer_is_what_compile_was_given_as_in_langgraph(store: CheckpointStore) -> None:
    builder = chain()
    given = [store, None, True, False]
    assert [builder.compile(checkpointer=c).checkpointer for c in given] == given
