"""How the synchronous engine runs inside an event loop without blocking it.

An async call (``ainvoke``, ``astream``...) runs the one synchronous run loop in a
greenlet on the event loop's own thread (``runner/run_driver.py`` drives it). Where that code
would wait (a coroutine to await, a commit, a sync node, the tasks of a step), it hands
what it waits for to its driver, which awaits it on the loop and switches back with the
outcome; meanwhile the loop serves every other call. Outside such a greenlet (a sync
call, a worker thread) the same code simply runs or blocks as usual.

The store's methods that read or write a database go through ``off_loop_call``: made in
an async call's run, each runs on a worker thread while the loop goes on.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from greenlet import getcurrent, greenlet

P = ParamSpec("P")
R = TypeVar("R")


class RunGreenlet(greenlet):
    """The greenlet an async call's synchronous run steps in; its parent drives it."""


@dataclass(frozen=True)
class Offloaded:
    """A blocking call to make on a worker thread, in a copy of the run's context."""

    call: Callable[[], Any]
    context: contextvars.Context


@dataclass(frozen=True)
class Awaiting:
    """A coroutine to await on the loop (a node's), in ``context``: each of its steps
    runs there, as a task of its own would run it."""

    coroutine: Coroutine[Any, Any, Any]
    context: contextvars.Context


@dataclass(frozen=True)
class Queued:
    """A write to queue for a writer thread: ``queue(told)`` queues it, and the writer
    calls ``told(result, None)`` or ``told(None, error)`` from its thread when done."""

    queue: Callable[[Callable[[Any, BaseException | None], None]], None]


@dataclass(frozen=True)
class Concurrently:
    """Calls to run at once, each in a greenlet of its own (a step's tasks), at most
    ``limit`` at a time; each starts in its own copy of the run's context. The first whose
    result ``stops_others`` (a failed task) has the unfinished ones cancelled, and so does
    ``timeout`` seconds passing (a graph's ``step_timeout``)."""

    calls: Sequence[Callable[[], Any]]
    contexts: Sequence[contextvars.Context]
    limit: int | None
    stops_others: Callable[[Any], bool]
    timeout: float | None = None


def in_async_run() -> bool:
    """Whether this code runs in an async call's run, on the event loop's thread."""
    return isinstance(getcurrent(), RunGreenlet)


def hand(wanted: Offloaded | Awaiting | Queued | Concurrently) -> Any:
    """What ``wanted`` gives, once the driver has it: this greenlet waits, the loop runs.
    Raises what it raises. Call only ``in_async_run()``."""
    return switch_to_driver(wanted)


def switch_to_driver(handed: object) -> Any:
    """Switch from this run greenlet to its driver with ``handed``; what it sends back."""
    driver = getcurrent().parent
    assert driver is not None, "only a run greenlet hands things over"
    return driver.switch(handed)


def off_loop_call(fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """``fn(*args, **kwargs)``, on a worker thread when an async call's run makes it
    (the loop goes on meanwhile), else right here."""
    if not in_async_run():
        return fn(*args, **kwargs)
    return hand(  # type: ignore[no-any-return]
        Offloaded(functools.partial(fn, *args, **kwargs), contextvars.copy_context())
    )


M = TypeVar("M", bound=Callable[..., Any])


def io_method(method: M) -> M:
    """A method that reads or writes a database: made in an async call's run, it runs on
    a worker thread, off the event loop. An object ``kept_in_memory`` runs it right here."""

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if self.kept_in_memory or not in_async_run():
            return method(self, *args, **kwargs)
        return off_loop_call(method, self, *args, **kwargs)

    return call  # type: ignore[return-value]
