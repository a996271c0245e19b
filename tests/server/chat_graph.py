"""A chat graph for the server tests: ``reply`` asks a fake chat model (langchain-core's,
no network), which streams "a b" word by word. Served as ``chat=chat_graph:builder``."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from branchline import START, MessagesState, StateGraph


def reply(state: MessagesState) -> dict[str, Any]:
    model = GenericFakeChatModel(messages=iter([AIMessage("a b", id="reply-1")]))
    return {"messages": [model.invoke(state["messages"])]}


builder = StateGraph(MessagesState)
builder.add_node("reply", reply)
builder.add_edge(START, "reply")
