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

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from branchline.runner.compiled import CompiledStateGraph
from branchline.runner.types import Command
from branchline.server import wire
from branchline.server.context import caller_of, served
from branchline.server.requests import HTTPError, RunBody, parsed, refusal_status

# LangGraph Server's stream modes: the engine's mode each is, and its events' name.
STREAM_MODES = {
    "values": "values",
    "updates": "updates",
    "custom": "custom",
    "debug": "debug",
    "tasks": "tasks",
    "checkpoints": "checkpoints",
    "messages-tuple": "messages",
}


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


async def prepared(request: Request, body: RunBody) -> Run:
    """The run ``body`` asks for on the thread of the path; 404 for an unknown thread
    (unless ``if_not_exists`` is ``create``) or graph."""
    here = served(request)
    thread_id = request.path_params["thread_id"]
    graph_id, graph = here.graph(body.assistant_id)
    started = await here.started(thread_id)
    if started is None and body.if_not_exists == "reject":
        raise HTTPError(404, f"no thread {thread_id!r}; create it, or pass if_not_exists='create'")
    if started is None:
        await here.open_thread(thread_id, {"graph_id": graph_id})
    elif started.metadata.get("graph_id", graph_id) != graph_id:
        raise HTTPError(
            409,
            f"thread {thread_id!r} belongs to graph {started.metadata['graph_id']!r}, "
            f"not {graph_id!r}",
        )
    run_id = str(uuid4())
    config = dict(body.config or {})
    configurable = {**(config.get("configurable") or {}), **(body.checkpoint or {})}
    if body.checkpoint_id is not None:
        configurable["checkpoint_id"] = body.checkpoint_id
    configurable.update(thread_id=thread_id, actor=caller_of(request).actor)  # never the body's
    metadata = {**(config.get("metadata") or {}), **(body.metadata or {})}
    metadata.update(graph_id=graph_id, assistant_id=here.assistant_id(graph_id), run_id=run_id)
    config.update(configurable=configurable, metadata=metadata)
    options: dict[str, Any] = {
        "interrupt_before": body.interrupt_before,
        "interrupt_after": body.interrupt_after,
        "context": body.context,
    }
    if body.durability is not None:
        options["durability"] = body.durability
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
    run = await prepared(request, await parsed(request, RunBody))
    try:
        result = await run.graph.ainvoke(run.input, run.config, **run.options)
    except Exception as failed:
        if refusal_status(failed) is not None:
            raise  # refused before anything ran: an HTTP error
        result = {"__error__": wire.error(type(failed).__name__, str(failed))}
    return Response(wire.dumps(result), media_type="application/json", headers=run.headers)


async def stream(request: Request) -> Response:
    """``POST /threads/{id}/runs/stream``: the run's chunks as server-sent events, named
    by their mode (``mode|namespace`` for a subgraph's, with ``stream_subgraphs``)."""
    body = await parsed(request, RunBody)
    unknown = [m for m in body.modes if m not in STREAM_MODES]
    if unknown:
        raise HTTPError(
            422,
            f"stream_mode {unknown} is not served; this server streams {sorted(STREAM_MODES)} "
            "(for a chat model's tokens, 'messages-tuple')",
        )
    run = await prepared(request, body)
    modes = [STREAM_MODES[m] for m in body.modes]
    chunks = aiter(
        run.graph.astream(run.input, run.config, stream_mode=modes, subgraphs=True, **run.options)
    )
    try:  # the first chunk comes once the input is taken: a refusal is an HTTP error
        first = await anext(chunks)
    except StopAsyncIteration:
        first = None
    except Exception as failed:
        if refusal_status(failed) is not None:
            raise
        return EventSourceResponse(_events(run, None, chunks, failed, body), headers=run.headers)
    return EventSourceResponse(_events(run, first, chunks, None, body), headers=run.headers)


async def _events(
    run: Run,
    first: Any,
    chunks: AsyncIterator[Any],
    failed: Exception | None,
    body: RunBody,
) -> AsyncIterator[dict[str, str]]:
    yield {"event": "metadata", "data": wire.dumps({"run_id": run.run_id, "attempt": 1})}
    if failed is None:
        try:
            if first is not None:
                if (event := _event(first, body.stream_subgraphs)) is not None:
                    yield event
                async for chunk in chunks:
                    if (event := _event(chunk, body.stream_subgraphs)) is not None:
                        yield event
        except Exception as error:
            failed = error
    if failed is not None:
        yield {"event": "error", "data": wire.dumps(wire.error(type(failed).__name__, str(failed)))}


def _event(chunk: Any, subgraphs: bool) -> dict[str, str] | None:
    namespace, mode, data = chunk
    if namespace and not subgraphs:
        return None
    name = "|".join((mode, *namespace))
    return {"event": name, "data": wire.dumps(data)}


ROUTES = [
    Route("/threads/{thread_id}/runs/wait", wait, methods=["POST"]),
    Route("/threads/{thread_id}/runs/stream", stream, methods=["POST"]),
]
