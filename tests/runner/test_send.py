"""Send: fanning out one task per packet, their interrupts, retries and durability."""

from __future__ import annotations

import operator
import re
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    END,
    START,
    AmbiguousResume,
    CheckpointStore,
    Command,
    InvalidUpdateError,
    StateGraph,
    interrupt,
)
from branchline.runner.types import Send

HEX32 = re.compile(r"[0-9a-f]{32}")
ITEMS = ["a", "b", "c"]


class State(TypedDict, total=False):
    items: list[str]
    results: Annotated[list[str], operator.add]


def fan_out(state: State) -> list[Send]:
    return [Send("work", {"item": i}) for i in state["items"]]


def upper(calls: Counter[str], seen: list[Any] | None = None) -> Any:
    """A worker that records its input and writes its item upper-cased."""

    def work(packet: dict[str, Any]) -> dict[str, Any]:
        calls[packet["item"]] += 1
        if seen is not None:
            seen.append(packet)
        return {"results": [packet["item"].upper()]}

    return work


def asking(calls: Counter[str]) -> Any:
    """A worker that asks ``<item>?`` and writes ``<item>=<answer>``."""

    def work(packet: dict[str, Any]) -> dict[str, Any]:
        calls[f"{packet['item']}:start"] += 1
        answer = interrupt(f"{packet['item']}?")
        calls[f"{packet['item']}:end"] += 1
        return {"results": [f"{packet['item']}={answer}"]}

    return work


def failing_once(calls: Counter[str], item: str) -> Any:
    """A worker that raises the first time it gets ``item``."""

    def work(packet: dict[str, Any]) -> dict[str, Any]:
        calls[packet["item"]] += 1
        if packet["item"] == item and calls[item] == 1:
            raise ValueError(f"boom on {item}")
        return {"results": [packet["item"].upper()]}

    return work


def send_graph(store: CheckpointStore | None, work: Any, **compile_options: Any) -> Any:
    """START -(Send per item)-> work -> END."""
    builder = StateGraph(State)
    builder.add_node("work", work)
    builder.add_conditional_edges(START, fan_out)
    builder.add_edge("work", END)
    return builder.compile(checkpointer=store, **compile_options)


def by_value(graph: Any, config: dict) -> dict[str, str]:
    return {i.value: i.id for i in graph.get_state(config).interrupts}


# Fan-out ------------------------------------------------------------------------------


def test_send_runs_one_task_per_packet_each_receiving_its_packet(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    seen: list[Any] = []
    graph = send_graph(store, upper(calls, seen))

    graph.invoke({"items": ITEMS}, config)

    assert sorted(seen, key=lambda p: p["item"]) == [{"item": i} for i in ITEMS]
    assert calls == Counter({"a": 1, "b": 1, "c": 1})


def test_send_task_writes_are_reduced_in_packet_order(store: CheckpointStore, config: dict) -> None:
    graph = send_graph(store, upper(Counter()))

    values = graph.invoke({"items": ["c", "a", "b"]}, config)

    assert values == {"items": ["c", "a", "b"], "results": ["C", "A", "B"]}


def test_send_without_checkpointer_fans_out_too() -> None:
    calls: Counter[str] = Counter()
    graph = send_graph(None, upper(calls))

    values = graph.invoke({"items": ITEMS})

    assert values["results"] == ["A", "B", "C"]
    assert calls == Counter({"a": 1, "b": 1, "c": 1})


def test_next_lists_the_sent_node_once_per_packet(store: CheckpointStore, config: dict) -> None:
    calls: Counter[str] = Counter()
    graph = send_graph(store, upper(calls), interrupt_before=["work"])

    graph.invoke({"items": ITEMS}, config)
    state = graph.get_state(config)

    assert state.next == ("work", "work", "work")
    assert [t.name for t in state.tasks] == ["work", "work", "work"]
    assert len({t.id for t in state.tasks}) == 3
    assert calls == Counter()


def test_node_returning_command_goto_sends_fans_out(store: CheckpointStore, config: dict) -> None:
    calls: Counter[str] = Counter()
    seen: list[Any] = []

    def plan(state: State) -> Command:
        return Command(goto=[Send("work", {"item": i}) for i in state["items"]])

    builder = StateGraph(State)
    builder.add_node("plan", plan)
    builder.add_node("work", upper(calls, seen))
    builder.add_edge(START, "plan")
    builder.add_edge("work", END)
    graph = builder.compile(checkpointer=store)

    values = graph.invoke({"items": ITEMS}, config)

    assert values == {"items": ITEMS, "results": ["A", "B", "C"]}
    assert sorted(seen, key=lambda p: p["item"]) == [{"item": i} for i in ITEMS]
    assert calls == Counter({"a": 1, "b": 1, "c": 1})


# Interrupts in Send tasks -------------------------------------------------------------


def test_send_tasks_that_interrupt_each_get_their_own_interrupt_id(
    store: CheckpointStore, config: dict
) -> None:
    graph = send_graph(store, asking(Counter()))

    asked = graph.invoke({"items": ITEMS}, config)["__interrupt__"]

    assert sorted(i.value for i in asked) == ["a?", "b?", "c?"]
    assert all(HEX32.fullmatch(i.id) for i in asked)
    assert len({i.id for i in asked}) == 3
    assert sorted(graph.get_state(config).interrupts, key=lambda i: i.value) == sorted(
        asked, key=lambda i: i.value
    )


def test_each_send_task_shows_only_its_own_interrupt(store: CheckpointStore, config: dict) -> None:
    graph = send_graph(store, asking(Counter()))
    graph.invoke({"items": ITEMS}, config)

    tasks = graph.get_state(config).tasks

    assert [[i.value for i in t.interrupts] for t in tasks] == [["a?"], ["b?"], ["c?"]]


def test_answering_one_send_interrupt_by_id_leaves_the_others_pending(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = send_graph(store, asking(calls))
    graph.invoke({"items": ITEMS}, config)
    ids = by_value(graph, config)

    values = graph.invoke(Command(resume={ids["b?"]: 2}), config)

    assert sorted(i.id for i in values["__interrupt__"]) == sorted([ids["a?"], ids["c?"]])
    assert by_value(graph, config) == {"a?": ids["a?"], "c?": ids["c?"]}
    assert graph.get_state(config).next == ("work", "work")
    assert calls["b:end"] == 1


def test_answering_the_remaining_send_interrupts_finishes_in_packet_order(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = send_graph(store, asking(calls))
    graph.invoke({"items": ITEMS}, config)
    ids = by_value(graph, config)
    graph.invoke(Command(resume={ids["b?"]: 2}), config)

    values = graph.invoke(Command(resume={ids["a?"]: 1, ids["c?"]: 3}), config)

    assert values == {"items": ITEMS, "results": ["a=1", "b=2", "c=3"]}
    assert graph.get_state(config).next == ()
    assert graph.get_state(config).interrupts == ()
    assert (calls["a:end"], calls["b:end"], calls["c:end"]) == (1, 1, 1)


def test_answered_send_task_is_not_rerun_when_a_sibling_is_answered(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = send_graph(store, asking(calls))
    graph.invoke({"items": ITEMS}, config)
    ids = by_value(graph, config)
    graph.invoke(Command(resume={ids["b?"]: 2}), config)
    b_starts = calls["b:start"]

    graph.invoke(Command(resume={ids["a?"]: 1, ids["c?"]: 3}), config)

    assert calls["b:start"] == b_starts == 2


def test_bare_resume_value_with_several_send_interrupts_is_ambiguous(
    store: CheckpointStore, config: dict
) -> None:
    graph = send_graph(store, asking(Counter()))
    graph.invoke({"items": ITEMS}, config)
    before = len(list(store.events("t1")))

    with pytest.raises(AmbiguousResume):
        graph.invoke(Command(resume="yes"), config)

    assert len(list(store.events("t1"))) == before


# Failures -----------------------------------------------------------------------------


def test_failing_send_task_is_retried_alone(store: CheckpointStore, config: dict) -> None:
    calls: Counter[str] = Counter()
    graph = send_graph(store, failing_once(calls, "b"))
    with pytest.raises(ValueError, match="boom on b"):
        graph.invoke({"items": ITEMS}, config)

    graph.invoke(None, config)

    assert calls == Counter({"a": 1, "b": 2, "c": 1})
    assert graph.get_state(config).next == ()


def test_failed_send_task_stays_pending_and_shows_its_error(
    store: CheckpointStore, config: dict
) -> None:
    graph = send_graph(store, failing_once(Counter(), "b"))
    with pytest.raises(ValueError, match="boom on b"):
        graph.invoke({"items": ITEMS}, config)

    state = graph.get_state(config)

    assert state.next == ("work",)
    # As in LangGraph, the packets that finished are listed too (with no error).
    [failed] = [t for t in state.tasks if t.error]
    assert failed.name == "work"
    assert "boom on b" in (failed.error or "")
    assert len(state.tasks) == len(ITEMS)


def test_retried_send_task_writes_keep_packet_order(store: CheckpointStore, config: dict) -> None:
    graph = send_graph(store, failing_once(Counter(), "b"))
    with pytest.raises(ValueError, match="boom on b"):
        graph.invoke({"items": ITEMS}, config)

    values = graph.invoke(None, config)

    assert values == {"items": ITEMS, "results": ["A", "B", "C"]}


# Durability ---------------------------------------------------------------------------


def test_send_packets_survive_a_process_restart(tmp_path: Path, config: dict) -> None:
    db = tmp_path / "threads.db"
    first_calls: Counter[str] = Counter()
    with CheckpointStore.sqlite(db) as first:
        send_graph(first, upper(first_calls), interrupt_before=["work"]).invoke(
            {"items": ITEMS}, config
        )

    calls: Counter[str] = Counter()
    seen: list[Any] = []
    with CheckpointStore.sqlite(db) as reopened:
        graph = send_graph(reopened, upper(calls, seen), interrupt_before=["work"])
        paused = graph.get_state(config)
        values = graph.invoke(None, config)

    assert first_calls == Counter()
    assert paused.next == ("work", "work", "work")
    assert sorted(seen, key=lambda p: p["item"]) == [{"item": i} for i in ITEMS]
    assert values == {"items": ITEMS, "results": ["A", "B", "C"]}


def test_send_interrupts_survive_a_process_restart(tmp_path: Path, config: dict) -> None:
    db = tmp_path / "threads.db"
    with CheckpointStore.sqlite(db) as first:
        graph = send_graph(first, asking(Counter()))
        graph.invoke({"items": ITEMS}, config)
        ids = by_value(graph, config)
        graph.invoke(Command(resume={ids["a?"]: 1}), config)

    calls: Counter[str] = Counter()
    with CheckpointStore.sqlite(db) as reopened:
        graph = send_graph(reopened, asking(calls))
        values = graph.invoke(Command(resume={ids["b?"]: 2, ids["c?"]: 3}), config)

    assert values == {"items": ITEMS, "results": ["a=1", "b=2", "c=3"]}
    assert calls["a:start"] == 0


def test_update_without_as_node_where_only_send_tasks_ran_since_a_fork_is_ambiguous() -> None:
    # LangGraph: a fork of the input checkpoint made as "a", whose Send ran "b": the
    # next update without as_node raises "Ambiguous update, specify as_node".
    builder = StateGraph(State)
    builder.add_node("a", lambda s: {"results": ["a"]})
    builder.add_node("b", lambda s: {"results": ["b"]})
    builder.add_edge(START, "a").add_conditional_edges("a", lambda s: [Send("b", s)], ["b"])
    graph = builder.compile(checkpointer=CheckpointStore.in_memory())
    config = {"configurable": {"thread_id": "t"}}
    graph.invoke({"items": []}, config)
    first = list(graph.get_state_history(config))[-1].config
    graph.invoke(None, graph.update_state(first, {"results": ["fork"]}, as_node="a"))
    assert graph.get_state(config).values["results"] == ["fork", "b"]
    with pytest.raises(InvalidUpdateError, match=r"Ambiguous update.*as_node=") as raised:
        graph.update_state(config, {"results": ["x"]})
    assert "Send tasks do not count" in str(raised.value)
    graph.update_state(config, {"results": ["x"]}, as_node="b")  # naming the node works
