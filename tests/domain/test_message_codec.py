"""LangChain messages through the codec: a fresh codec (as in another process) reads them.

Decoding trusts a fixed table of langchain-core's message classes, never a class named only
by stored data.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    ChatMessageChunk,
    FunctionMessage,
    FunctionMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    RemoveMessage,
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
)

from branchline.domain.store.codec import CodecError, thread_codec

MESSAGES: list[BaseMessage] = [
    HumanMessage("hi", id="h1", name="ana"),
    HumanMessage([{"type": "text", "text": "see"}, {"type": "image", "url": "https://x/a.png"}]),
    HumanMessageChunk("h"),
    AIMessage(
        "",
        id="a1",
        tool_calls=[{"name": "refund", "args": {"order": "A-7", "amount": 5}, "id": "c1"}],
        usage_metadata={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
        response_metadata={"model_name": "fake"},
    ),
    AIMessageChunk("par", id="k1", tool_call_chunks=[{"name": "f", "args": '{"a"', "index": 0}]),
    ToolMessage("done", tool_call_id="c1", artifact={"rows": (1, 2)}, status="error"),
    ToolMessageChunk("do", tool_call_id="c1"),
    SystemMessage("be brief"),
    SystemMessageChunk("be"),
    ChatMessage("x", role="critic"),
    ChatMessageChunk("x", role="critic"),
    FunctionMessage("42", name="answer"),
    FunctionMessageChunk("4", name="answer"),
    RemoveMessage(id="h1"),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_a_message_written_by_one_codec_is_read_by_a_fresh_one(message: BaseMessage) -> None:
    stored = thread_codec().encode({"messages": [message]})

    read = thread_codec().decode(stored)["messages"][0]

    assert type(read) is type(message) and read == message


def test_a_message_is_stored_under_its_public_import_path() -> None:
    stored = thread_codec().encode(AIMessage("yo", id="a"))

    assert b'"t":"langchain_core.messages:AIMessage"' in stored


def test_a_message_stored_under_its_defining_module_is_read() -> None:
    # What a Branchline before this change wrote (readable only in the writing process).
    stored = thread_codec().encode(AIMessage("yo", id="a"))
    old = stored.replace(b"langchain_core.messages:", b"langchain_core.messages.ai:")

    assert thread_codec().decode(old) == AIMessage("yo", id="a")


@pytest.mark.parametrize(
    "topic",
    [
        "langchain_core.messages:BaseMessage",  # in the package, not on the table
        "langchain_core.messages.utils:convert_to_messages",
        "langchain_core.load:loads",
        "evil.langchain_core.messages:AIMessage",
        "langchain_core.messagesx:AIMessage",
    ],
)
def test_a_topic_off_the_table_is_refused(topic: str) -> None:
    stored = f'{{"__bl__":"model","t":"{topic}","v":{{"content":"x"}}}}'.encode()

    with pytest.raises(CodecError, match=f"stored value has class '{topic}', which is not on"):
        thread_codec().decode(stored)


def test_messages_nest_in_other_values_and_keep_their_fields() -> None:
    call = AIMessage("", tool_calls=[{"name": "f", "args": {"x": (1, 2)}, "id": "c"}], id="a")
    value: dict[str, Any] = {"history": ({"last": call},)}

    read = thread_codec().decode(thread_codec().encode(value))

    assert read == value and read["history"][0]["last"].tool_calls[0]["args"]["x"] == (1, 2)
