"""How an async call's run greenlet is driven on its event loop (see ``aio``).

``Driven.advance`` switches into the run until it hands over what it waits for
(``domain/store/off_loop.py``) and serves that: a node's coroutine awaited right here, in
the run's context; a blocking call on a worker thread; an append queued for the store's
committer thread, whose outcome comes back through the loop's mailbox; a step's tasks,
each in a greenlet of its own. The run then continues with the outcome.
"""

from __future__ import annotations

import contextvars
import threading
import weakref
from collections.abc import Callable, Coroutine, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from greenlet import getcurrent

from branchline.domain.store.off_loop import (
    Awaiting,
    Concurrently,
    Offloaded,
    Queued,
    RunGreenlet,
)

if TYPE_CHECKING:
    import asyncio

R = TypeVar("R")

# Worker threads for what an async call's run waits on outside the loop: a sync node, a
# commit, a read. Each waits for one of them; started as needed.
WORKERS = 64
_workers = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="branchline-async")


class AsyncCall:
    """One async call's link to its event loop: whether its caller cancelled it, and the
    coroutines awaited for it from worker threads (a subgraph's async node, run by a
    sync node)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any] | None) -> None:
        self.loop = loop
        self.task = task  # the caller's
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

    def given_up(self) -> bool:
        """Whether the caller's task was asked to cancel (not just one of a step's tasks,
        stopped because a sibling failed)."""
        return self.task is not None and self.task.cancelling() > 0

    def cancel(self) -> None:
        """The caller gave up (call on the loop's thread): the run stops at its next
        step boundary, and the coroutines awaited for its worker threads are cancelled."""
        self.cancelled.set()
        for task in list(self._tasks):
            task.cancel()


@dataclass
class Ran:
    """The calls ``concurrently`` ran: their futures in the calls' order, and as they
    finished."""

    futures: list[Any]
    finished: list[Any]
    stopped: bool = False  # the unfinished ones were cancelled: one of them failed
    timed_out: bool = False  # ... or the time given them ran out

    def cancel_unfinished(self) -> None:
        """Cancel the calls still running."""
        for future in self.futures:
            future.cancel()


START = object()  # switch into a greenlet that has not started
STOP = object()  # an iterated run's caller left early


@dataclass(frozen=True)
class Yielded:
    """An item an iterated run (``astream``) gives its caller."""

    item: Any


class Driven:
    """A run greenlet and its driver: it serves what the run hands over (``Awaiting``,
    ``Offloaded``, ``Queued``, ``Concurrently``) until the run yields an item or returns."""

    def __init__(self, run: Callable[[], Any], call: AsyncCall, context: contextvars.Context):
        self.greenlet = RunGreenlet(run, parent=getcurrent())
        self.greenlet.gr_context = context
        self.call = call

    async def advance(self, value: Any = START) -> tuple[bool, Any]:
        """Switch into the run with ``value`` until it yields an item, ``(True, item)``, or
        returns, ``(False, result)``. Raises what the run raises."""
        error: BaseException | None = None
        while True:
            greenlet = self.greenlet
            if error is not None:
                handed = greenlet.throw(error)
            else:
                handed = greenlet.switch() if value is START else greenlet.switch(value)
            if greenlet.dead:
                return False, handed
            if isinstance(handed, Yielded):
                return True, handed.item
            value, error = await self._serve(handed)

    async def result(self) -> Any:
        """What the run returns."""
        return (await self.advance())[1]

    async def _serve(self, handed: Any) -> tuple[Any, BaseException | None]:
        """What the run waits for, as ``(value, None)`` or ``(None, error)``."""
        import asyncio

        loop = asyncio.get_running_loop()
        if isinstance(handed, Awaiting):
            try:  # awaited right here: its first steps run now, not at the loop's turn
                return await _InContext(handed.coroutine, handed.context), None
            except asyncio.CancelledError as cancelled:
                if self.call.given_up():  # the run stops where it is
                    self.call.cancel()
                return None, cancelled
            except BaseException as error:
                return None, error
        if isinstance(handed, Offloaded):
            running = loop.run_in_executor(_workers, handed.context.run, handed.call)
            return await self._finished(running)
        if isinstance(handed, Queued):
            written: asyncio.Future[Any] = loop.create_future()
            mailbox = _mailbox(loop)
            handed.queue(lambda result, error: mailbox.post(written, result, error))
            return await self._finished(written)
        assert isinstance(handed, Concurrently)
        ran = Ran([], [])
        slots = None if handed.limit is None else asyncio.Semaphore(handed.limit)

        def ended(task: asyncio.Task[Any]) -> None:
            ran.finished.append(task)
            returned = not task.cancelled() and task.exception() is None
            if returned and handed.stops_others(task.result()) and not ran.stopped:
                ran.stopped = True  # as LangGraph's async runner: the others are cancelled
                ran.cancel_unfinished()

        def expired() -> None:
            ran.timed_out = True
            ran.cancel_unfinished()

        for call, context in zip(handed.calls, handed.contexts, strict=True):
            task = loop.create_task(self._child(call, context, slots))
            task.add_done_callback(ended)
            ran.futures.append(task)
        timer = None if handed.timeout is None else loop.call_later(handed.timeout, expired)
        try:
            gathered = asyncio.gather(*ran.futures, return_exceptions=True)
            return await self._finished(gathered, ran)
        finally:
            if timer is not None:
                timer.cancel()

    async def _finished(
        self, running: asyncio.Future[Any], ran: Ran | None = None
    ) -> tuple[Any, BaseException | None]:
        """``running``'s outcome once it is done, even if the caller gives up meanwhile (a
        commit under way must be known to have happened or not; a step's tasks stop
        first): the run sees the cancellation at its next step."""
        import asyncio

        while True:
            try:
                result = await asyncio.shield(running)
            except asyncio.CancelledError as cancelled:
                if running.done():
                    return None, cancelled
                if self.call.given_up():
                    self.call.cancel()
                if ran is not None:
                    ran.cancel_unfinished()
            except BaseException as error:
                return None, error
            else:
                return (ran if ran is not None else result), None

    async def _child(
        self,
        run: Callable[[], Any],
        context: contextvars.Context,
        slots: asyncio.Semaphore | None,
    ) -> Any:
        """One of a step's tasks, in a greenlet of its own (in a slot, if limited)."""
        if slots is None:
            return await Driven(run, self.call, context).result()
        async with slots:
            return await Driven(run, self.call, context).result()


class _Mailbox:
    """What writer threads tell a loop's runs (a commit's outcome, say), delivered in
    one wake-up of the loop for all that arrived since the last: waking the loop lets go
    of the GIL, and the writer would wait for it back once per append."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._posted: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []

    def post(self, future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
        """Settle ``future`` on the loop's thread (call from any thread)."""
        with self._lock:
            self._posted.append((future, result, error))
            if len(self._posted) > 1:  # a delivery is due already
                return
        self._loop.call_soon_threadsafe(self._deliver)

    def _deliver(self) -> None:
        with self._lock:
            posted, self._posted = self._posted, []
        for future, result, error in posted:
            if future.cancelled():
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)


_mailboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Mailbox] = (
    weakref.WeakKeyDictionary()
)


def _mailbox(loop: asyncio.AbstractEventLoop) -> _Mailbox:
    """``loop``'s mailbox (on the loop's thread)."""
    mailbox = _mailboxes.get(loop)
    if mailbox is None:
        mailbox = _mailboxes[loop] = _Mailbox(loop)
    return mailbox


class _InContext:
    """Await ``coroutine`` with each of its steps run in ``context`` (as a task made in
    that context would run it), but within the awaiting task."""

    def __init__(self, coroutine: Coroutine[Any, Any, R], context: contextvars.Context):
        self._coroutine, self._context = coroutine, context

    def __await__(self) -> Generator[Any, Any, Any]:
        run, coroutine = self._context.run, self._coroutine
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            try:
                if thrown is None:
                    waiting_for = run(coroutine.send, sent)
                else:
                    waiting_for = run(coroutine.throw, thrown)
            except StopIteration as returned:
                return returned.value
            try:
                sent, thrown = (yield waiting_for), None
            except BaseException as error:  # the awaiting task's cancellation, say
                sent, thrown = None, error
