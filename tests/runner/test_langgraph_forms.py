"""Forms LangGraph programs are written in: typing_extensions state schemas, annotated
Commands, the checkpoints and tasks stream modes, and a wrong checkpointer refused."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired

import pytest
from typing_extensions import TypedDict

from branchline import START, CheckpointerTypeError, CheckpointStore, Command, StateGraph


class Notes(TypedDict):
    notes: Annotated[list[str], operator.add]
    topic: NotRequired[str]


class Count(TypedDict):
    x: int


def _counter(store: CheckpointStore | None = None, **options: Any) -> Any:
    builder = StateGraph(Count)
    builder.add_node("a", lambda state: {"x": state["x"] + 1})
    builder.add_edge(START, "a")
    return builder.compile(checkpointer=store, **options)


def test_a_typing_extensions_typeddict_is_a_state_schema() -> None:
    builder = StateGraph(Notes)
    builder.add_node("a", lambda state: {"notes": ["a"], "topic": "cats"})
    builder.add_edge(START, "a")
    assert builder.compile().invoke({"notes": ["start"]}) == {
        "notes": ["start", "a"],
        "topic": "cats",
    }


def test_a_node_annotated_with_the_commands_it_may_return_runs() -> None:
    def a(state: Count) -> Command[Literal["b"]]:
        return Command(goto="b", update={"x": 1})

    builder = StateGraph(Count)
    builder.add_node("a", a)
    builder.add_node("b", lambda state: {"x": state["x"] * 10})
    builder.add_edge(START, "a")
    assert builder.compile().invoke({"x": 0}) == {"x": 10}


def test_compile_refuses_a_checkpointer_that_is_not_a_store() -> None:
    with pytest.raises(TypeError) as refused:
        _counter(object())  # type: ignore[arg-type]
    assert isinstance(refused.value, CheckpointerTypeError)
    said = str(refused.value)  # LangGraph's first sentence, then what to pass
    assert said.startswith("Invalid checkpointer provided: expected a CheckpointStore or None, ")
    assert "got object <object object at" in said and "CheckpointStore.sqlite(" in said


def test_stream_checkpoints_yields_each_checkpoint_as_it_is_saved(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = _counter(store, interrupt_after=["a"])
    chunks = list(graph.stream({"x": 0}, config, stream_mode="checkpoints"))
    # As LangGraph 1.2.22 streams it, the pause after "a" included.
    assert [(c["metadata"]["source"], c["values"], c["next"]) for c in chunks] == [
        ("input", {}, ["__start__"]),
        ("loop", {"x": 0}, ["a"]),
        ("loop", {"x": 1}, []),
    ]
    history = [s.config for s in graph.get_state_history(config)]
    assert [c["config"] for c in chunks] == history[::-1]
    assert chunks[1]["parent_config"] == chunks[0]["config"]
    assert [t["name"] for t in chunks[1]["tasks"]] == ["a"]


def test_stream_tasks_yields_each_task_as_it_starts_and_finishes(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    started, finished = _counter(store).stream({"x": 0}, config, stream_mode="tasks")
    assert (started["name"], started["input"], started["triggers"]) == (
        "a",
        {"x": 0},
        ("branch:to:a",),
    )
    assert finished == {
        "id": started["id"],
        "name": "a",
        "error": None,
        "result": {"x": 1},
        "interrupts": [],
    }


def test_each_checkpoint_and_task_comes_before_its_debug_event(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    modes = ["checkpoints", "tasks", "debug"]
    chunks = list(_counter(store).stream({"x": 0}, config, stream_mode=modes))
    assert [mode for mode, _ in chunks] == ["checkpoints", "debug"] * 2 + ["tasks", "debug"] * 2 + [
        "checkpoints",
        "debug",
    ]
    pairs = zip(chunks[::2], chunks[1::2], strict=True)
    assert all(debug["payload"] is own for (_, own), (_, debug) in pairs)


def _chain(**options: Any) -> Any:
    builder = StateGraph(Notes)
    builder.add_node("a", lambda state: {"notes": ["a"]})
    builder.add_node("b", lambda state: {"notes": ["b"]})
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    return builder.compile(**options)


def test_debug_prints_each_steps_updates_and_values(capsys: pytest.CaptureFixture[str]) -> None:
    # As LangGraph 1.2.22 prints them (with bold labels on a terminal).
    graph = _chain()
    assert graph.invoke({"notes": ["in"]}, debug=True) == {"notes": ["in", "a", "b"]}
    assert capsys.readouterr().out.splitlines() == [
        "[values] {'notes': ['in']}",
        "[updates] {'a': {'notes': ['a']}}",
        "[values] {'notes': ['in', 'a']}",
        "[updates] {'b': {'notes': ['b']}}",
        "[values] {'notes': ['in', 'a', 'b']}",
    ]
    assert list(graph.stream({"notes": []}, stream_mode="updates")) == [
        {"a": {"notes": ["a"]}},
        {"b": {"notes": ["b"]}},
    ]
    assert capsys.readouterr().out == ""  # debug is per call unless compiled with it
    chatty = _chain(debug=True)
    assert list(chatty.stream({"notes": []}, stream_mode="updates")) == [
        {"a": {"notes": ["a"]}},
        {"b": {"notes": ["b"]}},
    ]
    assert "[values] {'notes': ['a', 'b']}" in capsys.readouterr().out
    chatty.invoke({"notes": []}, debug=False)
    assert capsys.readouterr().out == ""
