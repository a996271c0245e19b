"""ToolNode runs the tool calls of the model's last message, as LangGraph's does: each
result below was checked against LangGraph 1.2.22 by running the same graph on it."""

from __future__ import annotations

import operator
from typing import Annotated, Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import InjectedToolCallId, tool
from tool_agent import agent_graph, asking, call

from branchline import START, Command, MessagesState, Send, StateGraph, add_messages
from branchline.prebuilt import ToolNode, tools_condition


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def multiply(a: int, b: int) -> dict[str, int]:
    """Multiply two numbers."""
    return {"product": a * b}


def answers(messages: list[Any]) -> list[tuple[str, Any, str | None, str]]:
    return [
        (m.tool_call_id, m.content, m.name, m.status)
        for m in messages
        if isinstance(m, ToolMessage)
    ]


def test_each_tool_call_is_answered_by_a_tool_message_in_order(
    store: Any, config: dict[str, Any]
) -> None:
    calls = asking(call("add", "c1", a=1, b=2), call("multiply", "c2", a=3, b=4))
    graph = agent_graph(store, [add, multiply], [calls, AIMessage("3 and 12")])

    result = graph.invoke({"messages": [HumanMessage("1+2 and 3*4?")]}, config)

    # LangGraph gives the same: a plain function is a tool named after it, and what it
    # returns that is not a str is the message's content as JSON.
    assert answers(result["messages"]) == [
        ("c1", "3", "add", "success"),
        ("c2", '{"product": 12}', "multiply", "success"),
    ]
    assert result["messages"][-1].content == "3 and 12"


def test_the_node_is_named_tools_unless_named_otherwise() -> None:
    builder = StateGraph(MessagesState)
    builder.add_node(ToolNode([add]))
    builder.add_node(ToolNode([multiply], name="math"))

    # LangGraph gives the same names.
    assert sorted(builder.nodes) == ["math", "tools"]
    assert sorted(ToolNode([add, multiply]).tools_by_name) == ["add", "multiply"]


def test_a_list_of_messages_in_gives_the_tool_messages_out() -> None:
    builder = StateGraph(Annotated[list, add_messages])
    builder.add_node(ToolNode([add]))
    builder.add_edge(START, "tools")

    result = builder.compile().invoke([asking(call("add", "c1", a=2, b=5))])

    # LangGraph gives the same.
    assert answers(result) == [("c1", "7", "add", "success")]


def test_messages_key_names_where_the_messages_are() -> None:
    class Chat(MessagesState):
        history: Annotated[list[Any], operator.add]

    builder = StateGraph(Chat)
    builder.add_node(ToolNode([add], messages_key="history"))
    builder.add_edge(START, "tools")

    result = builder.compile().invoke({"history": [asking(call("add", "c1", a=1, b=1))]})

    # LangGraph gives the same.
    assert answers(result["history"]) == [("c1", "2", "add", "success")]


def test_a_call_to_an_unknown_tool_is_answered_with_an_error(
    store: Any, config: dict[str, Any]
) -> None:
    graph = agent_graph(
        store, [add, multiply], [asking(call("divide", "c1", a=1, b=0)), AIMessage("ok")]
    )

    result = graph.invoke({"messages": [HumanMessage("1/0?")]}, config)

    # LangGraph gives the same text.
    assert answers(result["messages"]) == [
        ("c1", "Error: divide is not a valid tool, try one of [add, multiply].", "divide", "error")
    ]


@tool
def remember(fact: str, tool_call_id: Annotated[str, InjectedToolCallId]) -> Command:
    """Remember a fact."""
    done = ToolMessage(f"remembered {fact}", tool_call_id=tool_call_id)
    return Command(update={"messages": [done], "facts": [fact]})


class Memory(MessagesState):
    facts: Annotated[list[str], operator.add]


def memory_graph(store: Any) -> Any:
    builder = StateGraph(Memory)
    builder.add_node(ToolNode([remember]))
    builder.add_edge(START, "tools")
    return builder.compile(checkpointer=store)


def test_a_tool_returning_a_command_updates_the_state(store: Any, config: dict[str, Any]) -> None:
    ask = asking(call("remember", "c1", fact="tea"), call("remember", "c2", fact="jam"))

    result = memory_graph(store).invoke({"messages": [ask]}, config)

    # LangGraph gives the same: the Commands' updates in the order of the calls, and each
    # answer named after its tool.
    assert result["facts"] == ["tea", "jam"]
    assert answers(result["messages"]) == [
        ("c1", "remembered tea", "remember", "success"),
        ("c2", "remembered jam", "remember", "success"),
    ]


@tool
def note(fact: str) -> Command:
    """Note a fact, answering nobody."""
    return Command(update={"facts": [fact]})


def test_a_command_that_answers_no_call_is_refused_and_writes_nothing(
    store: Any, config: dict[str, Any]
) -> None:
    builder = StateGraph(Memory)
    builder.add_node(ToolNode([note]))
    builder.add_edge(START, "tools")
    graph = builder.compile(checkpointer=store)

    # LangGraph refuses it too (ValueError), in other words.
    with pytest.raises(ValueError, match="tool 'note' returned Command") as refused:
        graph.invoke({"messages": [asking(call("note", "c1", fact="tea"))]}, config)

    assert "no ToolMessage answering its call 'c1'" in str(refused.value)
    assert "InjectedToolCallId" in str(refused.value)
    state = graph.get_state(config)
    assert state.next == ("tools",) and state.values.get("facts", []) == []


def test_a_state_without_a_model_reply_is_refused_and_writes_nothing(
    store: Any, config: dict[str, Any]
) -> None:
    builder = StateGraph(MessagesState)
    builder.add_node(ToolNode([add]))
    builder.add_edge(START, "tools")
    graph = builder.compile(checkpointer=store)

    # LangGraph refuses it too (ValueError: No AIMessage found in input).
    with pytest.raises(ValueError, match="ToolNode found no AIMessage") as refused:
        graph.invoke({"messages": [HumanMessage("hi")]}, config)

    assert "HumanMessage(content='hi'" in str(refused.value)
    state = graph.get_state(config)
    assert state.next == ("tools",) and len(state.values["messages"]) == 1


def test_tool_calls_sent_to_the_node_one_by_one_are_each_answered() -> None:
    def fan_out(state: MessagesState) -> list[Send]:
        asked = state["messages"][-1].tool_calls
        return [Send("tools", [{**c, "type": "tool_call"}]) for c in asked]

    builder = StateGraph(MessagesState)
    calls = [call("add", f"c{i}", a=i, b=1) for i in range(3)]
    builder.add_node("agent", lambda state: {"messages": [asking(*calls)]})
    builder.add_node(ToolNode([add]))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", fan_out, ["tools"])

    result = builder.compile().invoke({"messages": [HumanMessage("count")]})

    # LangGraph gives the same: a list of tool calls in, the state's messages key out.
    assert [m.content for m in result["messages"][2:]] == ["1", "2", "3"]


def test_the_tool_messages_stream_in_the_messages_mode(store: Any, config: dict[str, Any]) -> None:
    replies = iter([asking(call("add", "c1", a=1, b=2)), AIMessage("3")])
    builder = StateGraph(MessagesState)
    builder.add_node("agent", lambda state: {"messages": [next(replies)]})
    builder.add_node(ToolNode([add]))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    graph = builder.compile(checkpointer=store)

    streamed = graph.stream({"messages": [HumanMessage("1+2?")]}, config, stream_mode="messages")

    # LangGraph gives the same.
    assert [(type(m).__name__, m.content, meta["langgraph_node"]) for m, meta in streamed] == [
        ("AIMessage", "", "agent"),
        ("ToolMessage", "3", "tools"),
        ("AIMessage", "3", "agent"),
    ]
