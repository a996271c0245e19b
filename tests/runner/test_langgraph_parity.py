"""Behaviours the differential harness (tests/differential) found different from
LangGraph 1.2.22 and that now match it; each test states the value LangGraph gives."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from branchline import START, CheckpointStore, StateGraph, interrupt


class Counted(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    n: Annotated[int, operator.add]
    title: Annotated[str, operator.add]
    last: str


def _one_node(store: CheckpointStore | None = None) -> Any:
    builder = StateGraph(Counted)
    builder.add_node("a", lambda s: {"log": ["a"]})
    builder.add_edge(START, "a")
    return builder.compile(checkpointer=store)


def test_reducer_channels_start_at_their_types_empty_value(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: {'log': ['a'], 'n': 0, 'title': ''}; the input checkpoint shows the same
    # defaults before any node wrote.
    graph = _one_node(store)
    assert graph.invoke({}, config) == {"log": ["a"], "n": 0, "title": ""}
    first = list(graph.get_state_history(config))[-1]
    assert first.values == {"log": [], "n": 0, "title": ""}


def _asking(store: CheckpointStore) -> Any:
    builder = StateGraph(Counted)
    builder.add_node("ask", lambda s: {"log": [f"ask={interrupt('ok?')}"]})
    builder.add_edge(START, "ask")
    return builder.compile(checkpointer=store)


def test_history_shows_a_question_that_new_input_dropped(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: the checkpoint that paused still shows its interrupt in the history
    # after new input superseded it; the live state shows only the new question.
    graph = _asking(store)
    graph.invoke({"log": ["first"]}, config)
    graph.invoke({"log": ["second"]}, config)
    paused = [s for s in graph.get_state_history(config) if s.next == ("ask",)]
    assert [[i.value for i in s.interrupts] for s in paused] == [["ok?"], ["ok?"]]
    assert len(graph.get_state(config).interrupts) == 1
