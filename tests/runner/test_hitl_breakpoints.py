"""Static breakpoints: interrupt_before / interrupt_after, at compile time and per call."""

from __future__ import annotations

import operator
from collections import Counter
from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    END,
    START,
    CheckpointStore,
    InvalidConfigError,
    StateGraph,
)


class State(TypedDict, total=False):
    note: str
    log: Annotated[list[str], operator.add]


def counted(calls: Counter[str], name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        calls[name] += 1
        return {"log": [f"{name}:{state.get('note', '')}"] if state.get("note") else [name]}

    return node


def linear(calls: Counter[str], *names: str) -> StateGraph:
    builder = StateGraph(State)
    for name in names:
        builder.add_node(name, counted(calls, name))
    for start, end in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(start, end)
    return builder


def fan_out(calls: Counter[str]) -> StateGraph:
    """START -> a -> (b || c) -> d."""
    builder = StateGraph(State)
    for name in "abcd":
        builder.add_node(name, counted(calls, name))
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("a", "c")
    builder.add_edge(["b", "c"], "d")
    return builder


def event_count(store: CheckpointStore, thread_id: str = "t1") -> int:
    return len(list(store.events(thread_id)))


# Pausing before a node ------------------------------------------------------------------------


def test_interrupt_before_at_compile_pauses_before_the_node(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(checkpointer=store, interrupt_before=["b"])

    graph.invoke({"log": ["in"]}, config)

    assert graph.get_state(config).next == ("b",)
    assert calls == Counter({"a": 1})


def test_paused_snapshot_lists_the_node_as_its_task_with_no_interrupts(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(Counter(), "a", "b").compile(checkpointer=store, interrupt_before=["b"])
    graph.invoke({"log": ["in"]}, config)

    snapshot = graph.get_state(config)

    assert [task.name for task in snapshot.tasks] == ["b"]
    assert snapshot.interrupts == ()
    assert snapshot.metadata is not None
    assert (snapshot.metadata["source"], snapshot.metadata["step"]) == ("loop", 1)


def test_invoke_paused_at_a_breakpoint_returns_values_without_interrupt_key(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(Counter(), "a", "b").compile(checkpointer=store, interrupt_before=["b"])

    values = graph.invoke({"log": ["in"]}, config)

    assert values == {"log": ["in", "a"]}


def test_invoke_none_continues_past_the_breakpoint_without_pausing_again(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b", "c").compile(checkpointer=store, interrupt_before=["b"])
    graph.invoke({"log": ["in"]}, config)

    values = graph.invoke(None, config)

    assert values == {"log": ["in", "a", "b", "c"]}
    assert graph.get_state(config).next == ()
    assert calls == Counter({"a": 1, "b": 1, "c": 1})


def test_breakpoint_before_the_first_node_pauses_before_anything_runs(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(checkpointer=store, interrupt_before=["a"])

    values = graph.invoke({"log": ["in"]}, config)

    assert values == {"log": ["in"]}
    assert graph.get_state(config).next == ("a",)
    assert calls == Counter()


def test_interrupt_after_pauses_once_the_nodes_step_is_stored(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(checkpointer=store, interrupt_after=["a"])

    values = graph.invoke({"log": ["in"]}, config)

    assert values == {"log": ["in", "a"]}
    assert graph.get_state(config).next == ("b",)
    assert calls == Counter({"a": 1})


def test_invoke_none_after_an_interrupt_after_pause_runs_the_rest(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(checkpointer=store, interrupt_after=["a"])
    graph.invoke({"log": ["in"]}, config)

    values = graph.invoke(None, config)

    assert values == {"log": ["in", "a", "b"]}
    assert calls == Counter({"a": 1, "b": 1})


def test_interrupt_after_the_last_node_does_not_leave_the_thread_paused(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(Counter(), "a", "b").compile(checkpointer=store, interrupt_after=["b"])

    values = graph.invoke({"log": []}, config)

    assert values == {"log": ["a", "b"]}
    assert graph.get_state(config).next == ()


# Wildcards -----------------------------------------------------------------------------------


def test_interrupt_before_star_pauses_before_every_node(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(Counter(), "a", "b").compile(checkpointer=store, interrupt_before="*")

    pauses = [graph.invoke({"log": []}, config)]
    pauses.append(graph.invoke(None, config))
    pauses.append(graph.invoke(None, config))

    assert pauses == [{"log": []}, {"log": ["a"]}, {"log": ["a", "b"]}]
    assert graph.get_state(config).next == ()


def test_interrupt_after_star_pauses_after_every_node(store: CheckpointStore, config: dict) -> None:
    graph = linear(Counter(), "a", "b", "c").compile(checkpointer=store, interrupt_after="*")

    first = graph.invoke({"log": []}, config)
    second = graph.invoke(None, config)
    paused_next = graph.get_state(config).next
    last = graph.invoke(None, config)

    assert (first, second, last) == ({"log": ["a"]}, {"log": ["a", "b"]}, {"log": ["a", "b", "c"]})
    assert paused_next == ("c",)


# Per-call breakpoints ------------------------------------------------------------------------


def test_interrupt_before_per_call_pauses_that_call(store: CheckpointStore, config: dict) -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(checkpointer=store)

    graph.invoke({"log": []}, config, interrupt_before=["b"])

    assert graph.get_state(config).next == ("b",)
    assert calls == Counter({"a": 1})


def test_interrupt_after_per_call_pauses_that_call(store: CheckpointStore, config: dict) -> None:
    graph = linear(Counter(), "a", "b").compile(checkpointer=store)

    values = graph.invoke({"log": []}, config, interrupt_after=["a"])

    assert values == {"log": ["a"]}
    assert graph.get_state(config).next == ("b",)


def test_per_call_breakpoints_replace_the_compiled_ones(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(checkpointer=store, interrupt_before=["b"])

    graph.invoke({"log": []}, config, interrupt_before=["a"])

    assert graph.get_state(config).next == ("a",)
    assert calls == Counter()


def test_per_call_breakpoints_apply_to_that_call_only(store: CheckpointStore, config: dict) -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(checkpointer=store, interrupt_before=["b"])
    graph.invoke({"log": []}, config, interrupt_before=["a"])

    values = graph.invoke(None, config)

    assert values == {"log": ["a"]}
    assert graph.get_state(config).next == ("b",)


def test_unknown_node_in_per_call_breakpoints_is_an_error_that_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(Counter(), "a", "b").compile(checkpointer=store)

    with pytest.raises(InvalidConfigError, match=r"unknown node\(s\) \['nope'\]"):
        graph.invoke({"log": []}, config, interrupt_before=["nope"])

    assert event_count(store) == 0


def test_unknown_node_in_per_call_interrupt_after_is_an_error(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(Counter(), "a").compile(checkpointer=store)

    with pytest.raises(InvalidConfigError, match="nope"):
        list(graph.stream({"log": []}, config, interrupt_after=["nope"]))


# Fan-out ------------------------------------------------------------------------------------


def test_breakpoint_before_one_branch_of_a_fan_out_pauses_the_whole_step(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = fan_out(calls).compile(checkpointer=store, interrupt_before=["b"])

    values = graph.invoke({"log": []}, config)

    assert values == {"log": ["a"]}
    assert graph.get_state(config).next == ("b", "c")
    assert calls == Counter({"a": 1})


def test_invoke_none_after_a_fan_out_pause_runs_both_branches_and_the_join(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = fan_out(calls).compile(checkpointer=store, interrupt_before=["b"])
    graph.invoke({"log": []}, config)

    values = graph.invoke(None, config)

    assert values == {"log": ["a", "b", "c", "d"]}
    assert calls == Counter({"a": 1, "b": 1, "c": 1, "d": 1})


# Without a checkpointer ------------------------------------------------------------------------


def test_breakpoints_without_a_checkpointer_are_an_error_when_run() -> None:
    # Compiling is fine: a subgraph gets its parent's checkpointer. Running alone is not.
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(interrupt_before=["b"])

    with pytest.raises(InvalidConfigError, match="needs a checkpointer"):
        graph.invoke({"log": []})
    assert calls == Counter()


def test_interrupt_after_without_a_checkpointer_is_an_error_when_run() -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(interrupt_after=["a"])

    with pytest.raises(InvalidConfigError, match="needs a checkpointer"):
        graph.invoke({"log": []})
    assert calls == Counter()


def test_per_call_breakpoints_without_a_checkpointer_are_an_error() -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile()

    with pytest.raises(InvalidConfigError, match="checkpointer"):
        graph.invoke({"log": []}, interrupt_before=["b"])

    assert calls == Counter()


# Streaming ------------------------------------------------------------------------------------


def test_updates_stream_yields_an_empty_interrupt_tuple_at_a_static_pause(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(Counter(), "a", "b").compile(checkpointer=store, interrupt_before=["b"])

    chunks = list(graph.stream({"log": []}, config, stream_mode="updates"))

    assert chunks == [{"a": {"log": ["a"]}}, {"__interrupt__": ()}]


def test_updates_stream_yields_an_empty_interrupt_tuple_after_an_interrupt_after_node(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(Counter(), "a", "b").compile(checkpointer=store, interrupt_after=["a"])

    chunks = list(graph.stream({"log": []}, config, stream_mode="updates"))

    assert chunks == [{"a": {"log": ["a"]}}, {"__interrupt__": ()}]


def test_values_stream_adds_no_chunk_at_a_static_pause(
    store: CheckpointStore, config: dict
) -> None:
    graph = linear(Counter(), "a", "b").compile(checkpointer=store, interrupt_before=["b"])

    chunks = list(graph.stream({"log": ["in"]}, config, stream_mode="values"))

    assert chunks == [{"log": ["in"]}, {"log": ["in", "a"]}]


# Editing at a breakpoint ------------------------------------------------------------------------


def test_update_state_at_a_breakpoint_then_invoke_none_runs_the_node_without_pausing_again(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(checkpointer=store, interrupt_before=["b"])
    graph.invoke({"log": []}, config)

    graph.update_state(config, {"note": "edited"})
    values = graph.invoke(None, config)

    assert values == {"note": "edited", "log": ["a", "b:edited"]}
    assert graph.get_state(config).next == ()
    assert calls == Counter({"a": 1, "b": 1})


def test_new_input_at_a_breakpoint_restarts_from_start_and_pauses_again(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = linear(calls, "a", "b").compile(checkpointer=store, interrupt_before=["b"])
    graph.invoke({"log": ["in"]}, config)

    values = graph.invoke({"log": ["new"]}, config)

    assert values == {"log": ["in", "a", "new", "a"]}
    assert graph.get_state(config).next == ("b",)
    assert calls == Counter({"a": 2})
