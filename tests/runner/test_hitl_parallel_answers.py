"""Parallel questions answered one at a time, in any order: every answer's writes count."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest

from branchline import END, START, CheckpointStore, Command, StateGraph, interrupt


def merge(old: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    return {**old, **new}


class Review(TypedDict, total=False):
    answers: Annotated[dict[str, str], merge]
    log: Annotated[list[str], operator.add]


def reviewers(store: CheckpointStore) -> Any:
    """START -> x, y (in one step; each asks a question) -> END."""

    def ask(name: str) -> Any:
        def node(state: Review) -> dict[str, Any]:
            return {"answers": {name: interrupt(f"{name}?")}, "log": [name]}

        return node

    builder = StateGraph(Review)
    builder.add_node("x", ask("x"))
    builder.add_node("y", ask("y"))
    builder.add_edge(START, "x")
    builder.add_edge(START, "y")
    builder.add_edge("x", END)
    builder.add_edge("y", END)
    return builder.compile(checkpointer=store)


@pytest.mark.parametrize("order", [("x", "y"), ("y", "x")])
def test_answers_given_in_separate_calls_all_reach_the_state(
    store: CheckpointStore, config: dict, order: tuple[str, str]
) -> None:
    graph = reviewers(store)
    asked = {
        i.value: i.id for i in graph.invoke({"answers": {}, "log": []}, config)["__interrupt__"]
    }

    for node in order:
        final = graph.invoke(Command(resume={asked[f"{node}?"]: node.upper()}), config)

    # A reducer's results from two runs merge; appends keep the node order, as in LangGraph.
    assert final == {"answers": {"x": "X", "y": "Y"}, "log": ["x", "y"]}
    assert graph.get_state(config).next == ()


class Text(TypedDict):
    text: Annotated[str, operator.add]


def test_a_step_answered_later_applies_its_writes_in_task_order(
    store: CheckpointStore, config: dict
) -> None:
    """`a` asks while `b` and `c` finish; after the answer the step's writes still apply
    in task order (a, b, c), as LangGraph 1.2.22 applies them, not in the order the
    tasks finished in."""

    def a_asks(state: Text) -> dict[str, Any]:
        return {"text": f"[a:{interrupt('a?')}]"}

    graph = StateGraph(Text).add_node("a", a_asks).add_node("b", lambda s: {"text": "[b]"})
    graph = graph.add_node("c", lambda s: {"text": "[c]"})
    graph = graph.add_edge(START, "a").add_edge(START, "b").add_edge(START, "c")
    graph = graph.compile(checkpointer=store)

    asked = graph.invoke({"text": ">"}, config)
    done = graph.invoke(Command(resume="yes"), config)

    assert asked["text"] == ">[b][c]"
    assert done == {"text": ">[a:yes][b][c]"}
    assert graph.get_state(config).values == done
