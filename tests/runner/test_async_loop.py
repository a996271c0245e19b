"""Async calls on one event loop thread, on every store: many calls in flight hold no OS
thread each, and what would block (a commit, a read, a store's listeners, a sync node)
runs off the loop's thread."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from typing_extensions import TypedDict

from branchline import (
    END,
    START,
    CheckpointStore,
    Command,
    CompiledStateGraph,
    StateGraph,
    interrupt,
)


class Ticket(TypedDict):
    count: int


def config(n: int) -> dict[str, Any]:
    return {"configurable": {"thread_id": f"t{n}"}}


def chain(store: CheckpointStore, *nodes: Any) -> CompiledStateGraph:
    """START -> each of ``nodes`` (functions, named as they are) in turn -> END."""
    builder = StateGraph(Ticket)
    names = [node.__name__ for node in nodes]
    for name, node in zip(names, nodes, strict=True):
        builder.add_node(name, node)
    for start, end in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(start, end)
    return builder.compile(checkpointer=store)


def test_many_calls_waiting_in_their_nodes_hold_no_thread_each(store: CheckpointStore) -> None:
    calls = 200
    arrived: list[int] = []
    peak_threads: list[int] = []

    async def wait_for_all(state: Ticket) -> dict[str, int]:
        arrived.append(state["count"])
        while len(arrived) < calls:  # every call is in this node at once
            await asyncio.sleep(0.001)
        peak_threads.append(threading.active_count())
        return {"count": state["count"] + 1}

    async def ask(state: Ticket) -> dict[str, int]:
        return {"count": state["count"] + interrupt("how many more?")}

    graph = chain(store, wait_for_all, ask)

    async def cycle(n: int) -> Any:
        await graph.ainvoke({"count": n}, config(n))
        return await graph.ainvoke(Command(resume=10), config(n))

    async def run_all() -> list[Any]:
        return await asyncio.gather(*(cycle(n) for n in range(calls)))

    before = threading.active_count()
    assert asyncio.run(run_all()) == [{"count": n + 11} for n in range(calls)]
    # The loop's thread runs them all; a few workers for the store, none per call.
    assert max(peak_threads) - before < 70 < calls


def test_commits_reads_and_listeners_of_an_async_call_run_off_the_loop(
    store: CheckpointStore,
) -> None:
    told_on: list[str] = []
    store.subscribe(lambda appended: told_on.append(threading.current_thread().name))

    def sync_node(state: Ticket) -> dict[str, int]:
        told_on.append(f"node on {threading.current_thread().name}")
        return {"count": state["count"] + 1}

    graph = chain(store, sync_node)

    async def run() -> tuple[Any, str]:
        loop_thread = threading.current_thread().name
        return await graph.ainvoke({"count": 1}, config(1)), loop_thread

    result, loop_thread = asyncio.run(run())
    assert result == {"count": 2}
    assert told_on and all(loop_thread not in name for name in told_on)
    assert any(name.startswith("node on branchline-async") for name in told_on)
    assert graph.get_state(config(1)).values == {"count": 2}  # committed, read back


def test_timeouts_inside_async_nodes_stay_the_nodes_own(store: CheckpointStore) -> None:
    # A node's coroutine is awaited within the call's task: a timeout it sets cancels
    # only its own wait, and the call goes on.
    async def with_timeout(state: Ticket) -> dict[str, int]:
        try:
            async with asyncio.timeout(0.01):
                await asyncio.sleep(5)
        except TimeoutError:
            return {"count": state["count"] + 1}
        raise AssertionError("the timeout did not fire")

    async def with_wait_for(state: Ticket) -> dict[str, int]:
        try:
            await asyncio.wait_for(asyncio.sleep(5), 0.01)
        except TimeoutError:
            return {"count": state["count"] + 10}
        raise AssertionError("the timeout did not fire")

    graph = chain(store, with_timeout, with_wait_for)

    async def run() -> tuple[Any, int]:
        result = await graph.ainvoke({"count": 0}, config(1))
        current = asyncio.current_task()
        assert current is not None
        return result, current.cancelling()

    assert asyncio.run(run()) == ({"count": 11}, 0)


def test_a_failing_task_cancels_its_unfinished_siblings_which_run_again_next_call(
    store: CheckpointStore,
) -> None:
    # As LangGraph's async runner (checked by running both): the error reaches the
    # caller at once, the cancelled sibling is recorded with its CancelledError and runs
    # again on the next call.
    events: list[str] = []
    fail = [True]

    async def slow(state: Ticket) -> dict[str, int]:
        events.append("slow started")
        await asyncio.sleep(0.2)
        events.append("slow returned")
        return {}

    async def flaky(state: Ticket) -> dict[str, int]:
        if fail[0]:
            raise ValueError("the model is down")
        return {"count": 1}

    builder = StateGraph(Ticket)
    builder.add_node("slow", slow)  # first: its cancellation must not hide the error
    builder.add_node("flaky", flaky)
    for name in ("slow", "flaky"):
        builder.add_edge(START, name)
        builder.add_edge(name, END)
    graph = builder.compile(checkpointer=store)

    async def run() -> Any:
        with pytest.raises(ValueError, match="the model is down"):
            await graph.ainvoke({"count": 0}, config(1))
        assert events == ["slow started"]
        snapshot = await graph.aget_state(config(1))
        assert snapshot.next == ("slow", "flaky")
        errors = {task.name: task.error for task in snapshot.tasks}
        assert errors == {"slow": "CancelledError()", "flaky": "ValueError('the model is down')"}
        fail[0] = False
        return await graph.ainvoke(None, config(1))

    assert asyncio.run(run()) == {"count": 1}
    assert events == ["slow started", "slow started", "slow returned"]


def test_closing_the_store_stops_the_thread_that_committed_its_async_appends(
    store: CheckpointStore,
) -> None:
    async def step(state: Ticket) -> dict[str, int]:
        return {"count": state["count"] + 1}

    graph = chain(store, step)

    before = set(threading.enumerate())
    assert asyncio.run(graph.ainvoke({"count": 0}, config(1))) == {"count": 1}
    committers = [t for t in set(threading.enumerate()) - before if t.name == "branchline-commit"]
    assert len(committers) == (0 if store.kept_in_memory else 1)  # memory commits in place
    store.close()
    for committer in committers:
        committer.join(timeout=5)
    assert not any(committer.is_alive() for committer in committers)
