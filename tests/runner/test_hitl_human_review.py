"""Agent Inbox's question and answer in one call: ``human_review(action, args, ...)``
asks a ``HumanInterrupt`` and returns the person's ``HumanResponse``; an answer the
question does not allow is refused before anything is recorded."""

from __future__ import annotations

from typing import Any, TypedDict

import pytest

from branchline import (
    START,
    CheckpointStore,
    Command,
    InvalidAnswer,
    StateGraph,
    human_review,
)


class Refund(TypedDict, total=False):
    amount: int
    outcome: str


def refund_graph(store: CheckpointStore, **allowed: bool) -> Any:
    def review(state: Refund) -> dict[str, Any]:
        response = human_review(
            "refund", {"amount": state["amount"]}, description="Refund the order?", **allowed
        )
        match response["type"]:
            case "accept":
                return {"outcome": f"refunded {state['amount']}"}
            case "edit":
                edited = response["args"]
                assert isinstance(edited, dict)
                return {"outcome": f"refunded {edited['args']['amount']}"}
            case "response":
                return {"outcome": f"asked back: {response['args']}"}
        return {"outcome": "ignored"}

    builder = StateGraph(Refund)
    builder.add_node("review", review)
    builder.add_edge(START, "review")
    return builder.compile(checkpointer=store)


def test_the_question_is_shaped_as_agent_inbox_shows_it(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    paused = refund_graph(store).invoke({"amount": 30}, config)

    [question] = paused["__interrupt__"]
    assert question.value == [
        {
            "action_request": {"action": "refund", "args": {"amount": 30}},
            "config": {
                "allow_ignore": True,
                "allow_respond": True,
                "allow_edit": True,
                "allow_accept": True,
            },
            "description": "Refund the order?",
        }
    ]


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ([{"type": "accept", "args": None}], "refunded 30"),
        ({"type": "accept", "args": None}, "refunded 30"),  # a bare one, as some UIs send
        ([{"type": "edit", "args": {"action": "refund", "args": {"amount": 25}}}], "refunded 25"),
        ([{"type": "response", "args": "which order?"}], "asked back: which order?"),
        ([{"type": "ignore", "args": None}], "ignored"),
    ],
)
def test_each_kind_of_answer_reaches_the_node(
    store: CheckpointStore, config: dict[str, Any], answer: Any, outcome: str
) -> None:
    graph = refund_graph(store)
    graph.invoke({"amount": 30}, config)
    assert graph.invoke(Command(resume=answer), config)["outcome"] == outcome


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (
            [{"type": "edit", "args": {"action": "refund", "args": {}}}],
            "may not be answered with 'edit'",
        ),
        ("yes", "is a HumanResponse"),
        ([{"type": "approve"}], "is a HumanResponse"),
        ([{"type": "response", "args": 5}], "carries text in args"),
    ],
)
def test_an_answer_the_question_does_not_allow_is_refused_and_writes_nothing(
    store: CheckpointStore, config: dict[str, Any], answer: Any, says: str
) -> None:
    graph = refund_graph(store, allow_edit=False)
    graph.invoke({"amount": 30}, config)
    before = list(store.events("t1"))
    with pytest.raises(InvalidAnswer, match=says):
        graph.invoke(Command(resume=answer), config)
    assert list(store.events("t1")) == before


def test_an_edit_must_carry_the_action_as_edited(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = refund_graph(store)
    graph.invoke({"amount": 30}, config)
    with pytest.raises(InvalidAnswer, match="carries the action as edited"):
        graph.invoke(Command(resume=[{"type": "edit", "args": {"amount": 25}}]), config)
