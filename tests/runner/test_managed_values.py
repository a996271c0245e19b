"""RemainingSteps: a state key the run fills with the steps left before its recursion
limit, as LangGraph 1.2.22's managed value (checked by running both)."""

from __future__ import annotations

import operator
from typing import Annotated, Any

from typing_extensions import TypedDict

from branchline import END, START, CheckpointStore, Command, RemainingSteps, StateGraph, interrupt


class State(TypedDict):
    seen: Annotated[list[Any], operator.add]
    remaining: RemainingSteps


def note(state: State) -> dict[str, Any]:
    return {"seen": [state["remaining"]]}


def until_three_left(state: State) -> str:
    return "note" if state["remaining"] > 3 else END


def looping(store: CheckpointStore | None = None) -> Any:
    builder = StateGraph(State).add_node(note).add_edge(START, "note")
    builder.add_conditional_edges("note", until_three_left)
    return builder.compile(checkpointer=store)


def test_a_node_sees_the_steps_left_before_the_recursion_limit() -> None:
    # LangGraph gives the same: [6, 5, 4, 3] with recursion_limit 7.
    result = looping().invoke({"seen": []}, {"recursion_limit": 7})

    assert result == {"seen": [6, 5, 4, 3]}


def test_each_call_counts_from_its_own_start(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph gives the same: the second call counts 6, 5, 4, 3 again.
    graph = looping(store)
    limited = {**config, "recursion_limit": 7}
    graph.invoke({"seen": []}, limited)

    assert graph.invoke({"seen": []}, limited) == {"seen": [6, 5, 4, 3] * 2}


def test_the_remaining_steps_are_never_stored_nor_written(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph gives the same: input, node and update writes to the key are dropped.
    def writes_it(state: State) -> dict[str, Any]:
        return {"remaining": 1, "seen": [state["remaining"]]}

    builder = StateGraph(State).add_node(writes_it).add_edge(START, "writes_it")
    graph = builder.compile(checkpointer=store)
    limited = {**config, "recursion_limit": 5}

    assert graph.invoke({"seen": [], "remaining": 99}, limited) == {"seen": [4]}
    graph.update_state(config, {"remaining": 3})
    assert graph.get_state(config).values == {"seen": [4]}


def test_a_resumed_call_counts_from_the_checkpoint_it_resumes(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph gives the same: 8 before the pause, 10 after it (limit 9).
    def asks(state: State) -> dict[str, Any]:
        return {"seen": [state["remaining"], interrupt("go on?")]}

    builder = StateGraph(State).add_node(note).add_node(asks)
    builder.add_edge(START, "note").add_edge("note", "asks")
    graph = builder.compile(checkpointer=store)
    limited = {**config, "recursion_limit": 9}
    graph.invoke({"seen": []}, limited)

    assert graph.invoke(Command(resume="yes"), limited) == {"seen": [8, 10, "yes"]}
