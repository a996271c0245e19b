"""A chat agent whose tools a ``ToolNode`` runs, for tests across processes; its
``book_hotel`` tool asks a person to review each booking with ``interrupt()`` (the tool
review of LangGraph's human-in-the-loop docs, imports changed).

``python tool_review_graph.py DB THREAD start`` asks it to book a hotel and prints the
questions; ``... resume ANSWER`` resumes with the JSON ``ANSWER``; ``... show`` prints the
conversation as JSON. With ``--breakpoint`` the graph pauses before ``tools`` instead
(``start``; ``continue`` runs on). ``build`` is what ``branchline resume --graph`` loads.

The model is a stand-in (no network): it asks for the booking, then, given the tool's
answer, says what happened.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from branchline import START, CheckpointStore, Command, MessagesState, StateGraph, interrupt
from branchline.prebuilt import ToolNode, tools_condition

BOOKING = {"name": "book_hotel", "args": {"hotel_name": "McKittrick"}, "id": "call-1"}


@tool
def book_hotel(hotel_name: str) -> str:
    """Book a hotel."""
    response = interrupt(
        f"Trying to call `book_hotel` with args {{'hotel_name': {hotel_name}}}. "
        "Please approve or suggest edits."
    )
    if response["type"] == "edit":
        hotel_name = response["args"]["hotel_name"]
    elif response["type"] != "accept":
        raise ValueError(f"Unknown response type: {response['type']}")
    return f"Successfully booked a stay at {hotel_name}."


def agent(state: MessagesState) -> dict[str, Any]:
    """Ask for the booking; after the tool's answer, report it."""
    last = state["messages"][-1]
    if isinstance(last, ToolMessage):
        return {"messages": [AIMessage(f"Done: {last.content}")]}
    return {"messages": [AIMessage("", tool_calls=[BOOKING])]}


def build(store: CheckpointStore, *, breakpoint: bool = False) -> Any:
    """The agent on ``store``; with ``breakpoint``, paused before each run of the tools."""
    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_node(ToolNode([book_hotel]))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    return builder.compile(checkpointer=store, interrupt_before=["tools"] if breakpoint else [])


def shown(message: Any) -> dict[str, Any]:
    """A message as JSON: its class, text and tool calls, and whom it answers."""
    return {
        "class": type(message).__name__,
        "content": message.content,
        "tool_calls": [call["args"] for call in getattr(message, "tool_calls", [])],
        "answers": getattr(message, "tool_call_id", None),
    }


def run(graph: Any, config: dict[str, Any], action: str, answer: str | None) -> Any:
    """What ``action`` prints, as JSON."""
    if action == "show":
        state = graph.get_state(config)
        return {"next": list(state.next), "messages": [shown(m) for m in state.values["messages"]]}
    if action == "start":
        result = graph.invoke({"messages": [HumanMessage("Book the McKittrick")]}, config)
    elif action == "resume":
        result = graph.invoke(Command(resume=json.loads(answer or "null")), config)
    else:
        result = graph.invoke(None, config)
    return [{"id": i.id, "value": i.value} for i in result.get("__interrupt__", [])]


if __name__ == "__main__":
    db, thread, action, *rest = sys.argv[1:]
    with CheckpointStore.sqlite(db) as events:
        graph = build(events, breakpoint="--breakpoint" in rest)
        answer = next((a for a in rest if a != "--breakpoint"), None)
        print(json.dumps(run(graph, {"configurable": {"thread_id": thread}}, action, answer)))
