"""``update_state(config, None, as_node="__copy__")``: a checkpoint copied, to run again."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    START,
    CheckpointStore,
    InvalidUpdateError,
    StateGraph,
    StateUpdate,
    interrupt,
)


class Log(TypedDict):
    value: Annotated[list[str], operator.add]


def _graph(store: CheckpointStore, ask: bool = False) -> Any:
    def b(state: Log) -> dict[str, Any]:
        return {"value": [f"b:{interrupt('ok?')}" if ask else "b"]}

    builder = StateGraph(Log)
    builder.add_node("a", lambda state: {"value": ["a"]})
    builder.add_node("b", b)
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    return builder.compile(checkpointer=store)


def _id(config: dict[str, Any] | None) -> str | None:
    return None if config is None else config["configurable"]["checkpoint_id"]


def test_a_copy_is_a_sibling_fork_of_the_checkpoint_and_runs_its_step_again(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = _graph(store)
    graph.invoke({"value": []}, config)
    before_b = next(s for s in graph.get_state_history(config) if s.next == ("b",))

    copied = graph.get_state(graph.update_state(before_b.config, None, as_node="__copy__"))

    # As LangGraph 1.2.22 makes it: source fork, one step on, the same parent.
    assert copied.metadata["source"] == "fork" and copied.metadata["step"] == 2
    assert _id(copied.parent_config) == _id(before_b.parent_config)
    assert (copied.values, copied.next) == ({"value": ["a"]}, ("b",))
    assert _id(graph.get_state(config).config) == _id(copied.config)  # the new head
    assert graph.invoke(None, copied.config) == {"value": ["a", "b"]}
    sources = [s.metadata["source"] for s in graph.get_state_history(config)]
    assert sources == ["loop", "fork", "loop", "loop", "loop", "input"]


def test_a_copy_of_a_paused_checkpoint_asks_again(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = _graph(store, ask=True)
    graph.invoke({"value": []}, config)
    asked = graph.get_state(config)
    copy = graph.update_state(config, None, as_node="__copy__")
    result = graph.invoke(None, copy)
    [again] = result["__interrupt__"]
    assert again.value == "ok?" and again.id != asked.interrupts[0].id


def test_a_copy_with_values_is_refused_and_writes_nothing(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = _graph(store)
    graph.invoke({"value": []}, config)
    before = list(store.events("t1"))
    with pytest.raises(InvalidUpdateError, match=r'as_node="__copy__" copies a checkpoint as it'):
        graph.update_state(config, {"value": ["x"]}, as_node="__copy__")
    assert list(store.events("t1")) == before


def test_a_copy_with_task_results_runs_on_from_them(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    builder = StateGraph(Log)
    for name in ("a", "b", "c"):
        builder.add_node(name, lambda state, name=name: {"value": [name]})
    for start, end in ((START, "a"), ("a", "b"), ("b", "c")):
        builder.add_edge(start, end)
    graph = builder.compile(checkpointer=store)
    graph.invoke({"value": []}, config)
    before_b = next(s for s in graph.get_state_history(config) if s.next == ("b",))

    edited = graph.update_state(
        before_b.config, [StateUpdate({"value": ["b*"]}, "b")], as_node="__copy__"
    )

    # As LangGraph 1.2.22 records it: the copy holds b's result as given, then an update
    # checkpoint with it written, from which c runs.
    after, copy = list(graph.get_state_history(config))[:2]
    assert (copy.metadata["source"], copy.next, copy.values) == ("fork", ("b",), {"value": ["a"]})
    assert [(t.name, t.result) for t in copy.tasks] == [("b", {"value": ["b*"]})]
    assert _id(copy.parent_config) == _id(before_b.parent_config)
    assert (after.metadata["source"], after.next) == ("update", ("c",))
    assert _id(after.config) == _id(edited) and _id(after.parent_config) == _id(copy.config)
    assert graph.invoke(None, edited) == {"value": ["a", "b*", "c"]}


def test_a_task_result_for_no_task_of_the_copy_is_refused(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = _graph(store)
    graph.invoke({"value": []}, config)
    before = list(store.events("t1"))
    with pytest.raises(InvalidUpdateError, match=r"StateUpdate as_node='a' names no open task"):
        graph.update_state(config, [StateUpdate({"value": ["x"]}, "a")], as_node="__copy__")
    assert list(store.events("t1")) == before
