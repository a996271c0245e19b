"""add_node(..., defer=True): the node runs only when nothing else is left to run, as
LangGraph 1.2.22's deferred nodes (checked by running both)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    InvalidUpdateError,
    Send,
    StateGraph,
    interrupt,
)


class State(TypedDict):
    log: Annotated[list[str], operator.add]


def logs(name: str) -> Callable[[State], dict[str, Any]]:
    def node(state: State) -> dict[str, Any]:
        return {"log": [name]}

    return node


def branches(store: CheckpointStore | None = None, **compile: Any) -> Any:
    """START -> a -> join and START -> b1 -> b2 -> join; join deferred."""
    builder = StateGraph(State)
    for name in ("a", "b1", "b2"):
        builder.add_node(name, logs(name))
    builder.add_node("join", logs("join"), defer=True)
    builder.add_edge(START, "a").add_edge(START, "b1").add_edge("b1", "b2")
    builder.add_edge("a", "join").add_edge("b2", "join")
    return builder.compile(checkpointer=store, **compile)


def steps(graph: Any, config: dict[str, Any]) -> list[tuple[int, tuple[str, ...]]]:
    return [(s.metadata["step"], s.next) for s in graph.get_state_history(config)][::-1]


def test_a_deferred_join_waits_for_the_longest_branch(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph gives the same log and the same steps.
    graph = branches(store)

    assert graph.invoke({"log": []}, config) == {"log": ["a", "b1", "b2", "join"]}
    assert steps(graph, config) == [
        (-1, ("__start__",)),
        (0, ("a", "b1")),
        (1, ("b2",)),
        (2, ("join",)),
        (3, ()),
    ]


def test_without_defer_the_join_node_runs_once_per_branch_arrival() -> None:
    builder = StateGraph(State)
    for name in ("a", "b1", "b2", "join"):
        builder.add_node(name, logs(name))
    builder.add_edge(START, "a").add_edge(START, "b1").add_edge("b1", "b2")
    builder.add_edge("a", "join").add_edge("b2", "join")

    assert builder.compile().invoke({"log": []}) == {"log": ["a", "b1", "b2", "join", "join"]}


def test_a_deferred_end_of_a_join_waits_for_the_other_nodes() -> None:
    # LangGraph gives the same: the join of a and b1 runs after b2 and d.
    builder = StateGraph(State)
    for name in ("a", "b1", "b2", "d"):
        builder.add_node(name, logs(name))
    builder.add_node("c", logs("c"), defer=True)
    builder.add_edge(START, "a").add_edge(START, "b1").add_edge("b1", "b2").add_edge("b2", "d")
    builder.add_edge(["a", "b1"], "c")

    assert builder.compile().invoke({"log": []}) == {"log": ["a", "b1", "b2", "d", "c"]}


def test_send_tasks_do_not_hold_a_deferred_node_back() -> None:
    # LangGraph gives the same: c runs in the step of the Send tasks.
    def fan_out(state: State) -> list[Send]:
        return [Send("w", {"log": []}) for _ in range(2)]

    builder = StateGraph(State)
    builder.add_node("a", logs("a")).add_node("w", logs("w")).add_node("z", logs("z"))
    builder.add_node("c", logs("c"), defer=True)
    builder.add_edge(START, "a").add_conditional_edges("a", fan_out)
    builder.add_edge("a", "c").add_edge("w", "z")

    assert builder.compile().invoke({"log": []}) == {"log": ["a", "c", "w", "w", "z"]}


def test_a_deferred_node_reached_by_a_branch_and_by_goto_waits_too() -> None:
    # LangGraph gives the same: c after b's loop ends, once.
    def go(state: State) -> Command[Any]:
        return Command(goto=["b", "c"])

    def again(state: State) -> str:
        return "b" if state["log"].count("b") < 3 else "__end__"

    builder = StateGraph(State)
    builder.add_node("a", go).add_node("b", logs("b")).add_node("c", logs("c"), defer=True)
    builder.add_edge(START, "a").add_conditional_edges("b", again)
    builder.add_conditional_edges("a", lambda state: ["c"])

    assert builder.compile().invoke({"log": []}) == {"log": ["b", "b", "b", "c"]}


def test_a_held_deferred_node_survives_a_pause_and_a_new_process(tmp_path: Path) -> None:
    # LangGraph gives the same: paused before b2, then b2 and join.
    config = {"configurable": {"thread_id": "t1"}}
    with CheckpointStore.sqlite(tmp_path / "threads.db") as store:
        graph = branches(store, interrupt_before=["b2"])
        graph.invoke({"log": []}, config)
        assert graph.get_state(config).next == ("b2",)

    with CheckpointStore.sqlite(tmp_path / "threads.db") as store:
        graph = branches(store, interrupt_before=["b2"])
        assert graph.invoke(None, config) == {"log": ["a", "b1", "b2", "join"]}


def test_an_update_as_the_last_node_lets_the_held_node_run(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph gives the same: next is ("join",) after the update.
    graph = branches(store, interrupt_before=["b2"])
    graph.invoke({"log": []}, config)

    graph.update_state(config, {"log": ["edited"]}, as_node="b2")

    assert graph.get_state(config).next == ("join",)
    assert graph.invoke(None, config) == {"log": ["a", "b1", "edited", "join"]}


def test_a_deferred_node_waits_for_a_branch_paused_on_a_question(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph gives the same: join after the answered branch.
    def asks(state: State) -> dict[str, Any]:
        return {"log": [interrupt("which?")]}

    builder = StateGraph(State)
    builder.add_node("a", logs("a")).add_node("b", asks)
    builder.add_node("join", logs("join"), defer=True)
    builder.add_edge(START, "a").add_edge(START, "b").add_edge("a", "join").add_edge("b", "join")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"log": []}, config)

    assert graph.invoke(Command(resume="this"), config) == {"log": ["a", "this", "join"]}


def test_a_due_deferred_node_stays_due_through_edits_and_runs_beside_what_they_schedule() -> None:
    # LangGraph 1.2.22: next stays ('d',) after edits made as 'z' and as 'd', becomes
    # ('a', 'd') after one made as '__start__', and invoke(None) runs a and d together.
    class Log(TypedDict, total=False):
        log: Annotated[list[str], operator.add]

    builder = StateGraph(Log)
    builder.add_node("a", lambda s: {"log": ["a"]})
    builder.add_node("d", lambda s: {"log": ["d"]}, defer=True)
    builder.add_node("z", lambda s: {"log": ["z"]})
    builder.add_edge(START, "a").add_edge("a", "d").add_edge("d", END)
    graph = builder.compile(checkpointer=CheckpointStore.in_memory(), interrupt_before=["d"])
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"log": ["in"]}, config)
    for as_node, after in (("z", ("d",)), ("d", ("d",)), ("__start__", ("a", "d"))):
        graph.update_state(config, {"log": [f"as {as_node}"]}, as_node=as_node)
        assert graph.get_state(config).next == after
    done = graph.invoke(None, config)["log"]
    assert done == ["in", "a", "as z", "as d", "as __start__", "a", "d"]


class Trail(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def _trail(name: str) -> Callable[[Trail], dict[str, list[str]]]:
    return lambda s: {"log": [name]}


def test_an_edit_whose_routes_schedule_a_due_deferred_node_holds_it_again() -> None:
    # LangGraph 1.2.22: n3 (deferred) asked its question; an edit made as n1, which
    # routes to n2 and n3, leaves next ('n2',): n3 waits for n2 again.
    builder = StateGraph(Trail).add_node("n1", _trail("n1"))
    builder.add_node("n2", _trail("n2"))
    builder.add_node("n3", lambda s: {"log": [interrupt("n3?")]}, defer=True)
    builder.add_edge(START, "n1").add_edge("n1", "n3").add_edge("n1", "n2").add_edge("n3", END)
    graph = builder.compile(checkpointer=CheckpointStore.in_memory())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"log": []}, config)
    assert graph.get_state(config).next == ("n3",)
    graph.update_state(config, {"log": ["edit"]}, as_node="n1")
    assert graph.get_state(config).next == ("n2",)


def test_a_deferred_join_end_also_scheduled_by_an_edge_is_an_ambiguous_last_run() -> None:
    # LangGraph 1.2.22: after n4 ran (held since its join and n3's edge scheduled it at
    # once), an update without as_node raises "Ambiguous update, specify as_node".
    builder = StateGraph(Trail)
    for name in ("n0", "n2", "n3"):
        builder.add_node(name, _trail(name))
    builder.add_node("n4", _trail("n4"), defer=True)
    builder.add_edge(START, "n0").add_edge("n0", "n3").add_edge("n0", "n2")
    builder.add_edge("n2", "n3").add_edge("n3", "n4").add_edge(["n2", "n3"], "n4")
    graph = builder.compile(checkpointer=CheckpointStore.in_memory())
    config = {"configurable": {"thread_id": "t"}}
    assert graph.invoke({"log": []}, config)["log"][-1] == "n4"
    with pytest.raises(InvalidUpdateError, match="Ambiguous update"):
        graph.update_state(config, {"log": ["edit"]})


def test_an_update_as_a_node_whose_join_is_due_releases_the_held_node_beside_it() -> None:
    # LangGraph's: an update made as n4 writes nothing that triggers a node, so the held
    # deferred n3 is released, and n4 (its join complete, the update not consuming it)
    # stays due: both run, then n4 again after n3.
    builder = StateGraph(State)
    for name in ("n0", "n2", "n4"):
        builder.add_node(name, logs(name))
    builder.add_node("n3", logs("n3"), defer=True)
    builder.add_edge(START, "n0")
    builder.add_edge("n2", "n3")
    builder.add_edge("n3", "n4")
    builder.add_edge("n4", END)
    builder.add_edge(["n0", "n2"], "n4")
    graph = builder.compile(checkpointer=CheckpointStore.in_memory())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"log": ["start"]}, config)
    graph.update_state(config, {"log": []}, as_node="n2")
    assert graph.get_state(config).next == ("n4",)  # n3 held
    graph.update_state(config, None, as_node="n4")
    assert graph.get_state(config).next == ("n4", "n3")
    assert graph.invoke(None, config) == {"log": ["start", "n0", "n3", "n4", "n4"]}
