"""Subgraphs: a compiled graph used as a node, its pauses, and addressing it by checkpoint_ns."""

from __future__ import annotations

from collections import Counter
from typing import Any, TypedDict

import pytest

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    InterruptNotPending,
    InvalidConfigError,
    StateGraph,
    interrupt,
)
from branchline.domain.model.events import Resumed


class State(TypedDict, total=False):
    topic: str
    draft: str
    answer: Any
    seen: str
    second: Any
    done: str


def sub_ns(graph: Any, thread_id: str = "t1") -> dict[str, Any]:
    """The config addressing the ``sub`` node's subgraph run by the pending task of a
    thread, as its snapshot shows it (namespace ``sub:<task id>``, as in LangGraph)."""
    config = graph.get_state({"configurable": {"thread_id": thread_id}}).tasks[0].state
    assert config["configurable"]["checkpoint_ns"].startswith("sub:")
    return dict(config)


def write_draft(calls: Counter[str]) -> Any:
    def inner(state: State) -> dict[str, Any]:
        calls["inner"] += 1
        return {"draft": f"draft about {state['topic']}"}

    return inner


def asking_inner(calls: Counter[str]) -> Any:
    def inner(state: State) -> dict[str, Any]:
        calls["inner:start"] += 1
        answer = interrupt(f"approve {state['topic']}?")
        calls["inner:end"] += 1
        return {"answer": answer, "seen": state["topic"]}

    return inner


def counted(calls: Counter[str], name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        calls[name] += 1
        return {}

    return node


def subgraph(calls: Counter[str], inner: Any, **compile_options: Any) -> Any:
    """START -> inner0 -> inner -> END, compiled without a checkpointer."""
    builder = StateGraph(State)
    builder.add_node("inner0", counted(calls, "inner0"))
    builder.add_node("inner", inner)
    builder.add_edge(START, "inner0")
    builder.add_edge("inner0", "inner")
    builder.add_edge("inner", END)
    return builder.compile(**compile_options)


def parent(store: CheckpointStore | None, calls: Counter[str], sub: Any) -> Any:
    """START -> pre -> sub (the subgraph) -> post -> END."""
    builder = StateGraph(State)
    builder.add_node("pre", counted(calls, "pre"))
    builder.add_node("sub", sub)
    builder.add_node("post", counted(calls, "post"))
    builder.add_edge(START, "pre")
    builder.add_edge("pre", "sub")
    builder.add_edge("sub", "post")
    builder.add_edge("post", END)
    return builder.compile(checkpointer=store)


def asking_parent(store: CheckpointStore, calls: Counter[str]) -> Any:
    """The parent whose subgraph's ``inner`` asks ``approve <topic>?``."""
    return parent(store, calls, subgraph(calls, asking_inner(calls)))


def breakpoint_parent(store: CheckpointStore, calls: Counter[str]) -> Any:
    """The parent whose subgraph is compiled with ``interrupt_before=["inner"]``."""
    sub = subgraph(calls, write_draft(calls), interrupt_before=["inner"])
    return parent(store, calls, sub)


# Running ------------------------------------------------------------------------------


def test_subgraph_node_output_reaches_the_parent() -> None:
    calls: Counter[str] = Counter()
    graph = parent(None, calls, subgraph(calls, write_draft(calls)))

    values = graph.invoke({"topic": "cats"})

    assert values == {"topic": "cats", "draft": "draft about cats"}
    assert calls == Counter({"pre": 1, "inner0": 1, "inner": 1, "post": 1})


def test_subgraph_without_checkpointer_runs_inside_a_parent_with_one(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = parent(store, calls, subgraph(calls, write_draft(calls)))

    values = graph.invoke({"topic": "cats"}, config)

    assert values == {"topic": "cats", "draft": "draft about cats"}
    assert graph.get_state(config).values == values
    assert graph.get_state(config).next == ()
    assert calls == Counter({"pre": 1, "inner0": 1, "inner": 1, "post": 1})


# Static breakpoints compiled into the subgraph ------------------------------------------


def test_subgraph_breakpoint_pauses_the_parent_at_the_subgraph_node(
    store: CheckpointStore, config: dict
) -> None:
    graph = breakpoint_parent(store, Counter())

    values = graph.invoke({"topic": "cats"}, config)
    state = graph.get_state(config)

    assert "__interrupt__" not in values
    assert state.next == ("sub",)
    assert state.interrupts == ()


def test_subgraph_breakpoint_shows_the_inner_node_next_with_subgraphs_true(
    store: CheckpointStore, config: dict
) -> None:
    graph = breakpoint_parent(store, Counter())
    graph.invoke({"topic": "cats"}, config)

    state = graph.get_state(config, subgraphs=True)

    assert state.tasks[0].name == "sub"
    assert state.tasks[0].state.next == ("inner",)


def test_invoke_none_on_the_parent_continues_past_a_subgraph_breakpoint(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = breakpoint_parent(store, calls)
    graph.invoke({"topic": "cats"}, config)

    values = graph.invoke(None, config)

    assert values == {"topic": "cats", "draft": "draft about cats"}
    assert graph.get_state(config).next == ()
    assert calls == Counter({"pre": 1, "inner0": 1, "inner": 1, "post": 1})


# interrupt() inside the subgraph ---------------------------------------------------------


def test_subgraph_interrupt_surfaces_in_the_parent_invoke(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_parent(store, Counter())

    values = graph.invoke({"topic": "cats"}, config)

    [asked] = values["__interrupt__"]
    assert asked.value == "approve cats?"


def test_subgraph_interrupt_leaves_the_parent_at_the_subgraph_node_with_it_pending(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_parent(store, Counter())
    [asked] = graph.invoke({"topic": "cats"}, config)["__interrupt__"]

    state = graph.get_state(config)

    assert state.next == ("sub",)
    assert state.interrupts == (asked,)
    assert state.tasks[0].interrupts == (asked,)


def test_parent_resume_reruns_only_the_interrupted_inner_node(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = asking_parent(store, calls)
    graph.invoke({"topic": "cats"}, config)

    values = graph.invoke(Command(resume="yes"), config)

    assert values == {"topic": "cats", "answer": "yes", "seen": "cats"}
    assert graph.get_state(config).next == ()
    assert calls == Counter({"pre": 1, "inner0": 1, "inner:start": 2, "inner:end": 1, "post": 1})


def test_get_state_shows_the_subgraph_task_state_as_its_config(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_parent(store, Counter())
    graph.invoke({"topic": "cats"}, config)

    state = graph.get_state(config)

    assert state.tasks[0].state == sub_ns(graph)


def test_get_state_with_subgraphs_shows_the_subgraph_snapshot(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_parent(store, Counter())
    [asked] = graph.invoke({"topic": "cats"}, config)["__interrupt__"]

    sub = graph.get_state(config, subgraphs=True).tasks[0].state

    assert (
        sub.config["configurable"]["checkpoint_ns"] == f"sub:{graph.get_state(config).tasks[0].id}"
    )
    assert sub.config["configurable"]["thread_id"] == "t1"
    assert sub.values == {"topic": "cats"}
    assert sub.next == ("inner",)
    assert sub.interrupts == (asked,)


def test_get_state_of_the_subgraph_config_equals_the_nested_snapshot(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_parent(store, Counter())
    graph.invoke({"topic": "cats"}, config)
    nested = graph.get_state(config, subgraphs=True).tasks[0].state

    assert graph.get_state(sub_ns(graph)) == nested


def test_update_state_on_the_subgraph_is_seen_by_the_inner_node_asked_again(
    store: CheckpointStore, config: dict
) -> None:
    # Strict, as everywhere: the edit supersedes the question asked before it (in the
    # parent too), so an answer to it is refused; the inner node asks again, about the edit.
    graph = asking_parent(store, Counter())
    first = graph.invoke({"topic": "cats"}, config)["__interrupt__"][0]
    sub = graph.get_state(config, subgraphs=True).tasks[0].state

    graph.update_state(sub.config, {"topic": "dogs"})
    with pytest.raises(InterruptNotPending, match="superseded by new update"):
        graph.invoke(Command(resume={first.id: "yes"}), config)
    asked = graph.invoke(None, config)["__interrupt__"][0]
    values = graph.invoke(Command(resume="yes"), config)

    assert asked.id != first.id
    assert "dogs" in str(asked.value)
    assert values["answer"] == "yes"
    assert values["seen"] == "dogs"


def test_update_state_on_the_subgraph_edits_its_state_not_the_parents(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_parent(store, Counter())
    graph.invoke({"topic": "cats"}, config)
    before = graph.get_state(config)
    sub = graph.get_state(config, subgraphs=True).tasks[0].state

    new_config = graph.update_state(sub.config, {"topic": "dogs"})

    assert (
        new_config["configurable"]["checkpoint_ns"] == sub.config["configurable"]["checkpoint_ns"]
    )
    assert graph.get_state(sub_ns(graph)).values == {"topic": "dogs"}
    after = graph.get_state(config)
    assert after.values == before.values == {"topic": "cats"}
    assert after.config == before.config


def test_update_state_on_a_subgraph_breakpoint_is_seen_when_the_parent_continues(
    store: CheckpointStore, config: dict
) -> None:
    graph = breakpoint_parent(store, Counter())
    graph.invoke({"topic": "cats"}, config)
    sub = graph.get_state(config, subgraphs=True).tasks[0].state

    graph.update_state(sub.config, {"topic": "dogs"})
    values = graph.invoke(None, config)

    assert values["draft"] == "draft about dogs"


def test_get_state_history_of_the_subgraph_config_lists_its_checkpoints(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_parent(store, Counter())
    graph.invoke({"topic": "cats"}, config)

    history = list(graph.get_state_history(sub_ns(graph)))

    assert [s.metadata["step"] for s in history] == [1, 0, -1]
    assert [s.metadata["source"] for s in history] == ["loop", "loop", "input"]
    namespace = sub_ns(graph)["configurable"]["checkpoint_ns"]
    assert all(s.config["configurable"]["checkpoint_ns"] == namespace for s in history)
    assert history[0].config == graph.get_state(sub_ns(graph)).config
    assert history[0].next == ("inner",)


def test_get_state_history_of_the_subgraph_differs_from_the_parents(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_parent(store, Counter())
    graph.invoke({"topic": "cats"}, config)

    sub_ids = {
        s.config["configurable"]["checkpoint_id"] for s in graph.get_state_history(sub_ns(graph))
    }
    parent_ids = {
        s.config["configurable"]["checkpoint_id"] for s in graph.get_state_history(config)
    }

    assert sub_ids
    assert sub_ids.isdisjoint(parent_ids)


def test_unknown_checkpoint_ns_is_a_clear_error(store: CheckpointStore, config: dict) -> None:
    graph = asking_parent(store, Counter())
    graph.invoke({"topic": "cats"}, config)

    with pytest.raises(InvalidConfigError, match=r"'nope'.*\['sub'\]"):
        graph.get_state({"configurable": {"thread_id": "t1", "checkpoint_ns": "nope"}})


def test_checkpoint_ns_of_a_plain_node_is_a_clear_error(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_parent(store, Counter())
    graph.invoke({"topic": "cats"}, config)

    with pytest.raises(InvalidConfigError, match=r"'pre'.*\['sub'\]"):
        graph.update_state({"configurable": {"thread_id": "t1", "checkpoint_ns": "pre"}}, {})


def test_parent_resume_records_its_actor_on_the_subgraph_resumed_event(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_parent(store, Counter())
    [asked] = graph.invoke({"topic": "cats"}, config)["__interrupt__"]
    task = graph.get_state(config).tasks[0].id

    graph.invoke(Command(resume="yes"), {"configurable": {"thread_id": "t1", "actor": "alice"}})

    inner = [e for e in store.events(f"t1:sub:{task}") if isinstance(e, Resumed)]
    assert [(e.interrupt_id, e.value, e.actor) for e in inner] == [(asked.id, "yes", "alice")]


def test_two_sequential_subgraph_interrupts_are_answered_one_after_the_other(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()

    def inner(state: State) -> dict[str, Any]:
        calls["inner:start"] += 1
        first = interrupt("first?")
        second = interrupt("second?")
        calls["inner:end"] += 1
        return {"answer": first, "second": second}

    graph = parent(store, calls, subgraph(calls, inner))
    [one] = graph.invoke({"topic": "cats"}, config)["__interrupt__"]
    [two] = graph.invoke(Command(resume="A"), config)["__interrupt__"]
    values = graph.invoke(Command(resume="B"), config)

    assert (one.value, two.value) == ("first?", "second?")
    assert one.id != two.id
    assert values == {"topic": "cats", "answer": "A", "second": "B"}
    assert graph.get_state(config).interrupts == ()
    assert calls == Counter({"pre": 1, "inner0": 1, "inner:start": 3, "inner:end": 1, "post": 1})


def test_interrupts_in_two_subgraph_nodes_are_answered_one_after_the_other(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()

    def ask_first(state: State) -> dict[str, Any]:
        calls["inner0"] += 1
        return {"answer": interrupt("first?")}

    def ask_second(state: State) -> dict[str, Any]:
        calls["inner"] += 1
        return {"second": interrupt(f"second after {state['answer']}?")}

    builder = StateGraph(State)
    builder.add_node("inner0", ask_first)
    builder.add_node("inner", ask_second)
    builder.add_edge(START, "inner0")
    builder.add_edge("inner0", "inner")
    builder.add_edge("inner", END)
    graph = parent(store, calls, builder.compile())
    graph.invoke({"topic": "cats"}, config)

    [two] = graph.invoke(Command(resume="A"), config)["__interrupt__"]
    sub_next = graph.get_state(config, subgraphs=True).tasks[0].state.next
    values = graph.invoke(Command(resume="B"), config)

    assert two.value == "second after A?"
    assert sub_next == ("inner",)
    assert values == {"topic": "cats", "answer": "A", "second": "B"}
    assert calls == Counter({"pre": 1, "inner0": 2, "inner": 2, "post": 1})


def test_the_inbox_lists_a_subgraph_question_once_under_the_parent_thread(
    store: CheckpointStore, config: dict
) -> None:
    from branchline.bootstrap import open_views

    graph = asking_parent(store, Counter())
    asked = graph.invoke({"topic": "cats"}, config)["__interrupt__"][0]

    pending = open_views(store).pending_interrupts()
    assert [(p.thread_id, p.interrupt_id, p.node) for p in pending] == [("t1", asked.id, "sub")]
    graph.invoke(Command(resume="yes"), config)
    assert open_views(store).pending_interrupts() == []
