"""update_state(config, values, as_node): the node an edit is made as decides what runs next."""

from __future__ import annotations

import operator
import re
from collections import Counter
from typing import Annotated, Any, TypedDict

import pytest

from branchline import END, START, CheckpointStore, InvalidUpdateError, StateGraph, interrupt
from branchline.domain.model.events import InterruptSuperseded


class State(TypedDict, total=False):
    note: str
    log: Annotated[list[str], operator.add]


def counted(calls: Counter[str], name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        calls[name] += 1
        return {"log": [name]}

    return node


def chain(store: CheckpointStore, calls: Counter[str], **compile_options: Any) -> Any:
    """START -> a -> b -> c -> END."""
    builder = StateGraph(State)
    for name in "abc":
        builder.add_node(name, counted(calls, name))
    builder.add_edge(START, "a")
    builder.add_edge("a", "b")
    builder.add_edge("b", "c")
    builder.add_edge("c", END)
    return builder.compile(checkpointer=store, **compile_options)


def paused_before_b(store: CheckpointStore, calls: Counter[str], config: dict) -> Any:
    graph = chain(store, calls, interrupt_before=["b"])
    graph.invoke({"log": ["in"]}, config)
    return graph


def asking_graph(store: CheckpointStore, calls: Counter[str]) -> Any:
    """START -> ask (asks "q?") -> after -> END."""

    def ask(state: State) -> dict[str, Any]:
        calls["ask:start"] += 1
        answer = interrupt("q?")
        calls["ask:end"] += 1
        return {"log": [f"ask={answer}"]}

    builder = StateGraph(State)
    builder.add_node("ask", ask)
    builder.add_node("after", counted(calls, "after"))
    builder.add_edge(START, "ask")
    builder.add_edge("ask", "after")
    builder.add_edge("after", END)
    return builder.compile(checkpointer=store)


def event_count(store: CheckpointStore, thread_id: str = "t1") -> int:
    return len(list(store.events(thread_id)))


# as_node decides what runs next ----------------------------------------------------------------


def test_update_as_the_paused_node_treats_it_as_done(store: CheckpointStore, config: dict) -> None:
    graph = paused_before_b(store, Counter(), config)

    graph.update_state(config, {"note": "by hand"}, as_node="b")

    assert graph.get_state(config).next == ("c",)


def test_update_as_the_paused_node_skips_it_on_continue(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = paused_before_b(store, calls, config)
    graph.update_state(config, {"note": "by hand"}, as_node="b")

    values = graph.invoke(None, config)

    assert values == {"note": "by hand", "log": ["in", "a", "c"]}
    assert calls == Counter({"a": 1, "c": 1})


def test_update_as_the_previous_node_keeps_the_paused_node_next(
    store: CheckpointStore, config: dict
) -> None:
    graph = paused_before_b(store, Counter(), config)

    graph.update_state(config, {"note": "by hand"}, as_node="a")

    assert graph.get_state(config).next == ("b",)


def test_update_as_an_earlier_node_on_a_finished_thread_makes_the_rest_pending(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = chain(store, calls)
    graph.invoke({"log": []}, config)

    graph.update_state(config, {"note": "again"}, as_node="a")
    pending = graph.get_state(config).next
    values = graph.invoke(None, config)

    assert pending == ("b",)
    assert values["log"] == ["a", "b", "c", "b", "c"]
    assert calls == Counter({"a": 1, "b": 2, "c": 2})


def test_update_with_none_as_a_node_skips_it_without_changing_values(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = paused_before_b(store, calls, config)
    before = graph.get_state(config).values

    graph.update_state(config, None, as_node="b")

    snapshot = graph.get_state(config)
    assert snapshot.values == before
    assert snapshot.next == ("c",)
    assert snapshot.metadata is not None
    assert snapshot.metadata["source"] == "update"
    assert calls == Counter({"a": 1})


# Inferring as_node -----------------------------------------------------------------------------


def test_update_without_as_node_acts_as_the_node_that_wrote_last(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = chain(store, calls, interrupt_after=["b"])
    graph.invoke({"log": []}, config)

    graph.update_state(config, {"note": "edited"})

    assert graph.get_state(config).next == ("c",)


def test_update_without_as_node_on_a_finished_thread_leaves_nothing_pending(
    store: CheckpointStore, config: dict
) -> None:
    graph = chain(store, Counter())
    graph.invoke({"log": []}, config)

    graph.update_state(config, {"note": "edited"})

    assert graph.get_state(config).next == ()


def test_update_without_as_node_on_an_input_only_thread_acts_as_start(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = chain(store, calls, interrupt_before=["a"])
    graph.invoke({"log": ["in"]}, config)

    graph.update_state(config, {"note": "edited"})

    snapshot = graph.get_state(config)
    assert snapshot.next == ("a",)
    assert snapshot.values == {"note": "edited", "log": ["in"]}
    assert calls == Counter()


def test_update_as_start_makes_the_first_node_run_again(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = chain(store, calls)
    graph.invoke({"log": []}, config)

    graph.update_state(config, None, as_node=START)
    pending = graph.get_state(config).next
    graph.invoke(None, config)

    assert pending == ("a",)
    assert calls == Counter({"a": 2, "b": 2, "c": 2})


def test_update_without_as_node_after_parallel_writers_is_ambiguous(
    store: CheckpointStore, config: dict
) -> None:
    builder = StateGraph(State)
    builder.add_node("p", lambda s: {"log": ["p"]})
    builder.add_node("q", lambda s: {"log": ["q"]})
    builder.add_node("join", lambda s: {"log": ["join"]})
    builder.add_edge(START, "p")
    builder.add_edge(START, "q")
    builder.add_edge(["p", "q"], "join")
    graph = builder.compile(checkpointer=store, interrupt_before=["join"])
    graph.invoke({"log": []}, config)
    count = event_count(store)

    with pytest.raises(InvalidUpdateError, match=r"Ambiguous update.*\['p', 'q'\].*as_node="):
        graph.update_state(config, {"note": "which?"})

    assert event_count(store) == count


def test_update_as_an_unknown_node_is_an_error_that_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = paused_before_b(store, Counter(), config)
    count = event_count(store)

    with pytest.raises(InvalidUpdateError, match=r"as_node 'nope' is not a node"):
        graph.update_state(config, {"note": "x"}, as_node="nope")

    assert event_count(store) == count
    assert graph.get_state(config).next == ("b",)


# END ------------------------------------------------------------------------------------------


def test_update_as_end_with_none_clears_pending_work(store: CheckpointStore, config: dict) -> None:
    calls: Counter[str] = Counter()
    graph = paused_before_b(store, calls, config)

    graph.update_state(config, None, as_node=END)
    snapshot = graph.get_state(config)
    values = graph.invoke(None, config)

    assert snapshot.next == ()
    assert snapshot.tasks == ()
    assert values == {"log": ["in", "a"]}
    assert calls == Counter({"a": 1})


def test_update_as_end_with_values_is_an_error_that_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = paused_before_b(store, Counter(), config)
    count = event_count(store)

    with pytest.raises(InvalidUpdateError, match="as_node=END cannot write values"):
        graph.update_state(config, {"note": "x"}, as_node=END)

    assert event_count(store) == count
    assert graph.get_state(config).next == ("b",)


# Reducers -------------------------------------------------------------------------------------


def test_update_values_go_through_the_reducers(store: CheckpointStore, config: dict) -> None:
    graph = paused_before_b(store, Counter(), config)

    graph.update_state(config, {"log": ["edit"], "note": "n"})

    assert graph.get_state(config).values == {"note": "n", "log": ["in", "a", "edit"]}


def test_update_replaces_a_last_value_key(store: CheckpointStore, config: dict) -> None:
    graph = chain(store, Counter(), interrupt_before=["b"])
    graph.invoke({"note": "first", "log": []}, config)

    graph.update_state(config, {"note": "second"})

    assert graph.get_state(config).values["note"] == "second"


# While an interrupt is pending -----------------------------------------------------------------


def test_update_while_an_interrupt_is_pending_supersedes_it(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_graph(store, Counter())
    [asked] = graph.invoke({"log": []}, config)["__interrupt__"]

    graph.update_state(
        {"configurable": {"thread_id": "t1", "actor": "alice"}}, {"note": "changed my mind"}
    )

    dropped = [e for e in store.events("t1") if isinstance(e, InterruptSuperseded)]
    assert [(e.interrupt_id, e.node, e.reason, e.actor) for e in dropped] == [
        (asked.id, "ask", "update", "alice")
    ]
    assert graph.get_state(config).interrupts == ()


def test_update_while_an_interrupt_is_pending_keeps_the_node_next(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_graph(store, Counter())
    graph.invoke({"log": []}, config)

    graph.update_state(config, {"note": "changed my mind"})

    assert graph.get_state(config).next == ("ask",)


def test_invoke_none_after_an_update_reruns_the_node_which_asks_with_a_new_id(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = asking_graph(store, calls)
    [first] = graph.invoke({"log": []}, config)["__interrupt__"]
    graph.update_state(config, {"note": "changed my mind"})

    [second] = graph.invoke(None, config)["__interrupt__"]

    assert second.value == "q?"
    assert re.fullmatch(r"[0-9a-f]{32}", second.id)
    assert second.id != first.id
    assert graph.get_state(config).interrupts == (second,)
    assert calls == Counter({"ask:start": 2})


def test_update_as_the_interrupted_node_skips_it(store: CheckpointStore, config: dict) -> None:
    calls: Counter[str] = Counter()
    graph = asking_graph(store, calls)
    graph.invoke({"log": []}, config)

    graph.update_state(config, {"log": ["answered by hand"]}, as_node="ask")
    pending = graph.get_state(config)
    values = graph.invoke(None, config)

    assert (pending.next, pending.interrupts) == (("after",), ())
    assert values == {"log": ["answered by hand", "after"]}
    assert calls == Counter({"ask:start": 1, "after": 1})


def test_update_writes_one_update_checkpoint_at_parent_step_plus_one(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_graph(store, Counter())
    graph.invoke({"log": []}, config)
    paused = graph.get_state(config)

    new_config = graph.update_state(config, {"note": "n"})

    history = list(graph.get_state_history(config))
    assert history[1].config == paused.config
    assert history[0].config == new_config
    assert history[0].parent_config == paused.config
    assert history[0].metadata is not None and paused.metadata is not None
    assert history[0].metadata["source"] == "update"
    assert history[0].metadata["step"] == paused.metadata["step"] + 1
