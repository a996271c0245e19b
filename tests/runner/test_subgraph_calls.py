"""A graph invoked inside a node function runs as part of that task, and what a parent
shows of its subgraphs' runs. Expected values are LangGraph 1.2.22's for the same graphs."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    START,
    CheckpointStore,
    Command,
    InvalidConfigError,
    InvalidUpdateError,
    StateGraph,
    interrupt,
    open_views,
)


class Log(TypedDict):
    x: Annotated[list[str], operator.add]


def _asking_graph(runs: list[str]) -> Any:
    """``prep`` then ``ask`` (a question); compiled without a store."""

    def prep(state: Log) -> dict[str, Any]:
        runs.append("prep")
        return {"x": ["p"]}

    def ask(state: Log) -> dict[str, Any]:
        runs.append("ask")
        return {"x": [interrupt("q?")]}

    inner = StateGraph(Log).add_node("prep", prep).add_node("ask", ask)
    return inner.add_edge(START, "prep").add_edge("prep", "ask").compile()


def _calling_twice(store: CheckpointStore, runs: list[str]) -> Any:
    sub = _asking_graph(runs)

    def call(state: Log) -> dict[str, Any]:
        first, second = sub.invoke({"x": []}), sub.invoke({"x": []})
        return {"x": first["x"] + second["x"]}

    return StateGraph(Log).add_node("call", call).add_edge(START, "call").compile(store)


def test_a_graph_invoked_in_a_node_resumes_where_it_paused(store: CheckpointStore) -> None:
    runs: list[str] = []
    graph, config = _calling_twice(store, runs), {"configurable": {"thread_id": "t"}}

    first = graph.invoke({"x": []}, config)["__interrupt__"]
    after_first = list(runs)
    second = graph.invoke(Command(resume="A"), config)["__interrupt__"]
    after_second = list(runs)
    done = graph.invoke(Command(resume="B"), config)

    assert after_first == ["prep", "ask"]
    # The first call resumes at `ask`; the second runs afresh, in a history of its own.
    assert after_second == ["prep", "ask", "ask", "prep", "ask"]
    assert first[0].id != second[0].id
    assert done == {"x": ["p", "A", "p", "B"]}
    assert runs == [*after_second, "ask"]  # the finished first call does not run again


def test_a_node_invoking_a_graph_shows_its_run_as_the_tasks_state(store: CheckpointStore) -> None:
    graph, config = _calling_twice(store, []), {"configurable": {"thread_id": "t"}}
    graph.invoke({"x": []}, config)

    task = graph.get_state(config).tasks[0]
    inner = graph.get_state(config, subgraphs=True).tasks[0].state
    listed = [t.state for s in graph.get_state_history(config) for t in s.tasks]

    namespace = task.state["configurable"]["checkpoint_ns"]
    assert namespace == f"call:{task.id}"
    assert (inner.values, inner.next) == ({"x": ["p"]}, ("ask",))
    assert inner.config["configurable"]["checkpoint_ns"] == namespace
    assert [s.next for s in graph.get_state_history(inner.config)] == [("ask",)]
    assert listed == [task.state, None]  # the __start__ task runs no graph


def test_subgraph_checkpoints_record_the_parent_checkpoint_they_ran_from(
    store: CheckpointStore,
) -> None:
    sub = _asking_graph([])
    graph = StateGraph(Log).add_node("sub", sub).add_edge(START, "sub").compile(store)
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"x": []}, config)

    parent = graph.get_state(config)
    subgraph = parent.tasks[0].state  # its thread and namespace: every checkpoint of it
    history = list(graph.get_state_history(subgraph))

    ran_from = parent.config["configurable"]["checkpoint_id"]
    assert parent.metadata["parents"] == {}
    assert subgraph == {
        "configurable": {"thread_id": "t", "checkpoint_ns": f"sub:{parent.tasks[0].id}"}
    }
    assert [s.metadata["step"] for s in history] == [1, 0, -1]
    assert {s.metadata["parents"][""] for s in history} == {ran_from}


def test_the_views_show_a_subgraphs_question_under_the_parent_with_its_path(
    store: CheckpointStore,
) -> None:
    def outer(inner: Any) -> Any:
        return StateGraph(Log).add_node("mid", inner).add_edge(START, "mid").compile()

    graph = StateGraph(Log).add_node("top", outer(_asking_graph([]))).add_edge(START, "top")
    graph = graph.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t", "actor": "dana"}}
    asked = graph.invoke({"x": []}, config)["__interrupt__"][0]

    views = open_views(store)
    [pending] = views.pending_interrupts()
    roots = [row.thread_id for row in views.list_threads()]
    children = views.list_threads(subgraphs_of="t")
    graph.invoke(Command(resume="yes"), config)
    decisions = views.decisions()

    path = [segment.partition(":")[0] for segment in pending.namespace.split("|")]
    assert (pending.thread_id, pending.node, pending.interrupt_id) == ("t", "top", asked.id)
    assert path == ["top", "mid", "ask"]
    assert roots == ["t"]
    assert [(c.parent_thread, c.namespace.partition(":")[0]) for c in children] == [("t", "top")]
    assert [(d.thread_id, d.actor, d.kind, d.namespace) for d in decisions] == [
        ("t", "dana", "resume", pending.namespace)
    ]


def test_a_node_inside_a_subgraph_sees_the_root_thread_and_its_place(
    store: CheckpointStore,
) -> None:
    seen: list[dict[str, Any]] = []

    def look(state: Log, config: dict[str, Any]) -> dict[str, Any]:
        seen.append(dict(config["configurable"]))
        return {"x": ["looked"]}

    inner = StateGraph(Log).add_node("look", look).add_edge(START, "look").compile()
    graph = StateGraph(Log).add_node("sub", inner).add_node("top", look)
    graph = graph.add_edge(START, "sub").add_edge("sub", "top").compile(checkpointer=store)
    graph.invoke({"x": []}, {"configurable": {"thread_id": "t", "user": "u1"}})
    history = list(graph.get_state_history({"configurable": {"thread_id": "t"}}))

    in_sub, at_top = seen
    ran_sub = next(s for s in history if s.next == ("sub",))
    ran_top = next(s for s in history if s.next == ("top",))
    sub_ns, look_ns = in_sub["checkpoint_ns"].split("|")
    assert (in_sub["thread_id"], at_top["thread_id"]) == ("t", "t")
    assert (in_sub["user"], in_sub["checkpoint_id"]) == ("u1", None)
    assert sub_ns == f"sub:{ran_sub.tasks[0].id}"
    assert look_ns.startswith("look:")
    assert in_sub["checkpoint_map"][""] == ran_sub.config["configurable"]["checkpoint_id"]
    assert set(in_sub["checkpoint_map"]) == {"", sub_ns}
    assert at_top["checkpoint_ns"] == f"top:{ran_top.tasks[0].id}"
    assert at_top["checkpoint_map"] == {"": ran_top.config["configurable"]["checkpoint_id"]}


def test_a_subgraph_two_levels_down_is_addressed_from_the_root(store: CheckpointStore) -> None:
    runs: list[str] = []
    middle = StateGraph(Log).add_node("inner", _asking_graph(runs)).add_edge(START, "inner")
    graph = StateGraph(Log).add_node("outer", middle.compile()).add_edge(START, "outer")
    graph = graph.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"x": []}, config)

    middle_state = graph.get_state(config, subgraphs=True).tasks[0].state
    inner_state = middle_state.tasks[0].state
    addressed = graph.get_state(inner_state.config)

    outer_ns, inner_ns = inner_state.config["configurable"]["checkpoint_ns"].split("|")
    assert inner_state.config["configurable"]["thread_id"] == "t"
    assert outer_ns == middle_state.config["configurable"]["checkpoint_ns"]
    assert inner_ns.startswith("inner:")
    assert (addressed.values, addressed.next) == ({"x": ["p"]}, ("ask",))
    assert addressed.config == inner_state.config


class Notes(TypedDict):
    x: Annotated[list[str], operator.add]
    note: str  # a key only the subgraphs have


def _noting(label: str) -> Any:
    work = StateGraph(Notes).add_node("work", lambda s: {"x": [label], "note": label})
    return work.add_edge(START, "work").compile()


def test_get_subgraphs_lists_them_by_whole_namespace_segments() -> None:
    research = StateGraph(Notes).add_node("review", _noting("inner")).add_edge(START, "review")
    research = research.compile()
    named = {"research_review": _noting("rr"), "review": _noting("r")}
    parent = StateGraph(Notes).add_node("research", research)
    for name, graph in named.items():
        parent = parent.add_node(name, graph)
    parent = parent.add_edge(START, "research").compile()

    listed = [name for name, _ in parent.get_subgraphs()]
    every = [name for name, _ in parent.get_subgraphs(recurse=True)]
    [(name, found)] = parent.get_subgraphs(namespace="research|review", recurse=True)

    assert listed == ["research", "research_review", "review"]
    assert every == ["research", "research|review", "research_review", "review"]
    assert name == "research|review"
    assert found is research.get_subgraphs().__next__()[1]
    assert [n for n, _ in parent.get_subgraphs(namespace="research")] == ["research"]


def test_a_graph_a_node_invokes_unseen_is_read_with_the_parents_schema(
    store: CheckpointStore,
) -> None:
    agents = {"notes": _noting("researched")}  # a lookup: the node names no graph

    def tools(state: Log) -> dict[str, Any]:
        agents["notes"].invoke({"x": ["go"]})
        return {"x": ["tool done"]}

    parent = StateGraph(Log).add_node("tools", tools).add_edge(START, "tools").compile(store)
    config = {"configurable": {"thread_id": "t"}}
    parent.invoke({"x": []}, config)
    task = next(s for s in parent.get_state_history(config) if s.next == ("tools",)).tasks[0]
    address = {"configurable": {"thread_id": "t", "checkpoint_ns": f"tools:{task.id}"}}

    state = parent.get_state(address)
    history = list(parent.get_state_history(address))

    assert state.values == {"x": ["go", "researched"]}  # its own `note` is not the parent's
    assert [s.metadata["step"] for s in history] == [1, 0, -1]
    assert {s.config["configurable"]["checkpoint_ns"] for s in history} == {f"tools:{task.id}"}
    with pytest.raises(InvalidConfigError, match="Subgraph tools not found"):
        parent.update_state(address, {"x": ["edit"]})


def test_an_unknown_subgraph_down_the_path_is_named_whole(store: CheckpointStore) -> None:
    research = StateGraph(Notes).add_node("review", lambda s: {}).add_edge(START, "review")
    parent = StateGraph(Notes).add_node("research", research.compile())
    parent = parent.add_node("review", _noting("r")).add_edge(START, "research").compile(store)
    address = {"configurable": {"thread_id": "t", "checkpoint_ns": "research:a|review:b"}}

    with pytest.raises(InvalidConfigError, match=r"Subgraph research\|review not found"):
        parent.update_state(address, {"note": "edit"})

    assert store.load("t") is None


def test_a_breakpoint_two_subgraphs_down_pauses_the_stream_once_at_the_root(
    store: CheckpointStore,
) -> None:
    inner = StateGraph(Log).add_node("g1", lambda s: {"x": ["g1"]}).add_node("g2", lambda s: {})
    inner = inner.add_edge(START, "g1").add_edge("g1", "g2").compile(interrupt_before=["g2"])
    middle = StateGraph(Log).add_node("c1", inner).add_edge(START, "c1").compile()
    graph = StateGraph(Log).add_node("child", middle).add_edge(START, "child").compile(store)

    updates = list(graph.stream({"x": []}, {"configurable": {"thread_id": "u"}}, subgraphs=True))
    values = list(
        graph.stream({"x": []}, {"configurable": {"thread_id": "v"}}, stream_mode="values")
    )

    # As LangGraph 1.2.22: the inner node's update under its namespace, one pause at the root.
    assert [(len(ns), chunk) for ns, chunk in updates] == [
        (2, {"g1": {"x": ["g1"]}}),
        (0, {"__interrupt__": ()}),
    ]
    assert values == [{"x": []}]  # no finished task: the values are not shown again


@pytest.mark.parametrize("durability", ["sync", "exit"])
def test_a_kept_subgraph_run_twice_in_one_run_goes_on_from_its_first_run(
    store: CheckpointStore, durability: str
) -> None:
    class Text(TypedDict):
        text: Annotated[str, operator.add]

    seen: list[str] = []

    def first(state: Text) -> dict[str, Any]:
        seen.append(state["text"])
        return {"text": " here"}

    inner = StateGraph(Text).add_node("first", first).add_edge(START, "first")
    graph = StateGraph(Text).add_node("inner", inner.compile(checkpointer=True))
    graph = graph.add_edge(START, "inner").add_conditional_edges(
        "inner", lambda s: "inner" if s["text"].count("here") < 2 else "__end__"
    )
    graph = graph.compile(checkpointer=store)

    done = graph.invoke({"text": ""}, {"configurable": {"thread_id": "t"}}, durability=durability)

    # As LangGraph: the second call adds the parent's text to the state the first left.
    assert seen == ["", " here here"]
    assert done == {"text": " here here here here"}


def test_an_edit_of_a_subgraph_that_has_not_run_is_refused_and_writes_nothing(
    store: CheckpointStore,
) -> None:
    graph = StateGraph(Log).add_node("pre", lambda s: {"x": ["pre"]})
    graph = graph.add_node("sub", _asking_graph([])).add_edge(START, "pre").add_edge("pre", "sub")
    graph = graph.compile(checkpointer=store, interrupt_before=["sub"])
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"x": []}, config)
    waiting = graph.get_state(config).tasks[0].state  # the subgraph's place; it has not run
    before = list(store.events("t"))

    with pytest.raises(InvalidUpdateError, match="has not run yet") as refused:
        graph.update_state(waiting, {"x": ["edit"]})

    assert waiting["configurable"]["checkpoint_ns"] in str(refused.value)
    assert list(store.events("t")) == before
    assert store.load(f"t:{waiting['configurable']['checkpoint_ns']}") is None


def test_a_subgraphs_questions_asked_at_once_all_show_in_the_parents_history(
    store: CheckpointStore,
) -> None:
    def asking(name: str) -> Any:
        return lambda state: {"x": [f"{name}=" + interrupt(f"{name}?")]}

    inner = StateGraph(Log).add_node("b", asking("b")).add_node("c", asking("c"))
    inner = inner.add_edge(START, "b").add_edge(START, "c").compile()
    graph = StateGraph(Log).add_node("sub", inner).add_edge(START, "sub").compile(store)
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"x": []}, config)

    [paused, *_] = graph.get_state_history(config)

    # As LangGraph: both questions of the subgraph's run, as get_state shows them.
    assert [i.value for i in paused.interrupts] == ["b?", "c?"]
    assert [i.value for i in paused.tasks[0].interrupts] == ["b?", "c?"]
    assert paused.interrupts == graph.get_state(config).interrupts
