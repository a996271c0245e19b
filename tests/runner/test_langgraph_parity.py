"""Behaviours the differential harness (tests/differential) found different from
LangGraph 1.2.22 and that now match it; each test states the value LangGraph gives."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from branchline import START, CheckpointStore, Command, StateGraph, interrupt


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


def test_checkpoint_ids_of_one_thread_end_differently(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph's ids (uuid6) differ in their last characters; UIs abbreviate by the tail.
    graph = _one_node(store)
    graph.invoke({}, config)
    graph.invoke({}, config)
    ids = [s.config["configurable"]["checkpoint_id"] for s in graph.get_state_history(config)]
    assert len({i[-12:] for i in ids}) == len(ids) == 6
    assert ids == sorted(ids, reverse=True)


def test_unknown_keys_in_the_input_are_ignored(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: invoke({"log": [], "zzz": 3}) runs and returns {'log': ['a'], 'n': 0, 'title': ''}.
    graph = _one_node(store)
    assert graph.invoke({"log": [], "zzz": 3}, config) == {"log": ["a"], "n": 0, "title": ""}


def test_a_bare_answer_with_several_questions_pending_is_a_runtime_error(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph raises RuntimeError("When there are multiple pending interrupts, ...").
    builder = StateGraph(Counted)
    builder.add_node("p", lambda s: {"log": [interrupt("p?")]})
    builder.add_node("q", lambda s: {"log": [interrupt("q?")]})
    builder.add_edge(START, "p")
    builder.add_edge(START, "q")
    graph = builder.compile(checkpointer=store)
    graph.invoke({}, config)
    with pytest.raises(RuntimeError, match="pending"):
        graph.invoke(Command(resume="yes"), config)
