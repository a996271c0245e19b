"""An answer reaches only the question it names: the keys of a resume map.

A key shaped like an interrupt id (6 to 32 lowercase hex digits, maybe cut with an
ellipsis) names a question: the whole id or a unique prefix of a pending one; anything
else it might name is an error that writes nothing. A map of ordinary keys is one plain
answer, as in LangGraph.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

import pytest

from branchline import (
    END,
    START,
    AmbiguousResume,
    CheckpointStore,
    Command,
    InterruptNotPending,
    StateGraph,
    interrupt,
)
from branchline.domain.model.events import Resumed
from branchline.domain.model.ids import interrupt_id
from branchline.runner import tasks
from branchline.runner.resume import Addressed, is_id_shaped
from branchline.runner.stored_threads import record_answers

CUT_ELSEWHERE = "3b73a1241ae71f4b…"  # as `branchline pending` once cut an id of another thread


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {**old, **new}


class Review(TypedDict, total=False):
    answers: Annotated[dict[str, Any], _merge]


def reviewers(store: CheckpointStore, *names: str) -> Any:
    """START -> each of ``names`` (in one step; each asks "NAME?") -> END."""

    def ask(name: str) -> Any:
        def node(state: Review) -> dict[str, Any]:
            return {"answers": {name: interrupt(f"{name}?")}}

        return node

    builder = StateGraph(Review)
    for name in names:
        builder.add_node(name, ask(name))
        builder.add_edge(START, name)
        builder.add_edge(name, END)
    return builder.compile(checkpointer=store)


def ask(graph: Any, config: dict) -> dict[str, str]:
    """Start the thread; the pending interrupt ids by question."""
    return {i.value: i.id for i in graph.invoke({"answers": {}}, config)["__interrupt__"]}


def events_of(store: CheckpointStore) -> list[Any]:
    return list(store.events("t1"))


# Keys shaped like ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "3b73a1",
        "3b73a1241ae71f4b",
        "3b73a1241ae71f4b…",
        "3b73a1241ae71f4b...",
        "3b73a1241ae71f4b0123456789abcdef",
        "facade",
    ],
)
def test_six_to_32_lowercase_hex_digits_maybe_cut_are_shaped_like_an_id(key: str) -> None:
    assert is_id_shaped(key)


@pytest.mark.parametrize(
    "key",
    [
        "3b73a",
        "cafe",
        "approved",
        "3B73A1241AE71F4B",
        "3b73a1241ae71f4b0123456789abcdef0",
        "3b73a1…x",
        " 3b73a1",
        "…",
        "",
        1234567,
    ],
)
def test_other_keys_are_not_shaped_like_an_id(key: object) -> None:
    assert not is_id_shaped(key)


# Resolved to the question they name ---------------------------------------------------------


def test_an_id_cut_with_an_ellipsis_answers_the_question_it_starts(
    store: CheckpointStore, config: dict
) -> None:
    graph = reviewers(store, "x")
    asked = ask(graph, config)

    final = graph.invoke(Command(resume={asked["x?"][:16] + "…": False}), config)

    assert final == {"answers": {"x": False}}
    [answer] = [e for e in events_of(store) if isinstance(e, Resumed)]
    assert answer.interrupt_id == asked["x?"]


def test_a_unique_prefix_answers_only_the_question_it_starts(
    store: CheckpointStore, config: dict
) -> None:
    graph = reviewers(store, "x", "y")
    asked = ask(graph, config)

    paused = graph.invoke(Command(resume={asked["x?"][:6]: "no"}), config)

    assert [i.id for i in paused["__interrupt__"]] == [asked["y?"]]
    assert graph.invoke(Command(resume={asked["y?"]: "yes"}), config) == {
        "answers": {"x": "no", "y": "yes"}
    }


def test_a_map_of_ordinary_keys_is_one_plain_answer_as_in_langgraph(
    store: CheckpointStore, config: dict
) -> None:
    graph = reviewers(store, "x")
    ask(graph, config)

    final = graph.invoke(Command(resume={"approved": True, "cafe": 1}), config)

    assert final == {"answers": {"x": {"approved": True, "cafe": 1}}}


# Refused, writing nothing -------------------------------------------------------------------


def test_an_id_shaped_key_that_starts_no_pending_id_is_an_error_that_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = reviewers(store, "x")
    asked = ask(graph, config)
    before = events_of(store)

    with pytest.raises(InterruptNotPending) as raised:
        graph.invoke(Command(resume={CUT_ELSEWHERE: False}), config)

    assert str(raised.value) == (
        f"interrupt {CUT_ELSEWHERE!r} is unknown on thread 't1'; pending now: "
        f"[{asked['x?']!r}]. Call get_state(config) to list them"
    )
    assert events_of(store) == before


def test_a_prefix_of_several_pending_ids_is_an_error_that_writes_nothing(
    store: CheckpointStore, config: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "interrupt_id", lambda t, i: "abcdef" + interrupt_id(t, i)[6:])
    graph = reviewers(store, "x", "y")
    asked = ask(graph, config)
    before = events_of(store)

    with pytest.raises(AmbiguousResume) as raised:
        graph.invoke(Command(resume={"abcdef…": False}), config)

    assert str(raised.value) == (
        f"interrupt 'abcdef…' is the start of 2 pending ids: {list(asked.values())}; give more "
        "of the id (get_state(config).interrupts or `branchline pending` lists them whole); "
        "nothing was recorded"
    )
    assert events_of(store) == before


def test_a_map_mixing_ids_and_ordinary_keys_is_an_error_that_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = reviewers(store, "x")
    asked = ask(graph, config)
    before = events_of(store)

    with pytest.raises(AmbiguousResume, match=r"mixes keys shaped like interrupt ids \[") as raised:
        graph.invoke(Command(resume={asked["x?"]: False, "note": "no"}), config)

    assert "['note']" in str(raised.value)
    assert events_of(store) == before


def test_two_keys_naming_one_question_are_an_error_that_writes_nothing(
    store: CheckpointStore, config: dict
) -> None:
    graph = reviewers(store, "x")
    asked = ask(graph, config)
    before = events_of(store)

    with pytest.raises(AmbiguousResume) as raised:
        graph.invoke(Command(resume={asked["x?"][:8]: True, asked["x?"]: False}), config)

    assert str(raised.value) == (
        f"keys {asked['x?'][:8]!r} and {asked['x?']!r} both name interrupt {asked['x?']!r}; "
        "give one answer per question"
    )
    assert events_of(store) == before


def test_a_prefix_of_an_answered_question_names_who_answered_it(
    store: CheckpointStore, config: dict
) -> None:
    graph = reviewers(store, "x", "y")
    asked = ask(graph, config)
    alice = {"configurable": {"thread_id": "t1", "actor": "alice"}}
    graph.invoke(Command(resume={asked["x?"]: "yes"}), alice)

    with pytest.raises(InterruptNotPending) as raised:
        graph.invoke(Command(resume={asked["x?"][:10] + "...": "no"}), config)

    assert str(raised.value).startswith(
        f"interrupt {asked['x?'][:10] + '...'!r} ({asked['x?']}) was already answered by alice"
    )
    assert f"pending now: [{asked['y?']!r}]" in str(raised.value)


# Addressed answers: every key is an id ------------------------------------------------------


def test_addressed_answers_refuse_a_key_that_is_not_a_pending_id(
    store: CheckpointStore, config: dict
) -> None:
    graph = reviewers(store, "x")
    asked = ask(graph, config)
    before = events_of(store)

    with pytest.raises(InterruptNotPending) as raised:
        graph.invoke(Command(resume=Addressed({"approved": False})), config)

    assert str(raised.value) == (
        f"interrupt 'approved' is unknown on thread 't1'; pending now: [{asked['x?']!r}]. "
        "Call get_state(config) to list them"
    )
    assert events_of(store) == before


def test_addressed_answers_refuse_a_prefix_shorter_than_six_characters(
    store: CheckpointStore, config: dict
) -> None:
    graph = reviewers(store, "x")
    asked = ask(graph, config)
    before = events_of(store)

    with pytest.raises(InterruptNotPending) as raised:
        graph.invoke(Command(resume=Addressed({asked["x?"][:5]: False})), config)

    assert str(raised.value) == (
        f"interrupt {asked['x?'][:5]!r} is too short to name a question: give at least 6 "
        f"characters of its id; pending now: [{asked['x?']!r}]. Call get_state(config) to "
        "list them"
    )
    assert events_of(store) == before


def test_an_answer_recorded_without_the_graph_resolves_the_same_way(
    store: CheckpointStore, config: dict
) -> None:
    graph = reviewers(store, "x")
    asked = ask(graph, config)
    before = events_of(store)

    with pytest.raises(InterruptNotPending, match="is unknown on thread 't1'"):
        record_answers(store, "t1", {CUT_ELSEWHERE: False}, "ivy")
    assert events_of(store) == before

    [answer] = record_answers(store, "t1", Addressed({asked["x?"][:12] + "…": False}), "ivy")
    assert (answer.interrupt_id, answer.value, answer.actor) == (asked["x?"], False, "ivy")
