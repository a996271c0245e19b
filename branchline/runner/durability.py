"""When a run's steps reach the store: ``durability="sync" | "async" | "exit"``.

The names and meanings are LangGraph's (``graph.invoke(..., durability=...)``):

* ``"sync"`` (Branchline's default): each superstep is committed before the next one
  starts, so a crash or power loss never loses a completed step.
* ``"async"`` (LangGraph's default): a step is committed on a writer thread while the
  next step's nodes run. A crash can lose the steps being written, and the node after
  them may already have run; ``invoke`` returns only once every step is committed.
* ``"exit"``: the run's steps are committed together, in one transaction, when it ends
  (finishes, pauses or fails). A crash loses the run. Unlike LangGraph, which then keeps
  only the last checkpoint, every checkpoint is kept, so history and time travel work
  the same in every mode.

In every mode a person's decision (``Command(resume=...)``, an edit) and a fork are
committed before any node runs, so a resume still happens exactly once; a new input is
committed with the steps that follow it. A pause or a failure is committed before the
call returns, and so is everything else.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from typing import Literal, get_args

from branchline.domain.model.events import ThreadEvent
from branchline.domain.model.thread import Thread
from branchline.domain.store.off_loop import off_loop_call
from branchline.runner.errors import InvalidConfigError

Durability = Literal["sync", "async", "exit"]
DURABILITIES: tuple[str, ...] = get_args(Durability)

Write = Callable[[Thread | None, Sequence[ThreadEvent], Thread], Thread]


def check_durability(
    durability: object, has_store: bool, checkpoint_during: bool | None = None
) -> Durability:
    """The chosen mode, or a clear error naming the accepted ones. ``checkpoint_during``
    is LangGraph's deprecated spelling: True is ``"async"``, False ``"exit"``."""
    if checkpoint_during is not None:
        warnings.warn(
            "checkpoint_during is deprecated; pass durability='async' (for True) or "
            "durability='exit' (for False) instead",
            DeprecationWarning,
            stacklevel=4,
        )
        if durability is not None:
            raise InvalidConfigError(
                f"pass durability={durability!r} or checkpoint_during={checkpoint_during!r}, "
                "not both; checkpoint_during is the deprecated spelling of durability"
            )
        durability = "async" if checkpoint_during else "exit"
    if durability is None:
        return "sync"
    if durability not in DURABILITIES:
        raise InvalidConfigError(
            f"durability must be one of {list(DURABILITIES)}, got {durability!r}; 'sync' (the "
            "default) commits every step before the next, 'async' while the next one runs, "
            "'exit' all at the end"
        )
    if not has_store:
        warnings.warn(
            f"durability={durability!r} has no effect: the graph has no checkpointer",
            stacklevel=4,
        )
    return durability  # type: ignore[return-value]


class Journal:
    """A run's appends, committed when its durability mode says.

    ``append`` returns the thread as it is after the events at once; ``flush`` returns
    when everything appended so far is committed, raising the error of a write that
    failed (``ConcurrentUpdate`` if another process wrote to the thread meanwhile).

    In ``"async"`` mode the writer thread commits whatever steps are waiting in one
    transaction: one step at a time while the next one's nodes wait on I/O, several at
    once when they are faster than the disk.
    """

    def __init__(self, write: Write, mode: Durability, writer: Callable[[], Executor]) -> None:
        self._write = write
        self._mode = mode
        self._writer = writer
        self._lock = threading.Lock()
        self._base: Thread | None = None  # the thread before the held events
        self._held: list[ThreadEvent] = []  # events not handed to the store yet
        self._after: Thread | None = None  # the thread after them
        self._writing: Future[None] | None = None  # async: the writer at work
        self._failed: BaseException | None = None  # async: why the writer stopped

    def append(
        self, base: Thread | None, events: Sequence[ThreadEvent], folded: Thread, *, now: bool
    ) -> Thread:
        """Append ``events`` decided on ``base``, which lead to ``folded``; ``now`` commits
        them before returning (a decision, a pause, a failure), whatever the mode."""
        if self._mode == "sync":
            return self._write(base, events, folded)
        with self._lock:
            if self._failed is None:
                if not self._held:
                    self._base = base
                self._held.extend(events)
                self._after = folded
                if self._mode == "async" and not now and self._writing is None:
                    self._writing = self._writer().submit(self._drain)
        if now or self._failed is not None:
            self.flush()  # commits what is held with these events; raises a failed write's error
        return folded

    def flush(self) -> None:
        """Return once everything appended is committed; raise a failed write's error."""
        writing = self._writing
        if writing is not None:
            off_loop_call(writing.exception)  # wait for the writer to finish
        with self._lock:
            failed, self._writing, self._failed = self._failed, None, None
            held = self._take()
        if failed is not None:
            raise failed
        if held is not None:
            self._write(*held)

    def discard(self) -> None:
        """Drop what is not committed (another run carries the thread on)."""
        if self._writing is not None:
            off_loop_call(self._writing.exception)  # wait: nothing of this run lands after
        with self._lock:
            self._writing, self._failed = None, None
            self._take()

    def _take(self) -> tuple[Thread | None, list[ThreadEvent], Thread] | None:
        """The held events with the threads before and after them, no longer held
        (hold the lock)."""
        base, held, after = self._base, self._held, self._after
        self._base, self._held, self._after = None, [], None
        return (base, held, after) if held and after is not None else None

    def _drain(self) -> None:
        """The writer thread: commit the held events until none are left."""
        while True:
            with self._lock:
                held = self._take()
                if held is None:
                    self._writing = None
                    return
            try:
                self._write(*held)
            except BaseException as error:
                with self._lock:  # the run stops: nothing held after this lands
                    self._failed, self._writing = error, None
                    self._take()
                return
