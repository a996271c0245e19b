"""Bad input through the public API: a clear error of our tree, naming the value and
what to do, and nothing written (the thread's checkpoints are as before)."""

from __future__ import annotations

import operator
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    END,
    START,
    CheckpointNotFound,
    CheckpointStore,
    CompiledStateGraph,
    InvalidConfigError,
    InvalidThreadId,
    ReducerTypeError,
    StateGraph,
    UnsupportedValueError,
)
from branchline.domain.model.ids import checkpoint_id

THREAD = {"configurable": {"thread_id": "t1"}}


class State(TypedDict):
    items: Annotated[list[Any], operator.add]
    value: Any


def _graph(path: Path, write: Any) -> CompiledStateGraph:
    builder = StateGraph(State)
    builder.add_node("writer", lambda state: write)
    builder.add_edge(START, "writer")
    builder.add_edge("writer", END)
    return builder.compile(checkpointer=CheckpointStore.sqlite(path))


@pytest.fixture
def graph(tmp_path: Path) -> CompiledStateGraph:
    made = _graph(tmp_path / "t.db", {"value": 1})
    made.invoke({"items": [], "value": 0}, THREAD)
    return made


def _history(graph: CompiledStateGraph, thread: str = "t1") -> list[Any]:
    return [s.config for s in graph.get_state_history({"configurable": {"thread_id": thread}})]


def _overflowing_id(thread_id: str) -> str:
    """An id of this thread's shape whose version is past any SQLite integer."""
    return checkpoint_id(thread_id, (1 << 64) - 1)


def test_a_checkpoint_id_past_any_version_is_checkpoint_not_found(
    graph: CompiledStateGraph,
) -> None:
    before = _history(graph)
    wrong = {"configurable": {"thread_id": "t1", "checkpoint_id": _overflowing_id("t1")}}
    for call in (
        lambda: graph.get_state(wrong),
        lambda: list(graph.get_state_history(THREAD, before=wrong)),
        lambda: graph.update_state(wrong, {"value": 2}),
    ):
        with pytest.raises(CheckpointNotFound, match=r"ffffffff-ffff-ffff.*get_state_history"):
            call()
    assert _history(graph) == before


def test_a_thread_id_with_a_lone_surrogate_is_invalid_thread_id(
    graph: CompiledStateGraph,
) -> None:
    bad = {"configurable": {"thread_id": "t\udc80"}}
    with pytest.raises(InvalidThreadId, match=r"'t\\udc80' holds a lone surrogate.*use a short"):
        graph.invoke({"items": [], "value": 0}, bad)
    with pytest.raises(InvalidThreadId):
        graph.get_state(bad)


def test_a_negative_history_limit_is_refused(graph: CompiledStateGraph) -> None:
    with pytest.raises(InvalidConfigError, match=r"limit=-1.*0 or more; pass None"):
        list(graph.get_state_history(THREAD, limit=-1))


def test_an_int_too_long_for_text_is_refused_and_nothing_written(
    graph: CompiledStateGraph,
) -> None:
    before = _history(graph)
    with pytest.raises(
        UnsupportedValueError, match=r"int at value\['assigned'\]\['value'\]: too long"
    ):
        graph.update_state(THREAD, {"value": 10**5000})
    assert _history(graph) == before


def test_a_reducer_write_of_the_wrong_type_names_channel_node_and_type(tmp_path: Path) -> None:
    graph = _graph(tmp_path / "r.db", {"items": 5})
    with pytest.raises(ReducerTypeError, match=r"'items': node 'writer' wrote 5 \(type int\)"):
        graph.invoke({"items": [], "value": 0}, THREAD)
    with pytest.raises(TypeError):  # as a LangGraph user catches it
        graph.invoke(None, THREAD)


def test_the_depth_message_states_the_real_limit(tmp_path: Path) -> None:
    graph = _graph(tmp_path / "d.db", {"value": 1})

    def nested(levels: int) -> Any:
        value: Any = 1
        for _ in range(levels):
            value = [value]
        return value

    graph.invoke({"items": [], "value": nested(196)}, {"configurable": {"thread_id": "ok"}})
    with pytest.raises(UnsupportedValueError, match="nested more than 196 levels"):
        graph.invoke({"items": [], "value": nested(197)}, THREAD)
    assert _history(graph) == []
