"""tools_condition routes to the tools node while the model asks for tools, as
LangGraph's: each route below was checked against LangGraph 1.2.22."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage
from pydantic import BaseModel
from tool_agent import asking, call

from branchline import END
from branchline.prebuilt import tools_condition

CALLING = asking(call("add", "c1", a=1, b=2))


@pytest.mark.parametrize(
    ("state", "route"),
    [
        ({"messages": [HumanMessage("1+2?"), CALLING]}, "tools"),
        ({"messages": [HumanMessage("1+2?"), AIMessage("3")]}, END),
        ({"messages": [HumanMessage("hi")]}, END),
        ([HumanMessage("1+2?"), CALLING], "tools"),
    ],
    ids=["asks", "answers", "no-reply-yet", "list"],
)
def test_it_routes_to_tools_when_the_last_message_asks_for_tools(state: Any, route: str) -> None:
    # LangGraph gives the same routes.
    assert tools_condition(state) == route


def test_it_reads_the_messages_of_a_model_state_and_another_key() -> None:
    class Chat(BaseModel):
        history: list[Any]

    # LangGraph gives the same routes.
    assert tools_condition(Chat(history=[CALLING]), messages_key="history") == "tools"
    assert tools_condition({"history": [AIMessage("3")]}, messages_key="history") == END


def test_a_state_without_messages_is_refused_saying_where_it_looked() -> None:
    # LangGraph refuses it too (ValueError), in other words.
    with pytest.raises(ValueError, match="tools_condition found no messages") as refused:
        tools_condition({"chat": [CALLING]})

    assert "under 'messages'" in str(refused.value)
    assert "messages_key=" in str(refused.value)
