"""``add_messages`` and ``MessagesState`` with langchain-core installed, as LangGraph's.

Each behaviour was run on LangGraph 1.2.22 (``langgraph.graph.message.add_messages``) with the
same inputs; the comments say what LangGraph gives. Without langchain-core, see
``test_messages_without_langchain.py``.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    HumanMessage,
    RemoveMessage,
    ToolMessage,
)

from branchline import (
    REMOVE_ALL_MESSAGES,
    START,
    CheckpointStore,
    MessagesState,
    StateGraph,
    add_messages,
    interrupt,
)

CONFIG = {"configurable": {"thread_id": "chat"}}


def _graph(node: Any, store: CheckpointStore | None = None, schema: Any = MessagesState) -> Any:
    builder = StateGraph(schema)
    builder.add_node("node", node)
    builder.add_edge(START, "node")
    return builder.compile(checkpointer=store)


def test_tuples_strs_and_dicts_become_messages_with_ids() -> None:
    merged = add_messages([("user", "hi")], ["bare text", {"role": "assistant", "content": "yo"}])

    # LangGraph gives the same classes and contents, each with a fresh str id.
    assert [(type(m), m.content) for m in merged] == [
        (HumanMessage, "hi"),
        (HumanMessage, "bare text"),
        (AIMessage, "yo"),
    ]
    assert all(isinstance(m.id, str) and m.id for m in merged)
    assert len({m.id for m in merged}) == 3


def test_a_system_tuple_becomes_a_system_message() -> None:
    (message,) = add_messages([], ("system", "be brief"))

    assert message.type == "system"  # LangGraph: SystemMessage


def test_a_message_with_an_existing_id_replaces_it_in_place() -> None:
    left = [HumanMessage("a", id="1"), AIMessage("b", id="2")]

    merged = add_messages(left, [HumanMessage("A", id="1"), AIMessage("c", id="3")])

    # LangGraph: [A (id 1), b (id 2), c (id 3)].
    assert [(m.content, m.id) for m in merged] == [("A", "1"), ("b", "2"), ("c", "3")]


def test_remove_message_deletes_the_message_with_its_id() -> None:
    left = [HumanMessage("a", id="1"), AIMessage("b", id="2")]

    merged = add_messages(left, [RemoveMessage(id="1")])

    assert merged == [AIMessage("b", id="2")]  # LangGraph: the same


def test_a_removed_id_written_again_in_the_same_update_comes_back() -> None:
    left = [HumanMessage("a", id="1")]

    merged = add_messages(left, [RemoveMessage(id="1"), HumanMessage("back", id="1")])

    assert merged == [HumanMessage("back", id="1")]  # LangGraph: the same


def test_removing_an_unknown_id_is_an_error_naming_it() -> None:
    # LangGraph raises a ValueError too.
    with pytest.raises(ValueError, match=r"cannot remove message 'nope': no message has this id"):
        add_messages([HumanMessage("a", id="1")], [RemoveMessage(id="nope")])


def test_remove_all_messages_keeps_only_what_follows_it() -> None:
    left = [HumanMessage("a", id="1"), AIMessage("b", id="2")]

    merged = add_messages(
        left, [AIMessage("gone", id="3"), RemoveMessage(id=REMOVE_ALL_MESSAGES), ("user", "new")]
    )

    assert REMOVE_ALL_MESSAGES == "__remove_all__"  # LangGraph's value
    assert [m.content for m in merged] == ["new"]  # LangGraph: the same


def test_a_chunk_becomes_its_message() -> None:
    merged = add_messages([], [AIMessageChunk("par", id="k")])

    assert merged == [AIMessage("par", id="k")]  # LangGraph: an AIMessage, not a chunk


def test_a_single_message_not_in_a_list_is_added() -> None:
    merged = add_messages([HumanMessage("a", id="1")], AIMessage("b", id="2"))

    assert [m.id for m in merged] == ["1", "2"]  # LangGraph: the same


def test_format_langchain_openai_gives_openai_style_content() -> None:
    reducer = add_messages(format="langchain-openai")
    image = {"type": "image", "url": "https://example.com/a.png"}
    left = [HumanMessage([{"type": "text", "text": "see"}, image], id="1")]

    merged = reducer(left, [AIMessage("yo", id="2")])

    # LangGraph gives the same: the image block in OpenAI's form, and (langchain-core
    # 1.8's OpenAI form has no ids) the messages without their ids.
    assert [(type(m), m.content, m.id) for m in merged] == [
        (
            HumanMessage,
            [
                {"type": "text", "text": "see"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            ],
            None,
        ),
        (AIMessage, "yo", None),
    ]


def test_an_unknown_format_is_refused() -> None:
    # LangGraph refuses it when merging; Branchline also when the reducer is made.
    with pytest.raises(ValueError, match=r"format='openai'; use one of \('langchain-openai',\)"):
        add_messages(format="openai")  # type: ignore[arg-type]


def test_called_with_one_list_only_is_an_error() -> None:
    # LangGraph raises a ValueError too.
    with pytest.raises(ValueError, match="needs both 'left' and 'right', got only 'left'"):
        add_messages([HumanMessage("a")])


def test_a_write_that_is_not_a_message_is_refused_and_writes_nothing() -> None:
    store = CheckpointStore.in_memory()
    graph = _graph(lambda state: {"messages": [("robot", "beep")]}, store)

    # LangGraph raises a ValueError ("Unexpected message type: 'robot'") and keeps the
    # input's checkpoints only, as here.
    with pytest.raises(ValueError, match=r"cannot make messages of \[\('robot', 'beep'\)\]"):
        graph.invoke({"messages": "hi"}, CONFIG)

    history = list(graph.get_state_history(CONFIG))
    assert [[m.content for m in s.values.get("messages", [])] for s in history] == [["hi"], []]


class Chat(MessagesState):
    turns: Annotated[int, operator.add]


def test_a_messages_state_subclass_runs_a_conversation() -> None:
    def reply(state: Chat) -> dict[str, Any]:
        asked = state["messages"][-1].content
        return {"messages": [("assistant", f"you said {asked}")], "turns": 1}

    graph = _graph(reply, CheckpointStore.in_memory(), Chat)

    graph.invoke({"messages": [("user", "hi")]}, CONFIG)
    result = graph.invoke({"messages": "again"}, CONFIG)

    # LangGraph: the same four messages and turns == 2.
    assert [(m.type, m.content) for m in result["messages"]] == [
        ("human", "hi"),
        ("ai", "you said hi"),
        ("human", "again"),
        ("ai", "you said again"),
    ]
    assert result["turns"] == 2


class ToolChat(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def test_a_node_deletes_a_message_with_remove_message() -> None:
    def trim(state: ToolChat) -> dict[str, Any]:
        return {"messages": [RemoveMessage(id=m.id) for m in state["messages"][:-1]]}

    graph = _graph(trim, CheckpointStore.in_memory(), ToolChat)
    call = AIMessage("", id="a", tool_calls=[{"name": "f", "args": {}, "id": "c"}])
    done = ToolMessage("42", tool_call_id="c", id="t")

    result = graph.invoke({"messages": [HumanMessage("q", id="h"), call, done]}, CONFIG)

    assert result["messages"] == [done]  # LangGraph: the same


def test_the_callers_message_is_left_alone_and_the_stored_copy_gets_the_id() -> None:
    # LangGraph sets the id on the caller's object, as str(uuid4()) (docs/differences.md,
    # "stored values stay plain").
    mine = HumanMessage(content="hi")
    (stored,) = add_messages([], [mine])
    assert mine.id is None
    assert stored.content == "hi" and len(stored.id) == 32 and int(stored.id, 16) >= 0


def test_a_message_written_again_under_its_id_shows_in_the_writers_cached_update() -> None:
    # LangGraph: both cached updates show the message (Branchline stored b's write as
    # nothing appended, the list being equal, and showed {'messages': []}).
    builder = StateGraph(MessagesState)
    for name in ("a", "b"):
        builder.add_node(name, lambda s: {"messages": [AIMessage("same", id="m")]})
        builder.add_edge(START, name)
    builder.add_node("ask", lambda s: {"messages": [interrupt("q")]})
    builder.add_edge(START, "ask")
    graph = builder.compile(checkpointer=CheckpointStore.in_memory())
    graph.invoke({"messages": []}, CONFIG)

    chunks = list(graph.stream(None, CONFIG, stream_mode="updates"))

    written = [AIMessage("same", id="m")]
    assert sorted((c for c in chunks if "__interrupt__" not in c), key=repr) == [
        {"a": {"messages": written}, "__metadata__": {"cached": True}},
        {"b": {"messages": written}, "__metadata__": {"cached": True}},
    ]
