"""What every route of the app needs: the store and graphs it serves, and who calls.

One assistant per graph, its id derived from the graph's name as LangGraph Server
derives it, so an SDK client may name either. A thread belongs to the graph it was
created for (``metadata.graph_id``) or first run with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from starlette.authentication import BaseUser
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from branchline.domain.model.errors import ConcurrentUpdate
from branchline.domain.model.events import ThreadStarted
from branchline.domain.model.thread import Thread
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.compiled import CompiledStateGraph
from branchline.server.background import Background
from branchline.server.requests import HTTPError, no_thread
from branchline.server.thread_records import ThreadRecords
from branchline.server.tokens import Caller, Tokens

_STARTED = datetime.now(UTC)
# LangGraph Server names a graph's assistant uuid5(this, graph name): so does this server.
ASSISTANTS = UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")
KEPT_GRAPH_IDS = 100_000  # threads whose graph is remembered


@dataclass
class Served:
    """What the app serves: the store, and its graphs by name."""

    store: CheckpointStore
    graphs: Mapping[str, CompiledStateGraph]
    background: Background
    tokens: Tokens | None  # None: the development mode, no authentication
    threads: ThreadRecords
    _graph_ids: dict[str, str] = field(default_factory=dict)  # thread -> its graph

    def assistant_id(self, graph_id: str) -> str:
        """The assistant of graph ``graph_id`` (as LangGraph Server names it)."""
        return str(uuid5(ASSISTANTS, graph_id))

    def assistant(self, graph_id: str) -> dict[str, Any]:
        """The assistant of graph ``graph_id``, as the API shows it."""
        created = _STARTED.isoformat()
        return {
            "assistant_id": self.assistant_id(graph_id),
            "graph_id": graph_id,
            "name": graph_id,
            "description": None,
            "config": {},
            "context": {},
            "metadata": {"created_by": "system"},
            "version": 1,
            "created_at": created,
            "updated_at": created,
        }

    def graph(self, assistant_id: str) -> tuple[str, CompiledStateGraph]:
        """The graph an assistant id or a graph name names; 404 if none."""
        for graph_id, graph in self.graphs.items():
            if assistant_id in (graph_id, self.assistant_id(graph_id)):
                return graph_id, graph
        raise HTTPError(
            404,
            f"no assistant {assistant_id!r}; this server serves {sorted(self.graphs)} "
            "(name a graph or its assistant_id)",
        )

    async def started(self, thread_id: str) -> ThreadStarted | None:
        """The event that opened thread ``thread_id``; None if there is no such thread."""

        def first() -> ThreadStarted | None:
            if self.threads.deleted(thread_id):
                return None  # hidden: its events stay in the log
            event = next(iter(self.store.events(thread_id, upto=1)), None)
            return event if isinstance(event, ThreadStarted) else None

        return await run_in_threadpool(first)

    async def open_thread(self, thread_id: str, metadata: Mapping[str, Any]) -> bool:
        """Open thread ``thread_id`` for the graph ``metadata["graph_id"]`` names (or the
        server's only one): whether this call opened it (False: it was there already)."""
        named, graph = metadata.get("graph_id"), None
        if named is not None:  # by its name, also when given its assistant's id
            named, graph = self.graph(str(named))
            metadata = {**metadata, "graph_id": named}
        elif len(self.graphs) == 1:
            graph = next(iter(self.graphs.values()))
        values = graph.spec.schema.initial_values() if graph is not None else {}
        opened = Thread.start(thread_id, values, metadata=metadata)
        try:
            await run_in_threadpool(self.store.append, None, [opened])
        except ConcurrentUpdate:
            return False
        return True

    async def existing(self, thread_id: str) -> ThreadStarted:
        """The event that opened thread ``thread_id``; 404 if there is no such thread."""
        started = await self.started(thread_id)
        if started is None:
            raise no_thread(thread_id)
        return started

    async def graph_of_thread(self, thread_id: str) -> tuple[str, CompiledStateGraph]:
        """The graph thread ``thread_id`` belongs to; 404 if there is no such thread, 400
        if it names none yet."""
        await self.existing(thread_id)
        found = await self.thread_graph(thread_id)
        if found is None:
            raise HTTPError(
                400,
                f"thread {thread_id!r} names no graph: create it with metadata.graph_id, or "
                "run it once with an assistant_id",
            )
        return found

    async def thread_graph(self, thread_id: str) -> tuple[str, CompiledStateGraph] | None:
        """The graph of an existing thread: the server's only one, or the one its
        creation or a run of it named (``metadata.graph_id``); None if none did yet."""
        if len(self.graphs) == 1:
            return next(iter(self.graphs.items()))
        named = self._graph_ids.get(thread_id)
        if named is None:
            named = await run_in_threadpool(self._named_graph, thread_id)
        if named is None:
            return None
        if len(self._graph_ids) >= KEPT_GRAPH_IDS:
            self._graph_ids.clear()
        self._graph_ids[thread_id] = named  # a thread keeps its graph
        return self.graph(named)

    def _named_graph(self, thread_id: str) -> str | None:
        for event in self.store.events(thread_id):
            metadata = getattr(event, "metadata", None)
            if isinstance(metadata, dict) and "graph_id" in metadata:
                return str(metadata["graph_id"])
        return None


class CallerUser(BaseUser):
    """An authenticated caller, as Starlette's request.user."""

    def __init__(self, caller: Caller) -> None:
        self.caller = caller

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.caller.actor


def caller_of(request: Request) -> Caller:
    """Who made ``request`` (from its token, never its body)."""
    user = request.user
    assert isinstance(user, CallerUser), "the authentication middleware runs first"
    return user.caller


def served(request: Request) -> Served:
    """The store and graphs of the app that got ``request``."""
    found: Served = request.app.state.served
    return found
