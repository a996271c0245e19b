"""bulk_update_state, update_state as "__input__", updates that stand for pending tasks, and
supersteps on a subgraph's own state.

Expected histories are what LangGraph 1.2.22 gives for the same calls."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

import langgraph.graph
import langgraph.types
import pytest
from langgraph.checkpoint.memory import InMemorySaver

import branchline
from branchline import (
    START,
    CheckpointStore,
    Command,
    InvalidUpdateError,
    Send,
    StateGraph,
    StateUpdate,
)


class Turn(TypedDict):
    foo: str


class Mapped(TypedDict):
    foo: str
    tasks: Annotated[list[int], operator.add]


def _agent_tool(store: CheckpointStore, **options: Any) -> Any:
    builder = StateGraph(Turn)
    builder.add_node("agent", lambda s: {"foo": "agent"})
    builder.add_node("tool", lambda s: {"foo": "tool"})
    builder.add_edge(START, "agent").add_edge("agent", "tool")
    return builder.compile(checkpointer=store, **options)


def _shape(graph: Any, thread: str) -> list[tuple[Any, ...]]:
    return [
        (s.values, s.next, s.metadata["step"], [(t.name, t.result) for t in s.tasks])
        for s in graph.get_state_history({"configurable": {"thread_id": thread}})
    ]


def _config(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


def test_supersteps_rebuild_the_history_a_run_makes(store: CheckpointStore) -> None:
    graph = _agent_tool(store)
    for _ in range(2):
        graph.invoke({"foo": "input"}, _config("ran"))
    turn = [
        [StateUpdate({"foo": "input"}, "__input__")],
        [StateUpdate({"foo": "input"}, "__start__")],
        [StateUpdate({"foo": "agent"}, "agent")],
        [StateUpdate({"foo": "tool"}, "tool")],
    ]
    last = graph.bulk_update_state(_config("built"), turn + turn)
    assert last == graph.get_state(_config("built")).config
    assert graph.get_state(_config("built")).values == {"foo": "tool"}
    # Values, next, steps and each task's result, checkpoint by checkpoint.
    assert _shape(graph, "built") == _shape(graph, "ran")
    sources = [s.metadata["source"] for s in graph.get_state_history(_config("built"))]
    assert sources == ["update", "update", "update", "input"] * 2


def test_input_recorded_as_input_waits_for_its_start_task(store: CheckpointStore) -> None:
    graph = _agent_tool(store)
    config = graph.update_state(_config("t"), {"foo": "x"}, as_node="__input__")
    waiting = graph.get_state(config)
    assert (waiting.values, waiting.next, waiting.metadata["source"]) == (
        {},
        ("__start__",),
        "input",
    )
    assert [(t.name, t.result) for t in waiting.tasks] == [("__start__", None)]
    assert graph.invoke(None, _config("t")) == {"foo": "tool"}
    assert _shape(graph, "t") == [
        ({"foo": "tool"}, (), 2, []),
        ({"foo": "agent"}, ("tool",), 1, [("tool", {"foo": "tool"})]),
        ({"foo": "x"}, ("agent",), 0, [("agent", {"foo": "agent"})]),
        ({}, ("__start__",), -1, [("__start__", {"foo": "x"})]),
    ]


def test_an_update_made_as_a_pending_node_is_that_tasks_result(store: CheckpointStore) -> None:
    graph = _agent_tool(store, interrupt_before=["tool"])
    graph.invoke({"foo": "in"}, _config("t"))
    graph.update_state(_config("t"), {"foo": "by hand"}, as_node="tool")
    paused = list(graph.get_state_history(_config("t")))[1]
    assert [(t.name, t.result) for t in paused.tasks] == [("tool", {"foo": "by hand"})]


def test_updates_made_together_are_the_tasks_of_one_step(store: CheckpointStore) -> None:
    def fan_out(state: Mapped) -> Command[Any]:
        sends = [Send("task", {"index": i}) for i in range(3)]
        return Command(goto=sends, update={"foo": "map"})

    builder = StateGraph(Mapped)
    builder.add_node("agent", lambda s: {"foo": "agent"})
    builder.add_node("map", fan_out)
    builder.add_node("task", lambda s: {"tasks": [s["index"]]})
    builder.add_edge(START, "agent").add_edge("agent", "map")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"foo": "input"}, _config("ran"))
    sends = [Send("task", {"index": i}) for i in range(3)]
    graph.bulk_update_state(
        _config("built"),
        [
            [StateUpdate({"foo": "input"}, "__input__")],
            [StateUpdate({"foo": "input"}, "__start__")],
            [StateUpdate({"foo": "agent", "tasks": []}, "agent")],
            [StateUpdate(Command(goto=sends, update={"foo": "map"}), "map")],
            [StateUpdate({"tasks": [i]}, "task") for i in range(3)],
        ],
    )
    assert graph.get_state(_config("built")).values == {"foo": "map", "tasks": [0, 1, 2]}
    # The agent update also wrote "tasks": [], so compare task names, not results.
    names = [
        [(v, n, step, [t for t, _ in tasks]) for v, n, step, tasks in _shape(graph, t)]
        for t in ("built", "ran")
    ]
    assert names[0] == names[1]
    mapped = list(graph.get_state_history(_config("built")))[1]
    assert [(t.name, t.result) for t in mapped.tasks] == [
        ("task", {"tasks": [i]}) for i in range(3)
    ]


BAD_SUPERSTEPS: list[tuple[Any, str]] = [
    ([], "needs a list of supersteps"),
    ([[]], "superstep 0 of bulk_update_state has no updates"),
    ([[StateUpdate({"foo": "a"}, "__input__"), StateUpdate({"foo": "b"}, "agent")]], "alone"),
    ([[StateUpdate({"foo": "a"}, "agent"), StateUpdate({"foo": "b"})]], "must each name"),
    ([["agent"]], "not an update"),
    ([[StateUpdate({"foo": "a"}, "agent"), StateUpdate({"foo": "b"}, "tool")]], "At key 'foo'"),
    ([[StateUpdate({"foo": "a"}, "agent")], [StateUpdate({"foo": "b"}, "nope")]], "'nope'"),
    ([[StateUpdate(None, "__input__")]], "needs the input values"),
]


@pytest.mark.parametrize(("supersteps", "message"), BAD_SUPERSTEPS)
def test_a_bad_superstep_is_refused_and_nothing_is_written(
    store: CheckpointStore,
    event_names: Callable[[str], list[str]],
    supersteps: Any,
    message: str,
) -> None:
    graph = _agent_tool(store)
    graph.invoke({"foo": "input"}, _config("t1"))
    before = event_names("t1")
    with pytest.raises(InvalidUpdateError, match=message):
        graph.bulk_update_state(_config("t1"), supersteps)
    assert event_names("t1") == before


class LangGraph:
    """LangGraph's names, as ``branchline`` has them."""

    StateGraph = langgraph.graph.StateGraph
    interrupt = staticmethod(langgraph.types.interrupt)
    StateUpdate = langgraph.types.StateUpdate


class Logged(TypedDict):
    log: Annotated[list[str], operator.add]


def _asking_subgraph(library: Any, saver: Any) -> Any:
    """A parent whose node ``sub`` is a subgraph that asks in ``ask``, then ends."""
    inner = library.StateGraph(Logged)
    inner.add_node("ask", lambda s: {"log": [f"ask={library.interrupt('?')}"]})
    inner.add_node("tail", lambda s: {"log": ["tail"]})
    inner.add_edge(START, "ask").add_edge("ask", "tail")
    parent = library.StateGraph(Logged)
    parent.add_node("sub", inner.compile())
    parent.add_edge(START, "sub")
    return parent.compile(checkpointer=saver)


def test_supersteps_on_a_paused_subgraph_edit_its_own_state_as_in_langgraph(
    store: CheckpointStore,
) -> None:
    seen = []
    for library, saver in ((LangGraph, InMemorySaver()), (branchline, store)):
        graph = _asking_subgraph(library, saver)
        graph.invoke({"log": ["in"]}, _config("t"))
        (task,) = graph.get_state(_config("t"), subgraphs=True).tasks
        edits = [[library.StateUpdate({"log": [f"e{i}"]}, "ask")] for i in range(2)]
        written = graph.bulk_update_state(task.state.config, edits)
        place = written["configurable"]["checkpoint_ns"]
        assert place == task.state.config["configurable"]["checkpoint_ns"]
        whole = {"configurable": {"thread_id": "t", "checkpoint_ns": place}}
        shown = [
            (s.values, s.next, s.metadata["step"], s.metadata["source"])
            for s in graph.get_state_history(whole)
        ]
        seen.append((shown, graph.get_state(_config("t")).values))
    assert seen[1] == seen[0]
    assert seen[0][0][:2] == [
        ({"log": ["in", "e0", "e1"]}, ("tail",), 2, "update"),
        ({"log": ["in", "e0"]}, ("tail",), 1, "update"),
    ]
