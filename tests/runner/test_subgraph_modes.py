"""A subgraph's own history (compile(checkpointer=None | True | False)) and the state it
shares with its parent. Expected values are LangGraph 1.2.22's for the same graphs."""

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
    Send,
    StateGraph,
    interrupt,
)


class Parent(TypedDict):
    topic: str
    log: Annotated[list[str], operator.add]


class Child(TypedDict):
    topic: str
    log: Annotated[list[str], operator.add]
    notes: Annotated[list[str], operator.add]  # the parent has no such key
    private: str


class Other(TypedDict):
    x: int


def _noting(mode: bool | None, store: CheckpointStore) -> Any:
    """A parent whose one node is a subgraph that counts the notes it kept."""
    child = StateGraph(Child)
    child.add_node(
        "c1",
        lambda s: {
            "notes": [s["topic"]],
            "log": [f"c1 saw {len(s['notes'])} notes"],
            "private": "p",
        },
    )
    parent = StateGraph(Parent).add_node("child", child.add_edge(START, "c1").compile(mode))
    return parent.add_edge(START, "child").compile(checkpointer=store)


@pytest.mark.parametrize(
    ("mode", "second"),
    [
        # None (the default): a history per call, so each call starts afresh. The
        # subgraph's whole list comes back through the parent's reducer, as in LangGraph.
        (None, ["c1 saw 0 notes"] * 3),
        (True, ["c1 saw 0 notes"] * 3 + ["c1 saw 1 notes"]),  # one history across calls
        (False, ["c1 saw 0 notes"] * 3),  # no history at all
    ],
)
def test_a_subgraphs_history_is_per_call_kept_or_none(
    store: CheckpointStore, mode: bool | None, second: list[str]
) -> None:
    graph = _noting(mode, store)
    config = {"configurable": {"thread_id": "t"}}
    first = graph.invoke({"topic": "a", "log": []}, config)
    assert first == {"topic": "a", "log": ["c1 saw 0 notes"]}  # notes and private stay inside
    assert graph.invoke({"topic": "b", "log": []}, config) == {"topic": "b", "log": second}


def test_a_subgraph_sharing_no_keys_runs_and_writes_nothing() -> None:
    other = StateGraph(Other).add_node("o", lambda s: {"x": 1}).add_edge(START, "o").compile()
    parent = StateGraph(Parent).add_node("child", other).add_edge(START, "child").compile()
    assert parent.invoke({"topic": "a", "log": []}) == {"topic": "a", "log": []}


class Log(TypedDict):
    log: Annotated[list[str], operator.add]


def _asking(mode: bool | None, store: CheckpointStore, calls: list[str]) -> Any:
    def c1(state: Log) -> dict[str, Any]:
        calls.append("c1")
        return {"log": ["c1"]}

    def c2(state: Log) -> dict[str, Any]:
        calls.append("c2")
        return {"log": [f"c2={interrupt('ok?')}"]}

    child = StateGraph(Log).add_node("c1", c1).add_node("c2", c2)
    child.add_edge(START, "c1").add_edge("c1", "c2")
    parent = StateGraph(Log).add_node("child", child.compile(checkpointer=mode))
    return parent.add_edge(START, "child").compile(checkpointer=store)


@pytest.mark.parametrize(
    ("mode", "namespace", "calls_after_resume"),
    [
        (None, "child:", ["c1", "c2", "c2"]),  # the resume re-enters at c2
        (True, "child", ["c1", "c2", "c2"]),
        (False, None, ["c1", "c2", "c1", "c2"]),  # no history: it runs again from c1
    ],
)
def test_a_question_inside_a_subgraph_pauses_the_parent_in_every_mode(
    store: CheckpointStore, mode: bool | None, namespace: str | None, calls_after_resume: list[str]
) -> None:
    calls: list[str] = []
    graph = _asking(mode, store, calls)
    config = {"configurable": {"thread_id": "t"}}
    [asked] = graph.invoke({"log": []}, config)["__interrupt__"]
    assert asked.value == "ok?"
    paused = graph.get_state(config, subgraphs=True)
    assert paused.next == ("child",)
    inner = paused.tasks[0].state
    if namespace is None:
        assert inner is None  # it keeps no state of its own
    else:
        assert inner.config["configurable"]["checkpoint_ns"].startswith(namespace)
        assert (inner.values, inner.next) == ({"log": ["c1"]}, ("c2",))
    assert graph.invoke(Command(resume="yes"), config) == {"log": ["c1", "c2=yes"]}
    assert calls == calls_after_resume


def test_a_subgraph_invoked_inside_a_node_pauses_the_parent(store: CheckpointStore) -> None:
    calls: list[str] = []
    child = _asking(None, store, calls).topology.nodes["child"].func.graph

    def call(state: Log) -> dict[str, Any]:
        calls.append("call")
        return {"log": child.invoke({"log": []})["log"]}

    graph = StateGraph(Log).add_node("call", call).add_edge(START, "call")
    graph = graph.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    assert [i.value for i in graph.invoke({"log": []}, config)["__interrupt__"]] == ["ok?"]
    assert graph.get_state(config).next == ("call",)
    assert graph.invoke(Command(resume="yes"), config) == {"log": ["c1", "c2=yes"]}
    assert calls.count("call") == 2  # the node runs again from its first line, as LangGraph


def test_a_subgraph_compiled_with_checkpointer_true_cannot_run_alone() -> None:
    # LangGraph: RuntimeError("checkpointer=True cannot be used for root graphs.")
    child = StateGraph(Log).add_node("c1", lambda s: {"log": ["c1"]}).add_edge(START, "c1")
    assert child.compile(checkpointer=False).invoke({"log": []}) == {"log": ["c1"]}
    with pytest.raises(InvalidConfigError, match="checkpointer=True is for a subgraph"):
        child.compile(checkpointer=True).invoke({"log": []})


def _leaving() -> Any:
    """A subgraph whose first node routes in its parent, to the parent's "after"."""
    inner = StateGraph(Log).add_node(
        "i", lambda s: Command(graph=Command.PARENT, goto="after", update={"log": ["i"]})
    )
    return inner.add_node("j", lambda s: {"log": ["j"]}).add_edge(START, "i").add_edge("i", "j")


def test_command_parent_routes_in_the_parent_graph(store: CheckpointStore) -> None:
    # LangGraph 1.2.22: the subgraph stops; its node in the parent writes the update and
    # goes to "after" as well as along its own edge.
    parent = StateGraph(Log).add_node("sub", _leaving().compile())
    parent.add_node("after", lambda s: {"log": ["after"]})
    parent.add_node("other", lambda s: {"log": ["other"]})
    graph = parent.add_edge(START, "sub").add_edge("sub", "other").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    assert graph.invoke({"log": []}, config) == {"log": ["i", "after", "other"]}
    ran_sub = list(graph.get_state_history(config))[-2]
    assert [(t.name, t.result) for t in ran_sub.tasks] == [("sub", {"log": ["i"]})]


def test_command_parent_two_levels_down_routes_in_the_middle_graph() -> None:
    middle = StateGraph(Log).add_node("sub", _leaving().compile())
    middle.add_node("after", lambda s: {"log": ["mid-after"]}).add_edge(START, "sub")
    top = StateGraph(Log).add_node("mid", middle.compile())
    top.add_node("after", lambda s: {"log": ["top-after"]}).add_edge(START, "mid")
    assert top.compile().invoke({"log": []}) == {"log": ["i", "mid-after"]}


def test_command_parent_from_a_graph_run_on_its_own_is_a_clear_error() -> None:
    alone = StateGraph(Log).add_node("x", lambda s: Command(graph=Command.PARENT, goto="x"))
    with pytest.raises(InvalidUpdateError, match="no parent to route in"):
        alone.add_edge(START, "x").compile().invoke({"log": []})


def test_stream_with_subgraphs_leads_each_chunk_with_its_namespace(store: CheckpointStore) -> None:
    # LangGraph 1.2.22's items for this graph; a question inside shows under both namespaces.
    calls: list[str] = []
    child = _asking(None, store, calls).topology.nodes["child"].func.graph
    parent = StateGraph(Log).add_node("pre", lambda s: {"log": ["pre"]}).add_node("sub", child)
    graph = parent.add_edge(START, "pre").add_edge("pre", "sub").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    items = list(graph.stream({"log": []}, config, subgraphs=True))
    task = graph.get_state(config).tasks[0].id
    asked = graph.get_state(config).interrupts
    assert items == [
        ((), {"pre": {"log": ["pre"]}}),
        ((f"sub:{task}",), {"c1": {"log": ["c1"]}}),
        ((f"sub:{task}",), {"__interrupt__": asked}),
        ((), {"__interrupt__": asked}),
    ]
    resumed = list(
        graph.stream(Command(resume="y"), config, stream_mode=["updates"], subgraphs=True)
    )
    assert resumed == [
        ((f"sub:{task}",), "updates", {"c2": {"log": ["c2=y"]}}),
        ((), "updates", {"sub": {"log": ["pre", "c1", "c2=y"]}}),
    ]
    first, *_ = graph.stream({"log": []}, {"configurable": {"thread_id": "u"}})
    assert first == {"pre": {"log": ["pre"]}}  # without subgraphs=True: no namespaces


def test_a_subgraph_inside_one_without_history_streams_under_both_namespaces(
    store: CheckpointStore,
) -> None:
    # As LangGraph 1.2.22: ("outer:<task>", "inner:<its task>"), then ("outer:<task>",).
    leaf = StateGraph(Log).add_node("leaf", lambda s: {"log": ["leaf"]}).add_edge(START, "leaf")
    inner = StateGraph(Log).add_node("inner", leaf.compile()).add_edge(START, "inner")
    outer = StateGraph(Log).add_node("outer", inner.compile(checkpointer=False))
    graph = outer.add_edge(START, "outer").compile(checkpointer=store)
    items = list(graph.stream({"log": []}, {"configurable": {"thread_id": "t"}}, subgraphs=True))
    (deep, leaf_chunk), (middle, inner_chunk), (root, outer_chunk) = items
    assert (leaf_chunk, inner_chunk, outer_chunk) == (
        {"leaf": {"log": ["leaf"]}},
        {"inner": {"log": ["leaf"]}},
        {"outer": {"log": ["leaf"]}},
    )
    assert root == () and len(middle) == 1 and middle[0].startswith("outer:")
    assert deep[0] == middle[0] and deep[1].startswith("inner:") and len(deep) == 2


def test_a_step_running_a_kept_subgraph_twice_is_refused_and_writes_nothing(
    store: CheckpointStore,
) -> None:
    # LangGraph runs both Sends on the one thread: an answer to the first question by id
    # leaves the second listed twice (docs/differences.md, "a kept subgraph runs once
    # per step").
    class Review(TypedDict):
        log: Annotated[list[str], operator.add]
        who: str

    ask = StateGraph(Review).add_node("ask", lambda s: {"log": [interrupt(s["who"])]})
    reviewer = ask.add_edge(START, "ask").compile(checkpointer=True)
    builder = StateGraph(Review).add_node("review", reviewer)
    builder.add_conditional_edges(
        START, lambda s: [Send("review", {"who": w, "log": []}) for w in ("ann", "bob")]
    )
    graph = builder.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    with pytest.raises(InvalidUpdateError, match=r"runs node 'review' twice.*checkpointer=None"):
        graph.invoke({"log": []}, config)
    before = [c.config for c in graph.get_state_history(config)]
    state = graph.get_state(config)
    assert (state.next, state.interrupts) == (("review", "review"), ())
    with pytest.raises(InvalidUpdateError):
        graph.invoke(None, config)
    assert [c.config for c in graph.get_state_history(config)] == before


def test_a_question_beside_a_breakpoint_in_a_subgraph_without_history_is_shown(
    store: CheckpointStore,
) -> None:
    # LangGraph 1.2.22: the parent shows the question ("ok?"), not a bare pause.
    held = StateGraph(Log).add_node("held", lambda s: {"log": ["held"]}).add_edge(START, "held")
    off = StateGraph(Log).add_node("wait", held.compile(interrupt_before=["held"]))
    off.add_node("ask", lambda s: {"log": [interrupt("ok?")]})
    off.add_edge(START, "wait").add_edge(START, "ask")
    parent = StateGraph(Log).add_node("off", off.compile(checkpointer=False))
    graph = parent.add_edge(START, "off").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    paused = graph.invoke({"log": []}, config)
    assert [i.value for i in paused["__interrupt__"]] == ["ok?"]
    state = graph.get_state(config)
    assert (state.next, [i.value for i in state.interrupts]) == (("off",), ["ok?"])


def test_a_subgraph_kept_across_calls_inside_one_without_history_keeps_its_history(
    store: CheckpointStore,
) -> None:
    # As LangGraph 1.2.22: it keeps one history (at "off|kept" in the root thread), so
    # later calls go on from its state (its loop ends at once).
    calls: list[str] = []

    def note(s: Log) -> dict[str, Any]:
        calls.append("aa")
        return {"log": ["aa"]}

    loop = StateGraph(Log).add_node("aa", note).add_edge(START, "aa")
    loop.add_conditional_edges("aa", lambda s: "aa" if len(s["log"]) < 6 else "__end__")
    off = StateGraph(Log).add_node("kept", loop.compile(checkpointer=True))
    off.add_node("b", lambda s: {"log": [interrupt("q")]}).add_edge(START, "kept")
    off.add_edge("kept", "b")
    parent = StateGraph(Log).add_node("off", off.compile(checkpointer=False))
    graph = parent.add_edge(START, "off").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    for given, runs in ((["start"], 5), (["in2"], 1), (["in3"], 1)):
        calls.clear()
        assert [i.value for i in graph.invoke({"log": given}, config)["__interrupt__"]] == ["q"]
        assert calls == ["aa"] * runs
    assert store.load("t:off|kept") is not None


def test_an_answer_reaches_a_kept_subgraph_inside_one_without_history(
    store: CheckpointStore,
) -> None:
    # LangGraph runs the kept subgraph anew on the resume and asks again under a new id, so
    # an answer by id never lands (docs/differences.md, "answers reach subgraphs without
    # history"); here it reaches the question and the run goes on.
    calls: list[str] = []

    def pre(s: Log) -> dict[str, Any]:
        calls.append("pre")
        return {"log": ["pre"]}

    ask = StateGraph(Log).add_node("pre", pre).add_node("ask", lambda s: {"log": [interrupt("q")]})
    kept = ask.add_edge(START, "pre").add_edge("pre", "ask").compile(checkpointer=True)
    off = StateGraph(Log).add_node("kept", kept).add_edge(START, "kept")
    parent = StateGraph(Log).add_node("off", off.compile(checkpointer=False))
    graph = parent.add_edge(START, "off").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    (asked,) = graph.invoke({"log": ["start"]}, config)["__interrupt__"]
    done = graph.invoke(Command(resume={asked.id: "yes"}), config)
    assert "__interrupt__" not in done and done["log"][-1] == "yes"
    assert calls == ["pre"]  # the kept subgraph went on from its question
