"""interrupt(value): pausing inside a node, resuming with Command, and streaming a pause."""

from __future__ import annotations

import operator
import re
from collections import Counter
from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    END,
    START,
    AmbiguousResume,
    CheckpointStore,
    Command,
    Interrupt,
    InvalidConfigError,
    StateGraph,
    interrupt,
)
from branchline.domain.model.events import InterruptSuperseded

HEX32 = re.compile(r"[0-9a-f]{32}")


class State(TypedDict, total=False):
    note: str
    answer: Any
    log: Annotated[list[str], operator.add]


def counted(calls: Counter[str], name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        calls[name] += 1
        return {"log": [name]}

    return node


def asking(calls: Counter[str], name: str, *questions: str) -> Any:
    """A node that counts its starts and ends and asks each question in turn."""

    def node(state: State) -> dict[str, Any]:
        calls[f"{name}:start"] += 1
        answers = [interrupt(q) for q in questions]
        calls[f"{name}:end"] += 1
        return {"log": [f"{name}={a}/{state.get('note', '')}" for a in answers]}

    return node


def ask_graph(store: CheckpointStore | None, calls: Counter[str], *questions: str) -> Any:
    """START -> before -> ask (asks ``questions``, default "q?") -> END."""
    builder = StateGraph(State)
    builder.add_node("before", counted(calls, "before"))
    builder.add_node("ask", asking(calls, "ask", *(questions or ("q?",))))
    builder.add_edge(START, "before")
    builder.add_edge("before", "ask")
    builder.add_edge("ask", END)
    return builder.compile(checkpointer=store)


def parallel_graph(store: CheckpointStore, calls: Counter[str]) -> Any:
    """START -> (p asks "p?" || q asks "q?") -> END."""
    builder = StateGraph(State)
    builder.add_node("p", asking(calls, "p", "p?"))
    builder.add_node("q", asking(calls, "q", "q?"))
    builder.add_edge(START, "p")
    builder.add_edge(START, "q")
    builder.add_edge("p", END)
    builder.add_edge("q", END)
    return builder.compile(checkpointer=store)


def pending_by_value(graph: Any, config: dict) -> dict[str, str]:
    return {i.value: i.id for i in graph.get_state(config).interrupts}


# Pausing -------------------------------------------------------------------------------------


def test_interrupt_returns_values_with_a_list_of_interrupts(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store, Counter())

    values = graph.invoke({"log": []}, config)

    assert isinstance(values["__interrupt__"], list)
    [asked] = values["__interrupt__"]
    assert isinstance(asked, Interrupt)
    assert asked.value == "q?"
    assert HEX32.fullmatch(asked.id)
    assert {k: v for k, v in values.items() if k != "__interrupt__"} == {"log": ["before"]}


def test_interrupt_value_can_be_any_json_value(store: CheckpointStore, config: dict) -> None:
    shown = {"tool": "search", "args": [1, 2.5, None, True], "nested": {"k": "v"}}
    builder = StateGraph(State)
    builder.add_node("ask", lambda s: {"answer": interrupt(shown)})
    builder.add_edge(START, "ask")
    graph = builder.compile(checkpointer=store)

    [asked] = graph.invoke({"log": []}, config)["__interrupt__"]

    assert asked.value == shown
    assert graph.get_state(config).interrupts[0].value == shown


def test_snapshot_shows_the_interrupt_on_its_task_and_in_interrupts(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store, Counter())
    [asked] = graph.invoke({"log": []}, config)["__interrupt__"]

    snapshot = graph.get_state(config)

    assert snapshot.next == ("ask",)
    assert [(t.name, t.interrupts) for t in snapshot.tasks] == [("ask", (asked,))]
    assert snapshot.interrupts == (asked,)


def test_interrupt_ids_differ_across_threads(store: CheckpointStore) -> None:
    graph = ask_graph(store, Counter())

    [one] = graph.invoke({"log": []}, {"configurable": {"thread_id": "one"}})["__interrupt__"]
    [two] = graph.invoke({"log": []}, {"configurable": {"thread_id": "two"}})["__interrupt__"]

    assert one.value == two.value
    assert one.id != two.id


def test_interrupt_without_a_checkpointer_is_a_clear_error() -> None:
    graph = ask_graph(None, Counter())

    with pytest.raises(InvalidConfigError, match=r"interrupt\(\) needs a checkpointer"):
        graph.invoke({"log": []})


# Resuming --------------------------------------------------------------------------------------


def test_resume_reruns_the_interrupted_node_from_its_first_line(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = ask_graph(store, calls)
    graph.invoke({"log": []}, config)

    graph.invoke(Command(resume="yes"), config)

    assert calls == Counter({"before": 1, "ask:start": 2, "ask:end": 1})


def test_resume_value_is_what_interrupt_returns(store: CheckpointStore, config: dict) -> None:
    graph = ask_graph(store, Counter())
    graph.invoke({"log": []}, config)

    values = graph.invoke(Command(resume="yes"), config)

    assert values == {"log": ["before", "ask=yes/"]}
    assert graph.get_state(config).next == ()


def test_several_interrupts_in_one_node_are_answered_in_order(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = ask_graph(store, calls, "first?", "second?")
    graph.invoke({"log": []}, config)

    second = graph.invoke(Command(resume="A"), config)["__interrupt__"]
    values = graph.invoke(Command(resume="B"), config)

    assert [i.value for i in second] == ["second?"]
    assert values == {"log": ["before", "ask=A/", "ask=B/"]}
    assert calls == Counter({"before": 1, "ask:start": 3, "ask:end": 1})


def test_each_interrupt_of_a_node_has_its_own_id(store: CheckpointStore, config: dict) -> None:
    graph = ask_graph(store, Counter(), "first?", "second?")

    [first] = graph.invoke({"log": []}, config)["__interrupt__"]
    [second] = graph.invoke(Command(resume="A"), config)["__interrupt__"]

    assert HEX32.fullmatch(second.id)
    assert first.id != second.id


def test_parallel_interrupts_are_all_pending(store: CheckpointStore, config: dict) -> None:
    graph = parallel_graph(store, Counter())

    values = graph.invoke({"log": []}, config)

    assert sorted(i.value for i in values["__interrupt__"]) == ["p?", "q?"]
    assert sorted(i.value for i in graph.get_state(config).interrupts) == ["p?", "q?"]


def test_parallel_interrupts_are_answered_with_an_id_map(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = parallel_graph(store, calls)
    graph.invoke({"log": []}, config)
    ids = pending_by_value(graph, config)

    values = graph.invoke(Command(resume={ids["p?"]: "P", ids["q?"]: "Q"}), config)

    assert sorted(values["log"]) == ["p=P/", "q=Q/"]
    assert "__interrupt__" not in values
    assert calls == Counter({"p:start": 2, "q:start": 2, "p:end": 1, "q:end": 1})


def test_partial_id_map_leaves_the_unanswered_interrupt_pending_with_its_id(
    store: CheckpointStore, config: dict
) -> None:
    graph = parallel_graph(store, Counter())
    graph.invoke({"log": []}, config)
    ids = pending_by_value(graph, config)

    values = graph.invoke(Command(resume={ids["p?"]: "P"}), config)

    assert [(i.value, i.id) for i in values["__interrupt__"]] == [("q?", ids["q?"])]
    assert pending_by_value(graph, config) == {"q?": ids["q?"]}
    assert graph.get_state(config).next == ("q",)


def test_last_pending_interrupt_accepts_a_bare_value_and_the_answered_one_is_not_rerun(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = parallel_graph(store, calls)
    graph.invoke({"log": []}, config)
    ids = pending_by_value(graph, config)
    graph.invoke(Command(resume={ids["p?"]: "P"}), config)

    values = graph.invoke(Command(resume="Q"), config)

    assert sorted(values["log"]) == ["p=P/", "q=Q/"]
    assert calls["p:start"] == 2
    assert calls["p:end"] == 1


def test_bare_resume_value_with_several_pending_is_ambiguous(
    store: CheckpointStore, config: dict
) -> None:
    graph = parallel_graph(store, Counter())
    graph.invoke({"log": []}, config)
    count = len(list(store.events("t1")))

    with pytest.raises(RuntimeError) as raised:  # as in LangGraph; and ours
        graph.invoke(Command(resume="yes"), config)

    assert isinstance(raised.value, AmbiguousResume)
    said = str(raised.value)
    assert said.startswith(
        "When there are multiple pending interrupts, you must specify the interrupt id "
        "when resuming. 2 are pending on thread 't1': ["
    )
    assert "answer by id: Command(resume={interrupt_id: value, ...})" in said

    assert len(list(store.events("t1"))) == count
    assert len(graph.get_state(config).interrupts) == 2


def test_resume_and_update_applies_the_update_before_the_node_reruns(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store, Counter())
    graph.invoke({"note": "old", "log": []}, config)

    values = graph.invoke(Command(resume="yes", update={"note": "new"}), config)

    assert values == {"note": "new", "log": ["before", "ask=yes/new"]}


def test_resume_and_update_leaves_the_paused_checkpoint_values_unchanged(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store, Counter())
    graph.invoke({"note": "old", "log": []}, config)
    paused_config = graph.get_state(config).config

    graph.invoke(Command(resume="yes", update={"note": "new"}), config)

    paused = graph.get_state(paused_config)
    in_history = [s for s in graph.get_state_history(config) if s.config == paused_config]
    assert paused.values == {"note": "old", "log": ["before"]}
    assert [s.values for s in in_history] == [{"note": "old", "log": ["before"]}]


def test_invoke_none_at_an_interrupt_reruns_the_node_and_asks_again_with_the_same_id(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = ask_graph(store, calls)
    [first] = graph.invoke({"log": []}, config)["__interrupt__"]

    again = graph.invoke(None, config)["__interrupt__"]

    assert again == [first]
    assert graph.get_state(config).interrupts == (first,)
    assert calls == Counter({"before": 1, "ask:start": 2})


def test_finished_sibling_is_not_rerun_when_its_sibling_resumes(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    builder = StateGraph(State)
    builder.add_node("done", counted(calls, "done"))
    builder.add_node("ask", asking(calls, "ask", "q?"))
    builder.add_edge(START, "done")
    builder.add_edge(START, "ask")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"log": []}, config)

    values = graph.invoke(Command(resume="yes"), config)

    assert sorted(values["log"]) == ["ask=yes/", "done"]
    assert calls == Counter({"done": 1, "ask:start": 2, "ask:end": 1})


# New input on a paused thread ------------------------------------------------------------------


def test_new_input_on_a_paused_thread_starts_again_from_start(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = ask_graph(store, calls)
    [first] = graph.invoke({"log": ["in"]}, config)["__interrupt__"]

    values = graph.invoke({"log": ["new"]}, config)

    [second] = values["__interrupt__"]
    assert values["log"] == ["in", "before", "new", "before"]
    assert second.id != first.id
    assert graph.get_state(config).interrupts == (second,)
    assert calls == Counter({"before": 2, "ask:start": 2})


def test_new_input_on_a_paused_thread_records_the_superseded_interrupt_and_who(
    store: CheckpointStore,
) -> None:
    graph = ask_graph(store, Counter())
    graph.invoke({"log": []}, {"configurable": {"thread_id": "t1", "actor": "alice"}})
    [first] = graph.get_state({"configurable": {"thread_id": "t1"}}).interrupts

    graph.invoke({"log": ["new"]}, {"configurable": {"thread_id": "t1", "actor": "bob"}})

    dropped = [e for e in store.events("t1") if isinstance(e, InterruptSuperseded)]
    assert [(e.interrupt_id, e.node, e.reason, e.actor) for e in dropped] == [
        (first.id, "ask", "input", "bob")
    ]


# Streaming ------------------------------------------------------------------------------------


def test_updates_stream_yields_the_interrupt_tuple_at_a_pause(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store, Counter())

    chunks = list(graph.stream({"log": []}, config, stream_mode="updates"))

    [asked] = graph.get_state(config).interrupts
    assert chunks == [{"before": {"log": ["before"]}}, {"__interrupt__": (asked,)}]


def test_values_stream_yields_an_extra_chunk_with_the_interrupt(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store, Counter())

    chunks = list(graph.stream({"log": []}, config, stream_mode="values"))

    [asked] = graph.get_state(config).interrupts
    assert chunks == [
        {"log": []},
        {"log": ["before"]},
        {"log": ["before"], "__interrupt__": (asked,)},
    ]


def test_values_stream_on_resume_first_reemits_the_current_state(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store, Counter())
    graph.invoke({"log": []}, config)

    chunks = list(graph.stream(Command(resume="yes"), config, stream_mode="values"))

    assert chunks == [{"log": ["before"]}, {"log": ["before", "ask=yes/"]}]


def test_updates_stream_on_resume_yields_only_the_resumed_nodes_writes(
    store: CheckpointStore, config: dict
) -> None:
    graph = ask_graph(store, Counter())
    graph.invoke({"log": []}, config)

    chunks = list(graph.stream(Command(resume="yes"), config, stream_mode="updates"))

    assert chunks == [{"ask": {"log": ["ask=yes/"]}}]
