"""Strict resumes: a resume that answers nothing pending is a clear error that writes nothing."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    EmptyInputError,
    InterruptNotPending,
    StateGraph,
    interrupt,
)
from branchline.domain.model.events import InterruptSuperseded, Resumed

UNKNOWN_ID = "0" * 32


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]


def ask_twice(state: State) -> dict[str, Any]:
    first = interrupt("first?")
    second = interrupt("second?")
    return {"log": [f"{first}+{second}"]}


def ask_graph(store: CheckpointStore) -> Any:
    """START -> ask (asks "first?" then "second?") -> END."""
    builder = StateGraph(State)
    builder.add_node("ask", ask_twice)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", END)
    return builder.compile(checkpointer=store)


def breakpoint_graph(store: CheckpointStore) -> Any:
    """START -> a -> b -> END, paused before b."""
    builder = StateGraph(State)
    builder.add_node("a", lambda s: {"log": ["a"]})
    builder.add_node("b", lambda s: {"log": ["b"]})
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("b", END)
    return builder.compile(checkpointer=store, interrupt_before=["b"])


def as_actor(actor: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": "t1", "actor": actor}}


def stream_state(store: CheckpointStore, graph: Any, config: dict) -> tuple[int, int, Any]:
    """How many events the thread has, its last version, and its head checkpoint id."""
    events = list(store.events("t1"))
    last = events[-1].originator_version if events else 0
    head = graph.get_state(config).config["configurable"].get("checkpoint_id")
    return len(events), last, head


# Nothing pending -------------------------------------------------------------------------------


def test_resume_on_a_finished_thread_is_an_error_naming_the_last_answer(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store)
    graph.invoke({"log": []}, config)
    graph.invoke(Command(resume="A"), as_actor("alice"))
    graph.invoke(Command(resume="B"), as_actor("carol"))
    last = [e for e in store.events("t1") if isinstance(e, Resumed)][-1]

    with pytest.raises(InterruptNotPending) as raised:
        graph.invoke(Command(resume="C"), config)

    when = last.timestamp.isoformat(timespec="seconds")
    assert str(raised.value) == (
        "no interrupt is pending on thread 't1' (next: []); there is nothing to resume. "
        f"The last interrupt, {last.interrupt_id!r} in node 'ask', was already answered by "
        f"carol at {when} with 'B'. Call get_state(config) to see where the thread is"
    )


def test_resume_on_a_finished_thread_writes_nothing(store: CheckpointStore, config: dict) -> None:
    graph = ask_graph(store)
    graph.invoke({"log": []}, config)
    graph.invoke(Command(resume="A"), config)
    graph.invoke(Command(resume="B"), config)
    before = stream_state(store, graph, config)

    with pytest.raises(InterruptNotPending):
        graph.invoke(Command(resume="C"), config)

    assert stream_state(store, graph, config) == before
    assert graph.get_state(config).values == {"log": ["A+B"]}


def test_resume_on_a_new_thread_is_an_error_that_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store)

    with pytest.raises(InterruptNotPending, match="no checkpoint yet"):
        graph.invoke(Command(resume="A"), config)

    assert list(store.events("t1")) == []
    assert graph.get_state(config).values == {}


# Unknown, answered and superseded ids ------------------------------------------------------------


def test_resume_with_an_unknown_id_is_an_error_listing_the_pending_ids(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store)
    [pending] = graph.invoke({"log": []}, config)["__interrupt__"]
    before = stream_state(store, graph, config)

    with pytest.raises(InterruptNotPending) as raised:
        graph.invoke(Command(resume={UNKNOWN_ID: "A"}), config)

    assert str(raised.value) == (
        f"interrupt {UNKNOWN_ID!r} is unknown on thread 't1'; pending now: [{pending.id!r}]. "
        "Call get_state(config) to list them"
    )
    assert stream_state(store, graph, config) == before
    assert graph.get_state(config).interrupts == (pending,)


def test_resume_with_an_answered_id_names_who_answered_and_when(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store)
    [first] = graph.invoke({"log": []}, config)["__interrupt__"]
    [second] = graph.invoke(Command(resume="A"), as_actor("alice"))["__interrupt__"]
    [answered] = [e for e in store.events("t1") if isinstance(e, Resumed)]

    with pytest.raises(InterruptNotPending) as raised:
        graph.invoke(Command(resume={first.id: "again"}), as_actor("bob"))

    when = answered.timestamp.isoformat(timespec="seconds")
    assert str(raised.value) == (
        f"interrupt {first.id!r} was already answered by alice at {when} with 'A'; "
        f"pending now: [{second.id!r}]. Call get_state(config) to list them"
    )


def test_resume_with_an_answered_id_writes_nothing(store: CheckpointStore, config: dict) -> None:
    graph = ask_graph(store)
    [first] = graph.invoke({"log": []}, config)["__interrupt__"]
    [second] = graph.invoke(Command(resume="A"), config)["__interrupt__"]
    before = stream_state(store, graph, config)

    with pytest.raises(InterruptNotPending):
        graph.invoke(Command(resume={first.id: "again"}), config)

    assert stream_state(store, graph, config) == before
    assert graph.get_state(config).interrupts == (second,)


def test_resume_of_an_answered_id_on_a_finished_thread_still_names_who_answered(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store)
    [first] = graph.invoke({"log": []}, config)["__interrupt__"]
    graph.invoke(Command(resume="A"), as_actor("alice"))
    graph.invoke(Command(resume="B"), as_actor("carol"))

    with pytest.raises(InterruptNotPending, match=r"already answered by alice at .* with 'A'"):
        graph.invoke(Command(resume={first.id: "again"}), config)


def test_resume_with_a_superseded_id_says_it_was_dropped_by_new_input_and_by_whom(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store)
    [old] = graph.invoke({"log": []}, config)["__interrupt__"]
    [new] = graph.invoke({"log": ["again"]}, as_actor("bob"))["__interrupt__"]
    [dropped] = [e for e in store.events("t1") if isinstance(e, InterruptSuperseded)]
    before = stream_state(store, graph, config)

    with pytest.raises(InterruptNotPending) as raised:
        graph.invoke(Command(resume={old.id: "late"}), as_actor("alice"))

    when = dropped.timestamp.isoformat(timespec="seconds")
    assert str(raised.value) == (
        f"interrupt {old.id!r} was superseded by new input from bob at {when}; "
        f"pending now: [{new.id!r}]. Call get_state(config) to list them"
    )
    assert stream_state(store, graph, config) == before


def test_resume_with_an_id_superseded_by_update_state_says_so(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store)
    [old] = graph.invoke({"log": []}, config)["__interrupt__"]
    graph.update_state(as_actor("bob"), {"log": ["edit"]})

    with pytest.raises(InterruptNotPending, match="superseded by new update from bob"):
        graph.invoke(Command(resume={old.id: "late"}), config)


def test_map_mixing_a_pending_and_an_unknown_id_answers_neither(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store)
    [pending] = graph.invoke({"log": []}, config)["__interrupt__"]
    before = stream_state(store, graph, config)

    with pytest.raises(InterruptNotPending, match=UNKNOWN_ID):
        graph.invoke(Command(resume={pending.id: "A", UNKNOWN_ID: "B"}), config)

    assert stream_state(store, graph, config) == before
    assert graph.get_state(config).interrupts == (pending,)


# Empty commands ---------------------------------------------------------------------------------


def test_empty_command_on_a_paused_thread_is_an_empty_input_error(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store)
    [pending] = graph.invoke({"log": []}, config)["__interrupt__"]
    before = stream_state(store, graph, config)

    with pytest.raises(EmptyInputError, match=r"Command\(\) carries nothing to do"):
        graph.invoke(Command(), config)

    assert stream_state(store, graph, config) == before
    assert graph.get_state(config).interrupts == (pending,)


def test_empty_command_on_a_new_thread_is_an_empty_input_error(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store)

    with pytest.raises(EmptyInputError):
        graph.invoke(Command(), config)

    assert list(store.events("t1")) == []


# Static breakpoints -----------------------------------------------------------------------------


def test_resume_at_a_static_breakpoint_is_an_error_saying_to_invoke_none(
    store: CheckpointStore, config: dict
) -> None:
    graph = breakpoint_graph(store)
    graph.invoke({"log": []}, config)

    with pytest.raises(InterruptNotPending) as raised:
        graph.invoke(Command(resume="go"), config)

    assert str(raised.value) == (
        "no interrupt is pending on thread 't1': it is paused at a breakpoint before ['b']; "
        "continue with invoke(None, config), or edit the state first with "
        "update_state(config, values). Call get_state(config) to see where the thread is"
    )


def test_resume_at_a_static_breakpoint_writes_nothing_and_invoke_none_still_continues(
    store: CheckpointStore, config: dict
) -> None:
    graph = breakpoint_graph(store)
    graph.invoke({"log": []}, config)
    before = stream_state(store, graph, config)

    with pytest.raises(InterruptNotPending):
        graph.invoke(Command(resume="go"), config)

    assert stream_state(store, graph, config) == before
    assert graph.get_state(config).next == ("b",)
    assert graph.invoke(None, config) == {"log": ["a", "b"]}
