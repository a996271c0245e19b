"""A person reviews the tool calls of a chat agent, the two ways LangGraph's
human-in-the-loop docs show: an ``interrupt()`` inside the tool, and a breakpoint before
the ``tools`` node. Each run below was checked against LangGraph 1.2.22."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from tool_agent import agent_graph, asking, call

from branchline import Command, interrupt

BOOKED: list[str] = []


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
    BOOKED.append(hotel_name)
    return f"Successfully booked a stay at {hotel_name}."


def ask_to_book(*hotels: str) -> list[AIMessage]:
    calls = [call("book_hotel", f"c{i}", hotel_name=h) for i, h in enumerate(hotels)]
    return [asking(*calls), AIMessage("Booked.")]


def question(hotel: str) -> str:
    return (
        f"Trying to call `book_hotel` with args {{'hotel_name': {hotel}}}. "
        "Please approve or suggest edits."
    )


def tool_answers(result: dict[str, Any]) -> list[str]:
    return [m.content for m in result["messages"] if isinstance(m, ToolMessage)]


def test_an_interrupt_in_a_tool_pauses_the_tools_node(store: Any, config: dict[str, Any]) -> None:
    graph = agent_graph(store, [book_hotel], ask_to_book("McKittrick"))

    result = graph.invoke({"messages": [HumanMessage("Book the McKittrick")]}, config)

    # LangGraph gives the same.
    assert [i.value for i in result["__interrupt__"]] == [question("McKittrick")]
    state = graph.get_state(config)
    assert state.next == ("tools",)
    assert [i.value for i in state.tasks[0].interrupts] == [question("McKittrick")]


def test_the_answer_reaches_the_tool_when_resumed(store: Any, config: dict[str, Any]) -> None:
    graph = agent_graph(store, [book_hotel], ask_to_book("McKittrick"))
    graph.invoke({"messages": [HumanMessage("Book the McKittrick")]}, config)

    edit = {"type": "edit", "args": {"hotel_name": "the Plaza"}}
    result = graph.invoke(Command(resume=edit), config)

    # LangGraph gives the same.
    assert tool_answers(result) == ["Successfully booked a stay at the Plaza."]
    assert result["messages"][-1].content == "Booked."
    assert "__interrupt__" not in result


def test_each_call_is_reviewed_in_turn(store: Any, config: dict[str, Any]) -> None:
    BOOKED.clear()
    graph = agent_graph(store, [book_hotel], ask_to_book("Ritz", "Savoy"))
    graph.invoke({"messages": [HumanMessage("Book both")]}, config)

    second = graph.invoke(Command(resume={"type": "accept"}), config)
    done = graph.invoke(
        Command(resume={"type": "edit", "args": {"hotel_name": "Claridge"}}), config
    )

    # LangGraph gives the same questions and answers; it runs the calls in threads, so
    # a tool's lines before its interrupt() may run more often there.
    assert [i.value for i in second["__interrupt__"]] == [question("Savoy")]
    assert tool_answers(done) == [
        "Successfully booked a stay at Ritz.",
        "Successfully booked a stay at Claridge.",
    ]
    assert BOOKED == ["Ritz", "Ritz", "Claridge"]  # the node re-runs from its first call


def test_an_interrupt_pauses_even_when_every_tool_error_is_answered(
    store: Any, config: dict[str, Any]
) -> None:
    options = {"handle_tool_errors": True}
    graph = agent_graph(store, [book_hotel], ask_to_book("Ritz"), tool_node=options)

    result = graph.invoke({"messages": [HumanMessage("Book the Ritz")]}, config)

    # LangGraph gives the same: the pause is not the tool's error.
    assert [i.value for i in result["__interrupt__"]] == [question("Ritz")]
    assert tool_answers(result) == []


@tool
def search(query: str) -> str:
    """Search the web."""
    return f"results for {query}"


def test_a_breakpoint_before_tools_shows_the_calls_to_review(
    store: Any, config: dict[str, Any]
) -> None:
    replies = [asking(call("search", "c1", query="hotels")), AIMessage("Found them.")]
    graph = agent_graph(store, [search], replies, interrupt_before=["tools"])

    paused = graph.invoke({"messages": [HumanMessage("find hotels")]}, config)
    state = graph.get_state(config)
    done = graph.invoke(None, config)

    # LangGraph gives the same.
    assert paused["messages"][-1].tool_calls[0]["args"] == {"query": "hotels"}
    assert state.next == ("tools",)
    assert tool_answers(done) == ["results for hotels"]
    assert done["messages"][-1].content == "Found them."


def test_a_tool_call_edited_at_the_breakpoint_runs_as_edited(
    store: Any, config: dict[str, Any]
) -> None:
    replies = [asking(call("search", "c1", query="hotels")), AIMessage("Found them.")]
    graph = agent_graph(store, [search], replies, interrupt_before=["tools"])
    graph.invoke({"messages": [HumanMessage("find hotels")]}, config)

    last = graph.get_state(config).values["messages"][-1]
    edited = AIMessage("", id=last.id, tool_calls=[call("search", "c1", query="hotels in Rome")])
    graph.update_state(config, {"messages": [edited]})
    done = graph.invoke(None, config)

    # LangGraph gives the same: the edit replaces the message (same id), then the tools
    # node runs the edited call.
    assert tool_answers(done) == ["results for hotels in Rome"]
    assert [type(m).__name__ for m in done["messages"]] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ]
