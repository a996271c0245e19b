"""A chat agent with LangChain messages that pauses at its tool call, for tests across
processes: ``python chat_graph.py DB THREAD start`` asks it for a refund and prints the
question its ``tools`` node asks; ``... show`` prints the conversation as JSON. ``build``
is what ``branchline resume --graph`` loads.

The model is a stand-in (no network): it asks for the ``refund`` tool, then, given the
tool's answer, says what happened.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from branchline import END, START, CheckpointStore, MessagesState, StateGraph, interrupt

REFUND = {"name": "refund", "args": {"order": "A-7", "amount": 5}, "id": "call-1"}


def agent(state: MessagesState) -> dict[str, Any]:
    """Propose the refund; after the tool's answer, report it."""
    last = state["messages"][-1]
    if isinstance(last, ToolMessage):
        return {"messages": [AIMessage(f"Done: {last.content}.")]}
    return {"messages": [AIMessage("", tool_calls=[REFUND])]}


def tools(state: MessagesState) -> dict[str, Any]:
    """Ask a person about each tool call of the last message, then run or skip it."""
    results = []
    for call in state["messages"][-1].tool_calls:
        decision = interrupt({"question": "Run this tool call?", "tool_call": call})
        if decision.get("action") == "approve":
            outcome = f"refunded {call['args']['amount']} EUR on {call['args']['order']}"
        else:
            outcome = f"not run: {decision.get('reason', 'rejected')}"
        results.append(ToolMessage(outcome, tool_call_id=call["id"]))
    return {"messages": results}


def route(state: MessagesState) -> str:
    """To the tools when the model asked for one, else the end."""
    return "tools" if state["messages"][-1].tool_calls else END


def build(store: CheckpointStore) -> Any:
    """The chat agent on ``store``."""
    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_node("tools", tools)
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", route, ["tools", END])
    builder.add_edge("tools", "agent")
    return builder.compile(checkpointer=store)


def shown(message: Any) -> dict[str, Any]:
    """A message as JSON: its class, text and tool calls, and whom it answers."""
    return {
        "class": type(message).__name__,
        "content": message.content,
        "tool_calls": [call["id"] for call in getattr(message, "tool_calls", [])],
        "answers": getattr(message, "tool_call_id", None),
    }


if __name__ == "__main__":
    db, thread, action = sys.argv[1:4]
    config = {"configurable": {"thread_id": thread}}
    with CheckpointStore.sqlite(db) as store:
        graph = build(store)
        if action == "start":
            result = graph.invoke({"messages": [HumanMessage("Refund order A-7")]}, config)
            print(json.dumps([{"id": i.id, "value": i.value} for i in result["__interrupt__"]]))
        else:
            state = graph.get_state(config)
            print(
                json.dumps(
                    {
                        "next": list(state.next),
                        "messages": [shown(m) for m in state.values["messages"]],
                    }
                )
            )
