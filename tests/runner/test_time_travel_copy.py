"""``copy_thread``: a thread copied under a new id, with its history, its pending
question and its subgraphs' threads, goes on independently of the original."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    CheckpointStore,
    Command,
    ConcurrentUpdate,
    InvalidThreadId,
    Send,
    StateGraph,
    ThreadNotFound,
    copy_thread,
    interrupt,
    open_views,
)


class Refund(TypedDict, total=False):
    amount: int
    log: Annotated[list[str], operator.add]
    decision: str


def _approval_subgraph() -> Any:
    def ask(state: Refund) -> dict[str, Any]:
        answer = interrupt({"question": "approve?", "amount": state["amount"]})
        return {"decision": answer, "log": [f"review:{answer}"]}

    return StateGraph(Refund).add_node("ask", ask).set_entry_point("ask").compile()


def _refunds(store: CheckpointStore) -> Any:
    def draft(state: Refund) -> dict[str, Any]:
        return {"log": ["draft"]}

    def pay(state: Refund) -> dict[str, Any]:
        return {"log": [f"pay:{state['decision']}"]}

    builder = StateGraph(Refund)
    builder.add_node("draft", draft)
    builder.add_node("review", _approval_subgraph())
    builder.add_node("pay", pay)
    builder.add_edge("__start__", "draft")
    builder.add_edge("draft", "review")
    builder.add_edge("review", "pay")
    return builder.compile(checkpointer=store)


def _config(thread: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread}}


def test_a_copy_has_the_history_and_question_under_its_own_ids(store: CheckpointStore) -> None:
    graph = _refunds(store)
    graph.invoke({"amount": 40}, _config("t1"))
    copy_thread(store, "t1", "t1-copy", actor="erin")

    original, copy = graph.get_state(_config("t1")), graph.get_state(_config("t1-copy"))
    assert copy.values == original.values and copy.next == original.next == ("review",)
    assert [i.value for i in copy.interrupts] == [i.value for i in original.interrupts]
    assert copy.interrupts[0].id != original.interrupts[0].id  # addressed on its own thread
    assert (
        copy.config["configurable"]["checkpoint_id"]
        != original.config["configurable"]["checkpoint_id"]
    )
    old_history = list(graph.get_state_history(_config("t1")))
    new_history = list(graph.get_state_history(_config("t1-copy")))
    assert [s.values for s in new_history] == [s.values for s in old_history]
    assert [s.next for s in new_history] == [s.next for s in old_history]
    assert [s.metadata["step"] for s in new_history] == [s.metadata["step"] for s in old_history]


def test_the_copy_and_the_original_go_on_apart(store: CheckpointStore) -> None:
    graph = _refunds(store)
    graph.invoke({"amount": 40}, _config("t1"))
    copy_thread(store, "t1", "t1-copy")

    copied = graph.invoke(Command(resume="no"), _config("t1-copy"))
    assert copied["log"][-2:] == ["review:no", "pay:no"]
    assert graph.get_state(_config("t1")).next == ("review",)  # still asking
    assert graph.invoke(Command(resume="yes"), _config("t1"))["decision"] == "yes"
    assert graph.get_state(_config("t1-copy")).values == copied

    graph.invoke({"amount": 5}, _config("t2"))
    copy_thread(store, "t2", "t2-copy")
    same = graph.invoke(Command(resume="no"), _config("t2"))
    assert graph.invoke(Command(resume="no"), _config("t2-copy")) == same  # as it would have


def test_the_original_question_id_does_not_answer_the_copy(store: CheckpointStore) -> None:
    graph = _refunds(store)
    graph.invoke({"amount": 40}, _config("t1"))
    copy_thread(store, "t1", "t1-copy")
    asked = graph.get_state(_config("t1")).interrupts[0].id

    with pytest.raises(Exception, match=asked):
        graph.invoke(Command(resume={asked: "yes"}), _config("t1-copy"))
    assert graph.get_state(_config("t1-copy")).next == ("review",)


def test_the_inbox_lists_both_questions(store: CheckpointStore) -> None:
    graph = _refunds(store)
    graph.invoke({"amount": 40}, _config("t1"))
    copy_thread(store, "t1", "t1-copy")

    pending = open_views(store).pending_interrupts()
    assert sorted(p.thread_id for p in pending) == ["t1", "t1-copy"]


def test_the_copy_names_its_original_and_who_copied(store: CheckpointStore) -> None:
    graph = _refunds(store)
    graph.invoke({"amount": 40}, _config("t1"))
    copy_thread(store, "t1", "t1-copy", actor="erin")

    started = next(iter(store.events("t1-copy")))
    assert (started.copied_from, started.copied_by) == ("t1", "erin")  # type: ignore[attr-defined]
    assert all(report.intact for report in store.verify("t1-copy"))


def test_a_copy_of_a_copy_goes_on_too(store: CheckpointStore) -> None:
    graph = _refunds(store)
    graph.invoke({"amount": 40}, _config("t1"))
    copy_thread(store, "t1", "t2")
    copy_thread(store, "t2", "t3")

    assert graph.invoke(Command(resume="ok"), _config("t3"))["log"][-1] == "pay:ok"


def test_copying_onto_an_existing_thread_writes_nothing(store: CheckpointStore) -> None:
    graph = _refunds(store)
    graph.invoke({"amount": 40}, _config("t1"))
    graph.invoke({"amount": 7}, _config("t2"))
    before = list(store.events("t2"))

    with pytest.raises(ConcurrentUpdate, match="'t2' exists already"):
        copy_thread(store, "t1", "t2")
    assert list(store.events("t2")) == before


def test_copying_a_missing_thread_or_to_a_bad_id_is_refused(store: CheckpointStore) -> None:
    graph = _refunds(store)
    graph.invoke({"amount": 40}, _config("t1"))

    with pytest.raises(ThreadNotFound, match="'nope'"):
        copy_thread(store, "nope", "t9")
    with pytest.raises(InvalidThreadId, match="control characters"):
        copy_thread(store, "t1", "bad\x00id")
    assert store.load("t9") is None


def _fan_out(store: CheckpointStore) -> Any:
    """Send tasks that each ask, beside a subgraph kept across calls (checkpointer=True)."""

    def ask(state: dict[str, Any]) -> dict[str, Any]:
        return {"log": [f"{state['item']}:{interrupt(state['item'])}"]}

    def count(state: Refund) -> dict[str, Any]:
        return {"log": [f"seen {len(state.get('log', []))}"]}

    kept = StateGraph(Refund).add_node("count", count).set_entry_point("count")
    builder = StateGraph(Refund)
    builder.add_node("ask", ask)
    builder.add_node("kept", kept.compile(checkpointer=True))
    builder.add_conditional_edges("__start__", lambda s: [Send("ask", {"item": i}) for i in "ab"])
    builder.add_edge("__start__", "kept")
    return builder.compile(checkpointer=store)


def test_a_copy_of_sends_a_kept_subgraph_and_a_fork_goes_on_as_the_original(
    store: CheckpointStore,
) -> None:
    graph = _fan_out(store)
    graph.invoke({"log": []}, _config("t1"))
    first = graph.get_state(_config("t1")).interrupts[0].id
    graph.invoke(Command(resume={first: "one"}), _config("t1"))
    past = [s for s in graph.get_state_history(_config("t1")) if s.next][-1]
    graph.update_state(past.config, {"amount": 3})  # a fork: the head is on a new branch
    graph.invoke(None, _config("t1"))
    copy_thread(store, "t1", "t1-copy")

    old, new = graph.get_state(_config("t1")), graph.get_state(_config("t1-copy"))
    assert (new.values, new.next) == (old.values, old.next)
    assert sorted(i.value for i in new.interrupts) == sorted(i.value for i in old.interrupts)
    assert len(graph.list_branches(_config("t1-copy"))) == len(graph.list_branches(_config("t1")))
    answers = {"a": "x", "b": "y"}
    for thread in ("t1", "t1-copy"):
        pending = graph.get_state(_config(thread)).interrupts
        graph.invoke(Command(resume={i.id: answers[i.value] for i in pending}), _config(thread))
    assert graph.get_state(_config("t1-copy")).values == graph.get_state(_config("t1")).values
    graph.invoke({"log": []}, _config("t1-copy"))  # the kept subgraph's thread was copied too
    graph.invoke({"log": []}, _config("t1"))
    assert graph.get_state(_config("t1-copy")).values == graph.get_state(_config("t1")).values
