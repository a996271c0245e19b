"""The bridge between an event loop and the one run loop (STYLE.md rule 4: no twins).

An async call (``ainvoke``, ``astream``, ``aget_state``...) runs its synchronous twin in
a greenlet on the event loop's thread (``domain/store/off_loop.py``), driven from here:
where the twin would wait, it hands what it waits for to its driver and the loop goes
on. An ``async def`` node, path function or tool is awaited on the loop, within the
call's own task (a step's tasks each get one), in the context of the run that made
it: ``interrupt()``, ``get_config()`` and ``get_stream_writer()`` work in it as in a
sync node. A sync node, a commit and a read run on a worker thread. One OS thread serves
any number of calls; no call holds one while its nodes wait on the network.

Cancelling the call (a client gone, a timeout) stops the run as a crash would, but
cleanly: the coroutines it awaits are cancelled, a commit or sync node under way
finishes, the step under way is not written, the steps it completed stay committed, and
``ainvoke(None, config)`` goes on from there. The call raises ``CancelledError`` once the
run has stopped, so nothing of it is written afterwards.
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from branchline.domain.store.off_loop import (
    Awaiting,
    Concurrently,
    hand,
    in_async_run,
    off_loop_call,
    switch_to_driver,
)
from branchline.runner.run_driver import STOP, AsyncCall, Driven, Ran, Yielded

if TYPE_CHECKING:  # asyncio loads when an async call is made: ``import branchline`` stays quick
    import asyncio

P = ParamSpec("P")
R = TypeVar("R")

_call: contextvars.ContextVar[AsyncCall | None] = contextvars.ContextVar(
    "branchline_async_call", default=None
)


def awaited(value: Coroutine[Any, Any, R], what: str) -> R:
    """What the coroutine ``value`` returns, ``what`` (a node's name, say) having made it:
    awaited on the loop of the async call this runs in. A sync call cannot await it."""
    call = _call.get()
    if in_async_run():
        import asyncio

        if call is not None and call.cancelled.is_set():
            value.close()
            raise asyncio.CancelledError()
        return hand(Awaiting(value, contextvars.copy_context()))  # type: ignore[no-any-return]
    if call is None or _on_loop(call.loop):  # a sync call, maybe made by an async node
        value.close()
        raise TypeError(
            f'No synchronous function provided to "{what}": it is async. Invoke the graph '
            "through the async API (await graph.ainvoke(...), graph.astream(...)), or make "
            f'"{what}" a plain def'
        )
    return call.run(value)  # a worker thread of the call (a sync node's subgraph)


def in_async_call() -> bool:
    """Whether this runs for an async call (``ainvoke``, ``astream``...)."""
    return _call.get() is not None


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    """Whether this runs on ``loop``'s own thread (a sync ``invoke`` called inside an
    async node): awaiting on the loop from here would wait for itself."""
    import asyncio

    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


def sync_node_output(func: Callable[..., R], *args: Any, **kwargs: Any) -> R:
    """What a sync node's function returns: in an async call's run, made on a worker
    thread, so the loop goes on meanwhile. A function that steps on the loop itself (a
    subgraph, whose own nodes leave it) runs right here."""
    if getattr(func, "steps_on_loop", False):
        return func(*args, **kwargs)
    return off_loop_call(func, *args, **kwargs)


def concurrently(
    calls: Sequence[Callable[[], R]],
    limit: int | None,
    stops_others: Callable[[R], bool],
    timeout: float | None = None,
) -> Ran | None:
    """Run ``calls`` at once on the loop, each in a greenlet of its own (at most ``limit``
    at a time), when this is an async call's run; None otherwise (use threads). The first
    whose result ``stops_others`` has the unfinished ones cancelled (``Ran.stopped``), and
    so does ``timeout`` seconds passing (``Ran.timed_out``)."""
    if not in_async_run():
        return None
    contexts = [contextvars.copy_context() for _ in calls]
    handed = Concurrently(calls, contexts, limit, stops_others, timeout)
    return hand(handed)  # type: ignore[no-any-return]


def stop_if_cancelled() -> None:
    """Raise ``CancelledError`` if the async call this runs in was cancelled: a run checks
    between steps, and before it records a step (the step is then not written)."""
    call = _call.get()
    if call is not None and call.cancelled.is_set():
        import asyncio

        raise asyncio.CancelledError()


async def off_loop(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)`` run as an async call of its own (see the module doc);
    cancelling the caller stops it, then raises ``CancelledError``."""
    import asyncio

    call = AsyncCall(asyncio.get_running_loop(), asyncio.current_task())

    def run() -> R:
        _call.set(call)
        return fn(*args, **kwargs)

    result = await Driven(run, call, contextvars.copy_context()).result()
    if call.cancelled.is_set():
        raise asyncio.CancelledError()
    return result  # type: ignore[no-any-return]


async def iterated_off_loop(
    fn: Callable[P, Iterable[R]], /, *args: P.args, **kwargs: P.kwargs
) -> AsyncIterator[R]:
    """The items of ``fn(*args, **kwargs)`` (a generator: ``stream``, a history), made
    as an async call of its own, one when the caller asks for it (as the sync generator
    runs). Leaving the loop early (``break``, ``aclose()``, a cancellation) stops the
    generator where the sync API's caller would, by closing it, and waits for it."""
    import asyncio

    call = AsyncCall(asyncio.get_running_loop(), asyncio.current_task())

    def run() -> None:
        _call.set(call)
        items = iter(fn(*args, **kwargs))
        try:
            for item in items:
                if switch_to_driver(Yielded(item)) is STOP:
                    return
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    driven = Driven(run, call, contextvars.copy_context())
    try:
        more, item = await driven.advance()
        while more:
            yield item
            more, item = await driven.advance(None)
    finally:
        if not driven.greenlet.dead:  # the caller left early: stop the run where it is
            await driven.advance(STOP)
    if call.cancelled.is_set():
        raise asyncio.CancelledError()
