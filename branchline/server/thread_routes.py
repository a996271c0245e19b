"""Thread routes: create, read and copy a thread, its state now and at a checkpoint, its
history, and an edit of its state (``update_state``, recorded under the caller)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from branchline.bootstrap import copy_thread, open_views
from branchline.server import wire
from branchline.server.context import caller_of, served
from branchline.server.requests import (
    CheckpointBody,
    HistoryBody,
    HTTPError,
    StateBody,
    ThreadBody,
    ThreadPatchBody,
    ThreadSearchBody,
    parsed,
)


def json(value: Any, status: int = 200) -> Response:
    """``value`` as a JSON response (state values of any kind: see ``wire``)."""
    return Response(wire.dumps(value), status_code=status, media_type="application/json")


def address(
    thread_id: str, checkpoint: dict[str, Any] | None = None, **more: Any
) -> dict[str, Any]:
    """The config of ``thread_id`` (at ``checkpoint``: its id and namespace; the engine's
    own keys, ``__branchline_...``, are not a client's to give)."""
    given = (checkpoint or {}).items()
    configurable = {k: v for k, v in given if v is not None and not str(k).startswith("__")}
    configurable.update({k: v for k, v in more.items() if v is not None}, thread_id=thread_id)
    return {"configurable": configurable}


async def create_thread(request: Request) -> Response:
    """``POST /threads``: a new thread, for the graph ``metadata.graph_id`` names (or the
    server's only one); 409 if the id is taken, unless ``if_exists`` is ``do_nothing``."""
    body = await parsed(request, ThreadBody)
    here = served(request)
    thread_id = body.thread_id or str(uuid4())
    if await here.started(thread_id) is None and await here.open_thread(thread_id, body.metadata):
        return await _thread(request, thread_id)
    if body.if_exists == "do_nothing":
        return await _thread(request, thread_id)
    raise HTTPError(409, f"thread {thread_id!r} exists already; pass if_exists='do_nothing'")


# LangGraph Server's thread statuses, as the threads read model's (its ``busy``: a run on).
STATUSES = {
    "interrupted": ("interrupted", "paused", "ready"),
    "error": ("error",),
    "idle": ("new", "done"),
}


async def search(request: Request) -> Response:
    """``POST /threads/search``: root threads, most recently updated first, filtered by
    status and by metadata (each key given must be equal)."""
    body = await parsed(request, ThreadSearchBody)
    here = served(request)
    if body.status not in (None, "busy", *STATUSES):
        raise HTTPError(422, f"status {body.status!r} is not one of idle, busy, interrupted, error")
    rows = await run_in_threadpool(_rows, here, body.status)
    deleted = await run_in_threadpool(here.threads.all_deleted)
    found: list[dict[str, Any]] = []
    for row in rows:
        if row.thread_id in deleted or (body.ids and row.thread_id not in body.ids):
            continue
        shown = await thread_json(here, row.thread_id)
        if body.status not in (None, shown["status"]):
            continue
        if any(shown["metadata"].get(k) != v for k, v in (body.metadata or {}).items()):
            continue
        if len(found) >= body.offset + body.limit:
            break
        found.append(shown)
    return json(found[body.offset :])


def _rows(here: Any, status: str | None) -> list[Any]:
    views = open_views(here.store)
    views.catch_up(here.store)
    statuses = STATUSES.get(status or "", (None,))
    rows = [row for each in statuses for row in views.list_threads(status=each)]
    return sorted(rows, key=lambda row: row.updated_at, reverse=True)


async def delete_thread(request: Request) -> Response:
    """``DELETE /threads/{id}``: the thread is gone from the API and the inbox (its events,
    the audit trail, stay in the log); 409 while a run is on it."""
    here, thread_id = served(request), request.path_params["thread_id"]
    await here.existing(thread_id)
    if await run_in_threadpool(here.background.records.busy, thread_id):
        raise HTTPError(409, f"thread {thread_id!r} has a run on: cancel it or wait for it first")
    await run_in_threadpool(here.threads.delete, thread_id, caller_of(request).actor)
    return Response(status_code=204)


async def update_thread(request: Request) -> Response:
    """``PATCH /threads/{id}``: merge ``metadata`` into the thread's (its graph stays)."""
    body = await parsed(request, ThreadPatchBody)
    here, thread_id = served(request), request.path_params["thread_id"]
    await here.existing(thread_id)
    if "graph_id" in body.metadata:
        raise HTTPError(400, "metadata.graph_id names the thread's graph, which cannot change")
    await run_in_threadpool(here.threads.update_metadata, thread_id, body.metadata)
    if request.headers.get("prefer") == "return=minimal":
        return Response(status_code=204)
    return await _thread(request, thread_id)


async def copy(request: Request) -> Response:
    """``POST /threads/{id}/copy``: a new thread with this one's history, pending questions
    and metadata, under ids of its own; it names the original and the caller who copied
    it. As LangGraph Server, 409 if there is no such thread."""
    here, thread_id = served(request), request.path_params["thread_id"]
    if await here.started(thread_id) is None:
        raise HTTPError(409, f"no thread {thread_id!r} to copy; check the thread id")
    new_id, actor = str(uuid4()), caller_of(request).actor
    await run_in_threadpool(copy_thread, here.store, thread_id, new_id, actor=actor)
    patched = await run_in_threadpool(here.threads.metadata, thread_id)
    if patched:
        await run_in_threadpool(here.threads.update_metadata, new_id, patched)
    return await _thread(request, new_id)


async def get_thread(request: Request) -> Response:
    """``GET /threads/{thread_id}``: the thread, its status and what it waits for."""
    return await _thread(request, request.path_params["thread_id"])


async def _thread(request: Request, thread_id: str) -> Response:
    return json(await thread_json(served(request), thread_id))


async def thread_json(here: Any, thread_id: str) -> dict[str, Any]:
    """Thread ``thread_id`` as the API shows it; 404 if there is none."""
    started = await here.existing(thread_id)
    found = await here.thread_graph(thread_id)
    snapshot = None if found is None else await found[1].aget_state(address(thread_id))
    failed = snapshot is not None and any(task.error for task in snapshot.tasks)
    busy = await run_in_threadpool(here.background.records.busy, thread_id)
    metadata = {**started.metadata, **await run_in_threadpool(here.threads.metadata, thread_id)}
    shown = wire.thread(thread_id, snapshot, metadata, started.timestamp, failed=failed)
    return {**shown, "status": "busy"} if busy else shown


async def get_state(request: Request) -> Response:
    """``GET /threads/{id}/state[/{checkpoint_id}]``: the state now, or at a checkpoint."""
    thread_id = request.path_params["thread_id"]
    checkpoint = {"checkpoint_id": request.path_params.get("checkpoint_id")}
    subgraphs = request.query_params.get("subgraphs", "false").lower() == "true"
    return await _state(request, thread_id, checkpoint, subgraphs)


async def get_state_at(request: Request) -> Response:
    """``POST /threads/{id}/state/checkpoint``: the state at the checkpoint in the body."""
    body = await parsed(request, CheckpointBody)
    return await _state(request, request.path_params["thread_id"], body.checkpoint, body.subgraphs)


async def _state(
    request: Request, thread_id: str, checkpoint: dict[str, Any], subgraphs: bool
) -> Response:
    _, graph = await served(request).graph_of_thread(thread_id)
    config = address(thread_id, {k: v for k, v in checkpoint.items() if k != "thread_id"})
    snapshot = await graph.aget_state(config, subgraphs=subgraphs)
    return json(wire.thread_state(snapshot))


async def update_state(request: Request) -> Response:
    """``POST /threads/{id}/state``: an edit, recorded under the caller (never the body)."""
    body = await parsed(request, StateBody)
    thread_id = request.path_params["thread_id"]
    _, graph = await served(request).graph_of_thread(thread_id)
    at = {**(body.checkpoint or {}), "checkpoint_id": body.checkpoint_id}
    at.pop("thread_id", None)
    config = address(thread_id, at, actor=caller_of(request).actor)
    written = await graph.aupdate_state(config, body.values, as_node=body.as_node)
    made = wire.checkpoint(written)
    return json(
        {"checkpoint": made, "configurable": made, "checkpoint_id": made and made["checkpoint_id"]}
    )


async def history(request: Request) -> Response:
    """``POST /threads/{id}/history``: checkpoints newest first, ``limit`` of them."""
    body = await parsed(request, HistoryBody)
    thread_id = request.path_params["thread_id"]
    _, graph = await served(request).graph_of_thread(thread_id)
    namespace = {k: v for k, v in (body.checkpoint or {}).items() if k != "thread_id"}
    before = body.before
    if isinstance(before, str):
        before = {"checkpoint_id": before}
    states = graph.aget_state_history(
        address(thread_id, namespace),
        filter=body.metadata,
        before=address(thread_id, before) if before else None,
        limit=body.limit,
    )
    return json([wire.thread_state(snapshot) async for snapshot in states])


ROUTES = [
    Route("/threads", create_thread, methods=["POST"]),
    Route("/threads/search", search, methods=["POST"]),
    Route("/threads/{thread_id}", get_thread),
    Route("/threads/{thread_id}", delete_thread, methods=["DELETE"]),
    Route("/threads/{thread_id}", update_thread, methods=["PATCH"]),
    Route("/threads/{thread_id}/state", get_state),
    Route("/threads/{thread_id}/state", update_state, methods=["POST"]),
    Route("/threads/{thread_id}/state/checkpoint", get_state_at, methods=["POST"]),
    Route("/threads/{thread_id}/state/{checkpoint_id}", get_state),
    Route("/threads/{thread_id}/history", history, methods=["POST"]),
    Route("/threads/{thread_id}/copy", copy, methods=["POST"]),
]
