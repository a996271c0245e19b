"""Answers and edits on a stored thread without its graph (the CLI's path) go through the
same intake as ``invoke`` and ``update_state``: the same events, the same refusals."""

from __future__ import annotations

from typing import Any, TypedDict

import pytest

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    CompiledStateGraph,
    InterruptNotPending,
    InvalidUpdateError,
    StateGraph,
    ThreadNotFound,
    interrupt,
)
from branchline.domain.model.events import Resumed
from branchline.runner.stored_threads import record_answers, record_edit


class Review(TypedDict, total=False):
    draft: str
    verdict: str
    published: bool


def _graph(store: CheckpointStore) -> CompiledStateGraph:
    builder = StateGraph(Review)
    builder.add_node("write", lambda s: {"draft": "v1"})
    builder.add_node("review", lambda s: {"verdict": interrupt({"draft": s["draft"]})})
    builder.add_node("publish", lambda s: {"published": s["verdict"] == "ok"})
    builder.add_edge(START, "write")
    builder.add_edge("write", "review")
    builder.add_edge("review", "publish")
    builder.add_edge("publish", END)
    return builder.compile(checkpointer=store)


def _paused(store: CheckpointStore) -> CompiledStateGraph:
    graph = _graph(store)
    graph.invoke({}, {"configurable": {"thread_id": "t1"}})
    return graph


def _answers(store: CheckpointStore) -> list[tuple[Any, ...]]:
    return [
        (e.interrupt_id, e.node, e.value, e.actor, e.digest)
        for e in store.events("t1")
        if isinstance(e, Resumed)
    ]


def test_an_answer_recorded_without_the_graph_is_the_answer_invoke_records() -> None:
    config = {"configurable": {"thread_id": "t1", "actor": "ada"}}
    with CheckpointStore.in_memory() as by_invoke, CheckpointStore.in_memory() as by_cli:
        resumed = _paused(by_invoke).invoke(Command(resume="ok"), config)
        graph = _paused(by_cli)
        recorded = record_answers(by_cli, "t1", "ok", "ada")
        assert graph.invoke(None, config) == resumed == {**resumed, "published": True}
        assert _answers(by_cli) == _answers(by_invoke) != []
        assert [(e.interrupt_id, e.value, e.actor) for e in recorded] == [
            a[:1] + a[2:4] for a in _answers(by_cli)
        ]


def test_an_answer_without_the_graph_to_a_question_not_asked_writes_nothing(
    store: CheckpointStore,
) -> None:
    _paused(store)
    before = list(store.events("t1"))
    with pytest.raises(InterruptNotPending, match="'0123456789abcdef0123456789abcdef' is unknown"):
        record_answers(store, "t1", {"0123456789abcdef0123456789abcdef": "ok"}, "ada")
    assert list(store.events("t1")) == before


def test_an_edit_without_the_graph_assigns_as_given_and_keeps_what_was_pending(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = _paused(store)
    new = record_edit(store, "t1", {"draft": "v2"}, actor="kim")
    snapshot = graph.get_state(config)
    assert snapshot.config == new
    assert snapshot.values == {"draft": "v2"}
    assert snapshot.next == ("review",)
    assert snapshot.metadata is not None and snapshot.metadata["source"] == "update"
    asked_again = graph.invoke(None, config)["__interrupt__"]  # the edit superseded the question
    assert [i.value for i in asked_again] == [{"draft": "v2"}]


def test_an_edit_without_the_graph_at_a_past_checkpoint_forks_there_by_name(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = _paused(store)
    graph.invoke(Command(resume="ok"), config)
    past = next(s for s in graph.get_state_history(config) if s.next == ("review",))
    checkpoint = past.config["configurable"]["checkpoint_id"]
    record_edit(store, "t1", {"draft": "v3"}, actor="kim", checkpoint=checkpoint, name="redo")
    head = graph.get_state(config)
    assert head.values == {"draft": "v3"} and head.next == ("review",)
    assert [b.name for b in graph.list_branches(config)] == [None, "redo"]
    assert graph.list_branches(config)[1].created_by == "kim"


@pytest.mark.parametrize("values", [["draft"], {1: "v2"}, "v2"])
def test_edit_values_that_are_not_an_object_of_keys_are_refused_and_write_nothing(
    store: CheckpointStore, values: Any
) -> None:
    _paused(store)
    before = list(store.events("t1"))
    with pytest.raises(InvalidUpdateError, match="must be an object of state keys, got"):
        record_edit(store, "t1", values, actor="kim")
    assert list(store.events("t1")) == before


def test_an_edit_without_the_graph_of_a_thread_never_run_is_refused(
    store: CheckpointStore,
) -> None:
    with pytest.raises(ThreadNotFound, match="thread 'nope' has no checkpoint to edit"):
        record_edit(store, "nope", {"draft": "v2"}, actor="kim")
    assert list(store.events("nope")) == []
