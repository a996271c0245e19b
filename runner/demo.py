"""The graph ``branchline demo`` runs: a support agent that triages, drafts and replies."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from domain.store import CheckpointStore
from runner.builder import StateGraph
from runner.compiled import CompiledStateGraph
from runner.types import END, START


class Ticket(TypedDict):
    """The demo's state: a customer message and what the agent did with it."""

    message: str
    category: str
    log: Annotated[list[str], operator.add]
    reply: str


def triage(state: Ticket) -> dict[str, Any]:
    """Sort the ticket by what it asks for."""
    category = "refund" if "refund" in state["message"].lower() else "question"
    return {"category": category, "log": [f"triaged as {category}"]}


def draft(state: Ticket) -> dict[str, Any]:
    """Draft an answer for the ticket's category."""
    text = {
        "refund": "We have started your refund; it reaches your card in 3-5 days.",
        "question": "Thanks for asking! Here is how that works.",
    }[state["category"]]
    return {"reply": text, "log": ["drafted a reply"]}


def send(state: Ticket) -> dict[str, Any]:
    """Send the reply (here: record that it was sent)."""
    return {"log": [f"sent: {state['reply']}"]}


def build(store: CheckpointStore) -> CompiledStateGraph:
    """Compile the demo graph on a store."""
    builder = StateGraph(Ticket)
    builder.add_node("triage", triage)
    builder.add_node("draft", draft)
    builder.add_node("send", send)
    builder.add_edge(START, "triage")
    builder.add_edge("triage", "draft")
    builder.add_edge("draft", "send")
    builder.add_edge("send", END)
    return builder.compile(checkpointer=store)
