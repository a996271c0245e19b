"""Behaviours the differential harness (tests/differential) found different from
LangGraph 1.2.22 and that now match it; each test states the value LangGraph gives."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from branchline import START, CheckpointStore, StateGraph


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
