"""Who answered what: the actor and digest recorded with each resume and edit."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from branchline import END, START, CheckpointStore, Command, StateGraph, interrupt
from branchline.domain.model.events import Resumed, StateUpdated


class State(TypedDict, total=False):
    question: Any
    log: Annotated[list[Any], operator.add]


def review(state: State) -> dict[str, Any]:
    decision = interrupt(state.get("question", "approve?"))
    return {"log": [decision]}


def review_graph(store: CheckpointStore, reviews: int = 1) -> Any:
    """START -> review_1 -> ... -> review_n -> END, each asking the state's question."""
    builder = StateGraph(State)
    names = [f"review_{i}" for i in range(1, reviews + 1)]
    for name in names:
        builder.add_node(name, review)
    for start, end in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(start, end)
    return builder.compile(checkpointer=store)


def thread(thread_id: str = "t1", **sections: dict[str, Any]) -> dict[str, Any]:
    configurable = {"thread_id": thread_id, **sections.pop("configurable", {})}
    return {"configurable": configurable, **sections}


def resumes(store: CheckpointStore, thread_id: str = "t1") -> list[Resumed]:
    return [e for e in store.events(thread_id) if isinstance(e, Resumed)]


def updates(store: CheckpointStore, thread_id: str = "t1") -> list[StateUpdated]:
    return [e for e in store.events(thread_id) if isinstance(e, StateUpdated)]


def test_resumed_records_the_actor_from_configurable(store: CheckpointStore) -> None:
    graph = review_graph(store)
    graph.invoke({"log": []}, thread())

    graph.invoke(Command(resume="yes"), thread(configurable={"actor": "alice"}))

    assert [e.actor for e in resumes(store)] == ["alice"]


def test_resumed_records_the_actor_from_metadata(store: CheckpointStore) -> None:
    graph = review_graph(store)
    graph.invoke({"log": []}, thread())

    graph.invoke(Command(resume="yes"), thread(metadata={"actor": "bob"}))

    assert [e.actor for e in resumes(store)] == ["bob"]


def test_resumed_without_an_actor_records_none(store: CheckpointStore) -> None:
    graph = review_graph(store)
    graph.invoke({"log": []}, thread(configurable={"actor": "alice"}))

    graph.invoke(Command(resume="yes"), thread())

    assert [e.actor for e in resumes(store)] == [None]


def test_actor_is_never_taken_from_the_resume_payload(store: CheckpointStore) -> None:
    graph = review_graph(store)
    graph.invoke({"log": []}, thread())

    graph.invoke(Command(resume={"actor": "mallory", "approved": True}), thread())

    [resumed] = resumes(store)
    assert resumed.actor is None
    assert resumed.value == {"actor": "mallory", "approved": True}


def test_resumed_records_the_value_and_the_interrupt_it_answers(store: CheckpointStore) -> None:
    graph = review_graph(store)
    [asked] = graph.invoke({"log": []}, thread())["__interrupt__"]

    graph.invoke(Command(resume={"approved": True}), thread(configurable={"actor": "alice"}))

    [resumed] = resumes(store)
    assert (resumed.interrupt_id, resumed.node, resumed.value) == (
        asked.id,
        "review_1",
        {"approved": True},
    )


def test_resumed_digest_is_the_same_for_the_same_interrupt_value(store: CheckpointStore) -> None:
    graph = review_graph(store)
    for thread_id in ("one", "two"):
        graph.invoke({"question": {"send": "email"}, "log": []}, thread(thread_id))
        graph.invoke(Command(resume="yes"), thread(thread_id))

    [one] = resumes(store, "one")
    [two] = resumes(store, "two")
    assert one.digest == two.digest


def test_resumed_digest_differs_for_a_different_interrupt_value(store: CheckpointStore) -> None:
    graph = review_graph(store)
    for thread_id, send in (("one", "email"), ("two", "wire transfer")):
        graph.invoke({"question": {"send": send}, "log": []}, thread(thread_id))
        graph.invoke(Command(resume="yes"), thread(thread_id))

    [one] = resumes(store, "one")
    [two] = resumes(store, "two")
    assert one.digest != two.digest


def test_resumed_digest_does_not_depend_on_the_answer(store: CheckpointStore) -> None:
    graph = review_graph(store)
    for thread_id, answer in (("one", "yes"), ("two", "no")):
        graph.invoke({"question": "approve?", "log": []}, thread(thread_id))
        graph.invoke(Command(resume=answer), thread(thread_id))

    [one] = resumes(store, "one")
    [two] = resumes(store, "two")
    assert one.digest == two.digest


def test_update_state_records_the_actor(store: CheckpointStore) -> None:
    graph = review_graph(store)
    graph.invoke({"log": []}, thread())

    graph.update_state(thread(configurable={"actor": "carol"}), {"log": ["edit"]})

    assert [e.actor for e in updates(store)] == ["carol"]


def test_update_state_records_the_actor_from_metadata(store: CheckpointStore) -> None:
    graph = review_graph(store)
    graph.invoke({"log": []}, thread())

    graph.update_state(thread(metadata={"actor": "dave"}), {"log": ["edit"]})

    assert [e.actor for e in updates(store)] == ["dave"]


def test_update_state_without_an_actor_records_none(store: CheckpointStore) -> None:
    graph = review_graph(store)
    graph.invoke({"log": []}, thread(configurable={"actor": "alice"}))

    graph.update_state(thread(), {"log": ["edit"]})

    assert [e.actor for e in updates(store)] == [None]


def test_command_update_with_a_resume_records_the_actor_on_both(store: CheckpointStore) -> None:
    graph = review_graph(store)
    graph.invoke({"log": []}, thread())

    graph.invoke(
        Command(resume="yes", update={"question": "edited"}),
        thread(configurable={"actor": "erin"}),
    )

    assert [e.actor for e in resumes(store)] == ["erin"]
    assert [e.actor for e in updates(store)] == ["erin"]


def test_events_show_who_approved_what_in_order(store: CheckpointStore) -> None:
    graph = review_graph(store, reviews=3)
    graph.invoke({"log": []}, thread())

    graph.invoke(Command(resume="approve"), thread(configurable={"actor": "alice"}))
    graph.invoke(Command(resume="reject"), thread(metadata={"actor": "bob"}))
    graph.invoke(Command(resume="approve"), thread(configurable={"actor": "carol"}))

    assert [(e.actor, e.node, e.value) for e in resumes(store)] == [
        ("alice", "review_1", "approve"),
        ("bob", "review_2", "reject"),
        ("carol", "review_3", "approve"),
    ]
    assert graph.get_state(thread()).values["log"] == ["approve", "reject", "approve"]
