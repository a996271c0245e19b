"""Stream mode ``"messages"``: the chunks of LangChain chat models called in a node and the
messages nodes return, each as ``(message, metadata)``, as LangGraph 1.2.22 streams them.

Each expected value is what LangGraph gives for the same graph and call (checked by running
both; task ids differ, so the tests read them from the chunks). The models are
langchain-core's fakes: no network.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from langchain_core.language_models.fake_chat_models import (
    FakeMessagesListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import StateGraph as LangGraphStateGraph
from typing_extensions import TypedDict

from branchline import (
    START,
    CheckpointStore,
    Command,
    MessagesState,
    Send,
    StateGraph,
    add_messages,
    interrupt,
)


def thread(name: str, **extra: Any) -> dict[str, Any]:
    return {"configurable": {"thread_id": name}, **extra}


def fake_model(*replies: str) -> GenericFakeChatModel:
    """A chat model that streams each reply word by word (the spaces as chunks too)."""
    return GenericFakeChatModel(
        messages=iter([AIMessage(text, id=f"ai-{i}") for i, text in enumerate(replies)])
    )


def chat(model: Any, store: CheckpointStore | None, *more: tuple[str, Any]) -> Any:
    """START -> call (the model answers the conversation) -> each of ``more`` in turn."""

    def call(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("call", call)
    builder.add_edge(START, "call")
    last = "call"
    for name, node in more:
        builder.add_node(name, node)
        builder.add_edge(last, name)
        last = name
    return builder.compile(checkpointer=store)


def hello() -> dict[str, Any]:
    return {"messages": [HumanMessage("hi", id="h-1")]}


def shown(chunks: list[Any]) -> list[tuple[str, Any, str | None, str]]:
    """Each ``(message, metadata)`` as (class, content, id, node)."""
    return [(type(m).__name__, m.content, m.id, meta["langgraph_node"]) for m, meta in chunks]


def test_chunks_of_a_chat_model_called_in_a_node_stream_with_the_tasks_metadata(
    store: CheckpointStore,
) -> None:
    graph = chat(fake_model("hello there"), store)

    chunks = list(graph.stream(hello(), thread("t"), stream_mode="messages"))

    # LangGraph gives the same: one chunk per word and space, then nothing for the
    # message the node returns (its id was streamed).
    assert shown(chunks) == [
        ("AIMessageChunk", "hello", "ai-0", "call"),
        ("AIMessageChunk", " ", "ai-0", "call"),
        ("AIMessageChunk", "there", "ai-0", "call"),
    ]
    metadata = dict(chunks[0][1])
    place = metadata["langgraph_checkpoint_ns"]
    assert "langchain-core" in metadata.pop("lc_versions")
    assert place.startswith("call:")
    assert metadata == {
        "thread_id": "t",
        "ls_integration": "langchain_chat_model",
        "langgraph_step": 1,
        "langgraph_node": "call",
        "langgraph_triggers": ("branch:to:call",),
        "langgraph_path": ("__pregel_pull", "call"),
        "langgraph_checkpoint_ns": place,
        "checkpoint_ns": place,
        "ls_provider": "genericfakechatmodel",
        "ls_model_type": "chat",
    }


def test_a_message_a_node_returns_is_streamed_whole_with_the_nodes_metadata(
    store: CheckpointStore,
) -> None:
    def plain(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage("not from a model", id="p-1")]}

    graph = chat(fake_model("a"), store, ("plain", plain))

    chunks = list(graph.stream(hello(), thread("t"), stream_mode="messages"))

    # LangGraph gives the same, with no model keys in the node's metadata.
    assert shown(chunks)[-1] == ("AIMessage", "not from a model", "p-1", "plain")
    metadata = chunks[-1][1]
    assert metadata == {
        "thread_id": "t",
        "ls_integration": "langgraph",
        "langgraph_step": 2,
        "langgraph_node": "plain",
        "langgraph_triggers": ("branch:to:plain",),
        "langgraph_path": ("__pregel_pull", "plain"),
        "langgraph_checkpoint_ns": metadata["langgraph_checkpoint_ns"],
    }
    assert metadata["langgraph_checkpoint_ns"].startswith("plain:")


def test_messages_a_node_got_or_that_were_streamed_are_not_streamed_again(
    store: CheckpointStore,
) -> None:
    def echo(state: MessagesState) -> dict[str, Any]:  # the whole list, and one new
        return {"messages": [*state["messages"], AIMessage("new", id="n-1")]}

    graph = chat(fake_model("a"), store, ("echo", echo))

    chunks = list(graph.stream(hello(), thread("t"), stream_mode="messages"))

    # LangGraph gives the same: the human message and the model's are not repeated.
    assert shown(chunks) == [
        ("AIMessageChunk", "a", "ai-0", "call"),
        ("AIMessage", "new", "n-1", "echo"),
    ]


def test_a_returned_message_without_an_id_streams_with_the_id_it_is_stored_with(
    store: CheckpointStore,
) -> None:
    graph = chat(fake_model("a"), store, ("plain", lambda s: {"messages": [AIMessage("x")]}))

    chunks = list(graph.stream(hello(), thread("t"), stream_mode="messages"))

    stored = graph.get_state(thread("t")).values["messages"][-1]
    # LangGraph gives the same: the streamed message is the one the state keeps.
    assert chunks[-1][0].id is not None
    assert chunks[-1][0].id == stored.id


def test_a_model_that_cannot_stream_sends_its_whole_message_with_the_models_metadata(
    store: CheckpointStore,
) -> None:
    model = FakeMessagesListChatModel(responses=[AIMessage("whole", id="w-1")])
    graph = chat(model, store)

    chunks = list(graph.stream(hello(), thread("t"), stream_mode="messages"))

    # LangGraph gives the same: once, from the model (not again from the node).
    assert shown(chunks) == [("AIMessage", "whole", "w-1", "call")]
    assert chunks[0][1]["ls_provider"] == "fakemessageslistchatmodel"


@pytest.mark.parametrize("where", ["model", "call"])
def test_a_model_run_tagged_nostream_streams_no_chunks(store: CheckpointStore, where: str) -> None:
    model = fake_model("a b")
    quiet = model.with_config(tags=["nostream"]) if where == "model" else model
    tags = {"tags": ["nostream"]} if where == "call" else {}
    graph = chat(quiet, store)

    chunks = list(graph.stream(hello(), thread("t", **tags), stream_mode="messages"))

    # LangGraph gives the same: no chunks; the node's output still streams, whole.
    assert shown(chunks) == [("AIMessage", "a b", "ai-0", "call")]
    assert chunks[0][1]["ls_integration"] == "langgraph"


def test_the_calls_metadata_and_tags_show_in_a_chunks_metadata(store: CheckpointStore) -> None:
    graph = chat(fake_model("a"), store)
    config = thread("t", metadata={"user": "ana"}, tags=["mine"])

    chunks = list(graph.stream(hello(), config, stream_mode="messages"))

    # LangGraph gives the same.
    assert chunks[0][1]["user"] == "ana"
    assert chunks[0][1]["tags"] == ["mine"]


def test_a_node_may_pass_its_config_to_the_model(store: CheckpointStore) -> None:
    model = fake_model("a b")

    def call(state: MessagesState, config: RunnableConfig) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"], config)]}

    builder = StateGraph(MessagesState)
    builder.add_node("call", call)
    builder.add_edge(START, "call")
    graph = builder.compile(checkpointer=store)

    chunks = list(graph.stream(hello(), thread("t"), stream_mode="messages"))

    # LangGraph gives the same.
    assert [m.content for m, _ in chunks] == ["a", " ", "b"]
    assert {meta["langgraph_node"] for _, meta in chunks} == {"call"}


def test_with_other_modes_a_tasks_messages_come_before_its_update(
    store: CheckpointStore,
) -> None:
    graph = chat(fake_model("a b"), store)

    chunks = list(graph.stream(hello(), thread("t"), stream_mode=["updates", "messages"]))

    # LangGraph gives the same (its chunks stream as the model makes them).
    assert [mode for mode, _ in chunks] == ["messages"] * 3 + ["updates"]
    assert chunks[-1][1]["call"]["messages"][0].content == "a b"


class Fan(TypedDict):
    messages: Annotated[list[Any], add_messages]
    n: int


def test_a_send_task_and_a_joined_node_show_their_triggers_and_paths(
    store: CheckpointStore,
) -> None:
    builder = StateGraph(Fan)
    builder.add_node("a", lambda s: Command(update={"messages": [AIMessage("a", id="a")]}))
    builder.add_node("b", lambda s: {"messages": [AIMessage("b", id="b")]})
    builder.add_node("sent", lambda s: {"messages": [AIMessage(f"s{s['n']}", id="s")]})
    builder.add_node("j", lambda s: {"messages": [AIMessage("j", id="j")]}, metadata={"k": 1})
    builder.add_edge(START, "a")
    builder.add_edge(START, "b")
    builder.add_conditional_edges("a", lambda s: [Send("sent", {"messages": [], "n": 7})])
    builder.add_edge(["a", "b"], "j")
    graph = builder.compile(checkpointer=store)

    chunks = list(graph.stream({"messages": [], "n": 0}, thread("t"), stream_mode="messages"))

    places = {
        m.content: (meta["langgraph_step"], meta["langgraph_triggers"], meta["langgraph_path"])
        for m, meta in chunks
    }
    # LangGraph gives the same (the order of step 2's two tasks may vary in both).
    assert places == {
        "a": (1, ("branch:to:a",), ("__pregel_pull", "a")),
        "b": (1, ("branch:to:b",), ("__pregel_pull", "b")),
        "s7": (2, ("__pregel_push",), ("__pregel_push", 0, False)),
        "j": (2, ("branch:to:j", "join:a+b:j"), ("__pregel_pull", "j")),
    }
    assert next(meta for m, meta in chunks if m.content == "j")["k"] == 1


def test_a_node_that_asks_streams_its_chunks_and_again_when_resumed(
    store: CheckpointStore,
) -> None:
    model = fake_model("a", "a")

    def call(state: MessagesState) -> dict[str, Any]:
        reply = model.invoke(state["messages"])
        answer = interrupt("send it?")
        return {"messages": [reply, AIMessage(answer, id="answer")]}

    builder = StateGraph(MessagesState)
    builder.add_node("call", call)
    builder.add_edge(START, "call")
    graph = builder.compile(checkpointer=store)

    first = list(graph.stream(hello(), thread("t"), stream_mode="messages"))
    again = list(graph.stream(Command(resume="yes"), thread("t"), stream_mode="messages"))

    # LangGraph gives the same: the node runs again, its model too.
    assert shown(first) == [("AIMessageChunk", "a", "ai-0", "call")]
    assert shown(again) == [
        ("AIMessageChunk", "a", "ai-1", "call"),
        ("AIMessage", "yes", "answer", "call"),
    ]


def with_subgraph(store: CheckpointStore) -> Any:
    model = fake_model("x y")

    def inner(state: MessagesState) -> dict[str, Any]:
        return {"messages": [model.invoke(state["messages"]), AIMessage("plain", id="pi")]}

    sub = StateGraph(MessagesState)
    sub.add_node("inner", inner)
    sub.add_edge(START, "inner")
    builder = StateGraph(MessagesState)
    builder.add_node("outer", lambda s: {"messages": [AIMessage("outer", id="o-1")]})
    builder.add_node("sub", sub.compile())
    builder.add_edge(START, "outer")
    builder.add_edge("outer", "sub")
    return builder.compile(checkpointer=store)


def test_without_subgraphs_a_subgraphs_messages_stream_whole_as_its_nodes(
    store: CheckpointStore,
) -> None:
    chunks = list(with_subgraph(store).stream(hello(), thread("t"), stream_mode="messages"))

    # LangGraph gives the same: no chunks from inside, the messages the subgraph node
    # returned, with its (the parent's) metadata.
    assert shown(chunks) == [
        ("AIMessage", "outer", "o-1", "outer"),
        ("AIMessage", "x y", "ai-0", "sub"),
        ("AIMessage", "plain", "pi", "sub"),
    ]


def test_with_subgraphs_a_subgraphs_messages_stream_under_its_namespace(
    store: CheckpointStore,
) -> None:
    graph = with_subgraph(store)

    chunks = list(graph.stream(hello(), thread("t"), stream_mode="messages", subgraphs=True))

    # LangGraph gives the same: the inner node's chunks under ("sub:<task id>",), and
    # nothing again when the subgraph node returns them.
    namespaces = [namespace for namespace, _ in chunks]
    assert namespaces[0] == ()
    assert len(set(namespaces[1:])) == 1 and namespaces[1][0].startswith("sub:")
    assert shown([chunk for _, chunk in chunks]) == [
        ("AIMessage", "outer", "o-1", "outer"),
        ("AIMessageChunk", "x", "ai-0", "inner"),
        ("AIMessageChunk", " ", "ai-0", "inner"),
        ("AIMessageChunk", "y", "ai-0", "inner"),
        ("AIMessage", "plain", "pi", "inner"),
    ]
    metadata = chunks[1][1][1]
    assert metadata["checkpoint_ns"] == namespaces[1][0]
    assert metadata["langgraph_checkpoint_ns"].startswith(f"{namespaces[1][0]}|inner:")


def test_a_model_run_outside_a_messages_stream_streams_nothing(store: CheckpointStore) -> None:
    graph = chat(fake_model("a b"), store)

    chunks = list(graph.stream(hello(), thread("t"), stream_mode="updates"))

    # LangGraph gives the same: the model answers whole, once.
    assert [c["call"]["messages"][0].content for c in chunks] == ["a b"]


def _chat_in_a_subgraph_without_history(
    graph_class: Any, checkpointer: Any, nested: bool = False, asks: Any = None
) -> Any:
    """START -> sub (compiled with checkpointer=False: START -> inner, a chat model);
    ``nested``: sub inside a subgraph ``mid`` compiled with checkpointer=None; ``asks``:
    inner then asks with this ``interrupt`` function."""

    def inner(state: MessagesState) -> dict[str, Any]:
        reply = fake_model("x").invoke(state["messages"])
        if asks is not None:
            asks("send it?")
        return {"messages": [reply]}

    sub = graph_class(MessagesState)
    sub.add_node("inner", inner)
    sub.add_edge(START, "inner")
    compiled = sub.compile(checkpointer=False)
    if nested:
        mid = graph_class(MessagesState)
        mid.add_node("sub", compiled)
        mid.add_edge(START, "sub")
        compiled = mid.compile()
    builder = graph_class(MessagesState)
    builder.add_node("mid" if nested else "sub", compiled)
    builder.add_edge(START, "mid" if nested else "sub")
    return builder.compile(checkpointer=checkpointer)


def _places(graph: Any) -> list[tuple[str, ...]]:
    """Each chunk's namespace and its metadata's places, task ids left out."""
    chunks = graph.stream(hello(), thread("t"), stream_mode="messages", subgraphs=True)
    return [
        (
            *(n.split(":")[0] for n in namespace),
            str(meta.get("thread_id")),
            "|".join(p.split(":")[0] for p in meta["langgraph_checkpoint_ns"].split("|")),
            "|".join(p.split(":")[0] for p in meta["checkpoint_ns"].split("|")),
        )
        for namespace, (_, meta) in chunks
    ]


def test_a_subgraph_without_history_streams_its_chunks_at_its_place_in_the_thread(
    store: CheckpointStore,
) -> None:
    ours = _places(_chat_in_a_subgraph_without_history(StateGraph, store))
    theirs = _places(_chat_in_a_subgraph_without_history(LangGraphStateGraph, InMemorySaver()))

    # Found by the differential harness: the inner node's place named no subgraph, and
    # its metadata no thread.
    assert ours == theirs == [("sub", "t", "sub|inner", "sub")]


def test_a_subgraph_without_history_in_one_with_a_thread_streams_at_its_full_place(
    store: CheckpointStore,
) -> None:
    ours = _places(_chat_in_a_subgraph_without_history(StateGraph, store, nested=True))
    theirs = _places(
        _chat_in_a_subgraph_without_history(LangGraphStateGraph, InMemorySaver(), nested=True)
    )

    assert ours == theirs
    assert ours[0][-2] == "mid|sub|inner"  # it was 'sub|inner', mid left out


def test_a_subgraph_without_history_that_asks_streams_the_chunks_it_made_first(
    store: CheckpointStore,
) -> None:
    from langgraph.types import interrupt as langgraph_interrupt

    ours = _places(_chat_in_a_subgraph_without_history(StateGraph, store, asks=interrupt))
    theirs = _places(
        _chat_in_a_subgraph_without_history(
            LangGraphStateGraph, InMemorySaver(), asks=langgraph_interrupt
        )
    )

    # Found by the differential harness (seeds 3183, 8041): none streamed, the task
    # having paused before the subgraph's chunks were handed up.
    assert ours == theirs == [("sub", "t", "sub|inner", "sub")]
