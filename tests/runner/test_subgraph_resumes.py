"""When a subgraph goes on from where it paused, and what its parent streams of the pause.
The expected values are LangGraph 1.2.22's for the same graphs and calls."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from branchline import START, CheckpointStore, Command, Send, StateGraph, interrupt


class Log(TypedDict):
    log: Annotated[list[str], operator.add]


def _asks(name: str, calls: list[str]) -> Any:
    def run(state: Log) -> dict[str, Any]:
        calls.append(name)
        return {"log": [f"{name}={interrupt(f'{name}?')}"]}

    return run


def _appends(name: str, calls: list[str]) -> Any:
    def run(state: Log) -> dict[str, Any]:
        calls.append(name)
        return {"log": [name]}

    return run


def _kept(store: CheckpointStore, calls: list[str]) -> Any:
    """A parent whose node "child" runs a subgraph kept across calls that asks."""
    child = StateGraph(Log).add_node("ask", _asks("ask", calls)).add_edge(START, "ask")
    parent = StateGraph(Log).add_node("child", child.compile(checkpointer=True))
    return parent.add_edge(START, "child").compile(checkpointer=store)


def test_a_kept_subgraph_asks_the_same_question_after_an_edit_of_its_parent(
    store: CheckpointStore,
) -> None:
    calls: list[str] = []
    graph, config = _kept(store, calls), {"configurable": {"thread_id": "t"}}
    [first] = graph.invoke({"log": ["start"]}, config)["__interrupt__"]
    graph.update_state(config, {"log": ["edit"]})

    [again] = graph.invoke(None, config)["__interrupt__"]  # it goes on from its pause

    assert again.id == first.id
    assert graph.invoke(Command(resume="y"), config)["log"][-1] == "ask=y"


def test_a_kept_subgraph_takes_new_input_of_its_parent_as_a_new_run(
    store: CheckpointStore,
) -> None:
    calls: list[str] = []
    graph, config = _kept(store, calls), {"configurable": {"thread_id": "t"}}
    [first] = graph.invoke({"log": ["start"]}, config)["__interrupt__"]

    [second] = graph.invoke({"log": ["more"]}, config)["__interrupt__"]

    assert second.id != first.id  # a question of the new run, not the pause resumed
    assert graph.get_state(config).interrupts == (second,)


def test_a_run_from_a_subgraph_checkpoint_a_replay_made_goes_on_from_it(
    store: CheckpointStore,
) -> None:
    calls: list[str] = []
    child = StateGraph(Log).add_node("prep", _appends("prep", calls))
    child = child.add_node("ask", _asks("ask", calls)).add_edge(START, "prep")
    parent = StateGraph(Log).add_node("sub", child.add_edge("prep", "ask").compile())
    graph = parent.add_edge(START, "sub").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"log": []}, config)
    graph.invoke(None, next(iter(graph.get_state_history(config))).config)  # a replay
    replayed = graph.get_state(config).tasks[0].state
    calls.clear()

    asked = graph.invoke(None, next(iter(graph.get_state_history(replayed))).config)

    # The replay kept the task (and so the subgraph's place): its run goes on at "ask".
    assert calls == ["ask"]
    assert [i.value for i in asked["__interrupt__"]] == ["ask?"]


def test_parallel_nodes_of_a_subgraph_without_history_all_run_when_one_asks(
    store: CheckpointStore,
) -> None:
    calls: list[str] = []
    asking = StateGraph(Log).add_node("q", _asks("q", calls)).add_edge(START, "q").compile()
    child = StateGraph(Log).add_node("first", _appends("first", calls))
    child.add_node("asks", asking).add_node("other", _appends("other", calls))
    child.add_edge(START, "first").add_conditional_edges(
        "first", lambda s: [Send("asks", s), Send("other", s)], ["asks", "other"]
    )
    parent = StateGraph(Log).add_node("child", child.compile(checkpointer=False))
    graph = parent.add_edge(START, "child").compile(checkpointer=store)

    for thread in range(5):  # whichever task ends first
        calls.clear()
        graph.invoke({"log": []}, {"configurable": {"thread_id": str(thread)}})
        assert sorted(calls) == ["first", "other", "q"]


def _two_asking(store: CheckpointStore, calls: list[str]) -> Any:
    """n0 sends to two subgraphs: one asks, one stops at a breakpoint before its node."""
    asking = StateGraph(Log).add_node("ask", _asks("ask", calls)).add_edge(START, "ask")
    stopping = StateGraph(Log).add_node("late", _appends("late", calls)).add_edge(START, "late")
    parent = StateGraph(Log).add_node("n0", _appends("n0", calls))
    parent.add_node("asks", asking.compile())
    parent.add_node("stops", stopping.compile(interrupt_before=["late"]))
    parent.add_edge(START, "n0").add_conditional_edges(
        "n0", lambda s: [Send("stops", s), Send("asks", s)], ["asks", "stops"]
    )
    return parent.compile(checkpointer=store)


def test_a_step_with_a_question_streams_no_empty_pause_for_a_subgraph_breakpoint(
    store: CheckpointStore,
) -> None:
    graph = _two_asking(store, [])
    config = {"configurable": {"thread_id": "t"}}

    chunks = list(graph.stream({"log": []}, config, subgraphs=True))

    asked = graph.get_state(config).interrupts
    task = next(t.id for t in graph.get_state(config).tasks if t.name == "asks")
    assert chunks == [
        ((), {"n0": {"log": ["n0"]}}),
        ((f"asks:{task}",), {"__interrupt__": asked}),
        ((), {"__interrupt__": asked}),
    ]


def test_a_subgraph_that_asks_streams_no_values_after_its_pause(store: CheckpointStore) -> None:
    calls: list[str] = []
    child = StateGraph(Log).add_node("first", _appends("first", calls))
    child.add_node("ask", _asks("ask", calls)).add_node("other", _appends("other", calls))
    child.add_edge(START, "first").add_conditional_edges(
        "first", lambda s: [Send("other", s), Send("ask", s)], ["ask", "other"]
    )
    parent = StateGraph(Log).add_node("sub", child.compile()).add_edge(START, "sub")
    graph = parent.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}

    chunks = list(graph.stream({"log": ["in"]}, config, stream_mode="values", subgraphs=True))

    asked = graph.get_state(config).interrupts
    inner = [chunk for namespace, chunk in chunks if namespace]
    assert inner == [
        {"log": ["in"]},
        {"log": ["in", "first"]},
        {"log": ["in", "first"], "__interrupt__": asked},
    ]  # the writes of "other", done in the paused step, are not streamed as a state
    assert chunks[-1] == ((), {"log": ["in"], "__interrupt__": asked})


def test_a_subgraph_run_again_by_a_replay_starts_a_history_of_its_own(
    store: CheckpointStore,
) -> None:
    calls: list[str] = []
    child = StateGraph(Log).add_node("ask", _asks("ask", calls)).add_edge(START, "ask")
    parent = StateGraph(Log).add_node("pre", _appends("pre", calls))
    parent.add_node("sub", child.compile()).add_edge(START, "pre").add_edge("pre", "sub")
    graph = parent.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"log": []}, config)
    ran_sub = next(s for s in graph.get_state_history(config) if s.next == ("sub",))
    graph.invoke(None, ran_sub.config)
    graph.invoke(None, graph.get_state(config).config)  # the replay's head, replayed

    runs = list(graph.get_state_history(graph.get_state(config).tasks[0].state))

    # Two runs in the subgraph's place, each from an input checkpoint of its own.
    assert [(s.metadata["step"], s.next) for s in runs] == [
        (0, ("ask",)),
        (-1, ("__start__",)),
        (0, ("ask",)),
        (-1, ("__start__",)),
    ]
    assert [s.parent_config is None for s in runs] == [False, True, False, True]


def test_a_breakpoint_in_a_subgraph_without_history_pauses_its_parent_each_time(
    store: CheckpointStore,
) -> None:
    calls: list[str] = []
    child = StateGraph(Log).add_node("late", _appends("late", calls)).add_edge(START, "late")
    parent = StateGraph(Log).add_node(
        "child", child.compile(checkpointer=False, interrupt_before=["late"])
    )
    graph = parent.add_edge(START, "child").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}

    assert graph.invoke({"log": ["start"]}, config) == {"log": ["start"]}
    paused = graph.get_state(config)
    again = list(graph.stream(None, config))

    # It keeps no history, so each run of it starts over and stops at the breakpoint.
    assert (paused.next, paused.tasks[0].interrupts) == (("child",), ())
    assert again == [{"__interrupt__": ()}]
    assert graph.get_state(config).next == ("child",)
    assert calls == []


def test_parallel_questions_in_a_subgraph_without_history_are_asked_one_at_a_time(
    store: CheckpointStore,
) -> None:
    # Better than LangGraph (docs/differences.md): it lists both under ids that no answer
    # reaches; here each answer reaches the question it was given for, whichever node
    # would have asked first.
    calls: list[str] = []
    child = StateGraph(Log).add_node("first", _appends("first", calls))
    child.add_node("a", _asks("a", calls)).add_node("b", _asks("b", calls))
    child.add_edge(START, "first").add_conditional_edges(
        "first", lambda s: [Send("b", s), Send("a", s)], ["a", "b"]
    )
    parent = StateGraph(Log).add_node("child", child.compile(checkpointer=False))
    graph = parent.add_edge(START, "child").compile(checkpointer=store)

    for thread in range(3):
        config = {"configurable": {"thread_id": str(thread)}}
        [first] = graph.invoke({"log": []}, config)["__interrupt__"]
        [second] = graph.invoke(Command(resume="B"), config)["__interrupt__"]
        done = graph.invoke(Command(resume="A"), config)

        assert (first.value, second.value) == ("b?", "a?")  # in the order of the Sends
        assert sorted(done["log"]) == ["a=A", "b=B", "first"]


def test_subgraphs_inside_a_subgraph_without_history_keep_none_either(
    store: CheckpointStore,
) -> None:
    calls: list[str] = []
    inner = StateGraph(Log).add_node("late", _appends("late", calls)).add_edge(START, "late")
    middle = StateGraph(Log).add_node("inner", inner.compile(interrupt_before=["late"]))
    parent = StateGraph(Log).add_node("middle", middle.add_edge(START, "inner").compile(False))
    graph = parent.add_edge(START, "middle").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}

    graph.invoke({"log": ["start"]}, config)
    again = graph.invoke(None, config)

    # Its breakpoint is met again on every run: nothing remembers that it was passed.
    assert again == {"log": ["start"]}
    assert graph.get_state(config).next == ("middle",)
    assert calls == []


class Notes(TypedDict):
    log: Annotated[list[str], operator.add]
    notes: Annotated[list[str], operator.add]


def test_a_kept_subgraph_inside_one_kept_per_call_is_kept_across_its_calls(
    store: CheckpointStore,
) -> None:
    kept = StateGraph(Notes).add_node(
        "note", lambda s: {"notes": ["n"], "log": [f"saw {len(s['notes'])} notes"]}
    )
    outer = StateGraph(Notes).add_node("kept", kept.add_edge(START, "note").compile(True))
    parent = StateGraph(Log).add_node("outer", outer.add_edge(START, "kept").compile())
    graph = parent.add_edge(START, "outer").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"log": []}, config)

    chunks = list(graph.stream({"log": []}, config, subgraphs=True))

    # As LangGraph: its place names no call of "outer", so each call of "outer" finds it.
    assert graph.get_state(config).values["log"][-1] == "saw 1 notes"
    assert next(namespace for namespace, _ in chunks) == ("outer", "kept")


def test_a_kept_subgraph_called_again_when_a_call_continues_gives_its_last_values(
    store: CheckpointStore,
) -> None:
    calls: list[str] = []
    kept = StateGraph(Log).add_node("k", _appends("k", calls)).add_edge(START, "k")
    parent = StateGraph(Log).add_node("pre", _appends("pre", calls))
    parent.add_node("kept", kept.compile(checkpointer=True)).add_edge(START, "pre")
    graph = parent.add_edge("pre", "kept").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"log": []}, config)
    graph.update_state(config, {"log": ["edit"]}, as_node="pre")  # "kept" is next again
    calls.clear()

    again = graph.invoke(None, config)

    # As LangGraph: in the first step of a call that continues, it resumes its last run,
    # which has ended: nothing in it runs, and its last values are its output again.
    assert calls == []
    assert again["log"][-2:] == ["pre", "k"]


def test_a_time_travel_into_a_subgraph_paused_at_its_breakpoint_stops_there_again(
    store: CheckpointStore,
) -> None:
    calls: list[str] = []
    child = StateGraph(Log).add_node("late", _appends("late", calls)).add_edge(START, "late")
    parent = StateGraph(Log).add_node("child", child.compile(interrupt_before=["late"]))
    graph = parent.add_edge(START, "child").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"log": []}, config)
    paused = graph.get_state(config)

    replayed = graph.invoke(None, paused.config)

    assert replayed == {"log": []}  # the subgraph starts over and meets its breakpoint
    assert graph.get_state(config).next == ("child",)
    assert calls == []


def test_a_fresh_subgraph_run_does_not_carry_its_parents_resume_to_a_kept_one_inside(
    store: CheckpointStore,
) -> None:
    # root -> "mid" (no checkpointer of its own) -> "inner" (kept across calls, stops
    # before "last"). After an update as __start__ the root resumes, but "mid" starts a
    # new run on its input: "inner" takes that input and stops at its breakpoint again,
    # rather than going on past it (LangGraph: {'log': ['start']}).
    calls: list[str] = []
    inner = StateGraph(Log).add_node("last", _appends("last", calls)).add_edge(START, "last")
    mid = StateGraph(Log).add_node(
        "inner", inner.compile(checkpointer=True, interrupt_before=["last"])
    )
    root = StateGraph(Log).add_node("mid", mid.add_edge(START, "inner").compile())
    graph = root.add_edge(START, "mid").compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t"}}
    assert graph.invoke({"log": ["start"]}, config) == {"log": ["start"]}
    graph.update_state(config, None, as_node="__start__")

    assert graph.invoke(None, config) == {"log": ["start"]}
    assert calls == []
    assert graph.invoke(None, config) == {"log": ["start"] * 4 + ["last"]}
