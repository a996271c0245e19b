"""The graph the server tests serve: a refund drafted, approved by a person, paid.

``draft`` proposes an amount, ``review`` asks ``{"approve refund?": amount}`` and records
the answer, ``pay`` marks it paid. Served as ``refunds=refund_graph:builder``; as
``finance=refund_graph:finance_builder``, only the ``finance`` role may answer; as
``inbox=refund_graph:inbox_builder``, it asks with ``human_review`` (Agent Inbox).
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from branchline import END, START, StateGraph, human_review, interrupt


class Refund(TypedDict, total=False):
    amount: int
    approved: str
    log: Annotated[list[str], operator.add]


def draft(state: Refund) -> dict[str, Any]:
    return {"amount": state.get("amount") or 42, "log": ["draft"]}


def review(state: Refund) -> dict[str, Any]:
    return {"approved": interrupt({"approve refund?": state["amount"]}), "log": ["review"]}


def pay(state: Refund) -> dict[str, Any]:
    return {"log": [f"paid {state['amount']}"]}


def finance_review(state: Refund) -> dict[str, Any]:
    asked = {"approve refund?": state["amount"]}
    return {"approved": interrupt(asked, roles=["finance"]), "log": ["finance review"]}


def refunds(review_node: Any) -> StateGraph:
    """draft -> the review node -> pay."""
    graph = StateGraph(Refund)
    graph.add_sequence([draft, review_node, pay])
    graph.add_edge(START, "draft")
    graph.add_edge("pay", END)
    return graph


def inbox_review(state: Refund) -> dict[str, Any]:
    response = human_review("refund", {"amount": state["amount"]}, allow_ignore=False)
    if response["type"] == "edit":
        edited = response["args"]
        assert isinstance(edited, dict)
        return {"amount": edited["args"]["amount"], "approved": "edited", "log": ["review"]}
    return {"approved": response["type"], "log": ["review"]}


builder = refunds(review)
finance_builder = refunds(finance_review)  # only the finance role may approve
inbox_builder = refunds(inbox_review)  # asks as Agent Inbox does
