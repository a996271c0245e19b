"""Runs in the background, one thread's runs one at a time, and cancellation, with
``langgraph-sdk`` against a real server (the ``slow`` graph's node waits ``seconds``)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from branchline import CheckpointStore
from tests.server.conftest import Server


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def test_a_background_run_is_joined_and_listed(server: Server) -> None:
    async def scenario() -> Any:
        async with get_client(url=server.url, api_key=server.token) as sdk:
            tid = (await sdk.threads.create(graph_id="slow"))["thread_id"]
            created = await sdk.runs.create(tid, "slow", input={"seconds": 0.3})
            busy = await sdk.threads.get(tid)
            joined = await sdk.runs.join(tid, created["run_id"])
            finished = await sdk.runs.get(tid, created["run_id"])
            return created, busy, joined, finished, await sdk.runs.list(tid)

    created, busy, joined, finished, listed = run(scenario())
    assert created["status"] in ("pending", "running")
    assert busy["status"] == "busy"
    assert joined == {"seconds": 0.3, "done": 1}
    assert finished["status"] == "success"
    assert [r["run_id"] for r in listed] == [created["run_id"]]


def test_reject_refuses_a_second_run_on_a_busy_thread_and_enqueue_waits(server: Server) -> None:
    async def scenario() -> Any:
        async with get_client(url=server.url, api_key=server.token) as sdk:
            tid = (await sdk.threads.create(graph_id="slow"))["thread_id"]
            first = await sdk.runs.create(tid, "slow", input={"seconds": 0.5})
            with pytest.raises(httpx.HTTPStatusError) as refused:
                await sdk.runs.create(tid, "slow", input={}, multitask_strategy="reject")
            queued = await sdk.runs.wait(tid, "slow", input={"seconds": 0})  # enqueue
            firsts = await sdk.runs.get(tid, first["run_id"])
            return refused.value, queued, firsts

    refused, queued, first = run(scenario())
    assert refused.response.status_code == 409
    assert "has a run that has not ended" in refused.response.text
    assert first["status"] == "success"  # it ended before the queued one ran
    assert queued == {"seconds": 0, "done": 2}


def test_a_cancelled_run_stops_and_keeps_nothing_of_its_step(server: Server) -> None:
    async def scenario() -> Any:
        async with get_client(url=server.url, api_key=server.token) as sdk:
            tid = (await sdk.threads.create(graph_id="slow"))["thread_id"]
            created = await sdk.runs.create(tid, "slow", input={"seconds": 30})
            while (await sdk.runs.get(tid, created["run_id"]))["status"] != "running":
                await asyncio.sleep(0.05)
            await sdk.runs.cancel(tid, created["run_id"], wait=True)
            cancelled = await sdk.runs.get(tid, created["run_id"])
            return tid, cancelled, await sdk.threads.get(tid), await sdk.threads.get_state(tid)

    tid, cancelled, thread, state = run(scenario())
    assert cancelled["status"] == "interrupted"
    assert thread["status"] == "interrupted"  # its node is still to run: call it again
    assert state["next"] == ["call_model"]
    with CheckpointStore.sqlite(server.db) as store:
        assert "NodeCompleted" not in [type(e).__name__ for e in store.events(tid)]
