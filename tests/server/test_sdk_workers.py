"""Two server processes on one PostgreSQL database, as workers behind a load balancer:
a question answered from both at once is answered once, and one thread runs one run at a
time across both."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client, get_sync_client

from branchline import CheckpointStore
from branchline.domain.model.events import Resumed
from tests.server.conftest import Server, hidden_field


def test_two_people_answering_on_two_workers_at_once_decide_once(
    pg_servers: tuple[Server, Server],
) -> None:
    first, second = pg_servers
    bob = second.token_for("bob")

    async def scenario() -> Any:
        async with (
            get_client(url=first.url, api_key=first.token) as ana_side,
            get_client(url=second.url, api_key=bob) as bob_side,
        ):
            tid = (await ana_side.threads.create(graph_id="refunds"))["thread_id"]
            await ana_side.runs.wait(tid, "refunds", input={"amount": 12})
            answers = await asyncio.gather(
                ana_side.runs.wait(tid, "refunds", command={"resume": "ana"}),
                bob_side.runs.wait(tid, "refunds", command={"resume": "bob"}),
                return_exceptions=True,
            )
            return tid, answers

    tid, answers = asyncio.run(scenario())
    won = [a for a in answers if isinstance(a, dict)]
    lost = [a for a in answers if isinstance(a, httpx.HTTPStatusError)]
    assert len(won) == 1 and len(lost) == 1, answers
    winner = won[0]["approved"]
    assert lost[0].response.status_code == 409
    assert f"answered by {winner}" in lost[0].response.text
    schema = first.env["BRANCHLINE_PG_SCHEMA"]
    with CheckpointStore.postgres(str(first.db), schema=schema) as store:
        resumed = [e.actor for e in store.events(tid) if isinstance(e, Resumed)]
    assert resumed == [winner]


def test_a_busy_thread_refuses_a_run_sent_to_the_other_worker(
    pg_servers: tuple[Server, Server],
) -> None:
    first, second = pg_servers

    async def scenario() -> Any:
        async with (
            get_client(url=first.url, api_key=first.token) as one,
            get_client(url=second.url, api_key=first.token) as other,
        ):
            tid = (await one.threads.create(graph_id="slow"))["thread_id"]
            running = await one.runs.create(tid, "slow", input={"seconds": 1})
            status = (await other.threads.get(tid))["status"]
            with pytest.raises(httpx.HTTPStatusError) as refused:
                await other.runs.create(tid, "slow", input={}, multitask_strategy="reject")
            joined = await other.runs.join(tid, running["run_id"])  # from the other worker
            return status, refused.value.response.status_code, joined

    status, code, joined = asyncio.run(scenario())
    assert status == "busy"
    assert code == 409
    assert joined == {"seconds": 1, "done": 1}


def test_the_inbox_on_postgresql_lists_a_question_and_takes_a_decision(
    pg_servers: tuple[Server, Server],
) -> None:
    first, second = pg_servers
    with get_sync_client(url=first.url, api_key=first.token) as client:
        tid = str(client.threads.create(graph_id="refunds")["thread_id"])
        client.runs.wait(tid, "refunds", input={"amount": 33})
    with httpx.Client(base_url=second.url, follow_redirects=True) as web:  # the other worker
        login = web.get("/inbox/login").text
        form = {"csrf": hidden_field(login, "csrf"), "token": first.token}
        inbox = web.post("/inbox/login", data=form).text
        question = inbox.split(f"{tid}</td>")[1].split('href="')[1].split('"')[0]
        page = web.get(question).text
        answer = {"csrf": hidden_field(page, "csrf"), "digest": hidden_field(page, "digest")}
        decided = web.post(question, data={**answer, "kind": "answer", "field:answer": '"ok"'})

    assert decided.status_code == 200
    assert "Recorded: answer by ana." in decided.text
    with get_sync_client(url=first.url, api_key=first.token) as client:
        assert client.threads.get_state(tid)["values"]["approved"] == "ok"
