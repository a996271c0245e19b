"""LangChain callbacks and ``astream_events``, run side by side with LangGraph: the same
runs, nested the same way, with the same names, tags, inputs and outputs."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict
from uuid import UUID

import langgraph.graph as langgraph
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command as LangGraphCommand
from langgraph.types import interrupt as langgraph_interrupt

import branchline
from branchline import CheckpointStore, InvalidConfigError

THREAD = {"configurable": {"thread_id": "t"}}


class Refund(TypedDict, total=False):
    amount: int
    log: Annotated[list[str], operator.add]


def _refunds(lib: Any, saver: Any, interrupt: Any, sync: bool = False) -> Any:
    """draft (a chat model streams its reply) -> a path function -> check -> ask."""
    model = GenericFakeChatModel(messages=iter([AIMessage(content="refund approved")]))

    async def draft(state: Refund) -> dict[str, Any]:
        reply = await model.ainvoke("draft a reply")
        return {"log": [str(reply.content)]}

    def draft_sync(state: Refund) -> dict[str, Any]:
        return {"log": [str(model.invoke("draft a reply").content)]}

    def checked(state: Refund) -> str:
        return "check" if state.get("amount", 0) < 100 else "ask"

    def check(state: Refund) -> dict[str, Any]:
        return {"log": ["checked"]}

    def ask(state: Refund) -> dict[str, Any]:
        return {"log": [interrupt("approve?")]}

    builder = lib.StateGraph(Refund)
    builder.add_node("draft", draft_sync if sync else draft)
    builder.add_node("check", check)
    builder.add_node("ask", ask)
    builder.add_edge(lib.START, "draft")
    builder.add_conditional_edges("draft", checked, ["check", "ask"])
    builder.add_edge("check", "ask")
    builder.add_edge("ask", lib.END)
    return builder.compile(checkpointer=saver)


def _both(sync: bool = False) -> tuple[Any, Any]:
    theirs = _refunds(langgraph, InMemorySaver(), langgraph_interrupt, sync)
    ours = _refunds(branchline, CheckpointStore.in_memory(), branchline.interrupt, sync)
    return theirs, ours


def _shown(event: dict[str, Any]) -> tuple[Any, ...]:
    """An event without what differs by nature (run ids, message ids, interrupt ids)."""
    data = {k: _plain(v) for k, v in event["data"].items()}
    metadata = {k: v for k, v in event["metadata"].items() if k.startswith("langgraph_")}
    metadata.pop("langgraph_checkpoint_ns", None)  # holds a task id
    return (event["event"], event["name"], event["tags"], len(event["parent_ids"]), data, metadata)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseMessage):
        return (type(value).__name__, value.content)
    if type(value).__name__ == "Command":  # each library's own
        return ("Command", value.resume)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "__interrupt__"}
    return value


def _events(graph: Any, given: Any) -> list[tuple[Any, ...]]:
    async def listed() -> list[tuple[Any, ...]]:
        return [_shown(e) async for e in graph.astream_events(given, THREAD, version="v2")]

    return asyncio.run(listed())


def test_astream_events_gives_langgraphs_events() -> None:
    theirs, ours = _both()

    expected = _events(theirs, {"amount": 30})
    assert _events(ours, {"amount": 30}) == expected
    names = [(e[0], e[1]) for e in expected]
    assert ("on_chat_model_stream", "GenericFakeChatModel") in names
    assert ("on_chain_start", "checked") in names  # the path function, under its node


def test_astream_events_of_a_resume_gives_langgraphs_events() -> None:
    theirs, ours = _both()
    resumed = []
    for graph, command in ((theirs, LangGraphCommand), (ours, branchline.Command)):
        asyncio.run(graph.ainvoke({"amount": 500}, THREAD))
        resumed.append(_events(graph, command(resume="yes")))
    assert resumed[1] == resumed[0]
    assert resumed[1][-1][4]["output"]["log"][-1] == "yes"


class Recorder(BaseCallbackHandler):
    """What a tracer sees: each run's start, end or error, and its parent's name."""

    def __init__(self) -> None:
        self.names: dict[UUID, str] = {}
        self.seen: list[tuple[str, str, str | None]] = []

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kw: Any) -> None:
        self._start("chain", kw.get("name") or "?", run_id, kw.get("parent_run_id"))

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, **kw: Any
    ) -> None:
        self._start("chat model", "model", run_id, kw.get("parent_run_id"))

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kw: Any) -> None:
        self.seen.append(("end", self.names[run_id], None))

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self.seen.append((f"error {type(error).__name__}", self.names[run_id], None))

    def _start(self, kind: str, name: str, run_id: UUID, parent: UUID | None) -> None:
        self.names[run_id] = name
        self.seen.append((kind, name, self.names.get(parent) if parent else None))


@pytest.mark.parametrize("face", ["sync", "async"])
def test_a_tracer_in_the_config_sees_the_runs_langgraph_shows_it(face: str) -> None:
    theirs, ours = _both(sync=face == "sync")
    seen = []
    for graph in (theirs, ours):
        recorder = Recorder()
        config = {**THREAD, "callbacks": [recorder]}
        if face == "sync":
            graph.invoke({"amount": 30}, config)
        else:
            asyncio.run(graph.ainvoke({"amount": 30}, config))
        seen.append(recorder.seen)
    assert seen[1] == seen[0]
    assert ("chat model", "model", "draft") in seen[1]
    assert ("chain", "checked", "draft") in seen[1]


def _with_subgraph(lib: Any, saver: Any, interrupt: Any) -> Any:
    """outer -> sub, a subgraph whose node asks."""
    sub = lib.StateGraph(Refund)
    sub.add_node("inner", lambda state: {"log": [interrupt("inner?")]})
    sub.add_edge(lib.START, "inner")
    builder = lib.StateGraph(Refund)
    builder.add_node("outer", lambda state: {"log": ["outer"]})
    builder.add_node("sub", sub.compile())
    builder.add_edge(lib.START, "outer")
    builder.add_edge("outer", "sub")
    return builder.compile(checkpointer=saver)


def test_a_subgraphs_runs_nest_under_its_node_as_in_langgraph() -> None:
    theirs = _with_subgraph(langgraph, InMemorySaver(), langgraph_interrupt)
    ours = _with_subgraph(branchline, CheckpointStore.in_memory(), branchline.interrupt)
    seen = []
    for graph, command in ((theirs, LangGraphCommand), (ours, branchline.Command)):
        recorder = Recorder()
        config = {**THREAD, "callbacks": [recorder]}
        graph.invoke({"log": []}, config)
        graph.invoke(command(resume="yes"), config)
        seen.append(recorder.seen)
    assert seen[1] == seen[0]
    assert ("chain", "inner", "LangGraph") in seen[1] and ("chain", "LangGraph", "sub") in seen[1]


def test_an_update_made_as_a_node_with_a_path_function_is_told_as_in_langgraph() -> None:
    theirs, ours = _both()
    seen = []
    for graph in (theirs, ours):
        asyncio.run(graph.ainvoke({"amount": 500}, THREAD))
        recorder = Recorder()
        graph.update_state({**THREAD, "callbacks": [recorder]}, {"amount": 5}, as_node="draft")
        graph.update_state({**THREAD, "callbacks": [recorder]}, {"amount": 6}, as_node="check")
        seen.append(recorder.seen)
    assert (
        seen[1]
        == seen[0]
        == [
            ("chain", "LangGraphUpdateState", None),
            ("chain", "checked", "LangGraphUpdateState"),
            ("end", "checked", None),
            ("end", "LangGraphUpdateState", None),
        ]
    )


def test_a_node_that_raises_ends_its_run_and_the_graphs_in_error() -> None:
    def broken(state: Refund) -> dict[str, Any]:
        raise ValueError("no amount")

    graph = branchline.StateGraph(Refund).add_node("broken", broken).set_entry_point("broken")
    recorder = Recorder()
    with pytest.raises(ValueError, match="no amount"):
        graph.compile().invoke({"amount": 1}, {"callbacks": [recorder]})
    assert recorder.seen[-2:] == [
        ("error ValueError", "broken", None),
        ("error ValueError", "LangGraph", None),
    ]


def test_an_unknown_events_version_is_refused_before_anything_runs() -> None:
    store = CheckpointStore.in_memory()
    graph = _refunds(branchline, store, branchline.interrupt)

    async def listed() -> list[Any]:
        return [e async for e in graph.astream_events({"amount": 1}, THREAD, version="v1")]

    with pytest.raises(InvalidConfigError, match="version='v2'"):
        asyncio.run(listed())
    assert store.load("t") is None
