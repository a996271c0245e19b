"""The seed's patterns over HTTP, with LangGraph's own client (``langgraph-sdk``) against a
real ``branchline serve``: run to a question, read it, answer it with ``Command``, edit
the state, fork from a past checkpoint, stream, and be refused without a token."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import AuthenticationError, NotFoundError, PermissionDeniedError

from branchline import CheckpointStore
from branchline.domain.model.events import Resumed, StateUpdated
from tests.server.conftest import Server


def client(server: Server, token: str | None = None) -> Any:
    return get_client(url=server.url, api_key=token or server.token)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def decisions(server: Server, thread_id: str) -> list[tuple[str, Any]]:
    """Who decided what on ``thread_id``, from the store the server writes."""
    with CheckpointStore.sqlite(server.db) as store:
        return [
            (type(e).__name__, e.actor)
            for e in store.events(thread_id)
            if isinstance(e, Resumed | StateUpdated)
        ]


def test_a_run_pauses_on_its_question_and_an_answer_finishes_it(server: Server) -> None:
    async def scenario() -> tuple[Any, ...]:
        async with client(server) as sdk:
            thread = await sdk.threads.create()
            tid = thread["thread_id"]
            paused = await sdk.runs.wait(tid, "refunds", input={"amount": 30})
            listed = await sdk.threads.get(tid)
            state = await sdk.threads.get_state(tid)
            done = await sdk.runs.wait(
                tid,
                "refunds",
                command={"resume": "approved"},
                config={"configurable": {"actor": "mallory"}},  # the body names no actor
            )
            return tid, paused, listed, state, done, await sdk.threads.get(tid)

    tid, paused, listed, state, done, after = run(scenario())

    [question] = paused["__interrupt__"]
    assert question["value"] == {"approve refund?": 30}
    assert listed["status"] == "interrupted"
    assert [[i["value"] for i in asked] for asked in listed["interrupts"].values()] == [
        [{"approve refund?": 30}]
    ]
    assert state["next"] == ["review"]
    assert [i["id"] for i in state["interrupts"]] == [question["id"]]
    assert state["checkpoint"]["thread_id"] == tid
    assert done == {"amount": 30, "approved": "approved", "log": ["draft", "review", "paid 30"]}
    assert after["status"] == "idle" and after["interrupts"] == {}
    assert decisions(server, tid) == [("Resumed", "ana")]  # the token's actor


def test_an_answer_to_a_question_already_answered_is_refused_with_who_answered(
    server: Server,
) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create())["thread_id"]
            await sdk.runs.wait(tid, "refunds", input={})
            await sdk.runs.wait(tid, "refunds", command={"resume": "yes"})
            async with client(server, server.token_for("bob")) as other:
                with pytest.raises(httpx.HTTPStatusError) as refused:
                    await other.runs.wait(tid, "refunds", command={"resume": "no"})
            return tid, refused.value

    tid, refused = run(scenario())
    assert refused.response.status_code == 409
    assert "already answered by ana" in refused.response.text
    assert decisions(server, tid) == [("Resumed", "ana")]


def test_an_edit_is_a_new_checkpoint_recorded_under_the_caller(server: Server) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create())["thread_id"]
            await sdk.runs.wait(tid, "refunds", input={"amount": 500})
            edited = await sdk.threads.update_state(tid, {"amount": 50}, as_node="draft")
            state = await sdk.threads.get_state(tid)
            asked = await sdk.runs.wait(tid, "refunds", input=None)  # the question, anew
            done = await sdk.runs.wait(tid, "refunds", command={"resume": "ok"})
            return tid, edited, state, asked, done

    tid, edited, state, asked, done = run(scenario())
    assert edited["checkpoint"]["checkpoint_id"] == state["checkpoint"]["checkpoint_id"]
    assert state["values"]["amount"] == 50
    assert asked["__interrupt__"][0]["value"] == {"approve refund?": 50}
    assert done["log"][-1] == "paid 50"
    assert ("StateUpdated", "ana") in decisions(server, tid)


def test_a_run_from_a_past_checkpoint_forks_the_thread(server: Server) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create())["thread_id"]
            await sdk.runs.wait(tid, "refunds", input={"amount": 7})
            await sdk.runs.wait(tid, "refunds", command={"resume": "first"})
            history = await sdk.threads.get_history(tid, limit=20)
            asked = next(h for h in history if h["next"] == ["review"])
            again = await sdk.runs.wait(
                tid, "refunds", input=None, checkpoint_id=asked["checkpoint"]["checkpoint_id"]
            )
            forked = await sdk.runs.wait(tid, "refunds", command={"resume": "second"})
            return history, again, forked

    history, again, forked = run(scenario())
    assert [h["metadata"]["step"] for h in history] == sorted(
        (h["metadata"]["step"] for h in history), reverse=True
    )
    assert again["__interrupt__"][0]["value"] == {"approve refund?": 7}
    assert forked["approved"] == "second"


def test_a_streamed_run_names_its_run_then_streams_each_mode(server: Server) -> None:
    async def scenario() -> list[Any]:
        async with client(server) as sdk:
            tid = (await sdk.threads.create())["thread_id"]
            return [
                part
                async for part in sdk.runs.stream(
                    tid, "refunds", input={"amount": 3}, stream_mode=["values", "updates"]
                )
            ]

    parts = run(scenario())
    assert parts[0].event == "metadata" and parts[0].data["run_id"]
    updates = [p.data for p in parts if p.event == "updates"]
    assert updates[0] == {"draft": {"amount": 3, "log": ["draft"]}}
    assert "__interrupt__" in updates[-1]
    values = [p.data for p in parts if p.event == "values"]
    assert values[-1]["__interrupt__"][0]["value"] == {"approve refund?": 3}


def test_without_a_known_token_nothing_is_served(server: Server) -> None:
    async def scenario() -> None:
        async with get_client(url=server.url, api_key=None) as anonymous:
            with pytest.raises(AuthenticationError):
                await anonymous.threads.create()
        async with client(server, "blt_not-a-token") as stranger:
            with pytest.raises(AuthenticationError):
                await stranger.threads.create()

    run(scenario())
    assert httpx.get(f"{server.url}/ok").json() == {"ok": True}


def test_a_bad_run_body_is_refused_and_writes_nothing(server: Server) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create())["thread_id"]
            with pytest.raises(httpx.HTTPStatusError) as bad:
                await sdk.runs.wait(tid, "refunds", input=5)  # type: ignore[arg-type]
            with pytest.raises(httpx.HTTPStatusError) as unknown:
                await sdk.runs.wait(tid, "no-such-graph", input={})
            assert unknown.value.response.status_code == 404
            return tid, bad.value

    tid, bad = run(scenario())
    assert bad.response.status_code == 422
    assert "input" in bad.response.text
    with CheckpointStore.sqlite(server.db) as store:
        assert [type(e).__name__ for e in store.events(tid)] == ["ThreadStarted"]


def test_a_search_for_interrupted_threads_finds_the_questions_waiting(server: Server) -> None:
    # How Agent Inbox lists its questions: threads.search(status="interrupted").
    async def scenario() -> Any:
        async with client(server) as sdk:
            asked = await sdk.threads.create(metadata={"team": "refunds-eu"})
            await sdk.runs.wait(asked["thread_id"], "refunds", input={"amount": 99})
            done = await sdk.threads.create(metadata={"team": "refunds-eu"})
            await sdk.runs.wait(done["thread_id"], "refunds", input={"amount": 1})
            await sdk.runs.wait(done["thread_id"], "refunds", command={"resume": "ok"})
            waiting = await sdk.threads.search(
                status="interrupted", metadata={"team": "refunds-eu"}
            )
            idle = await sdk.threads.search(status="idle", metadata={"team": "refunds-eu"})
            return asked["thread_id"], done["thread_id"], waiting, idle

    asked, done, waiting, idle = run(scenario())
    assert [t["thread_id"] for t in waiting] == [asked]
    [questions] = waiting[0]["interrupts"].values()
    assert [q["value"] for q in questions] == [{"approve refund?": 99}]
    assert [t["thread_id"] for t in idle] == [done]


def test_a_question_for_a_role_is_refused_to_a_token_without_it(server: Server) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:  # ana: no roles
            tid = (await sdk.threads.create(graph_id="finance"))["thread_id"]
            await sdk.runs.wait(tid, "finance", input={"amount": 80})
            with pytest.raises(httpx.HTTPStatusError) as refused:
                await sdk.runs.wait(
                    tid,
                    "finance",
                    command={"resume": "ok"},
                    config={"configurable": {"roles": ["finance"]}},  # the body names no role
                )
        async with client(server, server.token_for("fay", "finance")) as finance:
            done = await finance.runs.wait(tid, "finance", command={"resume": "fay"})
        return tid, refused.value, done

    tid, refused, done = run(scenario())
    assert refused.response.status_code == 403
    assert "may not answer" in refused.response.text and "role finance" in refused.response.text
    assert done["approved"] == "fay"
    assert decisions(server, tid) == [("Resumed", "fay")]


def test_agent_inbox_reads_a_human_interrupt_and_answers_with_a_human_response(
    server: Server,
) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create(graph_id="inbox"))["thread_id"]
            await sdk.runs.wait(tid, "inbox", input={"amount": 70})
            [listed] = await sdk.threads.search(status="interrupted", ids=[tid])
            with pytest.raises(httpx.HTTPStatusError) as refused:  # allow_ignore is off
                await sdk.runs.wait(
                    tid, "inbox", command={"resume": [{"type": "ignore", "args": None}]}
                )
            edit = {"type": "edit", "args": {"action": "refund", "args": {"amount": 60}}}
            done = await sdk.runs.wait(tid, "inbox", command={"resume": [edit]})
            return listed, refused.value, done

    listed, refused, done = run(scenario())
    [[question]] = listed["interrupts"].values()
    [asked] = question["value"]
    assert asked["action_request"] == {"action": "refund", "args": {"amount": 70}}
    assert asked["config"]["allow_ignore"] is False
    assert refused.response.status_code == 422
    assert "may not be answered with 'ignore'" in refused.response.text
    assert done["amount"] == 60 and done["approved"] == "edited"


def test_a_body_past_the_size_limit_is_refused_unread_and_writes_nothing(
    server: Server,
) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    created = httpx.post(f"{server.url}/threads", json={}, headers=headers).json()
    tid = created["thread_id"]
    huge = {"assistant_id": "refunds", "input": {"amount": 1, "note": "x" * 11_000_000}}

    refused = httpx.post(f"{server.url}/threads/{tid}/runs/wait", json=huge, headers=headers)

    assert refused.status_code == 413
    assert "over 10,485,760 bytes" in refused.json()["detail"]
    with CheckpointStore.sqlite(server.db) as store:
        assert [type(e).__name__ for e in store.events(tid)] == ["ThreadStarted"]


def test_a_deleted_thread_is_gone_from_the_api_but_its_audit_trail_stays(server: Server) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create(metadata={"team": "gone"}))["thread_id"]
            await sdk.runs.wait(tid, "refunds", input={"amount": 4})
            await sdk.runs.wait(tid, "refunds", command={"resume": "yes"})
            await sdk.threads.delete(tid)
            with pytest.raises(NotFoundError):
                await sdk.threads.get(tid)
            with pytest.raises(NotFoundError):
                await sdk.threads.get_state(tid)
            listed = await sdk.threads.search(metadata={"team": "gone"})
            return tid, listed

    tid, listed = run(scenario())
    assert listed == []
    assert decisions(server, tid) == [("Resumed", "ana")]  # the log keeps what was decided


def test_a_body_cannot_name_the_actor_nor_set_the_engines_own_keys(server: Server) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create())["thread_id"]
            forged = {
                "configurable": {"actor": "mallory", "__branchline_resuming": True},
                "metadata": {"actor": "mallory"},
            }
            await sdk.runs.wait(tid, "refunds", input={"amount": 2}, config=forged)
            await sdk.runs.wait(tid, "refunds", command={"resume": "ok"}, config=forged)
            return tid, await sdk.threads.get_history(tid, limit=20)

    tid, history = run(scenario())
    assert {h["metadata"].get("actor") for h in history if h["metadata"].get("run_id")} == {"ana"}
    assert decisions(server, tid) == [("Resumed", "ana")]


def test_each_graph_is_an_assistant_with_langgraph_servers_id_for_it(server: Server) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            found = await sdk.assistants.search(graph_id="refunds")
            by_id = await sdk.assistants.get(found[0]["assistant_id"])
            tid = (await sdk.threads.create())["thread_id"]
            paused = await sdk.runs.wait(tid, by_id["assistant_id"], input={"amount": 1})
            return found, paused

    [assistant], paused = run(scenario())
    # LangGraph Server's id for a graph named "refunds": uuid5 of its graph namespace.
    assert assistant["assistant_id"] == "c1929d84-199d-5c1f-a934-5940611c68d2"
    assert assistant["graph_id"] == "refunds"
    assert paused["__interrupt__"][0]["value"] == {"approve refund?": 1}


def test_metadata_set_on_a_thread_is_merged_and_searched_but_not_its_graph(
    server: Server,
) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create(metadata={"team": "eu"}))["thread_id"]
            updated = await sdk.threads.update(tid, metadata={"priority": "high"})
            found = await sdk.threads.search(metadata={"team": "eu", "priority": "high"})
            with pytest.raises(httpx.HTTPStatusError) as refused:
                await sdk.threads.update(tid, metadata={"graph_id": "slow"})
            return tid, updated, found, refused.value

    tid, updated, found, refused = run(scenario())
    assert updated["metadata"] == {"team": "eu", "priority": "high"}
    assert [t["thread_id"] for t in found] == [tid]
    assert refused.response.status_code == 400


def chat_parts(server: Server, modes: list[str]) -> list[Any]:
    """What a run of the chat graph streams in ``modes``."""

    async def scenario() -> list[Any]:
        async with client(server) as sdk:
            tid = (await sdk.threads.create(graph_id="chat"))["thread_id"]
            hello = {"messages": [{"role": "user", "content": "hi", "id": "u-1"}]}
            return [p async for p in sdk.runs.stream(tid, "chat", input=hello, stream_mode=modes)]

    return run(scenario())


def test_a_chat_models_tokens_stream_as_pairs_and_as_the_message_so_far(server: Server) -> None:
    parts = chat_parts(server, ["messages-tuple", "messages"])
    pairs = [p.data[0]["content"] for p in parts if p.event == "messages"]
    so_far = [p.data[0]["content"] for p in parts if p.event == "messages/partial"]
    [said] = [p.data for p in parts if p.event == "messages/metadata"]
    assert pairs == ["a", " ", "b"]
    assert so_far == ["a", "a ", "a b"]
    assert said["reply-1"]["metadata"]["langgraph_node"] == "reply"


def test_the_events_mode_streams_langchains_events_of_the_run(server: Server) -> None:
    parts = chat_parts(server, ["events", "values"])
    events = [p.data for p in parts if p.event == "events"]
    runs = [(e["event"], e["name"], len(e["parent_ids"])) for e in events]
    assert runs[:2] == [("on_chain_start", "chat", 0), ("on_chain_start", "reply", 1)]
    assert runs[-1] == ("on_chain_end", "chat", 0)  # the run, named after its graph
    tokens = [e["data"]["chunk"]["content"] for e in events if e["event"] == "on_chat_model_stream"]
    assert tokens == ["a", " ", "b"]
    assert [p.event for p in parts].count("values") == 2  # the graph's own chunks, as asked


def test_a_token_without_the_role_cannot_move_past_the_question_by_other_means(
    server: Server,
) -> None:
    # Found in review: an edit with goto, or update_state then a run, decided it anyway.
    async def scenario() -> Any:
        async with client(server) as sdk:  # ana: no roles
            tid = (await sdk.threads.create(graph_id="finance"))["thread_id"]
            await sdk.runs.wait(tid, "finance", input={"amount": 5000})
            refused = []
            with pytest.raises(httpx.HTTPStatusError) as detour:
                await sdk.runs.wait(
                    tid, "finance", command={"update": {"approved": "yes"}, "goto": "pay"}
                )
            refused.append(detour.value.response.status_code)
            with pytest.raises(PermissionDeniedError):
                await sdk.threads.update_state(tid, {"approved": "yes"}, as_node="finance_review")
            with pytest.raises(httpx.HTTPStatusError) as fresh:
                await sdk.runs.wait(tid, "finance", input={"amount": 1})
            refused.append(fresh.value.response.status_code)
            return tid, refused, await sdk.threads.get_state(tid)

    tid, refused, state = run(scenario())
    assert refused == [403, 403]
    assert state["next"] == ["finance_review"] and "approved" not in state["values"]
    assert decisions(server, tid) == []


def test_a_deleted_thread_cannot_be_run_again(server: Server) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create())["thread_id"]
            await sdk.runs.wait(tid, "refunds", input={"amount": 4})
            await sdk.threads.delete(tid)
            with pytest.raises(httpx.HTTPStatusError) as gone:
                await sdk.runs.wait(
                    tid, "refunds", command={"resume": "yes"}, if_not_exists="create"
                )
            return tid, gone.value

    tid, gone = run(scenario())
    assert gone.response.status_code == 404
    assert decisions(server, tid) == []


def test_a_joined_stream_gives_the_runs_values_and_bad_paging_is_refused(
    server: Server,
) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create())["thread_id"]
            parts = [
                p
                async for p in sdk.runs.stream(
                    tid, "refunds", input={"amount": 6}, stream_mode="updates"
                )
            ]
            joined = await sdk.runs.join(tid, parts[0].data["run_id"])
            with pytest.raises(httpx.HTTPStatusError) as paging:
                await sdk.runs.list(tid, limit=-1)
            return parts, joined, paging.value

    parts, joined, paging = run(scenario())
    assert {p.event for p in parts} == {"metadata", "updates"}
    assert joined["amount"] == 6 and joined["__interrupt__"]
    assert paging.response.status_code == 422


def test_a_copied_thread_goes_on_apart_from_its_original(server: Server) -> None:
    async def scenario() -> Any:
        async with client(server) as sdk:
            tid = (await sdk.threads.create(metadata={"ticket": "copy-1"}))["thread_id"]
            await sdk.runs.wait(tid, "refunds", input={"amount": 12})
            await sdk.threads.update(tid, metadata={"team": "billing"})
            await sdk.threads.copy(tid)
            [copied] = [
                t
                for t in await sdk.threads.search(metadata={"ticket": "copy-1"})
                if t["thread_id"] != tid
            ]
            cid = copied["thread_id"]
            old, new = await sdk.threads.get_state(tid), await sdk.threads.get_state(cid)
            histories = [await sdk.threads.get_history(t, limit=20) for t in (tid, cid)]
            done = await sdk.runs.wait(cid, "refunds", command={"resume": "copied"})
            with pytest.raises(httpx.HTTPStatusError) as missing:
                await sdk.threads.copy("no-such-thread")
            return tid, copied, old, new, histories, done, await sdk.threads.get(tid), missing

    tid, copied, old, new, histories, done, original, missing = run(scenario())
    assert copied["status"] == "interrupted"
    assert copied["metadata"] == original["metadata"] and copied["metadata"]["team"] == "billing"
    assert new["values"] == old["values"] and new["next"] == old["next"] == ["review"]
    assert [i["value"] for i in new["interrupts"]] == [i["value"] for i in old["interrupts"]]
    assert new["interrupts"][0]["id"] != old["interrupts"][0]["id"]
    assert [h["values"] for h in histories[1]] == [h["values"] for h in histories[0]]
    assert done["approved"] == "copied"
    assert original["status"] == "interrupted"  # the original still waits for its answer
    assert missing.value.response.status_code == 409  # as LangGraph Server
    assert "no thread 'no-such-thread' to copy" in missing.value.response.text
    with CheckpointStore.sqlite(server.db) as store:
        started = next(iter(store.events(copied["thread_id"])))
    assert (started.copied_from, started.copied_by) == (tid, "ana")  # type: ignore[attr-defined]
