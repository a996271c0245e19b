"""A chat agent as LangGraph's docs build one, its model langchain-core's fake chat model
(no network) and its tools run by a ``ToolNode``; helpers to write model replies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from branchline import START, CheckpointStore, MessagesState, StateGraph
from branchline.prebuilt import ToolNode, tools_condition


def call(name: str, call_id: str, **args: Any) -> dict[str, Any]:
    """A tool call, as a chat model's reply carries it."""
    return {"name": name, "args": args, "id": call_id}


def asking(*calls: dict[str, Any]) -> AIMessage:
    """A model reply that asks for ``calls``."""
    return AIMessage("", tool_calls=list(calls))


def agent_graph(
    store: CheckpointStore | None,
    tools: Sequence[Any],
    replies: Sequence[AIMessage],
    tool_node: dict[str, Any] | None = None,
    **compile_options: Any,
) -> Any:
    """An ``agent`` node giving ``replies`` in turn, then ``tools`` (a ``ToolNode`` of
    ``tools`` and the ``tool_node`` options) while the reply asks for tools."""
    model = GenericFakeChatModel(messages=iter(replies))
    builder = StateGraph(MessagesState)
    builder.add_node("agent", lambda state: {"messages": [model.invoke(state["messages"])]})
    builder.add_node(ToolNode(tools, **(tool_node or {})))
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", tools_condition)
    builder.add_edge("tools", "agent")
    return builder.compile(checkpointer=store, **compile_options)
