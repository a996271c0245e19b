"""Run routes: a run on a thread, waited for (``runs/wait``) or streamed over server-sent
events (``runs/stream``), as LangGraph Server runs them.

A run takes the thread's graph's input, or a ``command`` (``resume``, ``update``,
``goto``); breakpoints; a checkpoint to go on from (time travel: a fork). Its decisions
(an answer, an edit) are recorded under the caller's actor. A request the engine refuses
before anything runs (an answer to a question that is no longer pending, say) is an HTTP
error and writes nothing; a run that fails on the way reports the failure in its result
(``__error__``) or as an ``error`` event, as LangGraph Server's do, its completed steps
kept. A client that leaves a stream cancels its run: the steps it completed stay, and the
next run goes on from there.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from branchline.runner.compiled import CompiledStateGraph
from branchline.runner.types import Command
from branchline.server import wire
from branchline.server.background import Background
from branchline.server.context import caller_of, served
from branchline.server.requests import (
    HTTPError,
    RunBody,
    no_run,
    no_thread,
    parsed,
    refusal_status,
)
from branchline.server.stream_events import HIDDEN, SERVED, StreamEvents


@dataclass
class Run:
    """A run about to start: its id, graph, thread, input and the call's options."""

    run_id: str
    thread_id: str
    graph: CompiledStateGraph
    input: Any
    config: dict[str, Any]
    options: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        """Where the run is (``langgraph-sdk`` reads its id from here)."""
        return {"Content-Location": f"/threads/{self.thread_id}/runs/{self.run_id}"}


async def admitted(request: Request, body: RunBody) -> Run:
    """The run ``body`` asks for on the thread of the path, recorded as pending there; 404
    for an unknown thread (unless ``if_not_exists`` is ``create``) or graph, 409 if the
    thread is busy and ``multitask_strategy`` is ``reject``."""
    here = served(request)
    thread_id = request.path_params["thread_id"]
    graph_id, graph = here.graph(body.assistant_id)
    started = await here.started(thread_id)
    if started is None and body.if_not_exists == "reject":
        raise no_thread(thread_id, "create it, or pass if_not_exists='create'")
    if started is None and not await here.open_thread(thread_id, {"graph_id": graph_id}):
        raise no_thread(thread_id, "a deleted thread's id stays taken: use another")
    owner = await here.thread_graph(thread_id)
    if owner is not None and owner[0] != graph_id:
        raise HTTPError(
            409, f"thread {thread_id!r} belongs to graph {owner[0]!r}, not {graph_id!r}"
        )
    run_id = str(uuid4())
    # Callbacks are the server's to give (a body cannot hold them), the run's id too.
    config = {k: v for k, v in (body.config or {}).items() if k not in ("callbacks", "run_id")}
    config.setdefault("run_name", graph_id)  # as LangGraph Server names a run's events
    given = {**(config.get("configurable") or {}), **(body.checkpoint or {})}
    # The engine's own keys ("__branchline_...") are not a client's to set.
    configurable = {k: v for k, v in given.items() if not str(k).startswith("__")}
    if body.checkpoint_id is not None:
        configurable["checkpoint_id"] = body.checkpoint_id
    caller = caller_of(request)  # who decides: the token's, never the body's
    configurable.update(thread_id=thread_id, actor=caller.actor, roles=list(caller.roles))
    metadata = {**(config.get("metadata") or {}), **(body.metadata or {})}
    metadata.update(graph_id=graph_id, assistant_id=here.assistant_id(graph_id), run_id=run_id)
    metadata["actor"] = caller.actor  # the checkpoints say who ran them, as the token does
    config.update(configurable=configurable, metadata=metadata)
    options: dict[str, Any] = {
        "interrupt_before": body.interrupt_before,
        "interrupt_after": body.interrupt_after,
        "context": body.context,
    }
    if body.durability is not None:
        options["durability"] = body.durability
    assistant = here.assistant_id(graph_id)
    await here.background.admit(run_id, thread_id, assistant, metadata, body.multitask_strategy)
    return Run(run_id, thread_id, graph, _input(body), config, options)


def _input(body: RunBody) -> Any:
    if body.command is None:
        return body.input
    command = body.command
    update = (
        [tuple(pair) for pair in command.update]
        if isinstance(command.update, list)
        else command.update
    )
    return Command(update=update, goto=command.goto or (), resume=command.resume)


async def wait(request: Request) -> Response:
    """``POST /threads/{id}/runs/wait``: run, then answer with the thread's values (with
    ``__interrupt__`` if it paused, ``__error__`` if it failed)."""
    run = await admitted(request, await parsed(request, RunBody))
    try:
        async with served(request).background.turn(run.run_id, run.thread_id) as outcome:
            outcome.result = await run.graph.ainvoke(run.input, run.config, **run.options)
        result = outcome.result
    except Exception as failed:
        if refusal_status(failed) is not None:
            raise  # refused before anything ran: an HTTP error
        result = {"__error__": wire.error(type(failed).__name__, str(failed))}
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is None or not served(request).background.cancelled(run.run_id):
            raise  # the server stops, or the client went
        task.uncancel()  # cancelled on request: its caller is told so
        stopped = f"run {run.run_id} was cancelled; the steps it completed stay"
        result = {"__error__": wire.error("RunCancelled", stopped)}
    return Response(wire.dumps(result), media_type="application/json", headers=run.headers)


async def create(request: Request) -> Response:
    """``POST /threads/{id}/runs``: a run in the background; ``join`` waits for it."""
    run = await admitted(request, await parsed(request, RunBody))

    async def execute() -> Any:
        return await run.graph.ainvoke(run.input, run.config, **run.options)

    here = served(request)
    here.background.start(run.run_id, run.thread_id, execute)
    found = await run_in_threadpool(here.background.records.get, run.thread_id, run.run_id)
    return json_response(_run(found), headers=run.headers)


async def stream(request: Request) -> Response:
    """``POST /threads/{id}/runs/stream``: the run's chunks as server-sent events, named
    by their mode (``mode|namespace`` for a subgraph's, with ``stream_subgraphs``); a
    failure, or a refusal once the stream began, is an ``error`` event."""
    body = await parsed(request, RunBody)
    unknown = [m for m in body.modes if m not in SERVED]
    if unknown:
        raise HTTPError(
            422, f"stream_mode {unknown} is not served; this server streams {sorted(SERVED)}"
        )
    run = await admitted(request, body)
    events = _events(run, served(request).background, body)
    return EventSourceResponse(events, headers=run.headers)


async def _events(run: Run, background: Background, body: RunBody) -> AsyncIterator[dict[str, str]]:
    yield {"event": "metadata", "data": wire.dumps({"run_id": run.run_id, "attempt": 1})}
    events = StreamEvents(body.modes, body.stream_subgraphs)
    try:
        async with background.turn(run.run_id, run.thread_id) as outcome:
            async for namespace, mode, data in _chunks(run, events):
                if mode == "values" and not namespace:
                    outcome.result = data
                for event in events.of(namespace, mode, data):
                    yield event
    except Exception as failed:
        yield {"event": "error", "data": wire.dumps(wire.error(type(failed).__name__, str(failed)))}


async def _chunks(run: Run, events: StreamEvents) -> AsyncIterator[tuple[Any, str, Any]]:
    """The run's chunks, ``(namespace, mode, data)``; with the ``events`` mode, LangChain's
    events of the run among them (``astream_events``, as LangGraph Server streams them:
    the graph's own stream is its chunks, runs LangChain hides are left out)."""
    options = {"stream_mode": events.engine_modes, "subgraphs": True, **run.options}
    if not events.events:
        async for chunk in run.graph.astream(run.input, run.config, **options):
            yield chunk
        return
    config = {**run.config, "run_id": UUID(run.run_id)}
    async for event in run.graph.astream_events(run.input, config, **options):
        if event["event"] == "on_chain_stream" and event["run_id"] == run.run_id:
            yield event["data"]["chunk"]
        elif HIDDEN not in (event.get("tags") or ()):
            yield (), "events", event


async def join(request: Request) -> Response:
    """``GET /threads/{id}/runs/{run_id}/join``: what the run gave, once it has ended."""
    thread_id, run_id = request.path_params["thread_id"], request.path_params["run_id"]
    result = await served(request).background.joined(thread_id, run_id)
    return Response(result, media_type="application/json")


async def get_run(request: Request) -> Response:
    """``GET /threads/{id}/runs/{run_id}``: the run and its status."""
    thread_id, run_id = request.path_params["thread_id"], request.path_params["run_id"]
    found = await run_in_threadpool(served(request).background.records.get, thread_id, run_id)
    if found is None:
        raise no_run(thread_id, run_id)
    return json_response(_run(found))


async def list_runs(request: Request) -> Response:
    """``GET /threads/{id}/runs``: the thread's runs, newest first."""
    thread_id = request.path_params["thread_id"]
    limit, offset = _count(request, "limit", 10), _count(request, "offset", 0)
    records = served(request).background.records
    found = await run_in_threadpool(records.listed, thread_id, limit, offset)
    return json_response([_run(r) for r in found])


async def cancel(request: Request) -> Response:
    """``POST /threads/{id}/runs/{run_id}/cancel``: stop the run (its completed steps
    stay); with ``wait=1``, answer once it has stopped, with what it gave."""
    thread_id, run_id = request.path_params["thread_id"], request.path_params["run_id"]
    if request.query_params.get("action", "interrupt") != "interrupt":
        raise HTTPError(422, "only action=interrupt is served: rollback would erase a run's steps")
    background = served(request).background
    if await run_in_threadpool(background.records.get, thread_id, run_id) is None:
        raise no_run(thread_id, run_id)
    await background.cancel(thread_id, run_id)
    if request.query_params.get("wait", "0").lower() in ("1", "true", "yes"):
        return Response(await background.joined(thread_id, run_id), media_type="application/json")
    return Response(status_code=202)


def _count(request: Request, name: str, default: int) -> int:
    """A query parameter that counts (0 or more); 422 if it is not one."""
    given = request.query_params.get(name, str(default))
    if not given.isdigit():
        raise HTTPError(422, f"{name} must be a whole number of 0 or more, got {given!r}")
    return int(given)


def _run(found: dict[str, Any] | None) -> dict[str, Any]:
    assert found is not None, "a run just added is there"
    return {k: v for k, v in found.items() if k != "result"}


def json_response(value: Any, headers: dict[str, str] | None = None) -> Response:
    """``value`` as a JSON response."""
    return Response(wire.dumps(value), media_type="application/json", headers=headers)


ROUTES = [
    Route("/threads/{thread_id}/runs", create, methods=["POST"]),
    Route("/threads/{thread_id}/runs", list_runs),
    Route("/threads/{thread_id}/runs/wait", wait, methods=["POST"]),
    Route("/threads/{thread_id}/runs/stream", stream, methods=["POST"]),
    Route("/threads/{thread_id}/runs/{run_id}", get_run),
    Route("/threads/{thread_id}/runs/{run_id}/join", join),
    Route("/threads/{thread_id}/runs/{run_id}/cancel", cancel, methods=["POST"]),
]
