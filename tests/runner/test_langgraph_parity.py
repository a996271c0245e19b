"""Behaviours the differential harness (tests/differential) found different from
LangGraph 1.2.22 and that now match it; each test states the value LangGraph gives."""

from __future__ import annotations

import hashlib
import operator
import time
from typing import Annotated, Any, TypedDict
from uuid import UUID

import pytest
from pydantic import BaseModel

from branchline import (
    END,
    START,
    CheckpointNotFound,
    CheckpointStore,
    Command,
    EmptyInputError,
    InvalidUpdateError,
    NodeInterrupt,
    Send,
    StateGraph,
    interrupt,
)


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


def _asking(store: CheckpointStore) -> Any:
    builder = StateGraph(Counted)
    builder.add_node("ask", lambda s: {"log": [f"ask={interrupt('ok?')}"]})
    builder.add_edge(START, "ask")
    return builder.compile(checkpointer=store)


def test_history_shows_a_question_that_new_input_dropped(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: the checkpoint that paused still shows its interrupt in the history
    # after new input superseded it; the live state shows only the new question.
    graph = _asking(store)
    graph.invoke({"log": ["first"]}, config)
    graph.invoke({"log": ["second"]}, config)
    paused = [s for s in graph.get_state_history(config) if s.next == ("ask",)]
    assert [[i.value for i in s.interrupts] for s in paused] == [["ok?"], ["ok?"]]
    assert len(graph.get_state(config).interrupts) == 1


def test_checkpoint_ids_of_one_thread_end_differently(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph's ids (uuid6) differ in their last characters; UIs abbreviate by the tail.
    graph = _one_node(store)
    graph.invoke({}, config)
    graph.invoke({}, config)
    ids = [s.config["configurable"]["checkpoint_id"] for s in graph.get_state_history(config)]
    assert len({i[-12:] for i in ids}) == len(ids) == 6
    assert ids == sorted(ids, reverse=True)


def _id_of_0_2_0(thread_id: str, version: int) -> str:
    """A checkpoint id as Branchline 0.2.0 made it: the version, then the thread's digest."""
    tail = hashlib.blake2b(thread_id.encode(), digest_size=8).hexdigest()
    return str(UUID(f"{version:016x}{tail}"))


def test_checkpoint_ids_of_0_2_0_still_name_their_checkpoint(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = _one_node(store)
    graph.invoke({}, config)
    for snapshot in graph.get_state_history(config):
        today = snapshot.config["configurable"]["checkpoint_id"]
        version = int(today.replace("-", "")[:16], 16)
        old = {"configurable": {"thread_id": "t1", "checkpoint_id": _id_of_0_2_0("t1", version)}}
        assert graph.get_state(old) == snapshot  # and shown with today's id
    elsewhere = {"configurable": {"thread_id": "t1", "checkpoint_id": _id_of_0_2_0("t2", 1)}}
    with pytest.raises(CheckpointNotFound, match="does not belong to thread 't1'"):
        graph.get_state(elsewhere)


def test_unknown_keys_in_the_input_are_ignored(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: invoke({"log": [], "zzz": 3}) runs and returns {'log': ['a'], 'n': 0, 'title': ''}.
    graph = _one_node(store)
    assert graph.invoke({"log": [], "zzz": 3}, config) == {"log": ["a"], "n": 0, "title": ""}


def test_a_bare_answer_with_several_questions_pending_is_a_runtime_error(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph raises RuntimeError("When there are multiple pending interrupts, ...").
    builder = StateGraph(Counted)
    builder.add_node("p", lambda s: {"log": [interrupt("p?")]})
    builder.add_node("q", lambda s: {"log": [interrupt("q?")]})
    builder.add_edge(START, "p")
    builder.add_edge(START, "q")
    graph = builder.compile(checkpointer=store)
    graph.invoke({}, config)
    with pytest.raises(RuntimeError, match="pending"):
        graph.invoke(Command(resume="yes"), config)


def _guarded(store: CheckpointStore) -> Any:
    def guard(state: Counted) -> dict[str, Any]:
        if not state.get("last"):
            raise NodeInterrupt("closed")
        return {"log": ["passed"]}

    builder = StateGraph(Counted)
    builder.add_node("guard", guard)
    builder.add_edge(START, "guard")
    return builder.compile(checkpointer=store)


def test_node_interrupt_raised_again_on_resume_stays_pending(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: each Command(resume=...) re-runs the guard, which raises again: the
    # result carries __interrupt__ 'closed', next stays ('guard',), and the next resume
    # works the same way; an update that opens the guard lets invoke(None) pass it.
    graph = _guarded(store)
    graph.invoke({"log": []}, config)
    for answer in ("x", "y"):
        result = graph.invoke(Command(resume=answer), config)
        assert [i.value for i in result["__interrupt__"]] == ["closed"]
        state = graph.get_state(config)
        assert (state.next, [i.value for i in state.interrupts]) == (("guard",), ["closed"])
    graph.update_state(config, {"last": "open"})
    assert graph.invoke(None, config)["log"] == ["passed"]


def _parallel(store: CheckpointStore, slow: Any, fast: Any) -> Any:
    builder = StateGraph(Counted)
    builder.add_node("a_slow", slow)
    builder.add_node("b_fast", fast)
    builder.add_edge(START, "a_slow")
    builder.add_edge(START, "b_fast")
    return builder.compile(checkpointer=store)


def _slow(state: Counted) -> dict[str, Any]:
    time.sleep(0.2)
    return {"log": ["slow"]}


def test_stream_values_of_an_input_that_writes_nothing_has_no_first_chunk(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: list(stream({}, stream_mode="values")) == [{'log': ['slow', 'fast'], ...}]
    graph = _parallel(store, _slow, lambda s: {"log": ["fast"]})
    chunks = list(graph.stream({}, config, stream_mode="values"))
    assert [c["log"] for c in chunks] == [["slow", "fast"]]


def test_stream_updates_of_parallel_nodes_come_in_the_order_they_finished(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: [{'b_fast': {'log': ['fast']}}, {'a_slow': {'log': ['slow']}}]
    graph = _parallel(store, _slow, lambda s: {"log": ["fast"]})
    chunks = list(graph.stream({"log": ["x"]}, config, stream_mode="updates"))
    assert chunks == [{"b_fast": {"log": ["fast"]}}, {"a_slow": {"log": ["slow"]}}]


def test_stream_values_of_a_pause_shows_the_question_then_the_finished_sibling(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: [{'log': ['in']}, {'log': ['in'], '__interrupt__': (ok?,)},
    #             {'log': ['in', 'slow']}]
    graph = _parallel(store, _slow, lambda s: {"log": [interrupt("ok?")]})
    chunks = list(graph.stream({"log": ["in"]}, config, stream_mode="values"))
    shown = [(c["log"], [i.value for i in c.get("__interrupt__", ())]) for c in chunks]
    assert shown == [(["in"], []), (["in"], ["ok?"]), (["in", "slow"], [])]


def test_send_tasks_write_in_packet_order_whatever_their_node_names(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: {'log': ['fan', 'to x', 'to w'], ...}: Send tasks apply in packet order.
    builder = StateGraph(Counted)
    builder.add_node("fan", lambda s: {"log": ["fan"]})
    builder.add_node("x", lambda s: {"log": s["log"]})
    builder.add_node("w", lambda s: {"log": s["log"]})
    builder.add_edge(START, "fan")
    builder.add_conditional_edges(
        "fan", lambda s: [Send("x", {"log": ["to x"]}), Send("w", {"log": ["to w"]})]
    )
    graph = builder.compile(checkpointer=store)
    assert graph.invoke({"log": []}, config)["log"] == ["fan", "to x", "to w"]


def _writes(name: str) -> Any:
    return lambda s: {"log": [name]}


def _review(store: CheckpointStore) -> Any:
    builder = StateGraph(Counted)
    for name in ("draft", "legal", "finance", "publish"):
        builder.add_node(name, _writes(name))
    builder.add_edge(START, "draft")
    builder.add_edge("draft", "legal")
    builder.add_edge("draft", "finance")
    builder.add_edge(["legal", "finance"], "publish")
    return builder.compile(checkpointer=store, interrupt_before=["publish"])


def test_update_as_a_join_start_keeps_the_join_end_scheduled(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: next == ('publish',), then ['draft', 'finance', 'legal', 'fixed', 'publish'].
    graph = _review(store)
    graph.invoke({"log": []}, config)
    graph.update_state(config, {"log": ["fixed"]}, as_node="finance")
    assert graph.get_state(config).next == ("publish",)
    assert graph.invoke(None, config)["log"] == ["draft", "finance", "legal", "fixed", "publish"]


def test_update_without_as_node_after_a_step_of_several_nodes_is_ambiguous(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: InvalidUpdateError("Ambiguous update, specify as_node").
    graph = _review(store)
    graph.invoke({"log": []}, config)
    with pytest.raises(InvalidUpdateError, match="Ambiguous"):
        graph.update_state(config, {"log": ["x"]})


def _chain(store: CheckpointStore, **compiled: Any) -> Any:
    builder = StateGraph(Counted)
    builder.add_node("a", _writes("a"))
    builder.add_node("b", _writes("b"))
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    return builder.compile(checkpointer=store, **compiled)


def test_update_without_as_node_is_made_as_the_node_that_last_ran_not_the_last_edit(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: an edit made as "b" on a new thread, then one with no as_node: next ('a',).
    graph = _chain(store)
    graph.update_state(config, {"log": ["x"]}, as_node="b")
    graph.update_state(config, {"log": ["y"]})
    assert graph.get_state(config).next == ("a",)


def test_update_at_a_pause_drops_the_writes_of_the_steps_finished_tasks(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: values {'log': ['in', 'edit']}, next ('a', 'ask'): the step starts over.
    builder = StateGraph(Counted)
    builder.add_node("a", _writes("a"))
    builder.add_node("ask", lambda s: {"log": [interrupt("q")]})
    builder.add_edge(START, "a")
    builder.add_edge(START, "ask")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"log": ["in"]}, config)
    graph.update_state(config, {"log": ["edit"]})
    state = graph.get_state(config)
    assert (state.values["log"], state.next) == (["in", "edit"], ("a", "ask"))


def test_replay_of_a_checkpoint_paused_before_a_node_runs_it(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: invoke(None, paused checkpoint's config)['log'] == ['a', 'b'].
    graph = _chain(store, interrupt_before=["b"])
    graph.invoke({"log": []}, config)
    assert graph.invoke(None, graph.get_state(config).config)["log"] == ["a", "b"]


def test_update_drops_the_answers_of_a_node_still_asking(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: after answering q1 of two questions, an update makes the node ask q1 again.
    builder = StateGraph(Counted)
    builder.add_node("two", lambda s: {"log": [interrupt("q1"), interrupt("q2")]})
    builder.add_edge(START, "two")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"log": []}, config)
    graph.invoke(Command(resume="r1"), config)
    graph.update_state(config, {"last": "x"})
    assert [i.value for i in graph.invoke(None, config)["__interrupt__"]] == ["q1"]


def test_a_join_keeps_its_arrived_starts_across_a_new_input(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: ['1', 'a', '2', 'b', 'c']: 'a' arrived in the first run, 'b' in the second.
    builder = StateGraph(Counted)
    for name in ("a", "b", "c"):
        builder.add_node(name, _writes(name))
    builder.add_conditional_edges(START, lambda s: "a" if len(s["log"]) < 2 else "b", ["a", "b"])
    builder.add_edge(["a", "b"], "c")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"log": ["1"]}, config)
    assert graph.invoke({"log": ["2"]}, config)["log"] == ["1", "a", "2", "b", "c"]


def test_continuing_a_step_streams_the_finished_tasks_as_cached_updates(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: [{'a': {'log': ['a']}, '__metadata__': {'cached': True}}] besides the pause.
    builder = StateGraph(Counted)
    builder.add_node("a", _writes("a"))
    builder.add_node("ask", lambda s: {"log": [interrupt("q")]})
    builder.add_edge(START, "a")
    builder.add_edge(START, "ask")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"log": []}, config)
    chunks = list(graph.stream(None, config, stream_mode="updates"))
    assert [c for c in chunks if "__interrupt__" not in c] == [
        {"a": {"log": ["a"]}, "__metadata__": {"cached": True}}
    ]


def _join_and_edge(store: CheckpointStore, **compiled: Any) -> Any:
    builder = StateGraph(Counted)
    for name in ("a", "b", "c"):
        builder.add_node(name, _writes(name))
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("b", "c")
    builder.add_edge(["a", "b"], "c")
    return builder.compile(checkpointer=store, **compiled)


def test_update_after_a_node_an_edge_and_a_join_ran_at_once_is_ambiguous(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: InvalidUpdateError (c saw two triggers of the same step).
    graph = _join_and_edge(store)
    graph.invoke({"log": []}, config)
    with pytest.raises(InvalidUpdateError, match="Ambiguous"):
        graph.update_state(config, {"log": ["x"]})


def test_new_input_drops_a_complete_join_with_its_pending_end(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: ['a', 'b', 'new', 'a', 'b'], next ('c',): c is scheduled once, anew.
    graph = _join_and_edge(store, interrupt_before=["c"])
    graph.invoke({"log": []}, config)
    assert graph.invoke({"log": ["new"]}, config)["log"] == ["a", "b", "new", "a", "b"]
    assert graph.get_state(config).next == ("c",)


def test_running_the_latest_checkpoint_made_by_an_edit_continues_it_without_a_copy(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: log ['a'], history [('loop', 1), ('update', 0)]: no 'fork' checkpoint.
    graph = _one_node(store)
    edited = graph.update_state(config, {"last": "x"})
    assert graph.invoke(None, edited)["log"] == ["a"]
    history = [(s.metadata["source"], s.metadata["step"]) for s in graph.get_state_history(config)]
    assert history == [("loop", 1), ("update", 0)]


def test_invoke_that_streams_no_values_returns_none(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: invoke({}, config) paused before the first node returns None.
    builder = StateGraph(Counted)
    builder.add_node("a", _writes("a"))
    builder.add_edge(START, "a")
    graph = builder.compile(checkpointer=store, interrupt_before=["a"])
    assert graph.invoke({}, config) is None


def _looping(store: CheckpointStore, **compiled: Any) -> Any:
    builder = StateGraph(Counted)
    builder.add_node("a", _writes("a"))
    builder.add_node("b", _writes("b"))
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_conditional_edges("b", lambda s: "a" if len(s["log"]) < 4 else END)
    return builder.compile(checkpointer=store, **compiled)


def test_a_breakpoint_passed_by_a_continue_stops_the_run_when_reached_again(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: invoke(None) runs a, b and pauses before a again: ['a', 'b'], next ('a',).
    graph = _looping(store, interrupt_before=["a"])
    graph.invoke({"log": []}, config)
    assert graph.invoke(None, config)["log"] == ["a", "b"]
    assert graph.get_state(config).next == ("a",)


def test_update_without_as_node_on_a_replay_copy_of_the_input_is_ambiguous(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: InvalidUpdateError("Ambiguous update, specify as_node").
    graph = _looping(store)
    graph.invoke({"log": []}, config)
    graph.invoke(None, list(graph.get_state_history(config))[-1].config)
    copy = next(s for s in graph.get_state_history(config) if s.metadata["source"] == "fork")
    with pytest.raises(InvalidUpdateError, match="Ambiguous"):
        graph.update_state(copy.config, {"last": "x"})


def test_update_at_a_new_input_is_made_as_the_tasks_the_input_dropped(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: paused before b, new input; an edit at that input checkpoint is made as
    # b (dropped by the input), so next == ('a',).
    graph = _looping(store, interrupt_before=["b"])
    graph.invoke({"log": []}, config)
    graph.invoke({"log": ["new"]}, config)
    at_input = next(s for s in graph.get_state_history(config) if s.metadata["source"] == "input")
    graph.update_state(at_input.config, None)
    assert graph.get_state(config).next == ("a",)


class Inner(BaseModel):
    a: int = 0
    b: str = "x"


class Modelled(BaseModel):
    inner: Inner = Inner()
    count: int = 0
    name: str = ""


def test_a_pydantic_state_mutated_in_place_and_returned_keeps_its_nested_change(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: {'inner': Inner(a=0, b='changed'), 'count': 5, 'name': 'changed-5'}.
    def mutate(state: Modelled) -> Command:
        state.inner.b = "changed"
        state.count = 5
        return Command(update=state, goto="report")

    builder = StateGraph(Modelled)
    builder.add_node("mutate", mutate)
    builder.add_node("report", lambda s: {"name": f"{s.inner.b}-{s.count}"})
    builder.add_edge(START, "mutate")
    graph = builder.compile(checkpointer=store)
    assert graph.invoke({"count": 1}, config) == {
        "inner": Inner(a=0, b="changed"),
        "count": 5,
        "name": "changed-5",
    }


def test_a_cached_update_shows_what_the_node_returned_not_the_reduced_value(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: [{'count': {'n': 1}, '__metadata__': {'cached': True}}] (n itself is 11).
    builder = StateGraph(Counted)
    builder.add_node("count", lambda s: {"n": 1})
    builder.add_node("ask", lambda s: {"log": [interrupt("q")]})
    builder.add_edge(START, "count")
    builder.add_edge(START, "ask")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"n": 10}, config)
    chunks = list(graph.stream(None, config, stream_mode="updates"))
    assert [c for c in chunks if "__interrupt__" not in c] == [
        {"count": {"n": 1}, "__metadata__": {"cached": True}}
    ]


def test_a_breakpoint_after_the_last_node_is_streamed_as_a_pause(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: [{'a': {'log': ['a']}}, {'__interrupt__': ()}], though nothing is next.
    builder = StateGraph(Counted)
    builder.add_node("a", _writes("a"))
    builder.add_edge(START, "a")
    graph = builder.compile(checkpointer=store, interrupt_after=["a"])
    chunks = list(graph.stream({"log": []}, config, stream_mode="updates"))
    assert chunks == [{"a": {"log": ["a"]}}, {"__interrupt__": ()}]
    assert graph.get_state(config).next == ()


def test_update_after_an_end_ran_on_an_edge_while_its_join_filled_is_ambiguous(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: a -> c and join [a, b] -> c (b never runs): c ran on the edge while a's
    # arrival changed the join in the same step, so an update without as_node raises
    # InvalidUpdateError("Ambiguous update, specify as_node").
    builder = StateGraph(Counted)
    for name in ("a", "b", "c"):
        builder.add_node(name, _writes(name))
    builder.add_edge(START, "a")
    builder.add_edge("a", "c")
    builder.add_edge(["a", "b"], "c")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"log": []}, config)
    with pytest.raises(InvalidUpdateError, match="Ambiguous"):
        graph.update_state(config, {"last": "x"})


def test_update_after_an_end_ran_on_its_join_right_after_running_on_an_edge_is_ambiguous(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: c runs on the edge from a, then at once on the join [a, b]; its edge
    # trigger was cleared in the step the join completed, so an update without as_node
    # raises InvalidUpdateError("Ambiguous update, specify as_node").
    builder = StateGraph(Counted)
    for name in ("a", "b", "c"):
        builder.add_node(name, _writes(name))
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("a", "c")
    builder.add_conditional_edges("b", lambda s: END)
    builder.add_edge(["a", "b"], "c")
    graph = builder.compile(checkpointer=store)
    assert graph.invoke({"log": []}, config)["log"] == ["a", "b", "c", "c"]
    with pytest.raises(InvalidUpdateError, match="Ambiguous"):
        graph.update_state(config, {"last": "x"})


def test_update_after_clearing_with_end_is_made_as_the_tasks_it_cleared(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: after update_state(config, None, as_node=END) at ask's question, an update
    # without as_node is made as ask (the cleared task): next == ().
    builder = StateGraph(Counted)
    builder.add_node("a", _writes("a"))
    builder.add_node("ask", lambda s: {"log": [interrupt("q")]})
    builder.add_edge(START, "a")
    builder.add_edge("a", "ask")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"log": []}, config)
    graph.update_state(config, None, as_node=END)
    graph.update_state(config, {"last": "x"})
    assert graph.get_state(config).next == ()


def _sibling_asks(store: CheckpointStore) -> Any:
    builder = StateGraph(Counted)
    builder.add_node("a", _writes("a"))
    builder.add_node("ask", lambda s: {"log": [interrupt("q")]})
    builder.add_node("after_a", _writes("after_a"))
    builder.add_edge(START, "a")
    builder.add_edge(START, "ask")
    builder.add_edge("a", "after_a")
    return builder.compile(checkpointer=store)


def test_update_as_end_keeps_the_finished_tasks_routes(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: next == ('after_a',), values {'log': ['a'], ...}: a finished before the
    # clear, so its write and its route stay; ask's question is dropped.
    graph = _sibling_asks(store)
    graph.invoke({"log": []}, config)
    graph.update_state(config, None, as_node=END)
    state = graph.get_state(config)
    assert (state.next, state.values["log"]) == (("after_a",), ["a"])


def test_continuing_a_thread_that_only_had_an_empty_clear_is_empty_input(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph: EmptyInputError: nothing was ever written to continue from.
    graph = _sibling_asks(store)
    graph.update_state(config, None, as_node=END)
    with pytest.raises(EmptyInputError):
        graph.invoke(None, config)
