"""A graph's ``step_timeout``: a step that runs past it raises ``TimeoutError``, keeping
what its tasks finished, as LangGraph 1.2.22 does (each case checked by running both):
an async call cancels the tasks still running, a sync call cannot and waits for them."""

from __future__ import annotations

import asyncio
import operator
import time
from collections import Counter
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import (
    END,
    START,
    CheckpointStore,
    CompiledStateGraph,
    InvalidConfigError,
    StateGraph,
    interrupt,
)


class Log(TypedDict):
    log: Annotated[list[str], operator.add]


def fork(store: CheckpointStore, slow: Any, other: Any, *, timeout: float | None) -> Any:
    """START -> slow and other at once -> after -> END; ``ran`` counts each node's runs."""
    ran: Counter[str] = Counter()

    def counted(name: str, node: Any) -> Any:
        if asyncio.iscoroutinefunction(node):

            async def run_async(state: Log) -> dict[str, list[str]]:
                ran[name] += 1
                return await node(state)  # type: ignore[no-any-return]

            return run_async

        def run(state: Log) -> dict[str, list[str]]:
            ran[name] += 1
            return node(state)  # type: ignore[no-any-return]

        return run

    builder = StateGraph(Log)
    builder.add_node("slow", counted("slow", slow))
    builder.add_node("other", counted("other", other))
    builder.add_node("after", counted("after", lambda state: {"log": ["after"]}))
    for name in ("slow", "other"):
        builder.add_edge(START, name)
        builder.add_edge(name, "after")
    builder.add_edge("after", END)
    graph: CompiledStateGraph = builder.compile(checkpointer=store)
    graph.step_timeout = timeout
    graph.ran = ran  # type: ignore[attr-defined]
    return graph


# A timeout the quick tasks of a step meet even on a machine busy with other tests.
SPARE = 1.5


def other(state: Log) -> dict[str, list[str]]:
    return {"log": ["other"]}


def sleeping(seconds: list[float]) -> Any:
    """An async node that sleeps ``seconds[0]`` (changed between calls by the test)."""

    async def slow(state: Log) -> dict[str, list[str]]:
        await asyncio.sleep(seconds[0])
        return {"log": ["slow"]}

    return slow


def test_an_async_step_past_its_timeout_cancels_the_tasks_still_running(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    seconds = [30.0]  # a model that hangs; the other task has time to spare on a busy machine
    graph = fork(store, sleeping(seconds), other, timeout=SPARE)
    began = time.monotonic()
    with pytest.raises(TimeoutError, match=r"step_timeout of 1\.5 s; cancelled: slow"):
        asyncio.run(graph.ainvoke({"log": []}, config))
    assert time.monotonic() - began < 10
    snapshot = graph.get_state(config)
    assert snapshot.next == ("slow",)
    assert snapshot.values == {"log": ["other"]}
    assert {t.name: t.error for t in snapshot.tasks} == {
        "other": None,
        "slow": "CancelledError()",
    }

    seconds[0], graph.step_timeout = 0.0, None
    assert asyncio.run(graph.ainvoke(None, config)) == {"log": ["other", "slow", "after"]}
    assert graph.ran == {"slow": 2, "other": 1, "after": 1}  # other's write was kept


def test_a_single_async_node_past_the_timeout_is_cancelled(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    builder = StateGraph(Log)
    builder.add_node("slow", sleeping([30.0]))
    builder.add_edge(START, "slow")
    graph = builder.compile(checkpointer=store)
    graph.step_timeout = 0.05
    with pytest.raises(TimeoutError, match="cancelled: slow"):
        asyncio.run(graph.ainvoke({"log": []}, config))
    snapshot = graph.get_state(config)
    assert snapshot.next == ("slow",)
    assert [t.error for t in snapshot.tasks] == ["CancelledError()"]


def test_a_sync_step_past_its_timeout_waits_for_its_tasks_then_raises(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    # A thread cannot be stopped: the step's tasks finish and are kept, the step is left
    # open (nothing next), and the next call closes it and goes on.
    def slow(state: Log) -> dict[str, list[str]]:
        time.sleep(0.3)
        return {"log": ["slow"]}

    graph = fork(store, slow, other, timeout=0.05)
    with pytest.raises(TimeoutError, match=r"step 1 of thread 't1' ran past"):
        graph.invoke({"log": []}, config)
    snapshot = graph.get_state(config)
    assert snapshot.next == ()
    assert snapshot.values == {"log": ["other", "slow"]}
    assert {t.name: t.error for t in snapshot.tasks} == {"other": None, "slow": None}

    assert graph.invoke(None, config) == {"log": ["other", "slow", "after"]}
    assert graph.ran == {"slow": 1, "other": 1, "after": 1}


def test_past_the_timeout_a_question_pauses_a_sync_call_and_an_async_call_raises(
    store: CheckpointStore,
) -> None:
    def ask(state: Log) -> dict[str, list[str]]:
        return {"log": [interrupt("ok?")]}

    def slow(state: Log) -> dict[str, list[str]]:
        time.sleep(0.2)
        return {"log": ["slow"]}

    paused = fork(store, slow, ask, timeout=0.05).invoke({"log": []}, _thread("sync"))
    assert [i.value for i in paused["__interrupt__"]] == ["ok?"]

    graph = fork(store, sleeping([30.0]), ask, timeout=SPARE)
    with pytest.raises(TimeoutError):
        asyncio.run(graph.ainvoke({"log": []}, _thread("async")))
    snapshot = graph.get_state(_thread("async"))
    assert snapshot.next == ("slow", "other")
    assert [i.value for i in snapshot.interrupts] == ["ok?"]


def test_an_async_stream_gives_the_finished_tasks_updates_before_the_timeout(
    store: CheckpointStore, config: dict[str, Any]
) -> None:
    graph = fork(store, sleeping([30.0]), other, timeout=SPARE)

    chunks: list[Any] = []

    async def stream() -> None:
        async for chunk in graph.astream({"log": []}, config, stream_mode="updates"):
            chunks.append(chunk)

    with pytest.raises(TimeoutError):
        asyncio.run(stream())
    assert chunks == [{"other": {"log": ["other"]}}]


@pytest.mark.parametrize("timeout", [5, 0, None, float("inf")])
def test_a_step_within_the_timeout_or_without_one_runs_as_usual(
    store: CheckpointStore, timeout: float | None
) -> None:
    graph = fork(store, sleeping([0.0]), other, timeout=timeout)
    done = {"log": ["other", "slow", "after"]}
    assert asyncio.run(graph.ainvoke({"log": []}, _thread("async"))) == done
    sync_graph = fork(store, lambda state: {"log": ["slow"]}, other, timeout=timeout)
    assert sync_graph.invoke({"log": []}, _thread("sync")) == done


@pytest.mark.parametrize("timeout", [-1, "5", True, float("nan")])
def test_a_bad_step_timeout_is_refused_and_nothing_is_written(
    store: CheckpointStore, config: dict[str, Any], timeout: Any
) -> None:
    graph = fork(store, sleeping([0.0]), other, timeout=timeout)
    with pytest.raises(InvalidConfigError, match=r"graph\.step_timeout must be a number") as bad:
        asyncio.run(graph.ainvoke({"log": []}, config))
    assert repr(timeout) in str(bad.value)
    with pytest.raises(InvalidConfigError):
        graph.invoke({"log": []}, config)
    assert list(store.events("t1")) == []
    assert not graph.ran


def _thread(thread_id: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": thread_id}}
