"""The graph the server tests serve: a refund drafted, approved by a person, paid.

``draft`` proposes an amount, ``review`` asks ``{"approve refund?": amount}`` and records
the answer, ``pay`` marks it paid. Served as ``refunds=refund_graph:builder``.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from branchline import END, START, StateGraph, interrupt


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


builder = StateGraph(Refund)
builder.add_sequence([draft, review, pay])
builder.add_edge(START, "draft")
builder.add_edge("pay", END)
