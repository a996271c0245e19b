"""The graph ``branchline demo`` runs: an agent proposes a refund, a person reviews it.

The model is a deterministic stand-in: it proposes an ``issue_refund`` tool call for
the customer's order, and after feedback it proposes a smaller one.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.builder import StateGraph
from branchline.runner.compiled import CompiledStateGraph
from branchline.runner.interrupts import interrupt
from branchline.runner.types import END, START, Command


class Ticket(TypedDict, total=False):
    """The demo's state: the conversation, the proposed tool call and its result.

    The conversation is plain dicts appended in order (not ``add_messages``, which makes
    LangChain messages of them when langchain-core is installed): the demo needs nothing
    but Branchline.
    """

    messages: Annotated[list[dict[str, Any]], operator.add]
    proposal: dict[str, Any]
    result: str


def agent(state: Ticket) -> dict[str, Any]:
    """The stand-in model: propose a refund, halved after a reviewer's feedback."""
    feedback = [m for m in state["messages"] if m.get("role") == "reviewer"]
    amount = 120 if not feedback else 60
    call = {"name": "issue_refund", "args": {"order": "A-1042", "amount": amount}}
    text = f"I propose to refund {amount} EUR on order A-1042."
    return {"proposal": call, "messages": [{"role": "assistant", "content": text}]}


def human_review(state: Ticket) -> Command:
    """Pause for a person: approve, edit the arguments, or reject with feedback."""
    decision = interrupt({"question": "Run this tool call?", "tool_call": state["proposal"]})
    action = decision.get("action") if isinstance(decision, dict) else decision
    if action == "approve":
        return Command(goto="run_tool")
    if action == "edit":
        edited = {**state["proposal"], "args": decision["args"]}
        return Command(update={"proposal": edited}, goto="run_tool")
    feedback = decision.get("feedback", "rejected") if isinstance(decision, dict) else "rejected"
    return Command(update={"messages": [{"role": "reviewer", "content": feedback}]}, goto="agent")


def run_tool(state: Ticket) -> dict[str, Any]:
    """Run the approved call (here: describe what the payment system would do)."""
    args = state["proposal"]["args"]
    done = f"refunded {args['amount']} EUR on order {args['order']}"
    return {"result": done, "messages": [{"role": "tool", "content": done}]}


def build(store: CheckpointStore) -> CompiledStateGraph:
    """Compile the review graph on a store."""
    builder = StateGraph(Ticket)
    builder.add_node("agent", agent)
    builder.add_node("human_review", human_review)
    builder.add_node("run_tool", run_tool)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", "human_review")
    builder.add_edge("run_tool", END)
    return builder.compile(checkpointer=store)
