"""Which node an update without ``as_node`` is made as, when LangGraph finds it ambiguous:
a node that ran on two triggers at once (its edge and its join). Expected behaviour is
LangGraph 1.2.22's for the same graphs (it raises "Ambiguous update, specify as_node")."""

from __future__ import annotations

import operator
from typing import Annotated, Any, NotRequired, TypedDict

import pytest

from branchline import END, START, CheckpointStore, InvalidUpdateError, StateGraph


class Log(TypedDict):
    log: Annotated[list[str], operator.add]
    last: NotRequired[str]


def _writes(name: str) -> Any:
    return lambda state: {"log": [name]}


def _edge_and_join() -> StateGraph:
    """``n3`` waits for a join of n0 and n1, and n0's edge also routes to it."""
    builder = StateGraph(Log)
    for name in ("n0", "n1", "n3"):
        builder.add_node(name, _writes(name))
    builder.add_edge(START, "n0").add_conditional_edges("n0", lambda s: "n3", ["n3"])
    builder.add_conditional_edges("n1", lambda s: END, [END])
    return builder.add_edge(["n0", "n1"], "n3")


def test_after_a_replay_a_node_run_on_its_edge_and_its_join_is_still_ambiguous() -> None:
    graph = _edge_and_join().compile(checkpointer=CheckpointStore.in_memory())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"log": ["start"]}, config)
    before_n3 = next(s for s in graph.get_state_history(config) if s.next == ("n3",))
    assert graph.invoke(None, before_n3.config)["log"] == ["start", "n0", "n3"]
    with pytest.raises(InvalidUpdateError, match="Ambiguous update"):
        graph.update_state(config, {"last": "e"})
    graph.update_state(config, {"last": "e"}, as_node="n3")
    assert graph.get_state(config).values["last"] == "e"


def test_a_node_an_edit_scheduled_by_its_edge_and_its_join_is_ambiguous_after_it_ran() -> None:
    # An edit made as n1 routes to n3 and arrives at n3's join in one go.
    builder = StateGraph(Log)
    for name in ("n0", "n1", "n3"):
        builder.add_node(name, _writes(name))
    builder.add_edge(START, "n0").add_conditional_edges("n1", lambda s: "n3", ["n3"])
    builder.add_edge(["n0", "n1"], "n3")
    graph = builder.compile(checkpointer=CheckpointStore.in_memory(), interrupt_after=["n0"])
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"log": ["start"]}, config)
    graph.update_state(config, {"log": ["by hand"]}, as_node="n1")
    assert graph.invoke(None, config)["log"] == ["start", "n0", "by hand", "n3"]
    with pytest.raises(InvalidUpdateError, match="Ambiguous update"):
        graph.update_state(config, {"last": "e"})
