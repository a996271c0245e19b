"""The bridge between an event loop and the one run loop (STYLE.md rule 4: no twins).

An async call (``ainvoke``, ``astream``, ``aget_state``...) runs its synchronous twin on a
worker thread, so the store's reads and commits and the sync nodes never block the event
loop. A coroutine the run meets (an ``async def`` node, path function or tool) is
awaited on the caller's loop, in the context of the task that made it: ``interrupt()``,
``get_config()`` and ``get_stream_writer()`` work in it as in a sync node.

Cancelling the call (a client gone, a timeout) stops the run as a crash would, but
cleanly: the coroutines it awaits are cancelled, the step under way is not written,
the steps it completed stay committed, and ``ainvoke(None, config)`` goes on from there.
The call returns (raising ``CancelledError``) once the run has stopped, so nothing of it
is written afterwards.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import suppress
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

if TYPE_CHECKING:  # asyncio loads when an async call is made: ``import branchline`` stays quick
    import asyncio

P = ParamSpec("P")
R = TypeVar("R")

# Workers for async calls: one per call running at once, started as needed. A call holds
# its worker while its nodes' coroutines run on the loop, so the bound is generous.
MAX_CALLS = 4096
_workers = ThreadPoolExecutor(max_workers=MAX_CALLS, thread_name_prefix="branchline-async")


class AsyncCall:
    """One async call's link to its event loop: where the coroutines its run meets are
    awaited, and whether its caller cancelled it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.cancelled = threading.Event()
        self._tasks: set[asyncio.Task[Any]] = set()  # touched on the loop's thread only

    def run(self, coroutine: Coroutine[Any, Any, R]) -> R:
        """Await ``coroutine`` on the call's loop, in this context; block this (worker)
        thread until it is done. Raises what it raises; ``CancelledError`` if the call
        was cancelled meanwhile."""
        import asyncio

        done: Future[R] = Future()
        context = contextvars.copy_context()

        def start() -> None:
            if self.cancelled.is_set():
                coroutine.close()
                done.set_exception(asyncio.CancelledError())
                return
            task = self.loop.create_task(coroutine, context=context)
            self._tasks.add(task)
            task.add_done_callback(lambda finished: self._settle(finished, done))

        self.loop.call_soon_threadsafe(start)
        return done.result()

    def _settle(self, task: asyncio.Task[R], done: Future[R]) -> None:
        import asyncio

        self._tasks.discard(task)
        if task.cancelled():
            done.set_exception(asyncio.CancelledError())
        elif (error := task.exception()) is not None:
            done.set_exception(error)
        else:
            done.set_result(task.result())

    def cancel(self) -> None:
        """The caller gave up (call on the loop's thread): the run stops at its next
        step boundary, and the coroutines it awaits now are cancelled."""
        self.cancelled.set()
        for task in list(self._tasks):
            task.cancel()


_call: contextvars.ContextVar[AsyncCall | None] = contextvars.ContextVar(
    "branchline_async_call", default=None
)


def awaited(value: Coroutine[Any, Any, R], what: str) -> R:
    """What the coroutine ``value`` returns, ``what`` (a node's name, say) having made it:
    awaited on the loop of the async call this runs in. A sync call cannot await it."""
    call = _call.get()
    if call is None or _on_loop(call.loop):  # a sync call, maybe made by an async node
        value.close()
        raise TypeError(
            f'No synchronous function provided to "{what}": it is async. Invoke the graph '
            "through the async API (await graph.ainvoke(...), graph.astream(...)), or make "
            f'"{what}" a plain def'
        )
    return call.run(value)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether this runs on ``loop``'s own thread (a sync ``invoke`` called inside an
    async node): awaiting on the loop from here would wait for itself."""
    import asyncio

    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def async_workers() -> Executor | None:
    """The async calls' worker pool, when this runs in one: a step's tasks run there (their
    coroutines wait on the loop, each holding a worker), not in the graph's few threads."""
    return _workers if _call.get() is not None else None


def stop_if_cancelled() -> None:
    """Raise ``CancelledError`` if the async call this runs in was cancelled: a run checks
    between steps, and before it records a step (the step is then not written)."""
    call = _call.get()
    if call is not None and call.cancelled.is_set():
        import asyncio

        raise asyncio.CancelledError()


class _Cancelled:
    """What a worker returns when its run stopped because the call was cancelled (an
    exception cannot cross into the loop as CancelledError: it would read as the
    worker's future being cancelled)."""


async def off_loop(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)`` run on a worker thread as an async call of its own (see
    the module doc); cancelling the caller stops it, then raises ``CancelledError``."""
    import asyncio

    loop = asyncio.get_running_loop()
    call = AsyncCall(loop)

    def work() -> R | _Cancelled:
        _call.set(call)
        try:
            return fn(*args, **kwargs)
        except asyncio.CancelledError:
            return _Cancelled()

    context = contextvars.copy_context()
    running = loop.run_in_executor(_workers, context.run, work)
    try:
        result = await asyncio.shield(running)
    except asyncio.CancelledError:
        call.cancel()
        with suppress(BaseException):
            await running  # the run stops where it can: nothing of it is written after
        raise
    if isinstance(result, _Cancelled):  # its nodes were cancelled by someone else
        raise asyncio.CancelledError()
    return result


async def iterated_off_loop(
    fn: Callable[P, Iterable[R]], /, *args: P.args, **kwargs: P.kwargs
) -> AsyncIterator[R]:
    """The items of ``fn(*args, **kwargs)`` (a generator: ``stream``, a history),
    produced on a worker thread as an async call of its own, one when the caller asks
    for it (as the sync generator runs). Leaving the loop early (``break``,
    ``aclose()``, a cancellation) stops the generator where the sync API's caller would,
    by closing it, and waits for it."""
    import asyncio

    loop = asyncio.get_running_loop()
    call = AsyncCall(loop)
    queue: asyncio.Queue[tuple[bool, Any]] = asyncio.Queue()
    asked = threading.Semaphore(0)  # the caller asks for the item after the one it has

    def put(more: bool, item: Any) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (more, item))

    def work() -> None:
        _call.set(call)
        try:
            items = iter(fn(*args, **kwargs))
            try:
                for item in items:
                    put(True, item)
                    asked.acquire()
                    if call.cancelled.is_set():
                        break
            finally:
                close = getattr(items, "close", None)
                if close is not None:
                    close()
        except asyncio.CancelledError:
            put(False, asyncio.CancelledError())
        except BaseException as error:  # for the caller, on the loop
            put(False, error)
        else:
            put(False, None)

    running = loop.run_in_executor(_workers, contextvars.copy_context().run, work)
    try:
        while True:
            more, item = await queue.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
            asked.release()
    finally:
        if not running.done():
            call.cancel()
            asked.release()
            with suppress(BaseException):
                await asyncio.shield(running)
