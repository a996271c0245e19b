"""Stream mode ``"custom"``: what nodes give ``get_stream_writer()`` (or a ``writer``
parameter), in LangGraph 1.2.22's order among the other modes (each expected value is
what LangGraph gives for the same graph and call, checked by running both)."""

from __future__ import annotations

import operator
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import (
    START,
    CheckpointStore,
    Command,
    StateGraph,
    StreamWriter,
    get_stream_writer,
    interrupt,
)


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def thread(name: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": name}}


def progress(state: State) -> dict[str, Any]:
    write = get_stream_writer()
    write({"progress": 50})
    write("done")
    return {"log": ["progress"]}


def takes_writer(state: State, writer: StreamWriter) -> dict[str, Any]:
    writer({"from": "writer"})
    return {"log": ["writer"]}


def two_steps() -> StateGraph:
    builder = StateGraph(State)
    builder.add_node("progress", progress)
    builder.add_node("takes_writer", takes_writer)
    builder.add_edge(START, "progress")
    builder.add_edge("progress", "takes_writer")
    return builder


def test_custom_mode_yields_what_the_nodes_wrote(store: CheckpointStore) -> None:
    graph = two_steps().compile(checkpointer=store)

    chunks = list(graph.stream({"log": []}, thread("t"), stream_mode="custom"))

    # LangGraph gives the same.
    assert chunks == [{"progress": 50}, "done", {"from": "writer"}]


def test_custom_chunks_come_before_their_node_s_update_and_the_step_s_values(
    store: CheckpointStore,
) -> None:
    graph = two_steps().compile(checkpointer=store)

    modes = ["custom", "updates", "values"]
    chunks = list(graph.stream({"log": ["in"]}, thread("t"), stream_mode=modes))

    # LangGraph gives the same.
    assert chunks == [
        ("values", {"log": ["in"]}),
        ("custom", {"progress": 50}),
        ("custom", "done"),
        ("updates", {"progress": {"log": ["progress"]}}),
        ("values", {"log": ["in", "progress"]}),
        ("custom", {"from": "writer"}),
        ("updates", {"takes_writer": {"log": ["writer"]}}),
        ("values", {"log": ["in", "progress", "writer"]}),
    ]


def test_invoke_with_custom_mode_returns_the_list_of_custom_chunks() -> None:
    chunks = two_steps().compile().invoke({"log": []}, stream_mode="custom")

    # LangGraph gives the same.
    assert chunks == [{"progress": 50}, "done", {"from": "writer"}]


def test_without_custom_mode_what_nodes_write_is_dropped() -> None:
    chunks = list(two_steps().compile().stream({"log": []}, stream_mode="updates"))

    # LangGraph gives the same.
    assert chunks == [{"progress": {"log": ["progress"]}}, {"takes_writer": {"log": ["writer"]}}]


def test_a_node_that_asks_streams_what_it_wrote_before_each_run_of_it(
    store: CheckpointStore,
) -> None:
    def asks(state: State) -> dict[str, Any]:
        write = get_stream_writer()
        write("before")
        answer = interrupt("name?")
        write(f"after {answer}")
        return {"log": [answer]}

    builder = StateGraph(State)
    builder.add_node("asks", asks)
    builder.add_edge(START, "asks")
    graph = builder.compile(checkpointer=store)
    modes = ["custom", "updates"]

    paused = list(graph.stream({"log": []}, thread("t"), stream_mode=modes))
    resumed = list(graph.stream(Command(resume="ann"), thread("t"), stream_mode=modes))

    # LangGraph gives the same: the node runs again from its start on resume.
    assert paused[0] == ("custom", "before")
    assert [q.value for q in paused[1][1]["__interrupt__"]] == ["name?"]
    assert resumed == [
        ("custom", "before"),
        ("custom", "after ann"),
        ("updates", {"asks": {"log": ["ann"]}}),
    ]


def inner_graph() -> Any:
    builder = StateGraph(State)
    builder.add_node("inner", progress)
    builder.add_edge(START, "inner")
    return builder.compile()


def test_a_subgraph_s_custom_chunks_stream_under_its_namespace_with_subgraphs(
    store: CheckpointStore,
) -> None:
    builder = StateGraph(State)
    builder.add_node("sub", inner_graph())
    builder.add_edge(START, "sub")
    graph = builder.compile(checkpointer=store)

    chunks = list(graph.stream({"log": []}, thread("t"), stream_mode="custom", subgraphs=True))

    # LangGraph gives the same (its namespace is ("sub:<task id>",)).
    assert [(ns[0].partition(":")[0], chunk) for ns, chunk in chunks] == [
        ("sub", {"progress": 50}),
        ("sub", "done"),
    ]


def test_without_subgraphs_a_subgraph_s_custom_chunks_are_not_streamed(
    store: CheckpointStore,
) -> None:
    builder = StateGraph(State)
    builder.add_node("sub", inner_graph())
    builder.add_edge(START, "sub")
    graph = builder.compile(checkpointer=store)

    chunks = list(graph.stream({"log": []}, thread("t"), stream_mode="custom"))

    # LangGraph gives the same.
    assert chunks == []


def test_outside_a_node_get_stream_writer_is_an_error() -> None:
    # LangGraph raises a RuntimeError too.
    with pytest.raises(RuntimeError, match=r"get_stream_writer\(\) was called outside"):
        get_stream_writer()
