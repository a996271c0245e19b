"""Async runs on every store: async path functions and tools, sync nodes off the loop,
cancellation as a clean crash, and exactly-once answers from many tasks at once. Where
LangGraph 1.2.22 has the same behaviour, it was checked by running both."""

from __future__ import annotations

import asyncio
import operator
import threading
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    CompiledStateGraph,
    InterruptNotPending,
    InvalidConfigError,
    StateGraph,
    interrupt,
)
from branchline.domain.model.events import NodeCompleted, Resumed, StepCompleted


class State(TypedDict):
    log: Annotated[list[str], operator.add]


CONFIG: dict[str, Any] = {"configurable": {"thread_id": "t1"}}


def add(name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        return {"log": [name]}

    return node


def chain(store: CheckpointStore, *nodes: tuple[str, Any]) -> CompiledStateGraph:
    builder = StateGraph(State)
    for name, action in nodes:
        builder.add_node(name, action)
    names = [name for name, _ in nodes]
    for start, end in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(start, end)
    return builder.compile(checkpointer=store)


def steps_written(store: CheckpointStore, thread: str = "t1") -> list[list[str]]:
    """The nodes each written step ran (a step carries its tasks' results)."""
    return [
        [r["node"] for r in e.results] for e in store.events(thread) if isinstance(e, StepCompleted)
    ]


# Async path functions and tools ---------------------------------------------------------


def test_an_async_path_function_routes_in_an_async_call(store: CheckpointStore) -> None:
    async def choose(state: State) -> str:
        await asyncio.sleep(0)
        return "b" if len(state["log"]) == 1 else END

    builder = StateGraph(State)
    builder.add_node("a", add("a"))
    builder.add_node("b", add("b"))
    builder.add_edge(START, "a")
    builder.add_conditional_edges("a", choose, ["b", END])
    graph = builder.compile(checkpointer=store)

    assert asyncio.run(graph.ainvoke({"log": []}, CONFIG)) == {"log": ["a", "b"]}
    with pytest.raises(TypeError, match="No synchronous function provided"):
        graph.invoke({"log": []}, {"configurable": {"thread_id": "sync"}})


def test_an_async_tool_asks_and_is_answered_in_an_async_call(store: CheckpointStore) -> None:
    # The documented tool-review pattern with an async tool; LangGraph gives the same.
    messages = pytest.importorskip("langchain_core.messages")
    tools = pytest.importorskip("langchain_core.tools")
    from branchline import MessagesState
    from branchline.prebuilt import ToolNode

    @tools.tool
    async def refund(amount: int) -> str:
        """Refund an amount to the customer."""
        decision = interrupt({"refund": amount})
        return f"refunded {amount}: {decision}"

    def model(state: MessagesState) -> dict[str, Any]:
        call = {"name": "refund", "args": {"amount": 5}, "id": "call-1"}
        return {"messages": [messages.AIMessage("", tool_calls=[call])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", model)
    builder.add_node("tools", ToolNode([refund]))
    builder.add_edge(START, "model")
    builder.add_edge("model", "tools")
    builder.add_edge("tools", END)
    graph = builder.compile(checkpointer=store)

    paused = asyncio.run(graph.ainvoke({"messages": [("user", "refund me")]}, CONFIG))
    assert paused["__interrupt__"][0].value == {"refund": 5}
    done = asyncio.run(graph.ainvoke(Command(resume="approved"), CONFIG))
    assert done["messages"][-1].content == "refunded 5: approved"


# Off the loop ---------------------------------------------------------------------------


def test_sync_nodes_of_an_async_call_do_not_block_the_loop(store: CheckpointStore) -> None:
    # The node waits for a coroutine of the same loop: were it run on the loop, this
    # would never end (the wait is bounded so a failure is an assertion, not a hang).
    loop_ran = threading.Event()

    def waits(state: State) -> dict[str, Any]:
        return {"log": [f"loop ran: {loop_ran.wait(timeout=30)}"]}

    graph = chain(store, ("waits", waits))

    async def main() -> Any:
        async def on_the_loop() -> None:
            await asyncio.sleep(0.01)
            loop_ran.set()

        result, _ = await asyncio.gather(graph.ainvoke({"log": []}, CONFIG), on_the_loop())
        return result

    assert asyncio.run(main()) == {"log": ["loop ran: True"]}


# Cancellation ---------------------------------------------------------------------------


def test_a_cancelled_call_keeps_its_completed_steps_and_goes_on_when_called_again(
    store: CheckpointStore,
) -> None:
    # As LangGraph: the step under way is not written; ainvoke(None) runs it again.
    started = asyncio.Event()
    runs: list[str] = []

    async def slow(state: State) -> dict[str, Any]:
        runs.append("slow")
        started.set()
        await asyncio.sleep(60)
        return {"log": ["slow"]}

    graph = chain(store, ("a", add("a")), ("slow", slow))

    async def cancelled_midway() -> None:
        call = asyncio.create_task(graph.ainvoke({"log": []}, CONFIG))
        await started.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call

    asyncio.run(cancelled_midway())
    state = graph.get_state(CONFIG)
    assert (state.values, state.next) == ({"log": ["a"]}, ("slow",))
    assert steps_written(store) == [["__start__"], ["a"]]  # none of slow

    async def fast(state: State) -> dict[str, Any]:
        return {"log": ["slow"]}

    again = chain(store, ("a", add("a")), ("slow", fast))
    assert asyncio.run(again.ainvoke(None, CONFIG)) == {"log": ["a", "slow"]}
    assert runs == ["slow"]


def test_a_call_cancelled_while_a_sync_node_runs_writes_nothing_of_that_step(
    store: CheckpointStore,
) -> None:
    # A thread cannot be stopped: the node runs to its end, then its step is dropped
    # and the call raises, so nothing of the run is written after it was cancelled.
    entered, release = threading.Event(), threading.Event()

    def busy(state: State) -> dict[str, Any]:
        entered.set()
        release.wait(timeout=30)
        return {"log": ["busy"]}

    graph = chain(store, ("a", add("a")), ("busy", busy), ("b", add("b")))

    async def cancelled_midway() -> None:
        call = asyncio.create_task(graph.ainvoke({"log": []}, CONFIG))
        await asyncio.to_thread(entered.wait, 30)
        call.cancel()
        await asyncio.sleep(0.01)
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await call

    asyncio.run(cancelled_midway())
    assert graph.get_state(CONFIG).next == ("busy",)
    assert not [e for e in store.events("t1") if isinstance(e, NodeCompleted)]
    assert steps_written(store) == [["__start__"], ["a"]]


def test_leaving_an_astream_early_stops_the_run_where_it_was_left(
    store: CheckpointStore,
) -> None:
    graph = chain(store, ("a", add("a")), ("b", add("b")), ("c", add("c")))

    async def first_update() -> Any:
        async for chunk in graph.astream({"log": []}, CONFIG, stream_mode="updates"):
            return chunk
        return None

    # As LangGraph's astream and our stream: the run stops where the caller left it.
    assert asyncio.run(first_update()) == {"a": {"log": ["a"]}}
    assert graph.get_state(CONFIG).next == ("b",)
    assert asyncio.run(graph.ainvoke(None, CONFIG))["log"] == ["a", "b", "c"]


# Many at once ---------------------------------------------------------------------------


def approval(store: CheckpointStore) -> CompiledStateGraph:
    async def ask(state: State) -> dict[str, Any]:
        return {"log": [f"approved by {interrupt('approve?')}"]}

    return chain(store, ("ask", ask), ("act", add("act")))


def test_many_tasks_answering_one_question_at_once_resume_it_exactly_once(
    store: CheckpointStore,
) -> None:
    graph = approval(store)
    asyncio.run(graph.ainvoke({"log": []}, CONFIG))

    async def answer(who: str) -> Any:
        config = {"configurable": {"thread_id": "t1", "actor": who}}
        return await graph.ainvoke(Command(resume=who), config)

    async def race() -> list[Any]:
        return await asyncio.gather(*(answer(f"p{n}") for n in range(12)), return_exceptions=True)

    results = asyncio.run(race())
    done = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, InterruptNotPending)]
    assert len(done) == 1 and len(refused) == 11, results
    winner = done[0]["log"][0].removeprefix("approved by ")
    assert all(f"already answered by {winner}" in str(r) for r in refused)
    assert [e.actor for e in store.events("t1") if isinstance(e, Resumed)] == [winner]
    assert graph.get_state(CONFIG).values == {"log": [f"approved by {winner}", "act"]}


def test_many_threads_pause_and_resume_in_one_event_loop(store: CheckpointStore) -> None:
    graph = approval(store)

    async def cycle(n: int) -> Any:
        config = {"configurable": {"thread_id": f"t{n}"}}
        await graph.ainvoke({"log": []}, config)
        return await graph.ainvoke(Command(resume=f"p{n}"), config)

    async def many() -> list[Any]:
        return await asyncio.gather(*(cycle(n) for n in range(40)))

    assert asyncio.run(many()) == [{"log": [f"approved by p{n}", "act"]} for n in range(40)]


@pytest.mark.parametrize("durability", ["sync", "async", "exit"])
def test_ctrl_c_in_a_sync_call_keeps_the_completed_steps_as_a_cancellation_does(
    store: CheckpointStore, durability: str
) -> None:
    runs: list[str] = []

    def interrupted(state: State) -> dict[str, Any]:
        runs.append("b")
        if len(runs) == 1:  # Ctrl-C while it runs the first time
            raise KeyboardInterrupt
        return {"log": ["b"]}

    graph = chain(store, ("a", add("a")), ("b", interrupted))

    with pytest.raises(KeyboardInterrupt):
        graph.invoke({"log": []}, CONFIG, durability=durability)  # type: ignore[arg-type]

    assert steps_written(store) == [["__start__"], ["a"]]
    assert graph.get_state(CONFIG).next == ("b",)
    assert graph.invoke(None, CONFIG) == {"log": ["a", "b"]}


def test_a_subgraph_with_an_async_node_pauses_and_resumes_in_an_async_call(
    store: CheckpointStore,
) -> None:
    async def inner_asks(state: State) -> dict[str, Any]:
        await asyncio.sleep(0)
        return {"log": [f"inner:{interrupt('inner?')}"]}

    inner = StateGraph(State)
    inner.add_node("inner_asks", inner_asks)
    inner.add_edge(START, "inner_asks")
    graph = chain(store, ("a", add("a")), ("sub", inner.compile()), ("b", add("b")))

    async def pause_then_answer() -> tuple[list[Any], Any]:
        chunks = [c async for c in graph.astream({"log": []}, CONFIG, subgraphs=True)]
        return chunks, await graph.ainvoke(Command(resume="yes"), CONFIG)

    chunks, done = asyncio.run(pause_then_answer())
    namespaces = {namespace for namespace, _ in chunks}
    assert () in namespaces and any(n and n[0].startswith("sub:") for n in namespaces)
    # As LangGraph: the question under both namespaces; the subgraph's log starts with
    # the parent's ("a"), which its reducer adds to the parent's again.
    asked = [c["__interrupt__"][0].value for _, c in chunks if "__interrupt__" in c]
    assert asked == ["inner?", "inner?"]
    assert done == {"log": ["a", "a", "inner:yes", "b"]}


def test_a_cancelled_astream_stops_its_run_as_a_cancelled_ainvoke(store: CheckpointStore) -> None:
    started = asyncio.Event()

    async def slow(state: State) -> dict[str, Any]:
        started.set()
        await asyncio.sleep(60)
        return {"log": ["slow"]}

    graph = chain(store, ("a", add("a")), ("slow", slow))

    async def cancelled_midway() -> list[Any]:
        seen: list[Any] = []

        async def consume() -> None:
            async for chunk in graph.astream({"log": []}, CONFIG, stream_mode="updates"):
                seen.append(chunk)

        call = asyncio.create_task(consume())
        await started.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        return seen

    assert asyncio.run(cancelled_midway()) == [{"a": {"log": ["a"]}}]
    assert graph.get_state(CONFIG).next == ("slow",)
    assert steps_written(store) == [["__start__"], ["a"]]


def test_a_sync_invoke_inside_an_async_node_of_a_graph_with_async_nodes_fails_not_hangs(
    store: CheckpointStore,
) -> None:
    # As LangGraph: the inner sync call cannot await the inner graph's async node.
    async def inner(state: State) -> dict[str, Any]:
        return {"log": ["inner"]}

    inner_graph = chain(CheckpointStore.in_memory(), ("inner", inner))

    async def calls_sync(state: State) -> dict[str, Any]:
        inner_graph.invoke({"log": []}, {"configurable": {"thread_id": "inner"}})
        return {"log": ["outer"]}

    graph = chain(store, ("outer", calls_sync))

    with pytest.raises(TypeError, match='No synchronous function provided to "inner"'):
        asyncio.run(graph.ainvoke({"log": []}, CONFIG))


def fan_out(store: CheckpointStore, width: int, running: list[int], peak: list[int]) -> Any:
    """START -> one Send per item -> END: each task counts the tasks running with it."""
    from branchline import Send

    async def work(item: int) -> dict[str, Any]:
        running.append(item)
        peak.append(len(running))
        await asyncio.sleep(0.05)
        running.remove(item)
        return {"log": [str(item)]}

    builder = StateGraph(State)
    builder.add_node("work", work)
    builder.add_conditional_edges(START, lambda state: [Send("work", n) for n in range(width)])
    return builder.compile(checkpointer=store)


def test_a_steps_async_tasks_all_run_at_once_unless_max_concurrency_says(
    store: CheckpointStore,
) -> None:
    # As LangGraph: 30 tasks at once; with max_concurrency=4, four at a time.
    for limit, expected in ((None, 30), (4, 4)):
        running: list[int] = []
        peak: list[int] = []
        graph = fan_out(store, 30, running, peak)
        config = {"configurable": {"thread_id": f"t{limit}"}}
        if limit is not None:
            config["max_concurrency"] = limit
        done = asyncio.run(graph.ainvoke({"log": []}, config))
        assert sorted(done["log"], key=int) == [str(n) for n in range(30)]
        assert max(peak) == expected


def test_a_bad_max_concurrency_is_an_error_that_writes_nothing(store: CheckpointStore) -> None:
    graph = fan_out(store, 2, [], [])
    config = {"configurable": {"thread_id": "t1"}, "max_concurrency": 0}

    with pytest.raises(
        InvalidConfigError, match="max_concurrency must be an integer of at least 1, got 0"
    ):
        asyncio.run(graph.ainvoke({"log": []}, config))

    assert list(store.events("t1")) == []
