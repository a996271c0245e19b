"""Replay and fork from a subgraph's checkpoint. As in LangGraph 1.2.22 (the expected
values are its answers for the same graph): the parent runs again from the checkpoint
whose step ran that subgraph, as a fork, and the subgraph starts afresh in it."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from branchline import START, CheckpointStore, Command, InvalidConfigError, StateGraph, interrupt


class Log(TypedDict):
    x: Annotated[list[str], operator.add]


def _graph(store: CheckpointStore, runs: list[str]) -> Any:
    """pre -> sub (prep -> ask: a question) -> post."""

    def node(name: str, asks: bool = False) -> Any:
        def run(state: Log) -> dict[str, Any]:
            runs.append(name)
            return {"x": [interrupt(f"{name}?") if asks else name]}

        return run

    sub = StateGraph(Log).add_node("prep", node("prep")).add_node("ask", node("ask", asks=True))
    sub = sub.add_edge(START, "prep").add_edge("prep", "ask").compile()
    parent = StateGraph(Log).add_node("pre", node("pre")).add_node("sub", sub)
    parent = parent.add_node("post", node("post")).add_edge(START, "pre")
    return parent.add_edge("pre", "sub").add_edge("sub", "post").compile(checkpointer=store)


@pytest.fixture
def finished(store: CheckpointStore) -> tuple[Any, list[str], list[Any]]:
    """The graph run to its end (answered "Y"), the nodes it ran, the subgraph's history."""
    runs: list[str] = []
    graph, config = _graph(store, runs), {"configurable": {"thread_id": "t"}}
    graph.invoke({"x": []}, config)
    subgraph = graph.get_state(config).tasks[0].state
    assert graph.invoke(Command(resume="Y"), config) == {"x": ["pre", "pre", "prep", "Y", "post"]}
    runs.clear()
    return graph, runs, list(graph.get_state_history(subgraph))


def test_running_from_a_subgraph_checkpoint_runs_the_parent_step_again(
    finished: tuple[Any, list[str], list[Any]],
) -> None:
    graph, runs, history = finished
    config = {"configurable": {"thread_id": "t"}}
    before_ask = next(s for s in history if s.next == ("ask",))

    replayed = graph.invoke(None, before_ask.config)
    fork = graph.get_state(config)
    ran = list(runs)
    resumed = graph.invoke(Command(resume="Z"), config)

    assert [s.next for s in history] == [(), ("ask",), ("prep",), ("__start__",)]
    assert replayed["x"] == ["pre"]
    assert [i.value for i in replayed["__interrupt__"]] == ["ask?"]
    assert ran == ["prep", "ask"]  # the subgraph starts afresh in the new step
    assert (fork.metadata["source"], fork.metadata["step"], fork.next) == ("fork", 2, ("sub",))
    assert resumed == {"x": ["pre", "pre", "prep", "Z", "post"]}
    assert runs == ["prep", "ask", "ask", "post"]


def test_an_edit_at_a_subgraph_checkpoint_keeps_the_parent_checkpoint_it_ran_from(
    finished: tuple[Any, list[str], list[Any]],
) -> None:
    graph, runs, history = finished
    before_ask = next(s for s in history if s.next == ("ask",))

    edited = graph.update_state(before_ask.config, {"x": ["edited"]})
    snapshot = graph.get_state(edited)
    parent_head = graph.get_state({"configurable": {"thread_id": "t"}})
    replayed = graph.invoke(None, edited)

    assert snapshot.values == {"x": ["pre", "prep", "edited"]}
    assert (snapshot.metadata["source"], snapshot.next) == ("update", ("ask",))
    assert snapshot.metadata["parents"] == before_ask.metadata["parents"]
    assert parent_head.next == ()  # an edit of a subgraph writes no parent checkpoint
    assert replayed["x"] == ["pre"]
    assert runs == ["prep", "ask"]


def test_running_from_an_unknown_subgraph_namespace_is_a_clear_error(
    finished: tuple[Any, list[str], list[Any]],
) -> None:
    graph, runs, _ = finished
    config = {"configurable": {"thread_id": "t", "checkpoint_ns": "nope:1", "checkpoint_id": "x"}}

    with pytest.raises(InvalidConfigError, match="Subgraph nope not found") as refused:
        graph.invoke(None, config)

    assert "'sub'" in str(refused.value)
    assert runs == []


def test_each_replay_of_a_step_runs_its_subgraph_afresh(store: CheckpointStore) -> None:
    runs: list[str] = []
    graph, config = _graph(store, runs), {"configurable": {"thread_id": "t"}}
    graph.invoke({"x": []}, config)
    ran_sub = next(s for s in graph.get_state_history(config) if s.next == ("sub",))

    first = graph.invoke(None, ran_sub.config)["__interrupt__"][0]
    second = graph.invoke(None, ran_sub.config)["__interrupt__"][0]

    # As LangGraph: the subgraph's first node runs on every replay, asking anew.
    assert runs == ["pre", "prep", "ask", "prep", "ask", "prep", "ask"]
    assert first.id != second.id
