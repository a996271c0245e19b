"""The tool calls a chat model asked for, found in a graph's state, and
``tools_condition``, which routes to the tools node when there are some."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.messages import AIMessage, ToolCall

# How the state gave the calls: a list of messages (the node returns a list of
# messages), a state with a messages key or attribute (it returns {key: messages}), or
# the tool calls themselves (a Send to the tools node; it returns {key: messages}).
InputKind = Literal["list", "dict", "tool_calls"]


def tools_condition(state: Any, messages_key: str = "messages") -> Literal["tools", "__end__"]:
    """``"tools"`` when the last message of ``state`` has tool calls, else ``END``.

    ``state`` is a list of messages, a dict or an object with them under
    ``messages_key``. Use it as ``add_conditional_edges("agent", tools_condition)``.
    """
    messages = _messages(state, messages_key) if not isinstance(state, list) else state
    if not messages:
        raise ValueError(
            f"tools_condition found no messages in the state under {messages_key!r}: "
            f"{state!r:.200}. Route with it after a node that adds the model's reply, or "
            "call tools_condition(state, messages_key=...) if the messages are under another key"
        )
    return "tools" if getattr(messages[-1], "tool_calls", None) else "__end__"


def requested_calls(state: Any, messages_key: str) -> tuple[list[ToolCall], InputKind]:
    """The tool calls of the last ``AIMessage`` of ``state``, and the kind of input it is."""
    if isinstance(state, list) and state and _is_tool_call(state[-1]):
        return list(state), "tool_calls"
    kind: InputKind = "list" if isinstance(state, list) else "dict"
    messages = state if isinstance(state, list) else _messages(state, messages_key)
    if not messages:
        raise ValueError(
            f"ToolNode found no messages in its input under {messages_key!r}: {state!r:.200}. "
            "Run it after a node that adds an AIMessage with tool_calls (route to it with "
            "tools_condition), or pass ToolNode(tools, messages_key=...) if the messages "
            "are under another key"
        )
    last = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    if last is None:
        raise ValueError(
            f"ToolNode found no AIMessage in its input's messages {messages!r:.200}; it runs "
            "the tool_calls of the last AIMessage: route to it after the model's reply"
        )
    return list(last.tool_calls), kind


def _messages(state: Any, key: str) -> Any:
    if isinstance(state, dict):
        return state.get(key)
    return getattr(state, key, None)


def _is_tool_call(item: Any) -> bool:
    return isinstance(item, dict) and item.get("type") == "tool_call"
