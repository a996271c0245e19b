"""The runs of this server process: admitted on their thread (``multitask_strategy``),
started when the runs before them have ended, their leases renewed while they run, and
cancelled when asked, from this process or another.

``multitask_strategy``: ``reject`` refuses a run on a thread that has one that has not
ended (409); ``enqueue`` (LangGraph Server's default) waits its turn. ``interrupt`` and
``rollback`` are refused (422): they cancel or erase what another person's run did, and
are not built.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool

from branchline.server import wire
from branchline.server.requests import HTTPError, no_run
from branchline.server.run_records import LEASE_S, RunRecords

logger = logging.getLogger(__name__)
POLL_S = 0.1  # seconds between looks at a run of another process, or at a thread's turn
STRATEGIES = ("reject", "enqueue")


@dataclass
class Outcome:
    """What a run gave: its final values (with ``__interrupt__`` if it paused)."""

    result: Any = None


class Background:
    """This process's runs, over the database's run records."""

    def __init__(self, records: RunRecords) -> None:
        self.records = records
        self._tasks: dict[str, asyncio.Task[Any]] = {}
        self._renewing: asyncio.Task[None] | None = None
        self._cancelled: set[str] = set()  # cancelled here, on request: see cancelled()

    async def admit(
        self,
        run_id: str,
        thread_id: str,
        assistant_id: str,
        metadata: dict[str, Any],
        strategy: str,
    ) -> None:
        """Record the run as pending on its thread; 409 if the thread is busy and
        ``strategy`` is ``reject``, 422 for a strategy not built."""
        if strategy not in STRATEGIES:
            raise HTTPError(
                422,
                f"multitask_strategy {strategy!r} is not served; use 'reject' or 'enqueue' "
                "(interrupt and rollback would cancel or erase another run's work)",
            )
        added = await run_in_threadpool(
            self.records.add, run_id, thread_id, assistant_id, metadata, strategy
        )
        if not added:
            raise HTTPError(
                409,
                f"thread {thread_id!r} has a run that has not ended; wait for it (join), or "
                "send multitask_strategy='enqueue' to run after it",
            )

    @asynccontextmanager
    async def turn(self, run_id: str, thread_id: str) -> AsyncIterator[Outcome]:
        """Wait for the run's turn on its thread, then let the caller run it; record how it
        ended (its ``Outcome.result``, the error it raised, or its cancellation)."""
        outcome = Outcome()
        task = asyncio.current_task()
        assert task is not None, "a run runs in a task"
        self._tasks[run_id] = task
        self._renew_soon()
        try:
            while not await run_in_threadpool(self.records.claim, run_id, thread_id):
                await asyncio.sleep(POLL_S)
            yield outcome
        except asyncio.CancelledError:
            await self._ended(run_id, "interrupted", None)
            raise
        except Exception as failed:
            error = {"__error__": wire.error(type(failed).__name__, str(failed))}
            await self._ended(run_id, "error", wire.dumps(error))
            raise
        else:
            await self._ended(run_id, "success", wire.dumps(outcome.result))
        finally:
            self._tasks.pop(run_id, None)

    async def _ended(self, run_id: str, status: str, result: str | None) -> None:
        """Record how the run ended. From now on it is no longer this process's to renew
        or to cancel: a renewal that sees it ended must not take it for lost."""
        self._tasks.pop(run_id, None)
        await _shielded(self.records.end, run_id, status, result)

    def start(self, run_id: str, thread_id: str, execute: Callable[[], Awaitable[Any]]) -> None:
        """Run it in the background (``runs.create``): its join tells how it ended."""

        async def background() -> None:
            with suppress(Exception, asyncio.CancelledError):  # recorded with the run
                async with self.turn(run_id, thread_id) as outcome:
                    outcome.result = await execute()

        self._tasks[run_id] = asyncio.create_task(background())

    async def cancel(self, thread_id: str, run_id: str) -> None:
        """Cancel the run, here or in the process that runs it."""
        task = self._tasks.get(run_id)
        if task is not None:
            self._cancelled.add(run_id)
            task.cancel()
        else:
            await run_in_threadpool(self.records.ask_to_cancel, run_id)

    def cancelled(self, run_id: str) -> bool:
        """Whether ``run_id`` was cancelled on request (not its task's own caller going)."""
        if run_id in self._cancelled:
            self._cancelled.discard(run_id)
            return True
        return False

    async def joined(self, thread_id: str, run_id: str) -> str:
        """What the run gave once it has ended (JSON text); 404 if there is no such run."""
        while True:
            found = await run_in_threadpool(self.records.get, thread_id, run_id)
            if found is None:
                raise no_run(thread_id, run_id)
            if found["status"] not in ("pending", "running"):
                return str(found["result"] or json.dumps(None))
            task = self._tasks.get(run_id)
            if task is not None:
                await asyncio.wait([task])
            else:
                await asyncio.sleep(POLL_S)

    def _renew_soon(self) -> None:
        if self._renewing is None or self._renewing.done():
            self._renewing = asyncio.create_task(self._renew())

    async def _renew(self) -> None:
        """Renew the leases of this process's runs while it has any; cancel those that
        another process was asked to cancel, and those ended as lost meanwhile (their
        lease ran out: their thread may have gone on without them)."""
        while self._tasks:
            await asyncio.sleep(LEASE_S / 3)
            await self.renew_once()

    async def renew_once(self) -> None:
        """Renew the leases of this process's runs once; cancel those to stop."""
        try:
            asked = await run_in_threadpool(self.records.renew, list(self._tasks))
        except Exception:  # a busy or unreachable database: try again next time
            logger.exception("the leases of this process's runs could not be renewed")
            return
        for run_id in asked:
            if (task := self._tasks.get(run_id)) is not None:
                task.cancel()


async def _shielded(fn: Callable[..., Any], *args: Any) -> None:
    """``fn(*args)`` in a worker thread, finished even if the caller is cancelled."""
    await asyncio.shield(run_in_threadpool(fn, *args))
