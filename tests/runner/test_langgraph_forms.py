"""Forms LangGraph programs are written in: typing_extensions state schemas, annotated
Commands, the checkpoints and tasks stream modes, and a wrong checkpointer refused."""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired

import pytest
from pydantic import BaseModel, ValidationError
from typing_extensions import TypedDict

from branchline import (
    START,
    CheckpointerTypeError,
    CheckpointStore,
    Command,
    GraphValidationError,
    InvalidUpdateError,
    StateGraph,
    interrupt,
)


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


class Joined(TypedDict):
    text: Annotated[str, lambda a, b: ", ".join(x for x in (a, b) if x)]
    count: int


def test_add_sequence_chains_nodes_in_order() -> None:
    def first(state: Notes) -> dict[str, Any]:
        return {"notes": ["first"]}

    builder = StateGraph(Notes).add_sequence([first, ("second", lambda s: {"notes": ["2nd"]})])
    graph = builder.add_edge(START, "first").compile()
    assert graph.invoke({"notes": []}) == {"notes": ["first", "2nd"]}
    with pytest.raises(GraphValidationError, match="at least one node"):
        StateGraph(Notes).add_sequence([])
    with pytest.raises(GraphValidationError, match="'first' is added twice"):
        StateGraph(Notes).add_sequence([first, first])


def test_a_node_may_return_several_updates_applied_in_order(store: CheckpointStore) -> None:
    # As LangGraph 1.2.22: a list with Commands (and dicts), or Command(update=[pairs]);
    # a key written twice shows each write, in the stream and in the task's result.
    def one(state: Joined) -> Any:
        return [Command(update=[("text", "one.0"), ("text", "one.1")]), {"count": 1}]

    def two(state: Joined) -> Any:
        return [Command(update={"text": "two"}, goto="three")]

    builder = StateGraph(Joined).add_sequence([one, two])
    builder.add_node("three", lambda s: {"count": s["count"] + 1}).add_edge(START, "one")
    graph = builder.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    chunks = list(
        graph.stream({"text": "in", "count": 0}, config, stream_mode=["updates", "tasks"])
    )
    assert [(m, c) for m, c in chunks if m == "updates"] == [
        ("updates", {"one": [{"text": "one.0"}, {"text": "one.1"}, {"count": 1}]}),
        ("updates", {"two": {"text": "two"}}),
        ("updates", {"three": {"count": 2}}),
    ]
    first_result = next(c for m, c in chunks if m == "tasks" and "result" in c)
    assert first_result["result"] == {"text": {"$writes": ["one.0", "one.1"]}, "count": 1}
    # A task's update comes before its result, as LangGraph streams them.
    assert [mode for mode, _ in chunks[:3]] == ["tasks", "updates", "tasks"]
    assert graph.get_state(config).values == {"text": "in, one.0, one.1, two", "count": 2}
    history = list(graph.get_state_history(config))
    assert [(t.name, t.result) for t in history[-2].tasks] == [
        ("one", {"text": {"$writes": ["one.0", "one.1"]}, "count": 1})
    ]


def test_several_updates_keep_the_one_value_per_step_rule() -> None:
    builder = StateGraph(Joined).add_node(
        "a", lambda s: [Command(update={"count": 1}), {"count": 2}]
    )
    graph = builder.add_edge(START, "a").compile()
    with pytest.raises(InvalidUpdateError, match="At key 'count': can receive only one value"):
        graph.invoke({"text": "", "count": 0})
    plain = StateGraph(Joined).add_node("a", lambda s: [{"count": 1}]).add_edge(START, "a")
    with pytest.raises(InvalidUpdateError, match=r"returned list .* a list of Commands"):
        plain.compile().invoke({"text": "", "count": 0})  # as LangGraph: a Command in it


class Asked(TypedDict):
    q: str
    a: str
    log: Annotated[list[int], operator.add]


class AskedIn(TypedDict):
    q: str


class AskedOut(TypedDict):
    a: str


class ModelIn(BaseModel):
    q: str


class ModelState(BaseModel):
    q: str
    a: str = ""


def test_input_and_output_schemas_narrow_what_a_call_takes_and_invoke_returns(
    store: CheckpointStore,
) -> None:
    # As LangGraph 1.2.22 answers each of these calls.
    builder = StateGraph(Asked, input_schema=AskedIn, output_schema=AskedOut)
    builder.add_node("n", lambda s: {"a": s["q"] + "!", "log": [1]}).add_edge(START, "n")
    graph = builder.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    assert graph.invoke({"q": "x", "a": "not input", "log": [9]}, config) == {"a": "x!"}
    assert graph.get_state(config).values == {"q": "x", "a": "x!", "log": [1]}
    assert list(graph.stream({"q": "y"}, config, stream_mode="values"))[-1] == {
        "q": "y",
        "a": "y!",
        "log": [1, 1],
    }
    silent = StateGraph(Asked, output_schema=AskedOut)
    silent.add_node("n", lambda s: {"log": [1]}).add_edge(START, "n")
    assert silent.compile().invoke({"q": "x"}) is None  # no output key has a value


def test_a_pydantic_input_schema_validates_the_input() -> None:
    builder = StateGraph(ModelState, input_schema=ModelIn, output_schema=AskedOut)
    builder.add_node("n", lambda s: {"a": s.q + "!"}).add_edge(START, "n")
    graph = builder.compile()
    assert graph.invoke({"q": "x"}) == {"a": "x!"}
    assert graph.invoke(ModelIn(q="m")) == {"a": "m!"}
    with pytest.raises(ValidationError, match="q"):  # pydantic's own error, as LangGraph
        graph.invoke({"q": {}})


def test_a_state_that_is_one_value(store: CheckpointStore) -> None:
    # StateGraph(Annotated[list[str], operator.add]): LangGraph's root channel. Nodes
    # read and return the value itself; every view shows it as it is (LangGraph 1.2.22).
    builder = StateGraph(Annotated[list[str], operator.add])
    builder.add_node("a", lambda s: ["a"]).add_node("b", lambda s: [f"b{len(s)}"])
    graph = builder.add_edge(START, "a").add_edge("a", "b").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    assert graph.invoke(["x"], config) == ["x", "a", "b2"]
    assert list(
        graph.stream(["y"], {"configurable": {"thread_id": "u"}}, stream_mode=["values", "updates"])
    ) == [
        ("values", ["y"]),
        ("updates", {"a": ["a"]}),
        ("values", ["y", "a"]),
        ("updates", {"b": ["b2"]}),
        ("values", ["y", "a", "b2"]),
    ]
    history = [
        (s.values, s.next, [(t.name, t.result) for t in s.tasks])
        for s in graph.get_state_history(config)
    ]
    assert history == [
        (["x", "a", "b2"], (), []),
        (["x", "a"], ("b",), [("b", ["b2"])]),
        (["x"], ("a",), [("a", ["a"])]),
        ([], ("__start__",), [("__start__", ["x"])]),
    ]
    graph.update_state(config, ["edit"], as_node="a")
    assert graph.get_state(config).values == ["x", "a", "b2", "edit"]


def test_a_one_value_state_pauses_and_resumes(store: CheckpointStore) -> None:
    builder = StateGraph(Annotated[str, operator.add])
    builder.add_node("a", lambda s: "A" + interrupt("q?")).add_edge(START, "a")
    graph = builder.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    paused = graph.invoke("s", config)
    assert list(paused) == ["__interrupt__"] and paused["__interrupt__"][0].value == "q?"
    assert graph.invoke(Command(resume="R"), config) == "sAR"
    several = StateGraph(Annotated[str, operator.add])
    several.add_sequence([("one", lambda s: [Command(update="a1"), Command(update="a2")])])
    assert list(several.add_edge(START, "one").compile().stream("", stream_mode="updates")) == [
        {"one": ["a1", "a2"]}
    ]
    assert (
        StateGraph(int).add_node("inc", lambda s: s + 1).add_edge(START, "inc").compile().invoke(1)
        == 2
    )


class Operands(TypedDict):
    a: int
    b: int


class Sum(TypedDict):
    result: int


def test_a_key_only_the_output_schema_has_is_the_graphs_but_not_its_nodes() -> None:
    # LangGraph 1.2.22: {'result': 5}; the state holds it; nodes see only a and b.
    seen: list[list[str]] = []

    def add(state: Operands) -> dict[str, int]:
        seen.append(sorted(state))
        return {"result": state["a"] + state["b"]}

    builder = StateGraph(Operands, output_schema=Sum).add_node(add).add_node("then", add)
    graph = (
        builder.add_edge(START, "add")
        .add_edge("add", "then")
        .compile(checkpointer=CheckpointStore.in_memory())
    )
    config = {"configurable": {"thread_id": "t"}}
    assert graph.invoke({"a": 2, "b": 3}, config) == {"result": 5}
    assert graph.get_state(config).values == {"a": 2, "b": 3, "result": 5}
    assert seen == [["a", "b"], ["a", "b"]]
